import type { Page, PageQuery } from '../pages';
import type { HistoryEntry, Lead } from './lead';

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
 * What the lead use cases need from storage. The DynamoDB adapter implements it;
 * every write is conditional and multi-item writes are transactions.
 */
export interface LeadStore {
  /** One lead by id (the caller checks the tenant). */
  getLead(leadId: string): Promise<Lead | undefined>;
  /** Many leads by id (any number; fetched 100 at a time). Missing ids are absent from the map. */
  getLeads(leadIds: readonly string[]): Promise<Map<string, Lead>>;
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
}

/** A supplier's rule sets (routing, registration), versioned; each put is conditional on the version read. */
export interface RulesStore {
  getRules(supplierId: string, kind: RulesKind): Promise<StoredRules | undefined>;
  /** Stores the rules if the stored version is still `expectedVersion` (0: none yet); answers the new version. Throws ConflictError otherwise. */
  putRules(
    supplierId: string,
    kind: RulesKind,
    rules: unknown,
    expectedVersion: number,
    now: string,
  ): Promise<number>;
}
