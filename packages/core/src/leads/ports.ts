import { ConflictError } from '../errors';
import type { Page, PageQuery } from '../pages';
import { type HistoryEntry, LEAD_HISTORY_WINDOW, type Lead } from './lead';
import type { LeadFilter } from './query';

/** A change of a partner's Pending count, written in the same transaction as the leads that cause it. */
export interface LoadChange {
  partnerId: string;
  delta: number;
  /** When set and delta > 0, the write fails unless the count stays at or under it. */
  capacity: number | null;
}

/**
 * Items a new lead takes in putNewLeads' transaction: the lead alone, its first
 * history entries on itself (a history item would double the transaction's items,
 * and intake's cost with it).
 */
export const NEW_LEAD_ITEMS = 1;

/**
 * Entries a merge may leave on the lead item: a merge appends its entry there (one
 * write) and the lead's next change moves the surplus into history items; a lead
 * merged this often with no change between gets items of its own for the rest.
 */
export const MAX_ENTRIES_ON_LEAD = 20;

/** Most items one lead write holds: DynamoDB's limit of actions in a transaction, which every LeadStore keeps. */
export const MAX_LEAD_WRITE_ITEMS = 100;
/** Items replaceLead's write takes besides its history items and load changes: the lead, the event's record. */
const REPLACE_LEAD_ITEMS = 2;

function distinct(ids: readonly string[], what: string): void {
  if (new Set(ids).size !== ids.length) throw new Error(`${what} must be distinct within one write`);
}

/**
 * The load changes of a putNewLeads (those that move a count), once its shape is
 * one every LeadStore writes: at most MAX_LEAD_WRITE_ITEMS items, no lead or
 * partner named twice. Otherwise a programming error, thrown before anything is
 * written, by every store alike.
 */
export function newLeadsWrite(leads: readonly Lead[], loads: readonly LoadChange[]): LoadChange[] {
  const changes = loads.filter((c) => c.delta !== 0);
  const items = leads.length * NEW_LEAD_ITEMS + changes.length;
  if (items > MAX_LEAD_WRITE_ITEMS) {
    throw new Error(
      `putNewLeads takes at most ${MAX_LEAD_WRITE_ITEMS} items (${NEW_LEAD_ITEMS} per lead, one per load change), got ${items}`,
    );
  }
  distinct(
    leads.map((l) => l.id),
    'Lead ids',
  );
  distinct(
    changes.map((c) => c.partnerId),
    'Load changes (partner ids)',
  );
  return changes;
}

/**
 * How a replaceLead splits the lead's history, and its load changes (those that
 * move a count), once its shape is one every LeadStore writes: a version of the
 * same lead, a history only appended to, room in one write. The entries `next`
 * appends stay on the lead with the latest of the ones before, LEAD_HISTORY_WINDOW
 * at the most (`kept`); the older ones go to history items written in the same
 * write, one item per instant (`at`), so that a merge's item between two of them
 * sorts between them (`evicted`). A wrong shape is a programming error, thrown
 * before anything is written.
 */
export function replaceLeadWrite(
  previous: Lead,
  next: Lead,
  loads: readonly LoadChange[],
): { kept: HistoryEntry[]; evicted: HistoryEntry[][]; changes: LoadChange[] } {
  if (previous.id !== next.id || previous.supplierId !== next.supplierId) {
    throw new Error('replaceLead replaces a lead with a version of itself (same id and supplier)');
  }
  if (next.history.length < previous.history.length) {
    throw new Error('replaceLead appends to the history, it never removes entries');
  }
  const { kept, evicted } = splitHistory(previous, next);
  const changes = loads.filter((c) => c.delta !== 0);
  if (REPLACE_LEAD_ITEMS + evicted.length + changes.length > MAX_LEAD_WRITE_ITEMS) {
    throw new Error(
      `replaceLead takes at most ${MAX_LEAD_WRITE_ITEMS - REPLACE_LEAD_ITEMS - evicted.length} load changes`,
    );
  }
  distinct(
    changes.map((c) => c.partnerId),
    'Load changes (partner ids)',
  );
  return { kept, evicted, changes };
}

