import {
  type CompiledCondition,
  compileCondition,
  type FieldReader,
  fieldReader,
  type RoutableLead,
} from './conditions';
import { quoteName, skippedClause } from './explain';
import type { RoutingRules, RoutingStrategy, RuleAssign } from './rules';
import { slot, WeightedCycles } from './strategies';
import type {
  ChooseOptions,
  MatchOptions,
  NoMatch,
  RoutingDecision,
  RoutingMatch,
  RoutingPartner,
  RoutingSkip,
  RoutingState,
  RuleMatch,
  SkipReason,
} from './types';
import { emailDomain, FieldValue, normaliseName } from './values';

/**
 * Routing compiled once per file or request: rule operands
 * lower-cased and parsed, fields given slots so a lead's value is read and
 * normalised once however many conditions test it, partners indexed by id, name
 * and owned domain. Routing a lead is then `match` (which path applies; pure) and
 * `choose` (which partner, reading and bumping the caller's RoutingState).
 */

/** A condition with the slot of its field's value in the per-lead value table. */
export interface SlottedCondition extends CompiledCondition {
  readonly slot: number;
}

/** A rule group ready to evaluate. */
export interface CompiledGroup {
  readonly name: string;
  readonly index: number;
  readonly conditions: readonly SlottedCondition[];
  readonly assign: RuleAssign;
  /** Pool groups: the strategy. */
  readonly strategy?: RoutingStrategy;
  /** Pool groups: the pool's known partners, in the rule's order. */
  readonly pool: readonly RoutingPartner[];
  /** Single-partner groups: the partner, when it still exists. */
  readonly partner?: RoutingPartner;
  /** Partner ids the group names that are not among the partners (deleted since the rules were saved). */
  readonly unknownPartnerIds: readonly string[];
}

export interface CompileRoutingInput {
  /** Validated rules (see validateRules). */
  rules: RoutingRules;
  /** The supplier's partners, in a stable order (it breaks ties between owners of the same domain). */
  partners: readonly RoutingPartner[];
}

/** Routing rules and partners, compiled. */
export interface CompiledRouting {
  readonly groups: readonly CompiledGroup[];
  /** The distinct fields the rules test, by slot. */
  readonly fields: readonly string[];
  /** Partners by id. */
  readonly partnersById: ReadonlyMap<string, RoutingPartner>;
  /** Partners by normalised name (trimmed, spaces collapsed, lower-case). */
  readonly partnersByName: ReadonlyMap<string, RoutingPartner>;
  /** Partners by owned domain (lower-case). */
  readonly partnersByDomain: ReadonlyMap<string, RoutingPartner>;
  /** A partner by id, or by exact name (case-insensitive, surrounding and repeated spaces ignored); undefined when there is none. */
  findPartner(reference: string): RoutingPartner | undefined;
  /** Step one: which path applies to the lead (explicit, ownership, rule group, none, or an error). */
  match(lead: RoutableLead, options?: MatchOptions): RoutingMatch;
  /** Step two: the partner for a match, skipping paused, full and excluded partners; calls `state.assigned`. */
  choose(match: RoutingMatch, state: RoutingState, options?: ChooseOptions): RoutingDecision;
  /** `choose(match(lead, options), state, options)`: for previews, tests and single leads. */
  route(lead: RoutableLead, state: RoutingState, options?: MatchOptions): RoutingDecision;
}

const unassigned = 'so the lead stays Unassigned';

function skip(partner: RoutingPartner, reason: SkipReason, role?: RoutingSkip['role']): RoutingSkip {
  const entry: RoutingSkip = { partnerId: partner.id, partnerName: partner.name, reason };
  if (role) entry.role = role;
  return entry;
}

