import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalEndpoints } from '@leadrelay/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type CloudProcess, startCloudProcess, waitFor } from './support/local-cloud-process';
import { startReceiver } from './support/webhook-receiver';

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;

/**
 * Webhooks through the local cloud (`npm start`): subscriptions made over the API,
 * deliveries sent for real to a receiver on 127.0.0.1 that verifies each with the
 * standardwebhooks package; retries (a 1-second first wait here) through the
 * Scheduler emulator.
 */
describe('webhooks through the local cloud', () => {
  let home: string;
  let cloud: CloudProcess;
  let endpoints: LocalEndpoints;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let sup: string;
  const partners: Record<string, { id: string; key: string }> = {};
  const call = async (method: string, path: string, key: string, body?: unknown): Promise<Json> =>
    api(endpoints.api, method, path, key, body);
  const partner = (name: string) => partners[name] ?? { id: '', key: '' };

  /** Subscribes `key` at `path` of the receiver, whose answers `answer` gives. */
  const subscribe = async (
    key: string,
    path: string,
    events: string[],
    answer?: (count: number) => number,
  ) => {
    const res = await call('POST', '/v1/webhooks', key, { url: `${receiver.base}${path}`, events });
    expect(res.status).toBe(201);
    receiver.path(path, res.body.secret, answer);
    return res.body.webhook.id as string;
  };
  const newLead = async (body: Record<string, unknown> = {}): Promise<string> => {
    const res = await call('POST', '/v1/leads', sup, {
      email: `${crypto.randomUUID()}@buyer.example`,
      ...body,
    });
    expect(res.status).toBe(201);
    return res.body.lead.id;
  };
  /** The verified, delivered requests at a path for a lead, first arrival of each webhook-id, in order. */
  const deliveredFor = (path: string, leadId: string) => {
    const seen = new Set<string>();
    return receiver
      .at(path)
      .filter((r) => r.status < 300 && (r.event?.data.lead as Json)?.id === leadId)
      .filter((r) => !seen.has(r.id) && seen.add(r.id));
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    home = await mkdtemp(join(tmpdir(), 'leadrelay-webhooks-'));
    cloud = await startCloudProcess(home, 60_000, { WEBHOOK_RETRY_BASE_SECONDS: '1' });
    endpoints = cloud.endpoints;
    const created = await call('POST', '/v1/admin/suppliers', endpoints.operatorKey, {
      name: 'Webhooks E2E',
    });
    sup = created.body.apiKey;
    for (const name of ['North', 'South']) {
      const res = await call('POST', '/v1/partners', sup, {
        name,
        leadOwners: [{ email: `${name.toLowerCase()}-${crypto.randomUUID().slice(0, 6)}@partners.example` }],
      });
      expect(res.status).toBe(201);
      partners[name] = { id: res.body.partner.id, key: res.body.apiKey };
    }
  }, 120_000);

  afterAll(async () => {
    await cloud?.kill();
    await receiver?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('retries a receiver that fails twice: three attempts, one webhook-id, the log shows them', async () => {
    const webhookId = await subscribe(sup, '/a', ['lead.created'], (count) => (count < 2 ? 500 : 200));
    const leadId = await newLead();
    const attempts = await waitFor(
      () => {
        const mine = receiver.at('/a').filter((r) => (r.event?.data.lead as Json)?.id === leadId);
        return mine.length >= 3 && mine.some((r) => r.status === 200) ? mine : undefined;
      },
      'three attempts at /a',
      60_000,
    );
    expect(attempts.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(new Set(attempts.map((r) => r.id)).size).toBe(1);
    expect(attempts[0]?.event).toMatchObject({ type: 'lead.created', data: { lead: { id: leadId } } });
    expect(attempts[0]?.headers['user-agent']).toBe('LeadRelay-Webhooks/1');
    const log = await waitFor(async () => {
      const res = await call('GET', `/v1/webhooks/${webhookId}/deliveries`, sup);
      const item = res.body.items.find((d: Json) => d.leadId === leadId);
      return item?.status === 'delivered' ? item : undefined;
    }, 'the delivery logged as delivered');
    expect(log).toMatchObject({ id: attempts[0]?.id, attempts: 3, eventType: 'lead.created' });
    expect(log.lastAttempt).toMatchObject({ responseStatus: 200, responseExcerpt: 'ok' });

    // Redelivered by hand: the same webhook-id, at once.
    const again = await call('POST', `/v1/webhooks/${webhookId}/deliveries/${log.id}/retry`, sup);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ delivered: true, delivery: { id: log.id, attempts: 4 } });
    expect(receiver.at('/a').at(-1)?.id).toBe(log.id);
  }, 90_000);

  it('delivers the changes of one lead in order, even when an earlier one’s first attempt fails', async () => {
    await subscribe(
      sup,
      '/b',
      ['lead.created', 'lead.routed', 'lead.accepted', 'lead.pipeline_changed'],
      (count) => (count === 0 ? 503 : 200),
    );
    const leadId = await newLead({ partnerId: partner('North').id });
    expect((await call('POST', `/v1/leads/${leadId}/accept`, partner('North').key)).status).toBe(200);
    expect(
      (await call('PATCH', `/v1/leads/${leadId}`, partner('North').key, { pipelineStatus: 'Contacted' }))
        .status,
    ).toBe(200);
    const delivered = await waitFor(
      () => {
        const got = deliveredFor('/b', leadId);
        return got.length >= 4 ? got : undefined;
      },
      'four deliveries at /b',
      60_000,
    );
    expect(delivered.map((r) => r.event?.type)).toEqual([
      'lead.created',
      'lead.routed',
      'lead.accepted',
      'lead.pipeline_changed',
    ]);
    expect(receiver.at('/b')[0]?.status).toBe(503);
    expect(delivered[3]?.event?.data.lead).toMatchObject({ pipelineStatus: 'Contacted' });
  }, 90_000);

  it('gives a partner’s subscription its own leads only, in its view', async () => {
    await subscribe(partner('North').key, '/c', ['lead.created', 'lead.routed']);
    const control = await subscribe(sup, '/c-supplier', ['lead.created']);
    expect(control).toBeTruthy();
    const south = await newLead({ partnerId: partner('South').id });
    const north = await newLead({ partnerId: partner('North').id });
    await waitFor(
      () => deliveredFor('/c-supplier', south).length > 0 && deliveredFor('/c-supplier', north).length > 0,
      'the supplier’s deliveries of both',
    );
    const mine = await waitFor(
      () => (deliveredFor('/c', north).length >= 2 ? deliveredFor('/c', north) : undefined),
      'North’s deliveries',
    );
    expect(mine.map((r) => r.event?.type)).toEqual(['lead.created', 'lead.routed']);
    const lead = mine[0]?.event?.data.lead as Json;
    expect((await call('GET', `/v1/leads/${north}`, partner('North').key)).body.lead).toEqual(
      expect.objectContaining({
        id: lead.id,
        partnerId: lead.partnerId,
        distributionStatus: lead.distributionStatus,
      }),
    );
    for (const hidden of ['previousPartnerIds', 'routingGroup', 'notified', 'emailAttempt', 'conflict']) {
      expect(lead).not.toHaveProperty(hidden);
    }
    expect(receiver.at('/c').filter((r) => (r.event?.data.lead as Json)?.id === south)).toEqual([]);
    // Another tenant's webhook is a 404.
    const [supplierHook] = (await call('GET', '/v1/webhooks', sup)).body.items;
    expect((await call('GET', `/v1/webhooks/${supplierHook.id}`, partner('North').key)).status).toBe(404);
  }, 60_000);

  it('sends a test event at once, logged', async () => {
    const webhookId = await subscribe(sup, '/d', ['lead.created']);
    const res = await call('POST', `/v1/webhooks/${webhookId}/test`, sup);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      delivered: true,
      attempt: { responseStatus: 200 },
      delivery: { eventType: 'webhook.test' },
    });
    expect(receiver.at('/d').at(-1)?.event).toMatchObject({ type: 'webhook.test' });
    const log = await call('GET', `/v1/webhooks/${webhookId}/deliveries`, sup);
    expect(log.body.items[0]).toMatchObject({ id: res.body.delivery.id, status: 'delivered', attempts: 1 });
  });

  it('stops delivering to a subscription once it is deleted', async () => {
    const gone = await subscribe(sup, '/e-gone', ['lead.created']);
    await subscribe(sup, '/e-kept', ['lead.created']);
    expect((await call('DELETE', `/v1/webhooks/${gone}`, sup)).status).toBe(204);
    expect((await call('GET', `/v1/webhooks/${gone}`, sup)).status).toBe(404);
    const leadId = await newLead();
    await waitFor(() => deliveredFor('/e-kept', leadId).length > 0, 'the kept subscription’s delivery');
    expect(receiver.at('/e-gone')).toEqual([]);
  });
});
