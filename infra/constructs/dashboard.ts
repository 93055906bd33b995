import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type FunctionName, functionNames, triggersOf } from '../../functions/registry';
import { METRICS_NAMESPACE, Metric, type MetricName } from '../../functions/shared/metrics';

/** The dashboard's graphs and the alarms read metrics over this period. */
export const dashboardPeriod = Duration.minutes(5);

/** One of the product's counters (functions/shared/metrics.ts), as `fn` emits it: summed per period. */
export function productMetric(name: MetricName, fn: FunctionName, label?: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: fn },
    statistic: cloudwatch.Stats.SUM,
    period: dashboardPeriod,
    label: label ?? `${name} (${fn})`,
  });
}

/** SES's own reputation figures for the account (fractions: 0.05 is 5 %), which SES reviews the account by. */
export function sesReputation(metric: 'BounceRate' | 'ComplaintRate'): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/SES',
    metricName: `Reputation.${metric}`,
    statistic: cloudwatch.Stats.MAXIMUM,
    period: Duration.hours(1),
  });
}

/** The age of the oldest stream record a consumer got, in milliseconds (Lambda's IteratorAge, worst of the period). */
export function iteratorAge(fn: lambda.IFunction): cloudwatch.Metric {
  return fn.metric('IteratorAge', { statistic: cloudwatch.Stats.MAXIMUM, period: dashboardPeriod });
}

/** The share of API requests answered 5xx, in percent (0 when there were none). */
export function apiServerErrorRate(api: apigw.HttpApi): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: 'IF(requests > 0, 100 * errors / requests, 0)',
    usingMetrics: {
      errors: api.metricServerError({ statistic: cloudwatch.Stats.SUM, period: dashboardPeriod }),
      requests: api.metricCount({ statistic: cloudwatch.Stats.SUM, period: dashboardPeriod }),
    },
    label: '5xx rate (%)',
    period: dashboardPeriod,
  });
}

export interface DashboardProps {
  readonly functions: Readonly<Record<FunctionName, lambda.IFunction>>;
  readonly api: apigw.HttpApi;
}

/**
 * The one CloudWatch dashboard ops look at: leads in, emails out and their
 * bounce rate, reroutes, how far behind each stream consumer is, the dead
 * letters waiting, each function's errors and throttles, and the API's answers
 * and latency. Every queue of the stack is a dead-letter queue (a stream
 * consumer's failures, the Scheduler's, an async invocation's), so each gets a
 * line in "Dead letters waiting": build the dashboard after them.
 */
