import type { RoutableLead } from './conditions';
import { quoteName, skippedClause } from './explain';
import { type CompiledGroups, compileGroups, type SlottedCondition } from './groups';
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
import { emailDomain, normaliseName } from './values';

/**
 * Routing compiled once per file or request: the rule groups' conditions by the
 * shared engine (groups.ts: operands parsed, fields slotted, groups indexed),
 * partners indexed by id, name and owned domain. Routing a lead is then `match` (which path applies; pure) and
 * `choose` (which partner, reading and bumping the caller's RoutingState).
 */

export type { SlottedCondition } from './groups';

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
  readonly fields: readonly string[];
  readonly partnersById = new Map<string, RoutingPartner>();
  readonly partnersByName = new Map<string, RoutingPartner>();
  readonly partnersByDomain = new Map<string, RoutingPartner>();
  private readonly partnersByLowerId = new Map<string, RoutingPartner>();
  private readonly weighted = new Map<number, WeightedCycles>();
  /** The groups' conditions, compiled by the shared engine; group i here is group i there. */
  private readonly engine: CompiledGroups;

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
    this.engine = compileGroups(rules.groups);
    this.fields = this.engine.fields;
    this.groups = rules.groups.map((group, index) => {
      const conditions = this.engine.conditions[index] as readonly SlottedCondition[];
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

  /** The first group whose conditions all hold (AND within, OR across, in order), by the shared engine. */
  private matchRules(lead: RoutableLead, skipped: RoutingSkip[]): RuleMatch | NoMatch {
    const index = this.engine.firstIndex(lead);
    const group = index < 0 ? undefined : this.groups[index];
    if (!group) return { path: 'none', skipped };
    return { path: 'rule', group: group.name, groupIndex: group.index, assign: group.assign, skipped };
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
