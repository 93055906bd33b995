import type { Page, PageQuery } from '../pages';
import type {
  DeliveryAttempt,
  DeliveryStatus,
  StoredDelivery,
  StoredWebhook,
  WebhookOwner,
  WebhookRetryEvent,
} from './schemas';

/** The subscriptions (keys.ts: Webhook, WebhookCount). */
export interface WebhookStore {
  /** Puts a new subscription, unless its owner already has `max` (a ConflictError naming the limit). */
  createWebhook(webhook: StoredWebhook, max: number): Promise<void>;
  getWebhook(owner: WebhookOwner, webhookId: string): Promise<StoredWebhook | undefined>;
  listWebhooks(owner: WebhookOwner, page: PageQuery): Promise<Page<StoredWebhook>>;
  /** Every subscription of one owner (at most MAX_WEBHOOKS_PER_TENANT), for the stream consumer. */
  webhooksOf(owner: WebhookOwner): Promise<StoredWebhook[]>;
  /** Replaces it if unchanged since read (its version); a ConflictError otherwise. */
  replaceWebhook(previous: StoredWebhook, next: StoredWebhook): Promise<void>;
  deleteWebhook(owner: WebhookOwner, webhookId: string): Promise<boolean>;
  /** active → failing; true only for the one call that changed it (a failing spell starts once). */
  markFailing(owner: WebhookOwner, webhookId: string, now: string): Promise<boolean>;
  /** failing → active, after a delivered attempt. */
  clearFailing(owner: WebhookOwner, webhookId: string, now: string): Promise<void>;
}

/** What one attempt changes on a delivery. */
export interface AttemptOutcome {
  status: Extract<DeliveryStatus, 'retrying' | 'delivered' | 'failed'>;
  lastAttempt: DeliveryAttempt;
  firstAttemptAt: string;
  nextAttemptAt?: string;
  now: string;
}

/** The deliveries (keys.ts: WebhookDelivery): lanes in the table, the log in byCreated. */
export interface DeliveryStore {
  /** Puts a new delivery; `exists` when it is there already (a replayed record). */
  putDelivery(delivery: StoredDelivery): Promise<'created' | 'exists'>;
  getDelivery(webhookId: string, lane: string, seq: string): Promise<StoredDelivery | undefined>;
  /** The first delivery of the lane that has not finished (queued, sending or retrying), read consistently. */
  laneHead(webhookId: string, lane: string): Promise<StoredDelivery | undefined>;
  /**
   * Claims a delivery for an attempt: its status `from` one of the given (and, for
   * `sending`, a lease that ran out) → `sending` under `claim` until `leaseUntil`.
   * Undefined when someone else has it or it moved on.
   */
  claimDelivery(
    delivery: StoredDelivery,
    claim: { token: string; now: string; leaseUntil: string; from: readonly DeliveryStatus[] },
  ): Promise<StoredDelivery | undefined>;
  /** Records the claimed attempt's outcome, if the claim still holds; false otherwise. */
  finishAttempt(delivery: StoredDelivery, token: string, outcome: AttemptOutcome): Promise<boolean>;
  /**
   * Records an attempt made by hand, outside the lane (a redelivery): counted and
   * logged; delivered makes the delivery delivered whatever it was, a failure
   * leaves its status as it is.
   */
  recordManualAttempt(
    delivery: StoredDelivery,
    attempt: DeliveryAttempt,
    delivered: boolean,
  ): Promise<StoredDelivery>;
  /** A subscription's deliveries, newest first. */
  listDeliveries(webhookId: string, page: PageQuery): Promise<Page<StoredDelivery>>;
}

/** One signed POST to a receiver. */
export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What came of it: `ok` for a 2xx answer; everything else is a failure to retry. */
export interface SendResult extends DeliveryAttempt {
  ok: boolean;
}

/** Sends webhooks (packages/aws: node:http with the target checks; never throws, answers a result). */
export interface WebhookSender {
  send(request: WebhookRequest): Promise<SendResult>;
}

/** One-time retries on EventBridge Scheduler; a name used twice is a no-op. */
export interface RetryScheduler {
  schedule(name: string, at: Date, input: WebhookRetryEvent): Promise<'created' | 'exists'>;
}