export class Dashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const { functions, api } = props;
    const graph = (
      title: string,
      left: cloudwatch.IMetric[],
      extra: Partial<cloudwatch.GraphWidgetProps> = {},
    ) => new cloudwatch.GraphWidget({ title, left, width: 8, height: 6, ...extra });

    const sent = productMetric(Metric.emailsSent, 'distribute', 'sent');
    const bounced = productMetric(Metric.emailsBounced, 'email-events', 'bounced');
    const complained = productMetric(Metric.emailsComplained, 'email-events', 'complained');
    const percent = (expression: string, label: string) =>
      new cloudwatch.MathExpression({
        expression,
        usingMetrics: { sent, bounced, complained },
        label,
        period: dashboardPeriod,
      });

    const queues = Stack.of(this)
      .node.findAll()
      .filter((c): c is sqs.Queue => c instanceof sqs.Queue);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-operations`,
      defaultInterval: Duration.hours(24),
    });
    this.dashboard.addWidgets(
      graph('Leads in', [
        productMetric(Metric.leadsIngested, 'api', 'ingested: API'),
        productMetric(Metric.leadsIngested, 'ingest', 'ingested: files'),
        productMetric(Metric.leadsCreated, 'api', 'created: API'),
        productMetric(Metric.leadsCreated, 'ingest', 'created: files'),
        productMetric(Metric.leadsDeduplicated, 'api', 'deduplicated: API'),
        productMetric(Metric.leadsDeduplicated, 'ingest', 'deduplicated: files'),
        productMetric(Metric.uploadRowsRejected, 'ingest', 'file rows rejected'),
      ]),
      graph('Emails out', [sent, bounced, complained]),
      graph(
        'Bounce and complaint rate (%)',
        [
          percent('IF(sent > 0, 100 * bounced / sent, 0)', 'bounce rate (lead emails)'),
          percent('IF(sent > 0, 100 * complained / sent, 0)', 'complaint rate (lead emails)'),
          new cloudwatch.MathExpression({
            expression: '100 * sesBounces',
            usingMetrics: { sesBounces: sesReputation('BounceRate') },
            label: 'SES account bounce rate',
            period: Duration.hours(1),
          }),
          new cloudwatch.MathExpression({
            expression: '100 * sesComplaints',
            usingMetrics: { sesComplaints: sesReputation('ComplaintRate') },
            label: 'SES account complaint rate',
            period: Duration.hours(1),
          }),
        ],
        {
          leftAnnotations: [
            { value: 5, label: 'SES bounce review (5 %)', color: cloudwatch.Color.RED },
            { value: 0.1, label: 'SES complaint review (0.1 %)', color: cloudwatch.Color.ORANGE },
          ],
        },
      ),
    );
    this.dashboard.addWidgets(
      graph('Reroutes and unassigned', [
        productMetric(Metric.reroutes, 'reroute', 'rerouted: deadline or sweep'),
        productMetric(Metric.reroutes, 'distribute', 'rerouted: rejected'),
        productMetric(Metric.leadsUnassigned, 'distribute', 'became Unassigned'),
        productMetric(Metric.linksActed, 'api', 'accepted or rejected by link'),
      ]),
      graph('Webhooks', [
        productMetric(Metric.webhookDeliveries, 'webhooks', 'delivered'),
        productMetric(Metric.webhookFailures, 'webhooks', 'failed attempts'),
        productMetric(Metric.webhookRedeliveries, 'api', 'redelivered by hand'),
      ]),
      graph(
        'Oldest stream record per consumer (ms)',
        triggersOf('stream').map(({ fn }) =>
          iteratorAge(functions[fn]).with({ label: `${fn} oldest record` }),
        ),
        { leftAnnotations: [{ value: 300_000, label: '5 minutes', color: cloudwatch.Color.RED }] },
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Dead letters waiting',
        queues.map((queue) =>
          queue.metricApproximateNumberOfMessagesVisible({
            statistic: cloudwatch.Stats.MAXIMUM,
            period: dashboardPeriod,
            label: queue.node.path.split('/').slice(1, -1).join('/'),
          }),
        ),
      ),
      graph(
        'Errors per function',
        functionNames.map((name) =>
          functions[name].metricErrors({
            period: dashboardPeriod,
            label: name,
            statistic: cloudwatch.Stats.SUM,
          }),
        ),
      ),
      graph(
        'Throttles per function',
        functionNames.map((name) =>
          functions[name].metricThrottles({
            period: dashboardPeriod,
            label: name,
            statistic: cloudwatch.Stats.SUM,
          }),
        ),
      ),
    );
    this.dashboard.addWidgets(
      graph('API answers', [
        api.metricCount({ statistic: cloudwatch.Stats.SUM, period: dashboardPeriod, label: 'requests' }),
        api.metricClientError({ statistic: cloudwatch.Stats.SUM, period: dashboardPeriod, label: '4xx' }),
        api.metricServerError({ statistic: cloudwatch.Stats.SUM, period: dashboardPeriod, label: '5xx' }),
      ]),
      graph('API 5xx rate (%)', [apiServerErrorRate(api)]),
      graph('API latency (ms)', [
        api.metricLatency({
          statistic: cloudwatch.Stats.percentile(50),
          period: dashboardPeriod,
          label: 'p50',
        }),
        api.metricLatency({
          statistic: cloudwatch.Stats.percentile(99),
          period: dashboardPeriod,
          label: 'p99',
        }),
        api.metricIntegrationLatency({
          statistic: cloudwatch.Stats.percentile(99),
          period: dashboardPeriod,
          label: 'p99 in the api function',
        }),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Exports', [
        productMetric(Metric.exportsCompleted, 'export', 'files written'),
        productMetric(Metric.exportsFailed, 'export', 'failed'),
      ]),
      graph('Export rows', [productMetric(Metric.exportRows, 'export', 'rows written')]),
      graph('Background work', [
        productMetric(Metric.uploadsResumed, 'upload-sweeper', 'stalled uploads resumed'),
        productMetric(Metric.streamRecordsFailed, 'aggregate', 'report records failed (retried)'),
        productMetric(Metric.leadsRebuilt, 'reports-rebuild', 'leads counted by a rebuild'),
      ]),
    );
  }
}
