import { api, ok, type Schemas } from '../api/client';
import type { EventType } from './webhook-events';

export { EVENT_TYPES, type EventType } from './webhook-events';

/**
 * Webhooks over the typed client: the caller's own subscriptions (a supplier's or a partner's),
 * their delivery log, and the actions on them (a test event, a redelivery, a new secret).
 */

export type Webhook = Schemas['Webhook'];
export type Delivery = Schemas['WebhookDelivery'];
export type Attempt = Schemas['DeliveryAttempt'];
export type WebhookInput = Schemas['CreateWebhookInput'];
export type WebhookPatch = Schemas['PatchWebhookInput'];

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

/** An attempt made now (a test event, a redelivery): the delivery after it and what the receiver answered. */
export interface AttemptResult {
  delivery: Delivery;
  attempt: Attempt;
  /** The receiver answered 2xx. */
  delivered: boolean;
}

const byId = (id: string) => ({ params: { path: { id } } });
const page = (cursor: string | undefined, limit: number) => ({ limit, ...(cursor ? { cursor } : {}) });

export const listWebhooks = (cursor: string | undefined, limit = 50) =>
  ok(api.GET('/v1/webhooks', { params: { query: page(cursor, limit) } }));
export const getWebhook = (id: string) => ok(api.GET('/v1/webhooks/{id}', byId(id)));
/** Answers the signing secret: the only time the API shows it. */
export const createWebhook = (input: WebhookInput) => ok(api.POST('/v1/webhooks', { body: input }));
export const patchWebhook = (id: string, patch: WebhookPatch) =>
  ok(api.PATCH('/v1/webhooks/{id}', { ...byId(id), body: patch }));
export const deleteWebhook = (id: string) => ok(api.DELETE('/v1/webhooks/{id}', byId(id)));
/** A new secret, answered once; the old one keeps signing for `overlapMinutes` (so receivers can switch). */
export const rotateSecret = (id: string, overlapMinutes: number) =>
  ok(api.POST('/v1/webhooks/{id}/rotate-secret', { ...byId(id), body: { overlapMinutes } }));
export const sendTestEvent = (id: string): Promise<AttemptResult> =>
  ok(api.POST('/v1/webhooks/{id}/test', byId(id)));
/** One page of the log, newest first; `cursor` is the `nextCursor` of the page before. */
export const listDeliveries = (id: string, cursor: string | undefined, limit = 25) =>
  ok(api.GET('/v1/webhooks/{id}/deliveries', { params: { path: { id }, query: page(cursor, limit) } }));
/** The same delivery again, now (the same webhook-id, so the receiver can tell a repeat). */
export const redeliver = (id: string, deliveryId: string): Promise<AttemptResult> =>
  ok(
    api.POST('/v1/webhooks/{id}/deliveries/{deliveryId}/retry', {
      params: { path: { id, deliveryId } },
    }),
  );
