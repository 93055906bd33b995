import type { Contribution, CounterItem } from './contribution';
import type { ReportRange } from './report';

/**
 * A lead's new state for the counters: the lead's version and its contribution
 * (undefined: the lead is gone and contributes nothing).
 */
export interface LeadReportUpdate {
  leadId: string;
  version: number;
  contribution: Contribution | undefined;
}

/** What an apply did: leads whose contribution moved, and those skipped (already applied, or older). */
export interface ApplyOutcome {
  applied: number;
  skipped: number;
}

/** What a report read cost: items DynamoDB read and the read capacity consumed. */
export interface ReadCost {
  requests: number;
  items: number;
  capacityUnits: number;
}

/**
 * The report counters of a supplier, kept in *generations*: reports read the current
 * one; a rebuild fills the next one from the leads while the consumer keeps both up to
 * date, then makes it current.
 */
export interface ReportStore {
  /**
   * Applies the leads' states to the counters, each only if its version is newer than
   * the one applied to that generation (duplicates and older states change nothing).
   * `generations` defaults to those the supplier's meta names (current, and the one
   * being built).
   */
  applyLeads(
    supplierId: string,
    updates: readonly LeadReportUpdate[],
    generations?: readonly number[],
  ): Promise<ApplyOutcome>;
  /** The current generation's counter items for the days of the range, and what reading them cost. */
  readCounters(supplierId: string, range: ReportRange): Promise<{ items: CounterItem[]; cost: ReadCost }>;
  /** Starts building a new generation (the consumer applies to it from now on); answers its number. */
  startRebuild(supplierId: string): Promise<number>;
  /** Makes `generation` current, if it is still the one being built (else ConflictError). */
  finishRebuild(supplierId: string, generation: number): Promise<void>;
}
