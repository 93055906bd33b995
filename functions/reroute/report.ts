import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SweepResult } from '@leadrelay/core';

/** The metric names a sweep emits (an alarm on SweepRerouteFailures or SweepLeadsFlagged tells ops). */
export const SweepMetric = {
  failures: 'SweepRerouteFailures',
  flagged: 'SweepLeadsFlagged',
} as const;

/** The two log levels a sweep report writes (a Powertools Logger fits). */
export interface SweepLog {
  info(message: string, fields: Record<string, unknown>): void;
  error(message: string, fields: Record<string, unknown>): void;
}

/**
 * What a sweep tells ops: one error log line per lead it could not reroute
 * (with the lead, its supplier and the error), a distinct one when it gave up on
 * a lead, and the counts as metrics, zeros included, so an alarm sees a value
 * every sweep. The caller publishes the metrics.
 */
export function reportSweep(swept: SweepResult, logger: SweepLog, metrics: Pick<Metrics, 'addMetric'>): void {
  for (const failure of swept.failed) {
    logger.error(failure.flagged ? 'sweep gave up on lead: flagged for a person' : 'sweep reroute failed', {
      ...failure,
    });
  }
  const flagged = swept.failed.filter((f) => f.flagged).length;
  metrics.addMetric(SweepMetric.failures, MetricUnit.Count, swept.failed.length);
  metrics.addMetric(SweepMetric.flagged, MetricUnit.Count, flagged);
  if (swept.due > 0) {
    logger.info('sweep', {
      due: swept.due,
      rerouted: swept.rerouted,
      skipped: swept.skipped,
      failed: swept.failed.length,
      flagged,
    });
  }
}