/** Why a partner cannot take a lead now, or undefined when it can. */
function unavailable(
  partner: RoutingPartner,
  state: RoutingState,
  exclude: ReadonlySet<string> | undefined,
): SkipReason | undefined {
  if (exclude?.has(partner.id)) return 'excluded';
  // A disabled partner could not open its email's links, so it gets no lead by routing.
  if (partner.disabled) return 'disabled';
  if (partner.paused) return 'paused';
  if (partner.capacity !== null && state.pending(partner.id) >= partner.capacity) return 'at capacity';
  return undefined;
}

function groupLabel(group: CompiledGroup): string {
  return group.strategy
    ? `Rule group ${quoteName(group.name)} (${group.strategy})`
    : `Rule group ${quoteName(group.name)}`;
}

class Compiled implements CompiledRouting {
  readonly groups: CompiledGroup[];
  readonly fields: string[] = [];
  readonly partnersById = new Map<string, RoutingPartner>();
  readonly partnersByName = new Map<string, RoutingPartner>();
  readonly partnersByDomain = new Map<string, RoutingPartner>();
  private readonly partnersByLowerId = new Map<string, RoutingPartner>();
  private readonly readers: FieldReader[] = [];
  private readonly weighted = new Map<number, WeightedCycles>();
  /** Per field: which groups' key condition a lead value satisfies (see `indexGroups`). */
  private readonly keyIndexes: { slot: number; groupsByText: Map<string, number[]> }[] = [];
  /** 1 for a group with a key condition: it is only evaluated when the key index names it. */
  private keyedGroups = new Uint8Array(0);
  /** Per group, the pass (`epoch`) in which the key index last named it; reused so a lead allocates no table. */
  private candidateMarks = new Uint32Array(0);
  private epoch = 0;

  constructor({ rules, partners }: CompileRoutingInput) {
    for (const partner of partners) {
      if (!this.partnersById.has(partner.id)) this.partnersById.set(partner.id, partner);
      const lowerId = partner.id.toLowerCase();
      if (!this.partnersByLowerId.has(lowerId)) this.partnersByLowerId.set(lowerId, partner);
      const name = normaliseName(partner.name);
      if (!this.partnersByName.has(name)) this.partnersByName.set(name, partner);
      for (const domain of partner.domains) {
        const key = domain.trim().toLowerCase();
        if (!this.partnersByDomain.has(key)) this.partnersByDomain.set(key, partner);
      }
    }
    const slots = new Map<string, number>();
    this.groups = rules.groups.map((group, index) => {
      const conditions = group.conditions.map((condition) => {
        let fieldSlot = slots.get(condition.field);
        if (fieldSlot === undefined) {
          fieldSlot = this.fields.length;
          slots.set(condition.field, fieldSlot);
          this.fields.push(condition.field);
          this.readers.push(fieldReader(condition.field));
        }
        const { field, op, operand, whenMissing, test } = compileCondition(condition);
        // One object shape for every condition keeps the evaluation loop's property reads monomorphic.
        return { field, op, operand, whenMissing, test, slot: fieldSlot };
      });
      const ids = 'partnerIds' in group.assign ? group.assign.partnerIds : [group.assign.partnerId];
      const known = ids.flatMap((id) => {
        const partner = this.partnersById.get(id);
        return partner ? [partner] : [];
      });
      const unknownPartnerIds = ids.filter((id) => !this.partnersById.has(id));
      if ('partnerIds' in group.assign) {
        const { strategy } = group.assign;
        if (strategy === 'weighted') this.weighted.set(index, new WeightedCycles(known.map((p) => p.weight)));
        return {
          name: group.name,
          index,
          conditions,
          assign: group.assign,
          strategy,
          pool: known,
          unknownPartnerIds,
        };
      }
      const compiled: CompiledGroup = {
        name: group.name,
        index,
        conditions,
        assign: group.assign,
        pool: [],
        unknownPartnerIds,
      };
      return known[0] ? { ...compiled, partner: known[0] } : compiled;
    });
    this.indexGroups();
  }

