/**
 * Lead routing: explicit partner, then account ownership,
 * then the first matching rule group, else Unassigned. Pure: no I/O, no clock,
 * no randomness; the caller provides pending counts and pool sequences.
 *
 * Primary course for a chunk of leads:
 * 1. `compileRouting({ rules, partners })` once per file or request;
 * 2. `compiled.match(lead, { explicitPartner, exclude })` for each lead;
 * 3. load pending counts; `PoolSequences.decide(pending, (state) => matches.map((m) => compiled.choose(m, state)))`
 *    reserves exactly the pool sequence numbers the chunk takes;
 * 4. record each `decision.explanation`; a lead not written hands its number back (`release`).
 */

/** Compiles rules and partners once; the result matches and chooses per lead. */
export {
  type CompiledGroup,
  type CompiledRouting,
  type CompileRoutingInput,
  compileRouting,
  type SlottedCondition,
} from './compile';
/** Conditions: the lead shape routing reads, and single-condition evaluation. */
export {
  type CompiledCondition,
  type ConditionOperand,
  compileCondition,
  evaluateCondition,
  type RoutableLead,
} from './conditions';
/** The shared rule engine: condition groups (routing's, registration's) compiled once, first match wins. */
export { type CompiledGroups, type ConditionGroup, compileGroups } from './groups';
/** The rule set schema (`PUT /v1/routing-rules`), its parts, limits and validation against partners. */
export {
  isRuleField,
  MAX_GROUP_CONDITIONS,
  MAX_IN_VALUES,
  MAX_POOL_PARTNERS,
  MAX_RULE_GROUPS,
  ROUTING_STRATEGIES,
  RoutingRules,
  type RoutingStrategy,
  RULE_CORE_FIELDS,
  RULE_OPS,
  RuleAssign,
  RuleCondition,
  type RuleCoreField,
  RuleGroup,
  type RuleOp,
  type RuleScalar,
  validateRules,
} from './rules';
/** Pool sequence numbers reserved exactly as used, and an in-memory state for previews, tests and benchmarks. */
export {
  memoryRoutingState,
  PoolSequences,
  poolSequenceCounter,
  type ReserveSequences,
  rerouteSequenceCounter,
  reserveByCounter,
} from './state';
/** The smooth weighted round-robin cycle behind the `weighted` strategy. */
export { smoothWeightedCycle } from './strategies';
/** Matches, decisions and the state interface the caller implements. */
export type {
  ChooseOptions,
  ErrorMatch,
  ExplicitMatch,
  MatchOptions,
  NoMatch,
  OwnershipMatch,
  RoutingDecision,
  RoutingMatch,
  RoutingPartner,
  RoutingSkip,
  RoutingState,
  RuleMatch,
  SkipReason,
} from './types';
/** Lenient ISO-8601 and number reading used by conditions (UTC when no zone is given). */
export { parseIsoTime as parseRuleTime, parseNumber as parseRuleNumber } from './values';
