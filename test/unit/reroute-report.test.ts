import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SweepResult } from '@leadrelay/core';
import { describe, expect, it } from 'vitest';
import { reportSweep, SweepMetric } from '../../functions/reroute/report';

/** Log lines as the reroute handler's logger would write them (a sink, not CloudWatch). */
function logSink() {
  const lines: { level: 'info' | 'error'; message: string; fields: unknown }[] = [];
  return {
    lines,
    info(message: string, fields: Record<string, unknown>) {
      lines.push({ level: 'info', message, fields });
    },
    error(message: string, fields: Record<string, unknown>) {
      lines.push({ level: 'error', message, fields });
    },
  };
}

/** The EMF document Powertools would publish: metric name → value. */
function values(metrics: Metrics): Record<string, unknown> {
  const { _aws, ...rest } = metrics.serializeMetrics() as unknown as Record<string, unknown>;
  return rest;
}

const sweep = (failed: SweepResult['failed']): SweepResult => ({
  due: 3,
  rerouted: 1,
  skipped: 2 - failed.length,
  failed,
});

describe('reportSweep', () => {
  it('logs every lead the sweep could not reroute and counts failures and flags', () => {
    const metrics = new Metrics({ namespace: 'LeadRelay', serviceName: 'test' });
    const logger = logSink();
    reportSweep(
      sweep([
        { leadId: 'L1', supplierId: 'S1', error: 'ZodError: bad rules', failures: 1, flagged: false },
        { leadId: 'L2', supplierId: 'S2', error: 'TypeError: boom', failures: 3, flagged: true },
      ]),
      logger,
      metrics,
    );

    expect(values(metrics)).toMatchObject({ [SweepMetric.failures]: 2, [SweepMetric.flagged]: 1 });
    const errors = logger.lines.filter((l) => l.level === 'error');
    expect(errors.map((l) => l.fields)).toEqual([
      expect.objectContaining({ leadId: 'L1', supplierId: 'S1', failures: 1, flagged: false }),
      expect.objectContaining({ leadId: 'L2', error: 'TypeError: boom', flagged: true }),
    ]);
    expect(errors[1]?.message).toMatch(/flagged/);
    expect(logger.lines.find((l) => l.level === 'info')?.fields).toMatchObject({
      due: 3,
      failed: 2,
      flagged: 1,
    });
  });

  it('counts zero on a clean sweep, so an alarm sees a value every time', () => {
    const metrics = new Metrics({ namespace: 'LeadRelay', serviceName: 'test' });
    const logger = logSink();
    reportSweep(sweep([]), logger, metrics);
    expect(values(metrics)).toMatchObject({ [SweepMetric.failures]: 0, [SweepMetric.flagged]: 0 });
    expect(logger.lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});
