import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { FunctionName } from '../registry';

/** The CloudWatch namespace of every metric Lead Relay emits (the dashboard and alarms read it). */
export const METRICS_NAMESPACE = 'LeadRelay';

/**
 * The product's counters, in the words ops read them. Each is emitted by the
 * functions named, with the one dimension `service` (the function's registry
 * name): a lead, supplier or partner id is never a dimension (one metric per
 * id would cost more than the product).
 */
export const Metric = {
  /** Leads that came in (API and batch: api; rows of a lead file: ingest). */
  leadsIngested: 'LeadsIngested',
  /** New leads written (api, ingest). */
  leadsCreated: 'LeadsCreated',
  /** Leads that matched a lead of the same email and updated it (api, ingest). */
  leadsDeduplicated: 'LeadsDeduplicated',
  /** Rows of a lead file refused with a row error (ingest). */
  uploadRowsRejected: 'UploadRowsRejected',
  /** New-lead and auto-accepted emails to a partner's lead owner (distribute). */
  emailsSent: 'EmailsSent',
  /** SES Bounce events on those emails, each counted once (email-events). */
  emailsBounced: 'EmailsBounced',
  /** SES Complaint events on those emails, each counted once (email-events). */
  emailsComplained: 'EmailsComplained',
  /** Accept or Reject done through a signed email link (api). */
  linksActed: 'LinksActed',
  /** Leads moved on from their partner: a deadline or the sweep (reroute), a rejection (distribute). */
  reroutes: 'Reroutes',
  /** Leads that became Unassigned: routed to nobody at intake, or out of partners on a reroute (distribute). */
  leadsUnassigned: 'LeadsUnassigned',
  /** Webhook attempts a receiver answered with 2xx (webhooks). */
  webhookDeliveries: 'WebhookDeliveries',
  /** Webhook attempts that did not deliver, whether retried later or given up (webhooks). */
  webhookFailures: 'WebhookFailures',
  /** Deliveries sent again by hand, `POST /v1/webhooks/{id}/deliveries/{deliveryId}/retry` (api). */
  webhookRedeliveries: 'WebhookRedeliveries',
  /** Stream records a consumer answered as failed, to be retried by the stream (aggregate). */
  streamRecordsFailed: 'StreamRecordsFailed',
  /** Large exports whose file was written (export). */
  exportsCompleted: 'ExportsCompleted',
  /** Large exports recorded as failed after their last attempt (export). */
  exportsFailed: 'ExportsFailed',
  /** Rows written into large export files (export). */
  exportRows: 'ExportRows',
  /** Uploads left processing with an expired lease, sent back to ingest (upload-sweeper). */
  uploadsResumed: 'UploadsResumed',
  /** Leads counted again into a supplier's report counters by a rebuild (reports-rebuild). */
  leadsRebuilt: 'LeadsRebuilt',
} as const;
export type MetricName = (typeof Metric)[keyof typeof Metric];

/** Where a handler counts what a use case did (a Powertools Metrics in a function; a fake in a test). */
export interface Counter {
  count(metric: MetricName, value?: number): void;
}

/** Counts nothing: for wiring that has no metrics (tests, tools). */
export const noCounter: Counter = { count: () => {} };

export interface FunctionMetrics extends Counter {
  /** The Powertools instance, for what needs it whole (the sweep report's zero counts). */
  readonly metrics: Metrics;
  /** Writes what was counted as one EMF line, if anything was (nothing counted: nothing written). */
  flush(): void;
}

/**
 * One function's metrics: namespace {@link METRICS_NAMESPACE}, dimension `service`
 * = the function's name. Zeros are not written (a missing point reads as none
 * on the dashboard). Locally the local cloud sets POWERTOOLS_METRICS_DISABLED,
 * so the EMF lines stay out of the `npm start` console unless asked for.
 */
export function functionMetrics(fn: FunctionName): FunctionMetrics {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: fn });
  return {
    metrics,
    count(metric, value = 1) {
      if (value > 0) metrics.addMetric(metric, MetricUnit.Count, value);
    },
    flush() {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    },
  };
}
