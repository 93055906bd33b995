import type { Clock } from '../clock';
import { changeLead } from '../leads/change';
import { loadRouting } from '../leads/intake';
import type { Lead } from '../leads/lead';
import type { LeadStore, RulesStore } from '../leads/ports';
import { PoolSequences, type RoutingDecision, rerouteSequenceCounter, reserveByCounter } from '../routing';
import type { TenantStore } from '../tenants/ports';
import { type RerouteOutcome, rerouteDecision } from './reroute';
import { isRefusal } from './transitions';

export interface RerouteDeps {
  leads: Pick<
    LeadStore,
    'getLead' | 'replaceLead' | 'partnerLoads' | 'reserveSequences' | 'dueDeadlines' | 'recordRerouteFailure'
  >;
  tenants: TenantStore;
  rules: RulesStore;
  clock: Clock;
}

export interface RerouteRequest {
  leadId: string;
  /** The assignment the deadline was for; another one makes the reroute a no-op. */
  assignmentVersion?: number | undefined;
  trigger?: 'deadline' | 'rejected' | undefined;
  /** For the history; `system` when omitted. */
  actor?: string | undefined;
}

export type RerouteResult =
  | { outcome: RerouteOutcome; lead: Lead }
  /** Nothing done: the deadline is stale, the lead was decided or is not waiting, or it is gone. */
  | { skipped: 'stale' | 'already-decided' | 'not-pending' | 'missing'; lead?: Lead };

/**
 * One reroute of a lead (the decision itself is `rerouteDecision`): the
 * supplier's rules and partners are read, the
 * partners' Pending counts read, the decision made with exactly the reroute
 * sequence number it takes (see PoolSequences), and the lead written with its
 * load changes in one conditional write. A lost race (the partner accepted
 * meanwhile, a partner filled up) hands the number back, reads the lead again
 * and decides again, so accept vs reroute gives exactly one outcome.
 */
export async function rerouteLead(deps: RerouteDeps, request: RerouteRequest): Promise<RerouteResult> {
  const first = await deps.leads.getLead(request.leadId);
  if (!first) return { skipped: 'missing' };
  const { supplier, partners, routing } = await loadRouting(deps, first.supplierId);
  let outcome: RerouteOutcome | undefined;
  const sequences = new PoolSequences(
    reserveByCounter(
      (counters) => deps.leads.reserveSequences(first.supplierId, counters),
      rerouteSequenceCounter,
    ),
  );
  let unwritten: RoutingDecision | undefined;
  const changed = await changeLead(deps.leads, request.leadId, async (lead) => {
    // Called again only when the previous attempt's write lost: its number was not used.
    if (unwritten) sequences.release(unwritten);
    unwritten = undefined;
    const pending = await deps.leads.partnerLoads(
      lead.supplierId,
      partners.map((p) => p.id),
    );
    const decision = await sequences.decide(pending, (state) =>
      rerouteDecision(lead, {
        compiled: routing,
        state,
        settings: supplier.settings,
        now: deps.clock.now(),
        actor: request.actor,
        trigger: request.trigger,
        assignmentVersion: request.assignmentVersion,
      }),
    );
    outcome = isRefusal(decision) ? undefined : decision.outcome;
    unwritten = isRefusal(decision) ? undefined : decision.decision;
    return decision;
  });
  if ('missing' in changed) return { skipped: 'missing' };
  if ('refused' in changed) {
    const reason = changed.refused.refused;
    const skipped = reason === 'stale' || reason === 'already-decided' ? reason : 'not-pending';
    return { skipped, lead: changed.lead };
  }
  return { outcome: outcome ?? 'rerouted', lead: changed.lead };
}

/** Deadlines passed this long ago are the sweeper's: the schedule had its chance. */
export const SWEEP_GRACE_MS = 5 * 60_000;
/** Leads one sweep takes at most (the next sweep takes the rest). */
export const SWEEP_LIMIT = 500;

/** Sweeps in a row that may fail to reroute a lead before the sweep flags it and lets it go. */
export const MAX_SWEEP_FAILURES = 3;
/** How much of an error's message a lead keeps (the item stays small). */
const MAX_FAILURE_MESSAGE = 500;

/** A lead the sweep could not reroute. */
export interface SweepFailure {
  leadId: string;
  supplierId: string;
  error: string;
  /** Sweeps in a row that failed on it, this one included. */
  failures: number;
  /** The sweep gave up on it: it left the deadline index (see `Lead.rerouteFailure`). */
  flagged: boolean;
  /** The failure could not be recorded on the lead (it changed meanwhile, or the write failed). */
  unrecorded?: true;
}

export interface SweepResult {
  due: number;
  rerouted: number;
  skipped: number;
  /** Leads whose reroute threw: each on its own, the others went on. */
  failed: SweepFailure[];
}

/**
 * The periodic sweep: Pending leads whose deadline passed more than
 * {@link SWEEP_GRACE_MS} ago (their schedule was lost) are rerouted, each with
 * the assignment version it waited on, so a lead the partner took meanwhile is
 * left alone. Each lead is rerouted on its own: one that throws is recorded on
 * the lead (`rerouteFailure`, conditional on its version) and the sweep goes on;
 * after {@link MAX_SWEEP_FAILURES} sweeps in a row it is flagged and leaves the
 * deadline index, so it never holds up the sweep for every supplier. Answers
 * how many were looked at, what became of them, and the failures (for the
 * caller to log and count).
 */
export async function sweepDeadlines(
  deps: RerouteDeps,
  options: { graceMs?: number; limit?: number } = {},
): Promise<SweepResult> {
  const before = new Date(deps.clock.now().getTime() - (options.graceMs ?? SWEEP_GRACE_MS));
  const due = await deps.leads.dueDeadlines(before, options.limit ?? SWEEP_LIMIT);
  let rerouted = 0;
  const failed: SweepFailure[] = [];
  for (const lead of due) {
    try {
      const result = await rerouteLead(deps, {
        leadId: lead.id,
        assignmentVersion: lead.assignmentVersion,
        actor: 'system:sweeper',
      });
      if ('outcome' in result) rerouted++;
    } catch (error) {
      failed.push(await recordFailure(deps, lead, error));
    }
  }
  return { due: due.length, rerouted, skipped: due.length - rerouted - failed.length, failed };
}

async function recordFailure(deps: RerouteDeps, lead: Lead, error: unknown): Promise<SweepFailure> {
  const message = (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(
    0,
    MAX_FAILURE_MESSAGE,
  );
  const at = deps.clock.now().toISOString();
  const failures = (lead.rerouteFailure?.count ?? 0) + 1;
  const flagged = failures >= MAX_SWEEP_FAILURES;
  const failure: SweepFailure = {
    leadId: lead.id,
    supplierId: lead.supplierId,
    error: message,
    failures,
    flagged,
  };
  try {
    const marked = await deps.leads.recordRerouteFailure(lead.id, lead.version, {
      count: failures,
      error: message,
      at,
      ...(flagged ? { flaggedAt: at } : {}),
    });
    // Changed since the index was read: the next sweep sees the new version and decides afresh.
    if (!marked) return { ...failure, flagged: false, unrecorded: true };
  } catch {
    return { ...failure, flagged: false, unrecorded: true };
  }
  return failure;
}