function splitHistory(previous: Lead, next: Lead): { kept: HistoryEntry[]; evicted: HistoryEntry[][] } {
  const added = next.history.length - previous.history.length;
  if (added === 0 || next.history.length <= LEAD_HISTORY_WINDOW) return { kept: next.history, evicted: [] };
  const cut = next.history.length - LEAD_HISTORY_WINDOW;
  const evicted: HistoryEntry[][] = [];
  for (const entry of next.history.slice(0, cut)) {
    const last = evicted.at(-1);
    if (last?.[0]?.at === entry.at) last.push(entry);
    else evicted.push([entry]);
  }
  return { kept: next.history.slice(cut), evicted };
}

export type PutLeadsResult =
  | { ok: true }
  /** Nothing was written: some leads already exist, or some partners would exceed their capacity. */
  | { ok: false; existingLeadIds: string[]; overCapacityPartnerIds: string[] };

export interface LeadFieldChange {
  /** Core fields to set (text fields, score, displayEmail). */
  fields: Record<string, string | number>;
  customFields: Record<string, string | number | boolean | null>;
  history: HistoryEntry;
  updatedAt: string;
}

/** `seen-before`: the change applies an event (ReplaceLeadOptions.event) already recorded on the lead; nothing was written. */
export type ReplaceLeadResult = 'ok' | 'stale' | 'over-capacity' | 'seen-before';

export interface ReplaceLeadOptions {
  /** The identity of the event the change applies; recorded with it, once (see Transition.event). */
  event?: string | undefined;
}

/**
 * A lead written with the aliases that name it, atomically: `previous` replaced by
 * `next` (as replaceLead), or `next` put new when there is no `previous`. `claims`:
 * ids that from now on name this lead (each must be free): the supplier's id of a
 * registered lead's email (leadIdFor), so the supplier's own intake of that email finds
 * it; a partner's id of its own lead's email (partnerLeadIdFor). `releases`: ids that
 * named the lead and no longer do (an email changed). `linked`: another lead replaced
 * in the same write (the supplier's lead a registration links to).
 */
export interface AliasedLeadWrite {
  previous?: Lead | undefined;
  next: Lead;
  claims?: readonly string[] | undefined;
  releases?: readonly string[] | undefined;
  linked?: { previous: Lead; next: Lead } | undefined;
}

/** `claimed`: an id to claim names another lead (read it again); `stale`: a lead changed meanwhile. Nothing written but on `ok`. */
export type AliasedLeadWriteResult = 'ok' | 'stale' | 'claimed';

/**
 * What the lead use cases need from storage. The DynamoDB adapter implements it;
 * every write is conditional and multi-item writes are transactions.
 */
