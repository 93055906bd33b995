import { z } from 'zod';
import { type ErrorDetail, ValidationError } from '../errors';
import { CustomFieldName, LEAD_TEXT_FIELDS } from '../leads/lead';
import type { Partner } from '../tenants/schemas';
import { issuesToDetails } from '../validation';
import { parseIsoTime, parseNumber } from './values';

/**
 * The supplier's routing rules (routing's third step, after an explicit partner
 * and account ownership): an ordered list of
 * rule groups; a group matches when all its conditions hold, the first matching
 * group decides. One zod schema per shape feeds validation, types and OpenAPI.
 */

export const MAX_RULE_GROUPS = 500;
export const MAX_GROUP_CONDITIONS = 50;
export const MAX_POOL_PARTNERS = 100;
export const MAX_IN_VALUES = 1000;
export const MAX_RULE_VALUE_LENGTH = 1000;

/** The operators a condition may use. */
export const RULE_OPS = [
  'equals',
  'notEquals',
  'in',
  'notIn',
  'contains',
  'startsWith',
  'exists',
  'notExists',
  'gt',
  'gte',
  'lt',
  'lte',
] as const;
export type RuleOp = (typeof RULE_OPS)[number];

/** How a pool group picks among its partners. */
export const ROUTING_STRATEGIES = ['round-robin', 'weighted', 'least-loaded'] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

/** Core fields a condition may test; `domain` is the email's domain. Custom fields are `custom.<name>`. */
export const RULE_CORE_FIELDS = [...LEAD_TEXT_FIELDS, 'score', 'source', 'type', 'domain'] as const;
export type RuleCoreField = (typeof RULE_CORE_FIELDS)[number];

export const CUSTOM_FIELD_PREFIX = 'custom.';

const coreFields: ReadonlySet<string> = new Set(RULE_CORE_FIELDS);

/** True when `field` names a core field or a well-formed `custom.<name>`. */
export function isRuleField(field: string): boolean {
  if (coreFields.has(field)) return true;
  return (
    field.startsWith(CUSTOM_FIELD_PREFIX) &&
    CustomFieldName.safeParse(field.slice(CUSTOM_FIELD_PREFIX.length)).success
  );
}

const LIST_OPS: ReadonlySet<RuleOp> = new Set(['in', 'notIn']);
const PRESENCE_OPS: ReadonlySet<RuleOp> = new Set(['exists', 'notExists']);
const ORDER_OPS: ReadonlySet<RuleOp> = new Set(['gt', 'gte', 'lt', 'lte']);
const TEXT_OPS: ReadonlySet<RuleOp> = new Set(['contains', 'startsWith']);

const RuleScalar = z.union([
  z.string().max(MAX_RULE_VALUE_LENGTH, `must be at most ${MAX_RULE_VALUE_LENGTH} characters`),
  z.number(),
  z.boolean(),
]);
export type RuleScalar = z.output<typeof RuleScalar>;

const RuleValue = z.union(
  [RuleScalar, z.array(RuleScalar).max(MAX_IN_VALUES, `must list at most ${MAX_IN_VALUES} values`)],
  {
    error: 'must be a string, a number, a boolean, or a list of them',
  },
);