  /**
   * Indexes each group by one condition that is a pure text equality (`equals`,
   * or `in`, whose operands do not read as numbers), the one with the fewest
   * texts: such a condition holds exactly when the lead's lower-cased value is
   * one of its texts, so a lookup by the lead's value names every group it can
   * hold for. Groups without one are always evaluated; order and results are
   * those of a plain scan.
   */
  private indexGroups(): void {
    const bySlot = new Map<number, Map<string, number[]>>();
    this.keyedGroups = new Uint8Array(this.groups.length);
    this.candidateMarks = new Uint32Array(this.groups.length);
    for (const group of this.groups) {
      let key: SlottedCondition | undefined;
      let keyTexts = Number.POSITIVE_INFINITY;
      for (const c of group.conditions) {
        const texts =
          c.op === 'equals' && c.operand.number === undefined && c.operand.text !== undefined
            ? 1
            : c.op === 'in' && c.operand.numbers?.size === 0 && c.operand.texts !== undefined
              ? c.operand.texts.size
              : Number.POSITIVE_INFINITY;
        if (texts < keyTexts) {
          key = c;
          keyTexts = texts;
        }
      }
      if (!key) continue;
      this.keyedGroups[group.index] = 1;
      let groupsByText = bySlot.get(key.slot);
      if (!groupsByText) {
        groupsByText = new Map();
        bySlot.set(key.slot, groupsByText);
        this.keyIndexes.push({ slot: key.slot, groupsByText });
      }
      const texts = key.op === 'equals' ? [key.operand.text as string] : [...(key.operand.texts ?? [])];
      for (const text of texts) {
        const list = groupsByText.get(text);
        if (list) list.push(group.index);
        else groupsByText.set(text, [group.index]);
      }
    }
  }

  findPartner(reference: string): RoutingPartner | undefined {
    const ref = reference.trim();
    return (
      this.partnersById.get(ref) ??
      this.partnersByName.get(normaliseName(ref)) ??
      this.partnersByLowerId.get(ref.toLowerCase())
    );
  }

  /** The owner of the most specific owned domain among the email's domain and its parents. */
  private domainOwner(domain: string): { partner: RoutingPartner; matched: string } | undefined {
    let candidate = domain;
    for (;;) {
      const partner = this.partnersByDomain.get(candidate);
      if (partner) return { partner, matched: candidate };
      const dot = candidate.indexOf('.');
      if (dot < 0) return undefined;
      candidate = candidate.slice(dot + 1);
      if (!candidate.includes('.')) return undefined;
    }
  }

  match(lead: RoutableLead, options: MatchOptions = {}): RoutingMatch {
    const { exclude } = options;
    const skipped: RoutingSkip[] = [];
    const explicit = options.explicitPartner?.trim();
    if (explicit) {
      const partner = this.findPartner(explicit);
      if (!partner) return { path: 'error', field: 'partnerId', message: `unknown partner "${explicit}"` };
      if (!exclude?.has(partner.id)) return { path: 'explicit', partner };
      skipped.push(skip(partner, 'excluded', 'explicit'));
    }

    const owners: { partner: RoutingPartner; via: 'domain' | 'company'; matched: string }[] = [];
    const domain = emailDomain(lead.email);
    const byDomain = domain ? this.domainOwner(domain) : undefined;
    if (byDomain) owners.push({ ...byDomain, via: 'domain' });
    const company = lead.company ? this.partnersByName.get(normaliseName(lead.company)) : undefined;
    if (company && company !== byDomain?.partner)
      owners.push({ partner: company, via: 'company', matched: company.name });
    for (const owner of owners) {
      // Paused and excluded owners are known now; capacity only when choosing.
      const reason = exclude?.has(owner.partner.id)
        ? 'excluded'
        : owner.partner.disabled
          ? 'disabled'
          : owner.partner.paused
            ? 'paused'
            : undefined;
      if (reason) {
        skipped.push(skip(owner.partner, reason, 'owner'));
        continue;
      }
      const found = { path: 'ownership' as const, ...owner, skipped };
      return owner.partner.capacity === null
        ? found
        : { ...found, fallback: this.matchRules(lead, [...skipped]) };
    }
    return this.matchRules(lead, skipped);
  }