export interface LeadStore {
  /**
   * One lead by id (the caller checks the tenant). An alias (AliasedLeadWrite.claims:
   * the id of an email) answers the lead it names.
   */
  getLead(leadId: string): Promise<Lead | undefined>;
  /**
   * Many leads by id (any number; fetched 100 at a time), keyed by the id asked for (an
   * alias answers the lead it names, as getLead). Missing ids are absent.
   */
  getLeads(leadIds: readonly string[]): Promise<Map<string, Lead>>;
  /** Writes a lead with the aliases that name it (AliasedLeadWrite), atomically. */
  writeAliased(write: AliasedLeadWrite): Promise<AliasedLeadWriteResult>;
  /**
   * Puts leads that must not exist yet, each holding its first history entries, and
   * the load changes they cause, atomically (at most 100 items per call:
   * NEW_LEAD_ITEMS per lead + distinct partners). On any conflict nothing is written.
   */
  putNewLeads(leads: readonly Lead[], loads: readonly LoadChange[]): Promise<PutLeadsResult>;
  /**
   * Replaces `previous` (same version) with `next` and applies the load changes,
   * atomically. `next` appends its history entries to `previous.history`; the lead
   * keeps the latest (LEAD_HISTORY_WINDOW) and the older ones move to history items in
   * the same transaction, so a lost race writes neither. `previous` must be as read
   * (its history too: a merge's answer is not), else the answer is `stale`.
   */
  replaceLead(
    previous: Lead,
    next: Lead,
    loads: readonly LoadChange[],
    options?: ReplaceLeadOptions,
  ): Promise<ReplaceLeadResult>;
  /**
   * An outside event that changes nothing of the lead but adds to its history (an SES
   * Delivery after the Send, say): `entry` as a history item of its own beside the lead,
   * with the event's record (`eventId`, as ReplaceLeadOptions.event), atomically; the
   * lead item is not written, so nothing of it (version, updatedAt) moves. `seen-before`
   * when the event was recorded already (nothing is written).
   */
  appendEvent(leadId: string, entry: HistoryEntry, eventId: string): Promise<'ok' | 'seen-before'>;
  /**
   * A known email arriving again: sets the given fields, merges the custom fields
   * and bumps the version in one atomic update (no read-modify-write, so any number
   * of concurrent duplicates all land), with the history entry as an item of its own
   * in the same transaction. Answers the lead after the change, or undefined when it
   * does not exist.
   */
  mergeLeadFields(leadId: string, change: LeadFieldChange): Promise<Lead | undefined>;
  /** A lead's whole history, newest first, paged (`limit` entries a page). */
  listHistory(leadId: string, page: PageQuery): Promise<Page<HistoryEntry>>;
  /** The leads assigned to a partner now, newest first. */
  listPartnerLeads(supplierId: string, partnerId: string, page: PageQuery): Promise<Page<Lead>>;
  /** A supplier's leads, newest first. */
  listLeads(supplierId: string, page: PageQuery): Promise<Page<Lead>>;
  /**
   * The All Leads view (LeadViews): the supplier's leads the filter selects (matchesFilter),
   * in its order (compareLeads), paged; every filter served from an index. A cursor of another
   * supplier or filter is a ValidationError. A page may hold fewer than `limit` leads (a
   * post-filter that matches few) while nextCursor is not null.
   */
  queryLeads(supplierId: string, filter: LeadFilter, page: PageQuery): Promise<Page<Lead>>;
  /** Waiting leads (Pending, Rerouted) whose reroute deadline is before `before`, oldest first, at most `limit`. */
  dueDeadlines(before: Date, limit: number): Promise<Lead[]>;
  /**
   * Records that the deadline sweep failed to reroute the lead (`failure`), if
   * the lead is still at `expectedVersion`; with `failure.flaggedAt` set the
   * lead also leaves the deadline index. Answers the lead after the change, or
   * undefined when it changed meanwhile or is gone (then nothing is written).
   */
  recordRerouteFailure(
    leadId: string,
    expectedVersion: number,
    failure: NonNullable<Lead['rerouteFailure']>,
  ): Promise<Lead | undefined>;
  /** Current Pending counts of the partners (0 for none). */
  partnerLoads(supplierId: string, partnerIds: readonly string[]): Promise<Map<string, number>>;
  /**
   * Reserves, for each named counter, `count` consecutive numbers (atomic per
   * counter; the counters of one call need not land together); answers each
   * counter's first. One call covers all of a chunk's pools.
   */
  reserveSequences(supplierId: string, counts: ReadonlyMap<string, number>): Promise<Map<string, number>>;
}

export type RulesKind = 'routing' | 'registration';

export interface StoredRules {
  rules: unknown;
  version: number;
  updatedAt: string;
  /** The email of the person who saved them; absent when an API key did (or before it was recorded). */
  updatedBy?: string;
}

/** What every RulesStore throws for a put on a version that is no longer the stored one (0: none stored yet). */
export function rulesChangedMeanwhile(kind: RulesKind, expectedVersion: number): ConflictError {
  return new ConflictError(
    `The ${kind} rules were changed by someone else meanwhile; read them again and retry`,
    [
      {
        path: 'version',
        message: expectedVersion === 0 ? 'rules already exist' : `stale version ${expectedVersion}`,
      },
    ],
  );
}

/** A supplier's rule sets (routing, registration), versioned; each put is conditional on the version read. */
export interface RulesStore {
  getRules(supplierId: string, kind: RulesKind): Promise<StoredRules | undefined>;
  /**
   * Stores the rules if the stored version is still `expectedVersion` (0: none yet); answers the new version.
   * Throws ConflictError otherwise. `updatedBy`: the person saving them (none for an API key).
   */
  putRules(
    supplierId: string,
    kind: RulesKind,
    rules: unknown,
    expectedVersion: number,
    now: string,
    updatedBy?: string,
  ): Promise<number>;
}
