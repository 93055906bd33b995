import { assignTransition } from '../leads/assign';
import { routingDetail } from '../leads/intake';
import type { Lead } from '../leads/lead';
import type {
  CompiledGroup,
  CompiledRouting,
  RoutingDecision,
  RoutingMatch,
  RoutingState,
  RuleMatch,
} from '../routing';
import { normaliseName } from '../tenants/names';
import type { Partner, SupplierSettings } from '../tenants/schemas';
import { type Refusal, refusal, type Transition } from './transitions';

/**
 * Rerouting: when a partner lets the deadline
 * pass (or rejects, with the supplier's `rerouteRejected` on), the lead moves to
 * the next eligible partner, never one that already had it.
 *
 * Partner selection, in order:
 * 1. the pool of the rule group the lead came from (`lead.routingGroup`, when that
 *    group still exists and is a pool), whatever the lead's fields say now;
 * 2. routing again (account ownership, then the rule groups) as at arrival, minus
 *    the partner named at arrival; a match on the pool tried in 1 is not tried twice.
 * Excluded throughout: the current partner and `previousPartnerIds`. Paused and
 * full partners are skipped as in routing.
 */

/** What a reroute did. `accepted`: the new partner auto-accepts, so the lead is Accepted at once. */
export type RerouteOutcome = 'rerouted' | 'accepted' | 'unassigned';

/** Why a reroute left the lead Unassigned. */
export type UnassignedReason = 'max-reroutes' | 'no-eligible-partner';

export interface RerouteTransition extends Transition {
  outcome: RerouteOutcome;
  /** The routing decision that chose the new partner (`rerouted`, `accepted`). */
  decision?: RoutingDecision;
  /** Set for `unassigned`. */
  reason?: UnassignedReason;
}

export type RerouteRefusal = Refusal<'stale' | 'already-decided' | 'not-pending'>;

export interface RerouteInput {
  /**
   * The supplier's rules compiled with its stored partners (as intake does): a
   * chosen partner whose `autoAccept` is on gets the lead Accepted at once.
   */
  compiled: CompiledRouting;
  /**
   * Pending counts and pool sequences. `sequence` is asked at most once, by the
   * pool that takes the lead (`PoolSequences.decide` reserves exactly that).
   */
  state: RoutingState;
  settings: Pick<SupplierSettings, 'maxReroutes'>;
  now: Date;
  /** For the history; `system` when omitted. */
  actor?: string | undefined;
  /**
   * `deadline` (default): the schedule or the sweeper fired; the lead must be
   * Pending or Rerouted. `rejected`: the partner rejected and the supplier
   * reroutes rejected leads; the lead must be Rejected.
   */
  trigger?: 'deadline' | 'rejected' | undefined;
  /** The assignment version the schedule names; another version is `stale` (the partner acted, or the lead moved). */
  assignmentVersion?: number | undefined;
}

/** The partners a reroute must not choose: the current one and every one that had the lead. */
export function rerouteExclusions(lead: Pick<Lead, 'partnerId' | 'previousPartnerIds'>): Set<string> {
  const exclude = new Set(lead.previousPartnerIds);
  if (lead.partnerId) exclude.add(lead.partnerId);
  return exclude;
}

/** The pool group the lead came from, when it still exists (names compare as routing compares them). */
function originPool(lead: Lead, compiled: CompiledRouting): CompiledGroup | undefined {
  if (!lead.routingGroup) return undefined;
  const name = normaliseName(lead.routingGroup);
  return compiled.groups.find((g) => g.strategy !== undefined && normaliseName(g.name) === name);
}

function poolMatch(group: CompiledGroup): RuleMatch {
  return { path: 'rule', group: group.name, groupIndex: group.index, assign: group.assign, skipped: [] };
}

/**
 * The matches a reroute of the lead may choose from, in order: the origin pool,
 * then routing again with the exclusions.
 */
export function rerouteMatches(lead: Lead, compiled: CompiledRouting): RoutingMatch[] {
  const pool = originPool(lead, compiled);
  const again = compiled.match(lead, { exclude: rerouteExclusions(lead) });
  const matches: RoutingMatch[] = pool ? [poolMatch(pool)] : [];
  if (!(pool && again.path === 'rule' && again.groupIndex === pool.index)) matches.push(again);
  return matches;
}

function autoAccepts(partner: object): boolean {
  return (partner as Partial<Pick<Partner, 'autoAccept'>>).autoAccept === true;
}

