import { authorized, toApiError } from '../api/client';

/**
 * Webhooks over the API: the caller's own subscriptions (a supplier's or a partner's), their
 * delivery log, and the actions on them (a test event, a redelivery, a new secret).
 */

export const EVENT_TYPES = [
  'lead.created',
  'lead.routed',
  'lead.notified',
  'lead.email_status_changed',
  'lead.accepted',
  'lead.rejected',
  'lead.rerouted',
  'lead.unassigned',
  'lead.pipeline_changed',
  'lead.registered',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** What each event means, in the console's words (the checkbox's hint). */
export const EVENT_WORDS: Record<EventType, string> = {
  'lead.created': 'a lead arrived',
  'lead.routed': 'a lead was sent to a partner',
  'lead.notified': 'the partner was emailed about a lead',
  'lead.email_status_changed': 'that email was opened, clicked or failed',
  'lead.accepted': 'the partner accepted a lead',
  'lead.rejected': 'the partner rejected a lead',
  'lead.rerouted': 'a lead moved to another partner',
  'lead.unassigned': 'a lead ran out of partners',
  'lead.pipeline_changed': 'the pipeline status changed',
  'lead.registered': 'a partner lead was registered',
};

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  description?: string;
  status: 'active' | 'failing' | 'disabled';
  failingSince?: string;
  createdAt: string;
  updatedAt: string;
  secretRotatedAt?: string;
  previousSecretExpiresAt?: string;
}

export interface Attempt {
  at: string;
  responseStatus?: number;
  durationMs: number;
  error?: string;
  responseExcerpt?: string;
}

export interface Delivery {
  id: string;
  eventType: string;
  leadId?: string;
  status: 'queued' | 'sending' | 'retrying' | 'delivered' | 'failed';
  attempts: number;
  lastAttempt?: Attempt;
  nextAttemptAt?: string;
  createdAt: string;
  updatedAt: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface WebhookInput {
  url: string;
  events: string[];
  description?: string;
}
export type WebhookPatch = Partial<WebhookInput> & { disabled?: boolean };

/** The outcome of one attempt made now (a test event or a redelivery). */
export interface AttemptResult {
  delivered: boolean;
  attempt: Attempt | undefined;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await authorized(path, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) throw toApiError(response.status, parsed);
  return parsed as T;
}

const page = (cursor: string | undefined, limit: number) =>
  `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
const at = (id: string) => `/v1/webhooks/${encodeURIComponent(id)}`;

/** An attempt's answer, whichever way the route words it. */
function attemptOf(answer: unknown): AttemptResult {
  const a = answer as {
    delivered?: boolean;
    ok?: boolean;
    attempt?: Attempt;
    delivery?: Delivery;
  };
  const attempt = a.attempt ?? a.delivery?.lastAttempt;
  const delivered =
    a.delivered ??
    a.ok ??
    (a.delivery
      ? a.delivery.status === 'delivered'
      : attempt?.responseStatus !== undefined && !attempt.error);
  return { delivered: Boolean(delivered), attempt };
}

export const listWebhooks = (cursor: string | undefined, limit = 50) =>
  call<Page<Webhook>>('GET', `/v1/webhooks?${page(cursor, limit)}`);
export const getWebhook = (id: string) => call<{ webhook: Webhook }>('GET', at(id));
export const createWebhook = (input: WebhookInput) =>
  call<{ webhook: Webhook; secret: string }>('POST', '/v1/webhooks', input);
export const patchWebhook = (id: string, patch: WebhookPatch) =>
  call<{ webhook: Webhook }>('PATCH', at(id), patch);
export const deleteWebhook = (id: string) => call<undefined>('DELETE', at(id));
/** A new secret; the old one keeps signing for `overlapMinutes` (so receivers can switch). */
export const rotateSecret = (id: string, overlapMinutes: number) =>
  call<{ webhook: Webhook; secret: string }>('POST', `${at(id)}/rotate-secret`, { overlapMinutes });
export const sendTestEvent = async (id: string) => attemptOf(await call('POST', `${at(id)}/test`, {}));
export const listDeliveries = (id: string, cursor: string | undefined, limit = 25) =>
  call<Page<Delivery>>('GET', `${at(id)}/deliveries?${page(cursor, limit)}`);
export const redeliver = async (id: string, deliveryId: string) =>
  attemptOf(await call('POST', `${at(id)}/deliveries/${encodeURIComponent(deliveryId)}/retry`, {}));
