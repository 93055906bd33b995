import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock';
import { NotFoundError } from '../errors';
import { newId } from '../ids';
import type { Lead } from '../leads/lead';
import { nextAttemptAt, type RetryPolicy } from './backoff';
import {
  digest32,
  laneSeq,
  leadDeliveryId,
  leadEventBody,
  leadEventId,
  leadEvents,
  leadFor,
  parseDeliveryId,
  testDeliveryId,
} from './events';
import type { DeliveryStore, RetryScheduler, SendResult, WebhookSender, WebhookStore } from './ports';
import {
  type DeliveryAttempt,
  type DeliveryStatus,
  type StoredDelivery,
  type StoredWebhook,
  TEST_EVENT_TYPE,
  type WebhookDelivery,
  type WebhookOwner,
  type WebhookRetryEvent,
} from './schemas';
import { signedHeaders, signingSecrets } from './signing';

/** The user agent of every attempt. */
export const WEBHOOK_USER_AGENT = 'LeadRelay-Webhooks/1';
/** How long a claim on a delivery holds: far more than one attempt takes (5 s at most). */
export const DELIVERY_LEASE_MS = 30_000;
/** A retry whose schedule is this late is taken over by whoever looks at its lane next. */
export const LOST_RETRY_AFTER_MS = 15 * 60_000;
/** Finished deliveries stay in the log this long (TTL). */
export const DELIVERY_RETENTION_DAYS = 30;

export interface DeliveryDeps {
  webhooks: WebhookStore;
  deliveries: DeliveryStore;
  sender: WebhookSender;
  clock: Clock;
  retries: RetryScheduler;
  policy: RetryPolicy;
  /** In [0, 1): the jitter of the backoff. */
  random: () => number;
  /** A subscription just started failing (once per failing spell): tell its owner. */
  onFailing?: (webhook: StoredWebhook, now: Date) => Promise<void>;
  /**
   * How an attempt reads its subscription (default: from the store). The stream
   * consumer answers from the batch's subscription cache: the deliveries it sends
   * were made from that same read a moment before.
   */
  webhookOf?: (owner: WebhookOwner, webhookId: string) => Promise<StoredWebhook | undefined>;
}

/** One lane: the deliveries of one subscription for one lead (or its test events), sent one at a time in order. */
export interface Lane {
  webhookId: string;
  owner: WebhookOwner;
  lane: string;
}

/** The subscriptions of each owner, read once per batch of records. */
export type SubscriptionCache = (owner: WebhookOwner) => Promise<StoredWebhook[]>;

export function ownerKey(owner: WebhookOwner): string {
  return owner.kind === 'supplier' ? `${owner.supplierId}` : `${owner.supplierId}/${owner.partnerId}`;
}

export function subscriptionCache(webhooks: WebhookStore): SubscriptionCache {
  const cache = new Map<string, Promise<StoredWebhook[]>>();
  return (owner) => {
    const key = ownerKey(owner);
    let found = cache.get(key);
    if (!found) {
      found = webhooks.webhooksOf(owner);
      cache.set(key, found);
      // A failed read is not remembered: the record's retry reads again.
      found.catch(() => cache.delete(key));
    }
    return found;
  };
}