const required = (what: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : `unknown ${what} "${String(issue.input)}"`;

/** Why a value does not suit its operator, or undefined when it does. */
function valueProblem(op: RuleOp, value: unknown): string | undefined {
  if (PRESENCE_OPS.has(op)) return value === undefined ? undefined : `must be left out for ${op}`;
  if (LIST_OPS.has(op)) {
    return Array.isArray(value) && value.length > 0 ? undefined : `must be a non-empty list for ${op}`;
  }
  if (value === undefined) return `is required for ${op}`;
  if (Array.isArray(value)) return `must be a single value for ${op}, not a list`;
  if (ORDER_OPS.has(op)) {
    if (typeof value === 'number') return undefined;
    if (
      typeof value === 'string' &&
      (parseNumber(value) !== undefined || parseIsoTime(value) !== undefined)
    ) {
      return undefined;
    }
    return `must be a number or an ISO-8601 date for ${op}`;
  }
  if (TEXT_OPS.has(op)) {
    if (typeof value === 'boolean') return `must be text for ${op}`;
    return String(value).trim() === '' ? `must not be empty for ${op}` : undefined;
  }
  return undefined;
}

export const RuleCondition = z
  .strictObject({
    field: z
      .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be text') })
      .refine(isRuleField, {
        error: (issue) =>
          `unknown field "${String(issue.input)}"; use a lead field (${RULE_CORE_FIELDS.join(', ')}) or custom.<name>`,
      })
      .describe('A core lead field, `domain` (the email domain), or `custom.<name>`.'),
    op: z.enum(RULE_OPS, { error: required('operator') }),
    value: RuleValue.optional().describe(
      'A string, number or boolean; a non-empty list for in/notIn; left out for exists/notExists; a number or ISO-8601 date for gt/gte/lt/lte.',
    ),
  })
  .superRefine((condition, ctx) => {
    const problem = valueProblem(condition.op, condition.value);
    if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
  })
  .meta({ id: 'RuleCondition', description: 'One test on a lead field; text compares case-insensitively.' });
export type RuleCondition = z.output<typeof RuleCondition>;

const PartnerRef = z.string({ error: 'must be a partner id' }).trim().min(1, 'must be a partner id');

const SinglePartner = z.strictObject({ partnerId: PartnerRef });
const PartnerPool = z.strictObject({
  partnerIds: z
    .array(PartnerRef)
    .min(1, 'must list at least one partner')
    .max(MAX_POOL_PARTNERS, `must list at most ${MAX_POOL_PARTNERS} partners`)
    .superRefine((ids, ctx) => {
      const seen = new Set<string>();
      ids.forEach((id, i) => {
        if (seen.has(id)) ctx.addIssue({ code: 'custom', path: [i], message: `repeats partner ${id}` });
        seen.add(id);
      });
    }),
  strategy: z.enum(ROUTING_STRATEGIES, { error: required('strategy') }),
});

const ASSIGN_SHAPE = 'give either partnerId, or partnerIds with a strategy';

export const RuleAssign = z
  .union([SinglePartner, PartnerPool], { error: ASSIGN_SHAPE })
  .describe('One partner, or a pool of partners with a strategy.');
export type RuleAssign = z.output<typeof RuleAssign>;

export const RuleGroup = z
  .strictObject({
    name: z
      .string({ error: 'is required' })
      .trim()
      .min(1, 'must not be empty')
      .max(200, 'must be at most 200 characters')
      .describe('Unique within the rule set (case-insensitive); recorded on routed leads.'),
    conditions: z
      .array(RuleCondition)
      .min(1, 'a group needs at least one condition')
      .max(MAX_GROUP_CONDITIONS, `a group has at most ${MAX_GROUP_CONDITIONS} conditions`)
      .describe('All must hold (AND).'),
    assign: RuleAssign,
  })
  .meta({
    id: 'RuleGroup',
    description: 'Matches when all its conditions hold; the first matching group decides.',
  });
export type RuleGroup = z.output<typeof RuleGroup>;

/**
 * Refuses a group name used by an earlier group (trimmed, spaces collapsed,
 * case-insensitive), at `N.name`. Shared by every rule set whose groups are
 * named; run with `when: Array.isArray` so it also runs when some groups are
 * malformed, and every problem is reported at once.
 */
export function uniqueGroupNames(groups: readonly unknown[], ctx: z.RefinementCtx): void {
  const firstIndex = new Map<string, number>();
  groups.forEach((group, i) => {
    const name = (group as { name?: unknown } | null)?.name;
    if (typeof name !== 'string' || name.trim() === '') return;
    const key = name.trim().replace(/\s+/g, ' ').toLowerCase();
    const first = firstIndex.get(key);
    if (first === undefined) firstIndex.set(key, i);
    else ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `repeats the name of group ${first}` });
  });
}

