import { beforeAll, describe, expect, it } from 'vitest';
import { type FunctionName, functionNames, triggersOf } from '../../functions/registry';
import { METRICS_NAMESPACE, Metric } from '../../functions/shared/metrics';
import { logicalIdOf, type Synthesized, synth } from './synth';

type Resource = { Type: string; Properties: Record<string, unknown> };
/** A dashboard metric line: namespace, name, dimension pairs, then its options (or a math expression). */
type MetricLine = (string | Record<string, unknown>)[];
interface Widget {
  properties: { title: string; metrics?: MetricLine[]; annotations?: unknown };
}

let synthesized: Synthesized;
let resources: Record<string, Resource>;
let widgets: Widget[];

/**
 * The dashboard body as JSON: CloudFormation joins it from text and references,
 * and each reference stands here as `REF:<logical id>` (or `GETATT:<id>.<attr>`)
 * inside the string the body puts it in.
 */
function dashboardBody(body: unknown): { widgets: Widget[] } {
  const parts = (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  const text = parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const node = part as Record<string, unknown>;
      if (typeof node.Ref === 'string') return `REF:${node.Ref}`;
      const getAtt = node['Fn::GetAtt'] as [string, string] | undefined;
      if (getAtt) return `GETATT:${getAtt[0]}.${getAtt[1]}`;
      return `OTHER:${JSON.stringify(part).replaceAll('"', "'")}`;
    })
    .join('');
  return JSON.parse(text);
}

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const widget = (title: string): Widget => {
  const found = widgets.find((w) => w.properties.title === title);
  if (!found)
    throw new Error(`no widget "${title}" (have: ${widgets.map((w) => w.properties.title).join(', ')})`);
  return found;
};
const linesOf = (title: string) => widget(title).properties.metrics ?? [];
/** The plain metric lines of a widget, without their options: [namespace, name, ...dimensions]. */
const plainLines = (title: string) =>
  linesOf(title).map((line) => line.filter((part) => typeof part === 'string'));
const functionId = (name: FunctionName) => logicalIdOf(synthesized.stack.functions.byName[name]);
/** An alarm's properties as the template holds them. */
type AlarmProps = { id: string; MetricName?: string; Dimensions?: unknown; Metrics?: unknown };
const alarms = (): AlarmProps[] =>
  ofType('AWS::CloudWatch::Alarm').map(([id, alarm]) => ({ id, ...alarm.Properties }));
const topicAction = () => [{ Ref: logicalIdOf(synthesized.stack.alarms.topic) }];

beforeAll(() => {
  synthesized = synth({ bundle: false });
  resources = synthesized.template.toJSON().Resources as Record<string, Resource>;
  const [[, dashboard] = []] = ofType('AWS::CloudWatch::Dashboard');
  widgets = dashboardBody(dashboard?.Properties.DashboardBody).widgets;
}, 120_000);

