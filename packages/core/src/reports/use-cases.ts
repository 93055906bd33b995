import type { Clock } from '../clock';
import type { Lead } from '../leads/lead';
import type { LeadStore } from '../leads/ports';
import type { TenantStore } from '../tenants/ports';
import { contributionOf } from './contribution';
import type { ApplyOutcome, LeadReportUpdate, ReadCost, ReportStore } from './ports';
import { type Report, type ReportName, type ReportQuery, reportRange, shapeReport } from './report';

/**
 * A lead as a change left it (a stream record): the lead after (undefined: removed) and
 * before (undefined: created), and the version of the state after.
 */
export interface LeadChange {
  supplierId: string;
  leadId: string;
  version: number;
  lead: Lead | undefined;
  previous: Lead | undefined;
}

function sameContribution(a: Lead | undefined, b: Lead | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return JSON.stringify(contributionOf(a)) === JSON.stringify(contributionOf(b));
}

/** A version no lead reaches: a removed lead's state wins over every image of it. */
export const REMOVED_VERSION = Number.MAX_SAFE_INTEGER;

/**
 * The aggregate consumer's use case: a batch of lead changes (stream records) onto the
 * counters, per supplier, newest version of each lead only. Exact under duplicates,
 * replays and any order: the store applies a state only if newer than the one applied.
 *
 * A change that leaves the lead's contribution as it was (most changes: a notification,
 * a deadline, an edit of its text) is skipped: no read, no write. That stays exact: the
 * version that counts is the newest one that changed the contribution, and every later
 * version contributes the same (a creation always counts: it has no state before).
 */
export async function applyLeadChanges(
  deps: { reports: ReportStore },
  changes: readonly LeadChange[],
): Promise<ApplyOutcome> {
  const bySupplier = new Map<string, Map<string, LeadReportUpdate>>();
  let unchanged = 0;
  for (const change of changes) {
    // A partner's own lead, new and not the supplier's: nothing to count, nothing to record.
    const uncounted = change.previous === undefined && change.lead && !contributionOf(change.lead);
    if (uncounted || sameContribution(change.previous, change.lead)) {
      unchanged += 1;
      continue;
    }
    const updates = bySupplier.get(change.supplierId) ?? new Map<string, LeadReportUpdate>();
    const seen = updates.get(change.leadId);
    if (!seen || seen.version < change.version) {
      updates.set(change.leadId, {
        leadId: change.leadId,
        version: change.version,
        contribution: change.lead && contributionOf(change.lead),
      });
    }
    bySupplier.set(change.supplierId, updates);
  }
  const outcome: ApplyOutcome = { applied: 0, skipped: unchanged };
  for (const [supplierId, updates] of bySupplier) {
    const done = await deps.reports.applyLeads(supplierId, [...updates.values()]);
    outcome.applied += done.applied;
    outcome.skipped += done.skipped;
  }
  return outcome;
}

/** Leads read per page while rebuilding. */
const REBUILD_PAGE = 100;

/** Where a rebuild stands: its generation, and (when paused before the end) where to go on. */
export interface RebuildProgress {
  supplierId: string;
  generation: number;
  /** The leads listing's cursor to resume from; null: done (the generation is current). */
  cursor: string | null;
  /** Leads replayed by this run. */
  leads: number;
}

/**
 * Recomputes a supplier's counters from its leads into a new generation, then makes it
 * current. While it runs, the consumer applies to both generations (through the same
 * version-gated apply), so a lead changed meanwhile ends right in the new one whichever
 * of the two writes it first. `settle` waits after the new generation is announced and
 * before the leads are listed: the lead index is eventually consistent, and a lead whose
 * stream record was applied just before must already be listed (see keys.ts).
 *
 * `pause` is asked after each page (a Lambda near its timeout): the answer then carries
 * the cursor, and a run given it as `resume` goes on with the same generation.
 */
export async function rebuildReports(
  deps: { reports: ReportStore; leads: Pick<LeadStore, 'listLeads' | 'getLeads'> },
  supplierId: string,
  options: {
    settle?: () => Promise<void>;
    pause?: () => boolean;
    resume?: { generation: number; cursor: string };
    onPage?: (leads: number) => void;
  } = {},
): Promise<RebuildProgress> {
  let generation: number;
  let cursor: string | undefined;
  if (options.resume) {
    ({ generation, cursor } = options.resume);
  } else {
    generation = await deps.reports.startRebuild(supplierId);
    await options.settle?.();
  }
  let count = 0;
  do {
    const page = await deps.leads.listLeads(supplierId, {
      limit: REBUILD_PAGE,
      ...(cursor ? { cursor } : {}),
    });
    // The index may lag the table: the leads themselves are read consistently.
    const fresh = await deps.leads.getLeads(page.items.map((l) => l.id));
    const updates = page.items.flatMap((listed): LeadReportUpdate[] => {
      const lead = fresh.get(listed.id);
      return lead ? [{ leadId: lead.id, version: lead.version, contribution: contributionOf(lead) }] : [];
    });
    await deps.reports.applyLeads(supplierId, updates, [generation]);
    count += updates.length;
    options.onPage?.(count);
    cursor = page.nextCursor ?? undefined;
    if (cursor && options.pause?.()) return { supplierId, generation, cursor, leads: count };
  } while (cursor);
  await deps.reports.finishRebuild(supplierId, generation);
  return { supplierId, generation, cursor: null, leads: count };
}

/** A report for the supplier, from its counters, with its partners' names; and what reading it cost. */
export async function getReport(
  deps: { reports: ReportStore; tenants: Pick<TenantStore, 'listPartners'>; clock: Clock },
  supplierId: string,
  name: ReportName,
  query: ReportQuery,
): Promise<Report & { cost: ReadCost }> {
  const range = reportRange(query, deps.clock.now());
  const [{ items, cost }, names] = await Promise.all([
    deps.reports.readCounters(supplierId, range),
    partnerNames(deps.tenants, supplierId),
  ]);
  return { ...shapeReport(name, range, items, names), cost };
}

async function partnerNames(
  tenants: Pick<TenantStore, 'listPartners'>,
  supplierId: string,
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await tenants.listPartners(supplierId, { limit: 100, ...(cursor ? { cursor } : {}) });
    for (const p of page.items) names.set(p.id, p.name);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return names;
}
