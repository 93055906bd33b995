import type { Page, PageQuery } from '../pages';
import type { HistoryEntry, Lead } from './lead';

/** A change of a partner's Pending count, written in the same transaction as the leads that cause it. */
export interface LoadChange {
  partnerId: string;
  delta: number;
  /** When set and delta > 0, the write fails unless the count stays at or under it. */
  capacity: number | null;
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

export type ReplaceLeadResult = 'ok' | 'stale' | 'over-capacity';

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
   * Puts leads that must not exist yet, with the load changes they cause, atomically
   * (at most 100 items per call: leads + distinct partners). On any conflict nothing is written.
   */
  putNewLeads(leads: readonly Lead[], loads: readonly LoadChange[]): Promise<PutLeadsResult>;
  /** Replaces `previous` (same version) with `next` and applies the load changes, atomically. */
  replaceLead(previous: Lead, next: Lead, loads: readonly LoadChange[]): Promise<ReplaceLeadResult>;
  /**
   * A known email arriving again: sets the given fields, merges the custom fields,
   * appends the history entry and bumps the version in one atomic update (no
   * read-modify-write, so any number of concurrent duplicates all land). Answers
   * the lead after the change, or undefined when it does not exist.
   */
  mergeLeadFields(leadId: string, change: LeadFieldChange): Promise<Lead | undefined>;
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
  /** Reserves `count` consecutive numbers of a named counter; answers the first. */
  reserveSequence(supplierId: string, counter: string, count: number): Promise<number>;
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