describe('the operations dashboard', () => {
  it('is one dashboard', () => {
    expect(ofType('AWS::CloudWatch::Dashboard')).toHaveLength(1);
  });

  it('shows leads in from the API and from files: ingested, created, deduplicated, rows rejected', () => {
    expect(plainLines('Leads in')).toEqual(
      expect.arrayContaining(
        ['api', 'ingest'].flatMap((service) =>
          [Metric.leadsIngested, Metric.leadsCreated, Metric.leadsDeduplicated].map((name) => [
            METRICS_NAMESPACE,
            name,
            'service',
            service,
          ]),
        ),
      ),
    );
    expect(plainLines('Leads in')).toContainEqual([
      METRICS_NAMESPACE,
      Metric.uploadRowsRejected,
      'service',
      'ingest',
    ]);
  });

  it('shows emails out, bounced and complained, and the bounce rate next to SES’s own with its thresholds', () => {
    expect(plainLines('Emails out')).toEqual([
      [METRICS_NAMESPACE, Metric.emailsSent, 'service', 'distribute'],
      [METRICS_NAMESPACE, Metric.emailsBounced, 'service', 'email-events'],
      [METRICS_NAMESPACE, Metric.emailsComplained, 'service', 'email-events'],
    ]);
    const rates = linesOf('Bounce and complaint rate (%)');
    const expressions = rates.flatMap((line) => line.map((p) => (p as { expression?: string }).expression));
    expect(expressions).toContain('IF(sent > 0, 100 * bounced / sent, 0)');
    expect(expressions).toContain('IF(sent > 0, 100 * complained / sent, 0)');
    expect(plainLines('Bounce and complaint rate (%)')).toEqual(
      expect.arrayContaining([
        ['AWS/SES', 'Reputation.BounceRate'],
        ['AWS/SES', 'Reputation.ComplaintRate'],
      ]),
    );
    expect(widget('Bounce and complaint rate (%)').properties.annotations).toMatchObject({
      horizontal: [{ value: 5 }, { value: 0.1 }],
    });
  });

  it('shows reroutes (deadline, sweep and rejection), leads left unassigned, link actions and webhooks', () => {
    expect(plainLines('Reroutes and unassigned')).toEqual([
      [METRICS_NAMESPACE, Metric.reroutes, 'service', 'reroute'],
      [METRICS_NAMESPACE, Metric.reroutes, 'service', 'distribute'],
      [METRICS_NAMESPACE, Metric.leadsUnassigned, 'service', 'distribute'],
      [METRICS_NAMESPACE, Metric.linksActed, 'service', 'api'],
    ]);
    expect(plainLines('Webhooks')).toEqual([
      [METRICS_NAMESPACE, Metric.webhookDeliveries, 'service', 'webhooks'],
      [METRICS_NAMESPACE, Metric.webhookFailures, 'service', 'webhooks'],
      [METRICS_NAMESPACE, Metric.webhookRedeliveries, 'service', 'api'],
    ]);
  });

  it('shows the background functions: exports, resumed uploads, failed report records, rebuilds', () => {
    expect(plainLines('Exports')).toEqual([
      [METRICS_NAMESPACE, Metric.exportsCompleted, 'service', 'export'],
      [METRICS_NAMESPACE, Metric.exportsFailed, 'service', 'export'],
    ]);
    expect(plainLines('Export rows')).toEqual([[METRICS_NAMESPACE, Metric.exportRows, 'service', 'export']]);
    expect(plainLines('Background work')).toEqual([
      [METRICS_NAMESPACE, Metric.uploadsResumed, 'service', 'upload-sweeper'],
      [METRICS_NAMESPACE, Metric.streamRecordsFailed, 'service', 'aggregate'],
      [METRICS_NAMESPACE, Metric.leadsRebuilt, 'service', 'reports-rebuild'],
    ]);
  });

  it('has a product metric from every function', () => {
    const services = new Set(
      widgets.flatMap((w) =>
        (w.properties.metrics ?? []).filter((l) => l[0] === METRICS_NAMESPACE).map((l) => l[3]),
      ),
    );
    expect([...services].sort()).toEqual([...functionNames].sort());
  });

  it('graphs every counter the functions emit', () => {
    const shown = new Set(
      widgets.flatMap((w) =>
        (w.properties.metrics ?? []).filter((l) => l[0] === METRICS_NAMESPACE).map((l) => l[1]),
      ),
    );
    expect([...shown].sort()).toEqual(Object.values(Metric).sort());
  });

  it('shows the age of the oldest stream record of each stream consumer', () => {
    const consumers = triggersOf('stream').map(({ fn }) => fn);
    expect(consumers).toEqual(['distribute', 'aggregate', 'webhooks']);
    expect(plainLines('Oldest stream record per consumer (ms)')).toEqual(
      consumers.map((fn) => ['AWS/Lambda', 'IteratorAge', 'FunctionName', `REF:${functionId(fn)}`]),
    );
    expect(linesOf('Oldest stream record per consumer (ms)')[0]?.at(-1)).toMatchObject({ stat: 'Maximum' });
  });

  it('shows the depth of every dead-letter queue (every queue of the stack is one)', () => {
    const queues = ofType('AWS::SQS::Queue').map(([id]) => id);
    expect(queues.length).toBeGreaterThan(0);
    expect(plainLines('Dead letters waiting').sort()).toEqual(
      queues
        .map((id) => ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', `GETATT:${id}.QueueName`])
        .sort(),
    );
  });

  it('shows errors and throttles of every function', () => {
    for (const [title, metric] of [
      ['Errors per function', 'Errors'],
      ['Throttles per function', 'Throttles'],
    ] as const) {
      expect(plainLines(title)).toEqual(
        functionNames.map((fn) => ['AWS/Lambda', metric, 'FunctionName', `REF:${functionId(fn)}`]),
      );
    }
  });

  it('shows the API’s requests, 4xx and 5xx, its 5xx rate and its latency', () => {
    const apiId = `REF:${logicalIdOf(synthesized.stack.api.httpApi)}`;
    expect(plainLines('API answers')).toEqual([
      ['AWS/ApiGateway', 'Count', 'ApiId', apiId],
      ['AWS/ApiGateway', '4xx', 'ApiId', apiId],
      ['AWS/ApiGateway', '5xx', 'ApiId', apiId],
    ]);
    expect(plainLines('API latency (ms)')).toEqual([
      ['AWS/ApiGateway', 'Latency', 'ApiId', apiId],
      ['AWS/ApiGateway', 'Latency', 'ApiId', apiId],
      ['AWS/ApiGateway', 'IntegrationLatency', 'ApiId', apiId],
    ]);
    expect(linesOf('API latency (ms)').map((line) => line.at(-1))).toMatchObject([
      { stat: 'p50' },
      { stat: 'p99' },
      { stat: 'p99' },
    ]);
    expect(JSON.stringify(linesOf('API 5xx rate (%)'))).toContain(
      'IF(requests > 0, 100 * errors / requests, 0)',
    );
  });
});

describe('the operations alarms', () => {
  it('fires over SES’s review thresholds: a bounce rate over 5 % and a complaint rate over 0.1 %', () => {
    for (const [metric, threshold] of [
      ['Reputation.BounceRate', 0.05],
      ['Reputation.ComplaintRate', 0.001],
    ] as const) {
      const found = alarms().filter((a) => a.MetricName === metric);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({
        Namespace: 'AWS/SES',
        Statistic: 'Maximum',
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: topicAction(),
      });
    }
  });

  it('fires when a stream consumer’s oldest record is over 5 minutes old, one alarm per consumer', () => {
    for (const { fn } of triggersOf('stream')) {
      const found = alarms().filter(
        (a) =>
          a.MetricName === 'IteratorAge' &&
          JSON.stringify(a.Dimensions) ===
            JSON.stringify([{ Name: 'FunctionName', Value: { Ref: functionId(fn) } }]),
      );
      expect({ fn, alarms: found.length }).toEqual({ fn, alarms: 1 });
      expect(found[0]).toMatchObject({
        Namespace: 'AWS/Lambda',
        Statistic: 'Maximum',
        Threshold: 300_000,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: topicAction(),
      });
    }
  });

  it('fires when more than 1 % of API requests answer 5xx, two 5-minute periods in a row', () => {
    const found = alarms().filter((a) => JSON.stringify(a.Metrics ?? '').includes('errors / requests'));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 2,
      AlarmActions: topicAction(),
    });
    const apiId = logicalIdOf(synthesized.stack.api.httpApi);
    const metrics = found[0]?.Metrics as { Id: string; MetricStat?: { Metric: Record<string, unknown> } }[];
    expect(metrics.filter((m) => m.MetricStat).map((m) => [m.Id, m.MetricStat?.Metric.MetricName])).toEqual(
      expect.arrayContaining([
        ['errors', '5xx'],
        ['requests', 'Count'],
      ]),
    );
    expect(JSON.stringify(metrics)).toContain(apiId);
  });

  it('fires on the first message of every dead-letter queue', () => {
    for (const [queueId] of ofType('AWS::SQS::Queue')) {
      const found = alarms().filter(
        (a) =>
          a.MetricName === 'ApproximateNumberOfMessagesVisible' &&
          JSON.stringify(a.Dimensions).includes(queueId),
      );
      expect({ queueId, alarms: found.length }).toEqual({ queueId, alarms: 1 });
      expect(found[0]).toMatchObject({ Threshold: 0, EvaluationPeriods: 1, AlarmActions: topicAction() });
    }
  });
});