/**
 * One reroute step of a lead whose partner did not act in time (or rejected it).
 *
 * - `maxReroutes` reached (`rerouteCount >= maxReroutes`): Unassigned, reason
 *   `max-reroutes` in the history.
 * - Nobody eligible (see the module comment for the order): Unassigned, reason
 *   `no-eligible-partner`, every routing attempt's explanation in the history.
 * - Otherwise the new partner (via `assignTransition`: new assignment version,
 *   email status back to NotSent, the old partner remembered in
 *   `previousPartnerIds`), `distributionStatus: 'Rerouted'` (Accepted for an
 *   auto-accept partner), `rerouteCount + 1`, `routingGroup` the deciding group.
 *
 * Loads: the old partner's Pending count is released when the lead held it
 * (Pending, Rerouted; a Rejected lead already released it); the new partner's
 * grows by one with its capacity as the write's condition, so a partner that
 * filled up meanwhile makes the write fail (`over-capacity`) and the caller
 * reroutes again with fresh counts.
 *
 * `distributionStatusChangedAt` moves only when the status does (Pending →
 * Rerouted does, Rerouted → Rerouted does not), as for every assignment.
 */
export function rerouteDecision(lead: Lead, input: RerouteInput): RerouteTransition | RerouteRefusal {
  const trigger = input.trigger ?? 'deadline';
  const status = lead.distributionStatus;
  if (input.assignmentVersion !== undefined && input.assignmentVersion !== lead.assignmentVersion) {
    return refusal('stale', lead, 'The lead has changed since this reroute was scheduled');
  }
  if (trigger === 'deadline') {
    if (status === 'Accepted' || status === 'Rejected') {
      return refusal('already-decided', lead, `The lead was already ${status.toLowerCase()}`);
    }
    if ((status !== 'Pending' && status !== 'Rerouted') || !lead.partnerId) {
      return refusal('not-pending', lead, `The lead is ${status}; only a Pending lead is rerouted`);
    }
  } else if (status !== 'Rejected' || !lead.partnerId) {
    return refusal(
      'not-pending',
      lead,
      `The lead is ${status}; only a Rejected lead is rerouted on rejection`,
    );
  }

  const now = input.now.toISOString();
  const actor = input.actor ?? 'system';
  const from = { trigger, fromPartnerId: lead.partnerId, fromPartnerName: lead.partnerName };
  const { maxReroutes } = input.settings;

  if (lead.rerouteCount >= maxReroutes) {
    const explanation = `Not rerouted: the lead was rerouted ${lead.rerouteCount} ${
      lead.rerouteCount === 1 ? 'time' : 'times'
    }, the most this supplier allows (${maxReroutes}), so it is Unassigned`;
    const { next, loads } = assignTransition(
      lead,
      null,
      {
        type: 'unassigned',
        actor,
        detail: {
          ...from,
          reason: 'max-reroutes',
          rerouteCount: lead.rerouteCount,
          maxReroutes,
          explanation,
        },
      },
      now,
    );
    return { next, loads, outcome: 'unassigned', reason: 'max-reroutes' };
  }

  const { compiled, state } = input;
  const exclude = rerouteExclusions(lead);
  const tried: RoutingDecision[] = [];
  for (const match of rerouteMatches(lead, compiled)) {
    const decision = compiled.choose(match, state, { exclude });
    tried.push(decision);
    if (decision.partnerId) break;
  }
  const decision = tried.at(-1);
  const partner = decision?.partnerId ? compiled.partnersById.get(decision.partnerId) : undefined;

  if (!decision || !partner) {
    const explanation = `Not rerouted: no eligible partner is left, so the lead is Unassigned. ${tried
      .map((d) => d.explanation)
      .join('. ')}`;
    const { next, loads } = assignTransition(
      lead,
      null,
      {
        type: 'unassigned',
        actor,
        detail: { ...from, reason: 'no-eligible-partner', explanation, tried: tried.map(routingDetail) },
      },
      now,
    );
    return { next, loads, outcome: 'unassigned', reason: 'no-eligible-partner' };
  }

  const autoAccept = autoAccepts(partner);
  const rerouteCount = lead.rerouteCount + 1;
  const { next, loads } = assignTransition(
    lead,
    { id: partner.id, name: partner.name, autoAccept },
    {
      type: 'rerouted',
      actor,
      detail: {
        ...from,
        rerouteCount,
        assignmentVersion: lead.assignmentVersion + 1,
        ...routingDetail(decision),
        ...(tried.length > 1 ? { tried: tried.slice(0, -1).map(routingDetail) } : {}),
      },
    },
    now,
  );
  const distributionStatus = autoAccept ? 'Accepted' : 'Rerouted';
  return {
    next: {
      ...next,
      distributionStatus,
      distributionStatusChangedAt:
        distributionStatus === lead.distributionStatus ? lead.distributionStatusChangedAt : now,
      rerouteCount,
      ...(decision.group !== undefined ? { routingGroup: decision.group } : {}),
    },
    loads: loads.map((l) => (l.delta > 0 ? { ...l, capacity: partner.capacity } : l)),
    outcome: autoAccept ? 'accepted' : 'rerouted',
    decision,
  };
}
