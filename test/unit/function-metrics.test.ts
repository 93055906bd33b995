import { describe, expect, it, vi } from 'vitest';
import { functionMetrics, Metric } from '../../functions/shared/metrics';

describe('functionMetrics', () => {
  it('counts into the LeadRelay namespace with the function as the service dimension, zeros left out', () => {
    const metrics = functionMetrics('ingest');
    metrics.count(Metric.leadsIngested, 3);
    metrics.count(Metric.leadsCreated);
    metrics.count(Metric.uploadRowsRejected, 0);
    const emf = metrics.metrics.serializeMetrics() as unknown as Record<string, unknown> & {
      _aws: {
        CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
      };
    };
    const [directive] = emf._aws.CloudWatchMetrics;
    expect(directive?.Namespace).toBe('LeadRelay');
    expect(directive?.Dimensions).toEqual([['service']]);
    expect(directive?.Metrics.map((m) => m.Name).sort()).toEqual(['LeadsCreated', 'LeadsIngested']);
    expect(emf).toMatchObject({ service: 'ingest', LeadsIngested: 3, LeadsCreated: 1 });
  });

  it('writes nothing, and warns of nothing, when nothing was counted', () => {
    const metrics = functionMetrics('aggregate');
    // Not written out here: the test only sees whether it would be.
    const publish = vi.spyOn(metrics.metrics, 'publishStoredMetrics').mockReturnValue(metrics.metrics);
    metrics.flush();
    expect(publish).not.toHaveBeenCalled();
    metrics.count(Metric.reroutes);
    metrics.flush();
    expect(publish).toHaveBeenCalledTimes(1);
  });
});