export const RoutingRules = z
  .strictObject({
    groups: z
      .array(RuleGroup)
      .max(MAX_RULE_GROUPS, `must have at most ${MAX_RULE_GROUPS} groups`)
      .superRefine(uniqueGroupNames, { when: (payload) => Array.isArray(payload.value) }),
  })
  .meta({
    id: 'RoutingRules',
    description: 'Ordered rule groups: OR across groups (first match wins), AND within a group.',
  });
export type RoutingRules = z.output<typeof RoutingRules>;

function at(input: unknown, path: readonly PropertyKey[]): unknown {
  let node = input;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** An assign object that failed both shapes: report the problems of the shape it was aiming for. */
function assignIssues(issue: z.core.$ZodIssue, input: unknown): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union' || issue.path.at(-1) !== 'assign') return [issue];
  const assign = at(input, issue.path);
  const aimed =
    assign !== null && typeof assign === 'object'
      ? 'partnerIds' in assign || 'strategy' in assign
        ? 1
        : 'partnerId' in assign
          ? 0
          : undefined
      : undefined;
  const branch = aimed === undefined ? undefined : issue.errors[aimed];
  if (!branch) return [issue];
  return branch.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }));
}

function partnerDetails(input: unknown, known: ReadonlySet<string>): ErrorDetail[] {
  const groups = at(input, ['groups']);
  if (!Array.isArray(groups)) return [];
  const details: ErrorDetail[] = [];
  groups.forEach((_, g) => {
    const single = at(groups, [g, 'assign', 'partnerId']);
    if (typeof single === 'string' && single.trim() !== '' && !known.has(single.trim())) {
      details.push({ path: `groups.${g}.assign.partnerId`, message: `unknown partner ${single.trim()}` });
    }
    const pool = at(groups, [g, 'assign', 'partnerIds']);
    if (Array.isArray(pool)) {
      pool.forEach((id, i) => {
        if (typeof id === 'string' && id.trim() !== '' && !known.has(id.trim())) {
          details.push({
            path: `groups.${g}.assign.partnerIds.${i}`,
            message: `unknown partner ${id.trim()}`,
          });
        }
      });
    }
  });
  return details;
}

const GROUP_PARTS: Record<string, number> = { name: 0, conditions: 1, assign: 2 };

/** Sort key of a detail: the rule set's own problems first, then group by group, name → conditions → assign. */
function detailOrder(detail: ErrorDetail): [number, number, number] {
  const [root, group, part, condition] = detail.path.split('.');
  if (root !== 'groups' || group === undefined || !/^\d+$/.test(group)) return [-1, 0, 0];
  return [Number(group), GROUP_PARTS[part ?? ''] ?? 3, part === 'conditions' ? Number(condition ?? -1) : 0];
}

/**
 * Validates a rule set for a supplier (`PUT /v1/routing-rules`): the shape, the
 * operators and their values, unique group names, and that every partner a
 * group assigns exists among `partners` (by id).
 *
 * @returns the parsed rules (names and partner ids trimmed).
 * @throws ValidationError whose details name the group and condition of every
 *   problem at once, e.g. `groups.3.conditions.1.op`: `unknown operator "like"`.
 */
export function validateRules(input: unknown, partners: readonly Pick<Partner, 'id'>[]): RoutingRules {
  const result = RoutingRules.safeParse(input);
  const known = new Set(partners.map((p) => p.id));
  const schemaDetails = result.success
    ? []
    : issuesToDetails(result.error.issues.flatMap((issue) => assignIssues(issue, input)));
  const details = [...schemaDetails, ...partnerDetails(input, known)]
    .map((detail, order) => ({ detail, key: [...detailOrder(detail), order] }))
    .sort((a, b) => {
      for (let i = 0; i < a.key.length; i++) {
        const diff = (a.key[i] ?? 0) - (b.key[i] ?? 0);
        if (diff !== 0) return diff;
      }
      return 0;
    })
    .map(({ detail }) => detail);
  if (result.success && details.length === 0) return result.data;
  const first = details[0];
  const summary = first ? `${first.path || 'rules'}: ${first.message}` : 'invalid input';
  throw new ValidationError(`Invalid routing rules: ${summary}`, details);
}