  /** The first group whose conditions all hold (AND within, OR across, in order). */
  private matchRules(lead: RoutableLead, skipped: RoutingSkip[]): RuleMatch | NoMatch {
    const values: (FieldValue | undefined)[] = new Array(this.readers.length);
    const valueAt = (fieldSlot: number): FieldValue => {
      let value = values[fieldSlot];
      if (value === undefined) {
        value = new FieldValue((this.readers[fieldSlot] as FieldReader)(lead));
        values[fieldSlot] = value;
      }
      return value;
    };
    // Matching is synchronous and calls nothing that could re-enter it, so one marks table serves every lead.
    if (this.epoch === 0xffffffff) {
      this.candidateMarks.fill(0);
      this.epoch = 0;
    }
    const epoch = ++this.epoch;
    const marks = this.candidateMarks;
    for (const { slot: fieldSlot, groupsByText } of this.keyIndexes) {
      const value = valueAt(fieldSlot);
      const hits = value.present ? groupsByText.get(value.text) : undefined;
      if (hits) for (const index of hits) marks[index] = epoch;
    }
    const keyed = this.keyedGroups;
    for (const group of this.groups) {
      if (keyed[group.index] === 1 && marks[group.index] !== epoch) continue;
      let holds = true;
      for (const condition of group.conditions) {
        const value = valueAt(condition.slot);
        if (!(value.present ? condition.test(value) : condition.whenMissing)) {
          holds = false;
          break;
        }
      }
      if (holds)
        return { path: 'rule', group: group.name, groupIndex: group.index, assign: group.assign, skipped };
    }
    return { path: 'none', skipped };
  }

  choose(match: RoutingMatch, state: RoutingState, options: ChooseOptions = {}): RoutingDecision {
    switch (match.path) {
      case 'error':
        return {
          partnerId: null,
          partnerName: null,
          path: 'error',
          skipped: [],
          explanation: `Not routed: ${match.message}`,
        };
      case 'explicit': {
        // The supplier's own choice: assigned even when paused or full, with a warning.
        const { partner } = match;
        const warning = partner.disabled
          ? `${partner.name} is disabled: its email links and keys are refused until it is enabled`
          : partner.paused
            ? `${partner.name} is paused`
            : partner.capacity !== null && state.pending(partner.id) >= partner.capacity
              ? `${partner.name} is at capacity (${state.pending(partner.id)} of ${partner.capacity} pending)`
              : undefined;
        state.assigned(partner.id);
        const decision: RoutingDecision = {
          partnerId: partner.id,
          partnerName: partner.name,
          path: 'explicit',
          skipped: [],
          explanation: `Assigned to ${partner.name}, the partner named for the lead${warning ? `, although ${warning}` : ''}`,
        };
        if (warning) decision.warning = warning;
        return decision;
      }
      case 'ownership': {
        const { partner } = match;
        const reason = unavailable(partner, state, options.exclude);
        if (reason) {
          const rules = match.fallback ?? { path: 'none' as const, skipped: match.skipped };
          return this.choose(
            { ...rules, skipped: [...match.skipped, skip(partner, reason, 'owner')] },
            state,
            options,
          );
        }
        state.assigned(partner.id);
        const how =
          match.via === 'domain' ? `email domain ${match.matched}` : `company ${quoteName(match.matched)}`;
        return {
          partnerId: partner.id,
          partnerName: partner.name,
          path: 'ownership',
          via: match.via,
          skipped: match.skipped,
          explanation: `Account ownership (${how}) chose ${partner.name}${skippedClause(match.skipped)}`,
        };
      }
      case 'rule':
        return this.chooseInGroup(match, state, options.exclude);
      case 'none':
        return {
          partnerId: null,
          partnerName: null,
          path: 'none',
          skipped: match.skipped,
          explanation: `No named partner, account owner or rule group applied, ${unassigned}${skippedClause(match.skipped)}`,
        };
    }
  }