/** A delivery as the log shows it. */
export function deliveryView(d: StoredDelivery): WebhookDelivery {
  return {
    id: d.id,
    eventType: d.eventType,
    ...(d.leadId !== undefined ? { leadId: d.leadId } : {}),
    status: d.status,
    attempts: d.attempts,
    ...(d.lastAttempt ? { lastAttempt: d.lastAttempt } : {}),
    ...(d.nextAttemptAt && d.status === 'retrying' ? { nextAttemptAt: d.nextAttemptAt } : {}),
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

/** The retry schedule of a delivery's attempt `attempt`: deterministic, within Scheduler's 64 characters. */
export function retryScheduleName(deliveryId: string, attempt: number): string {
  return `whk-${digest32(deliveryId, 26)}-a${attempt}`;
}

/**
 * Turns one lead change into deliveries: for each event of the change and each
 * subscription that asked for it and may see the lead (the supplier's, and the
 * lead's partner's), one delivery, queued in its lane; put only if new, so a
 * replayed record adds nothing. Answers the lanes it touched (each to be pumped).
 */
export async function enqueueLeadChange(
  deps: Pick<DeliveryDeps, 'deliveries' | 'clock'>,
  subscriptions: SubscriptionCache,
  old: Lead | undefined,
  lead: Lead | undefined,
): Promise<Lane[]> {
  const events = leadEvents(old, lead);
  if (!lead || events.length === 0) return [];
  const owners: WebhookOwner[] = [{ kind: 'supplier', supplierId: lead.supplierId }];
  if (lead.partnerId !== null) {
    owners.push({ kind: 'partner', supplierId: lead.supplierId, partnerId: lead.partnerId });
  }
  const now = deps.clock.now();
  const lanes = new Map<string, Lane>();
  const puts: Promise<unknown>[] = [];
  for (const owner of owners) {
    const view = leadFor(owner, lead, now);
    if (!view) continue;
    for (const webhook of await subscriptions(owner)) {
      if (webhook.disabled) continue;
      for (const event of events) {
        if (!webhook.events.includes(event.type)) continue;
        const eventId = leadEventId(lead.id, lead.version, event.type);
        const seq = laneSeq(lead.version, event.index);
        const body = leadEventBody({ id: eventId, type: event.type }, lead, view);
        const delivery: StoredDelivery = {
          id: leadDeliveryId(webhook.id, lead.id, seq, eventId),
          webhookId: webhook.id,
          owner,
          lane: lead.id,
          seq,
          eventId,
          eventType: event.type,
          leadId: lead.id,
          status: 'queued',
          attempts: 0,
          payload: JSON.stringify(body),
          createdAt: now.toISOString(),
          updatedAt: now.toISOString(),
        };
        puts.push(deps.deliveries.putDelivery(delivery));
        lanes.set(webhook.id, { webhookId: webhook.id, owner, lane: lead.id });
      }
    }
  }
  await Promise.all(puts);
  return [...lanes.values()];
}

/** Signs and sends one attempt of a delivery with the secrets that sign now. */
async function send(deps: Pick<DeliveryDeps, 'sender' | 'clock'>, webhook: StoredWebhook, d: StoredDelivery) {
  const now = deps.clock.now();
  return deps.sender.send({
    url: webhook.url,
    headers: {
      'content-type': 'application/json',
      'user-agent': WEBHOOK_USER_AGENT,
      ...signedHeaders({ id: d.id, at: now, body: d.payload, secrets: signingSecrets(webhook.secrets, now) }),
    },
    body: d.payload,
  });
}

function attemptOf(result: SendResult): DeliveryAttempt {
  const { ok: _ok, ...attempt } = result;
  return attempt;
}

/** A result without a request: the subscription is gone or switched off. */
function notSent(now: Date, error: string): SendResult {
  return { ok: false, at: now.toISOString(), durationMs: 0, error };
}

/**
 * One attempt of a claimed delivery, and its outcome recorded: delivered (2xx), or
 * a retry scheduled with backoff, or failed (the retry window passed; or the
 * subscription was deleted or switched off: nothing is sent then). The failing mark
 * of the subscription follows: set on a failure (its owner told once per spell),
 * cleared on a delivery. Answers the status, or `lost` when the claim no longer held.
 */
async function attempt(
  deps: DeliveryDeps,
  d: StoredDelivery,
  token: string,
): Promise<DeliveryStatus | 'lost'> {
  const webhook = await (deps.webhookOf ?? ((o, id) => deps.webhooks.getWebhook(o, id)))(
    d.owner,
    d.webhookId,
  );
  const started = deps.clock.now();
  const stopped = !webhook
    ? 'the subscription was deleted'
    : webhook.disabled
      ? 'the subscription is disabled'
      : undefined;
  const result = webhook && !stopped ? await send(deps, webhook, d) : notSent(started, stopped ?? '');
  const now = deps.clock.now();
  const attempts = d.attempts + 1;
  const firstAttemptAt = d.firstAttemptAt ?? result.at;
  const retryAt =
    result.ok || stopped || d.lane === 'test'
      ? undefined
      : nextAttemptAt(deps.policy, {
          attempts,
          firstAttemptAt: new Date(firstAttemptAt),
          now,
          random: deps.random(),
        });
  const status = result.ok ? 'delivered' : retryAt ? 'retrying' : 'failed';
  if (retryAt) {
    // The schedule first: a retry state without its schedule would hold up the lane.
    const input: WebhookRetryEvent = {
      kind: 'retry',
      webhookId: d.webhookId,
      leadId: d.lane,
      deliveryId: d.id,
    };
    await deps.retries.schedule(retryScheduleName(d.id, attempts + 1), retryAt, input);
  }
  const recorded = await deps.deliveries.finishAttempt(d, token, {
    status,
    lastAttempt: attemptOf(result),
    firstAttemptAt,
    ...(retryAt ? { nextAttemptAt: retryAt.toISOString() } : {}),
    now: now.toISOString(),
  });
  if (!recorded) return 'lost';
  if (webhook && status === 'delivered' && webhook.status === 'failing') {
    await deps.webhooks.clearFailing(webhook.owner, webhook.id, now.toISOString());
  }
  if (webhook && !stopped && status === 'failed' && d.lane !== 'test') {
    if (await deps.webhooks.markFailing(webhook.owner, webhook.id, now.toISOString())) {
      await deps.onFailing?.({ ...webhook, status: 'failing', failingSince: now.toISOString() }, now);
    }
  }
  return status;
}

function claimable(head: StoredDelivery, now: Date): boolean {
  if (head.status === 'queued') return true;
  if (head.status === 'sending')
    return head.leaseUntil !== undefined && Date.parse(head.leaseUntil) < now.getTime();
  if (head.status === 'retrying') {
    return (
      head.nextAttemptAt !== undefined && Date.parse(head.nextAttemptAt) + LOST_RETRY_AFTER_MS < now.getTime()
    );
  }
  return false;
}

function claimOf(deps: Pick<DeliveryDeps, 'clock'>, from: readonly DeliveryStatus[]) {
  const now = deps.clock.now();
  return {
    token: randomUUID(),
    now: now.toISOString(),
    leaseUntil: new Date(now.getTime() + DELIVERY_LEASE_MS).toISOString(),
    from,
  };
}

/**
 * Sends what a lane can send now: its head (the first delivery not finished), if it
 * is queued (or its sender's lease ran out, or its retry schedule was lost), claimed
 * first (a conditional update: of two at once, one sends and the other stops), then
 * the next, and so on, until the lane is empty, its head waits for a retry, or
 * someone else holds it. Whoever finishes a delivery claims the next: no order is lost.
 */
export async function pumpLane(deps: DeliveryDeps, lane: Pick<Lane, 'webhookId' | 'lane'>): Promise<void> {
  for (;;) {
    const head = await deps.deliveries.laneHead(lane.webhookId, lane.lane);
    if (!head || !claimable(head, deps.clock.now())) return;
    const claim = claimOf(deps, [head.status]);
    const claimed = await deps.deliveries.claimDelivery(head, claim);
    if (!claimed) return;
    // Lost: someone finished it meanwhile (a redelivery by hand); the lane is looked at again.
    if ((await attempt(deps, claimed, claim.token)) === 'retrying') return;
  }
}

/**
 * A retry fell due (its schedule fired): the delivery is tried again if it is still
 * waiting for it, and its lane goes on. A retry that finds the delivery delivered
 * (redelivered by hand) or gone changes nothing but lets the lane go on.
 */
export async function retryDue(deps: DeliveryDeps, event: WebhookRetryEvent): Promise<void> {
  const where = parseDeliveryId(event.deliveryId);
  if (!where) return;
  const d = await deps.deliveries.getDelivery(event.webhookId, where.lane, where.seq);
  if (!d) return;
  if (d.status === 'retrying') {
    const claim = claimOf(deps, ['retrying']);
    const claimed = await deps.deliveries.claimDelivery(d, claim);
    if (claimed) {
      if ((await attempt(deps, claimed, claim.token)) === 'retrying') return;
    }
  }
  if (d.lane !== 'test') await pumpLane(deps, { webhookId: d.webhookId, lane: d.lane });
}

async function deliveryOf(
  deps: Pick<DeliveryDeps, 'deliveries'>,
  webhookId: string,
  deliveryId: string,
): Promise<StoredDelivery> {
  const where = parseDeliveryId(deliveryId);
  const d = where ? await deps.deliveries.getDelivery(webhookId, where.lane, where.seq) : undefined;
  if (!d) throw new NotFoundError(`Delivery ${deliveryId} not found`);
  return d;
}

/**
 * Redelivers one delivery now, by hand, with the same webhook-id: one attempt,
 * outside its lane's order (the caller asked for this one). Delivered makes it
 * delivered (its lane goes on when its retry schedule, if any, fires); a failure is
 * logged and changes nothing else.
 */
export async function redeliver(
  deps: Pick<DeliveryDeps, 'deliveries' | 'sender' | 'clock' | 'webhooks'>,
  webhook: StoredWebhook,
  deliveryId: string,
): Promise<{ delivery: WebhookDelivery; attempt: DeliveryAttempt; delivered: boolean }> {
  const d = await deliveryOf(deps, webhook.id, deliveryId);
  const result = await send(deps, webhook, d);
  const updated = await deps.deliveries.recordManualAttempt(d, attemptOf(result), result.ok);
  if (result.ok && webhook.status === 'failing') {
    await deps.webhooks.clearFailing(webhook.owner, webhook.id, deps.clock.now().toISOString());
  }
  return { delivery: deliveryView(updated), attempt: attemptOf(result), delivered: result.ok };
}

/**
 * Sends a `webhook.test` event at once (no lead, no retries) and logs it: proof that
 * the URL answers and verifies the signature.
 */
export async function sendTestEvent(
  deps: Pick<DeliveryDeps, 'deliveries' | 'sender' | 'clock' | 'webhooks' | 'policy' | 'retries' | 'random'>,
  webhook: StoredWebhook,
): Promise<{ delivery: WebhookDelivery; attempt: DeliveryAttempt; delivered: boolean }> {
  const now = deps.clock.now();
  const ulid = newId(now.getTime());
  const id = testDeliveryId(ulid);
  const claim = claimOf(deps, []);
  const d: StoredDelivery = {
    id,
    webhookId: webhook.id,
    owner: webhook.owner,
    lane: 'test',
    seq: ulid,
    eventId: `evt_test_${ulid}`,
    eventType: TEST_EVENT_TYPE,
    status: 'sending',
    attempts: 0,
    claim: claim.token,
    leaseUntil: claim.leaseUntil,
    payload: JSON.stringify({
      id: `evt_test_${ulid}`,
      type: TEST_EVENT_TYPE,
      timestamp: now.toISOString(),
      data: { webhookId: webhook.id },
    }),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  await deps.deliveries.putDelivery(d);
  const result = await send(deps, webhook, d);
  const at = deps.clock.now().toISOString();
  await deps.deliveries.finishAttempt(d, claim.token, {
    status: result.ok ? 'delivered' : 'failed',
    lastAttempt: attemptOf(result),
    firstAttemptAt: result.at,
    now: at,
  });
  return {
    delivery: deliveryView({
      ...d,
      status: result.ok ? 'delivered' : 'failed',
      attempts: 1,
      lastAttempt: attemptOf(result),
      updatedAt: at,
    }),
    attempt: attemptOf(result),
    delivered: result.ok,
  };
}
