import {
  type Clock,
  CreateWebhook,
  DEFAULT_RETRY_POLICY,
  DeliveryAttempt,
  type DeliveryStore,
  deliveryView,
  ownerOf,
  PageQuery,
  PatchWebhook,
  RotateWebhookSecret,
  redeliver,
  sendTestEvent,
  type TargetPolicy,
  Webhook,
  WebhookDelivery,
  type WebhookSender,
  type WebhookStore,
  Webhooks,
} from '@leadrelay/core';
import { z } from 'zod';
import { Metric } from '../../shared/metrics';
import { json } from '../http';
import { type Route, route } from '../router';

export interface WebhookRouteDeps {
  store: WebhookStore & DeliveryStore;
  sender: WebhookSender;
  targets: TargetPolicy;
  clock: Clock;
}

const Created = z.object({
  webhook: Webhook,
  secret: z.string().describe('The signing secret (whsec_…): shown once, here'),
});
const WebhookPage = z.object({ items: z.array(Webhook), nextCursor: z.string().nullable() });
const DeliveryPage = z.object({ items: z.array(WebhookDelivery), nextCursor: z.string().nullable() });
const AttemptAnswer = z.object({
  delivery: WebhookDelivery,
  attempt: DeliveryAttempt,
  delivered: z.boolean().describe('The receiver answered 2xx'),
});
const notFound = { 404: { description: 'No such webhook of this tenant' } };
const auth = ['supplier', 'partner'] as const;

/**
 * Webhooks: a supplier subscribes to events of all its leads, a partner to those of
 * its own leads at its supplier; each manages its own subscriptions only (another
 * tenant's is a 404). Deliveries are made by the webhooks function; here are their
 * log, a redelivery by hand and a test event, both sent at once.
 */
export function webhookRoutes(deps: WebhookRouteDeps): Route[] {
  const subscriptions = { webhooks: deps.store, clock: deps.clock, targets: deps.targets };
  const senders = {
    webhooks: deps.store,
    deliveries: deps.store,
    sender: deps.sender,
    clock: deps.clock,
    policy: DEFAULT_RETRY_POLICY,
    // The api never retries (a test event is sent once; a redelivery is one attempt).
    retries: { schedule: async () => 'exists' as const },
    random: Math.random,
  };
  return [
    route({
      method: 'POST',
      path: '/v1/webhooks',
      summary: 'Subscribe a URL to lead events (answers the signing secret, once)',
      tag: 'Webhooks',
      auth,
      body: CreateWebhook,
      // The replay answers the first answer, secret included: only to the same principal and key.
      idempotent: true,
      responses: {
        201: { description: 'Subscribed', schema: Created },
        409: { description: 'Already at the most webhooks (20 per tenant)' },
      },
      handle: async ({ principal, body }) =>
        json(201, await Webhooks.createWebhook(subscriptions, ownerOf(principal), body)),
    }),
    route({
      method: 'GET',
      path: '/v1/webhooks',
      summary: 'The caller’s webhooks, oldest first',
      tag: 'Webhooks',
      auth,
      query: PageQuery,
      responses: { 200: { description: 'A page of webhooks', schema: WebhookPage } },
      handle: async ({ principal, query }) =>
        json(200, await Webhooks.listWebhooks(subscriptions, ownerOf(principal), query)),
    }),
    route({
      method: 'GET',
      path: '/v1/webhooks/{id}',
      summary: 'One webhook',
      tag: 'Webhooks',
      auth,
      responses: { 200: { description: 'The webhook', schema: z.object({ webhook: Webhook }) }, ...notFound },
      handle: async ({ principal, params }) =>
        json(200, { webhook: await Webhooks.getWebhook(subscriptions, ownerOf(principal), params.id ?? '') }),
    }),
    route({
      method: 'PATCH',
      path: '/v1/webhooks/{id}',
      summary: 'Change a webhook’s URL, events or description, or switch it off (disabled) and on',
      tag: 'Webhooks',
      auth,
      body: PatchWebhook,
      responses: {
        200: { description: 'The webhook as changed', schema: z.object({ webhook: Webhook }) },
        ...notFound,
        409: { description: 'Changed meanwhile: read it again' },
      },
      handle: async ({ principal, params, body }) =>
        json(200, {
          webhook: await Webhooks.patchWebhook(subscriptions, ownerOf(principal), params.id ?? '', body),
        }),
    }),
    route({
      method: 'DELETE',
      path: '/v1/webhooks/{id}',
      summary: 'Delete a webhook: nothing more is delivered to it',
      tag: 'Webhooks',
      auth,
      responses: { 204: { description: 'Deleted' }, ...notFound },
      handle: async ({ principal, params }) => {
        await Webhooks.deleteWebhook(subscriptions, ownerOf(principal), params.id ?? '');
        return json(204, null);
      },
    }),
    route({
      method: 'POST',
      path: '/v1/webhooks/{id}/rotate-secret',
      summary:
        'A new signing secret (answered once); the old one also signs until overlapMinutes (default 1440) have passed',
      tag: 'Webhooks',
      auth,
      body: RotateWebhookSecret,
      responses: { 200: { description: 'The new secret', schema: Created }, ...notFound },
      handle: async ({ principal, params, body }) =>
        json(
          200,
          await Webhooks.rotateSecret(
            subscriptions,
            ownerOf(principal),
            params.id ?? '',
            body.overlapMinutes,
          ),
        ),
    }),
    route({
      method: 'GET',
      path: '/v1/webhooks/{id}/deliveries',
      summary: 'A webhook’s delivery log, newest first',
      tag: 'Webhooks',
      auth,
      query: PageQuery,
      responses: { 200: { description: 'A page of deliveries', schema: DeliveryPage }, ...notFound },
      handle: async ({ principal, params, query }) => {
        const webhook = await Webhooks.storedWebhook(subscriptions, ownerOf(principal), params.id ?? '');
        const page = await deps.store.listDeliveries(webhook.id, query);
        return json(200, { items: page.items.map(deliveryView), nextCursor: page.nextCursor });
      },
    }),
    route({
      method: 'POST',
      path: '/v1/webhooks/{id}/deliveries/{deliveryId}/retry',
      summary: 'Send one delivery again now (the same webhook-id); answers the attempt',
      tag: 'Webhooks',
      auth,
      responses: {
        200: { description: 'The attempt and the delivery after it', schema: AttemptAnswer },
        404: { description: 'No such webhook of this tenant, or no such delivery of it' },
      },
      handle: async ({ principal, params, note }) => {
        const webhook = await Webhooks.storedWebhook(subscriptions, ownerOf(principal), params.id ?? '');
        const answer = await redeliver(senders, webhook, params.deliveryId ?? '');
        note.count(Metric.webhookRedeliveries);
        return json(200, answer);
      },
    }),
    route({
      method: 'POST',
      path: '/v1/webhooks/{id}/test',
      summary: 'Send a webhook.test event now (signed like every delivery, logged); answers the attempt',
      tag: 'Webhooks',
      auth,
      responses: { 200: { description: 'The attempt', schema: AttemptAnswer }, ...notFound },
      handle: async ({ principal, params }) => {
        const webhook = await Webhooks.storedWebhook(subscriptions, ownerOf(principal), params.id ?? '');
        return json(200, await sendTestEvent(senders, webhook));
      },
    }),
  ];
}