  private chooseInGroup(
    match: RuleMatch,
    state: RoutingState,
    exclude?: ReadonlySet<string>,
  ): RoutingDecision {
    const group = this.groups[match.groupIndex];
    if (!group || group.name !== match.group) {
      throw new Error(`rule group ${match.groupIndex} "${match.group}" is not in these compiled rules`);
    }
    const skipped = [...match.skipped];
    const decision = (partner: RoutingPartner | null, explanation: string): RoutingDecision => {
      const made: RoutingDecision = {
        partnerId: partner ? partner.id : null,
        partnerName: partner ? partner.name : null,
        path: 'rule',
        group: group.name,
        groupIndex: group.index,
        skipped,
        explanation,
      };
      if (group.strategy) made.strategy = group.strategy;
      return made;
    };
    const none = (why: string, listed: readonly RoutingSkip[] = skipped): RoutingDecision =>
      decision(null, `${groupLabel(group)} matched but ${why}, ${unassigned}${skippedClause(listed)}`);
    const chosen = (partner: RoutingPartner, note = '', sequence?: number): RoutingDecision => {
      state.assigned(partner.id);
      const made = decision(
        partner,
        `${groupLabel(group)} chose ${partner.name}${note}${skippedClause(skipped)}`,
      );
      if (sequence !== undefined) made.sequence = sequence;
      return made;
    };

    if (!group.strategy) {
      // A single-partner group decides alone: when its partner cannot take the lead, later groups are not tried.
      const { partner } = group;
      if (!partner) return none(`its partner ${group.unknownPartnerIds[0] ?? ''} no longer exists`);
      const reason = unavailable(partner, state, exclude);
      if (reason) {
        skipped.push(skip(partner, reason));
        return none(`its partner ${partner.name} is ${reason}`, match.skipped);
      }
      return chosen(partner);
    }

    const eligible: RoutingPartner[] = [];
    const members: number[] = [];
    group.pool.forEach((partner, i) => {
      const reason = unavailable(partner, state, exclude);
      if (reason) skipped.push(skip(partner, reason));
      else {
        eligible.push(partner);
        members.push(i);
      }
    });
    if (eligible.length === 0) return none('no partner in its pool is eligible');

    // One sequence number per lead the pool takes, and none for a lead it cannot take: the
    // numbers the pool's leads hold stay contiguous, which is what makes `seq mod n` fair.
    const seq = state.sequence(group.name);
    switch (group.strategy) {
      case 'round-robin':
        return chosen(eligible[slot(seq, eligible.length)] as RoutingPartner, '', seq);
      case 'weighted': {
        const cycles = this.weighted.get(group.index) as WeightedCycles;
        const key = members.length === group.pool.length ? '*' : members.join(',');
        const cycle = cycles.cycle(key, members);
        return chosen(eligible[cycle[slot(seq, cycle.length)] as number] as RoutingPartner, '', seq);
      }
      case 'least-loaded': {
        const loads = eligible.map((p) => state.pending(p.id));
        const fewest = Math.min(...loads);
        const tied = eligible.filter((_, i) => loads[i] === fewest);
        return chosen(tied[slot(seq, tied.length)] as RoutingPartner, ` (${fewest} pending)`, seq);
      }
    }
  }

  route(lead: RoutableLead, state: RoutingState, options: MatchOptions = {}): RoutingDecision {
    return this.choose(this.match(lead, options), state, options);
  }
}

/**
 * Compiles rules and partners for routing, once per file or request. Unknown
 * partner ids (deleted since the rules were saved) are left out of pools; a
 * single-partner group naming one leaves its leads Unassigned with the reason.
 */
export function compileRouting(input: CompileRoutingInput): CompiledRouting {
  return new Compiled(input);
}
