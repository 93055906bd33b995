import { HttpWebhookSender } from '@leadrelay/aws';
import { DynamoWebhookStore } from '@leadrelay/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { powertoolsIdempotency } from '../../functions/api/idempotency';
import { callApi, supplierWithPartners, type TestApi, testApi } from '../support/api';
import { testTable } from '../support/store';

const OPERATOR = 'op-webhooks';
let api: TestApi;

/** The API as deployed in AWS: private targets refused (nothing here is sent). */
beforeAll(async () => {
  const table = await testTable('api-webhooks');
  api = testApi(table, OPERATOR, {
    idempotency: powertoolsIdempotency(table.client, table.tableName),
    webhooks: {
      store: new DynamoWebhookStore(table.db, table.tableName),
      sender: new HttpWebhookSender({ allowPrivateTargets: false }),
      targets: { allowPrivateTargets: false },
    },
  });
});

const hook = { url: 'https://hooks.example.com/in', events: ['lead.created', 'lead.accepted'] };

describe('the webhook routes', () => {
  it('creates a webhook and shows its secret once; lists, reads, changes and deletes it', async () => {
    const { key } = await supplierWithPartners(api, OPERATOR);
    const created = await callApi(api, 'POST', '/v1/webhooks', key, { ...hook, description: 'CRM' });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    expect(created.body.webhook).toMatchObject({ ...hook, description: 'CRM', status: 'active' });
    const id = created.body.webhook.id;
    const read = await callApi(api, 'GET', `/v1/webhooks/${id}`, key);
    expect(read.body.webhook).toEqual(created.body.webhook);
    expect(JSON.stringify(read.body)).not.toContain(created.body.secret);
    const list = await callApi(api, 'GET', '/v1/webhooks', key);
    expect(list.body).toEqual({ items: [created.body.webhook], nextCursor: null });
    expect(JSON.stringify(list.body)).not.toContain('whsec_');

    const disabled = await callApi(api, 'PATCH', `/v1/webhooks/${id}`, key, {
      disabled: true,
      events: ['lead.rejected'],
    });
    expect(disabled.body.webhook).toMatchObject({ status: 'disabled', events: ['lead.rejected'] });
    const enabled = await callApi(api, 'PATCH', `/v1/webhooks/${id}`, key, { disabled: false });
    expect(enabled.body.webhook.status).toBe('active');

    const rotated = await callApi(api, 'POST', `/v1/webhooks/${id}/rotate-secret`, key, {
      overlapMinutes: 60,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    expect(rotated.body.webhook.previousSecretExpiresAt).toBeDefined();

    expect((await callApi(api, 'DELETE', `/v1/webhooks/${id}`, key)).status).toBe(204);
    expect((await callApi(api, 'GET', `/v1/webhooks/${id}`, key)).status).toBe(404);
  });

  it('keeps tenants apart: a partner’s webhook is a 404 to the supplier and to another partner', async () => {
    const { key, partner } = await supplierWithPartners(api, OPERATOR, 'A', 'B');
    const mine = await callApi(api, 'POST', '/v1/webhooks', partner('A').key, hook);
    expect(mine.status).toBe(201);
    const id = mine.body.webhook.id;
    for (const other of [key, partner('B').key]) {
      expect((await callApi(api, 'GET', `/v1/webhooks/${id}`, other)).status).toBe(404);
      expect((await callApi(api, 'DELETE', `/v1/webhooks/${id}`, other)).status).toBe(404);
      expect((await callApi(api, 'GET', `/v1/webhooks/${id}/deliveries`, other)).status).toBe(404);
    }
    expect((await callApi(api, 'GET', '/v1/webhooks', partner('B').key)).body.items).toEqual([]);
  });

  it('refuses bad input naming the field, and a private address in AWS', async () => {
    const { key } = await supplierWithPartners(api, OPERATOR);
    const paths = async (body: unknown) =>
      (await callApi(api, 'POST', '/v1/webhooks', key, body)).body.error?.details.map(
        (d: { path: string }) => d.path,
      );
    expect(await paths({ ...hook, events: ['lead.created', 'lead.bogus'] })).toEqual(['events.1']);
    expect(await paths({ ...hook, url: 'http://169.254.169.254/latest' })).toEqual(['url']);
    expect(await paths({ ...hook, url: 'http://[::ffff:10.0.0.1]/in' })).toEqual(['url']);
    expect(await paths({ ...hook, url: 'https://user:pw@hooks.example.com/' })).toEqual(['url']);
    expect(await paths({ ...hook, extra: 1 })).toEqual(['extra']);
    const id = (await callApi(api, 'POST', '/v1/webhooks', key, hook)).body.webhook.id;
    const rotate = await callApi(api, 'POST', `/v1/webhooks/${id}/rotate-secret`, key, {
      overlapMinutes: 10_081,
    });
    expect(rotate.body.error.details[0].path).toBe('overlapMinutes');
    expect((await callApi(api, 'POST', `/v1/webhooks/${id}/deliveries/msg_nope/retry`, key)).status).toBe(
      404,
    );
  });

  it('answers a repeated Idempotency-Key with the first answer, and creates one webhook', async () => {
    const { key } = await supplierWithPartners(api, OPERATOR);
    const headers = { 'idempotency-key': 'hook-once' };
    const first = await callApi(api, 'POST', '/v1/webhooks', key, hook, headers);
    const again = await callApi(api, 'POST', '/v1/webhooks', key, hook, headers);
    expect(again).toEqual(first);
    expect((await callApi(api, 'GET', '/v1/webhooks', key)).body.items).toHaveLength(1);
  });

  it('answers a test event that could not be sent as an attempt, in the log', async () => {
    const { key } = await supplierWithPartners(api, OPERATOR);
    // A name that never resolves (.invalid): nothing leaves the machine.
    const id = (
      await callApi(api, 'POST', '/v1/webhooks', key, { ...hook, url: 'https://receiver.invalid/in' })
    ).body.webhook.id;
    const test = await callApi(api, 'POST', `/v1/webhooks/${id}/test`, key);
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({
      delivered: false,
      delivery: { status: 'failed', eventType: 'webhook.test' },
    });
    expect(test.body.attempt.error).toBeDefined();
    const log = await callApi(api, 'GET', `/v1/webhooks/${id}/deliveries`, key);
    expect(log.body.items[0]).toMatchObject({ id: test.body.delivery.id, status: 'failed', attempts: 1 });
  });
});
