import {
  DEFAULT_RETRY_POLICY,
  type DeliveryDeps,
  enqueueLeadChange,
  failingAlert,
  type Lead,
  type OutgoingEmail,
  pumpLane,
  retryDue,
  type SendResult,
  type StoredDelivery,
  type StoredWebhook,
  SupplierSettings,
  subscriptionCache,
  systemClock,
  type WebhookRequest,
  type WebhookRetryEvent,
  Webhooks,
} from '@leadrelay/core';
import { DynamoTenantStore, DynamoUserStore, DynamoWebhookStore } from '@leadrelay/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { testLead } from '../support/leads';
import { testTable } from '../support/store';

/** A receiver without a network: answers from a script of statuses and keeps what it got. */
class ScriptedSender {
  readonly got: WebhookRequest[] = [];
  constructor(private readonly statuses: number[] = []) {}
  async send(request: WebhookRequest): Promise<SendResult> {
    this.got.push(request);
    const status = this.statuses.shift() ?? 200;
    return { ok: status < 300, at: new Date().toISOString(), responseStatus: status, durationMs: 1 };
  }
}

/** Scheduler stand-in (its emulator is exercised by the e2e tests): keeps the retries asked for. */
class KeptRetries {
  readonly asked: { name: string; at: Date; input: WebhookRetryEvent }[] = [];
  async schedule(name: string, at: Date, input: WebhookRetryEvent) {
    if (this.asked.some((a) => a.name === name)) return 'exists' as const;
    this.asked.push({ name, at, input });
    return 'created' as const;
  }
}

/** Mailer stand-in (the SES path is exercised by the e2e tests): keeps what was sent, under which key. */
class KeptMail {
  readonly sent: { email: OutgoingEmail; key: string }[] = [];
  async send(email: OutgoingEmail, key: string) {
    this.sent.push({ email, key });
    return { messageId: `m-${this.sent.length}` };
  }
}

let store: DynamoWebhookStore;
let tenants: DynamoTenantStore;
let users: DynamoUserStore;
let run = 0;

beforeAll(async () => {
  const table = await testTable('webhooks');
  store = new DynamoWebhookStore(table.db, table.tableName);
  tenants = new DynamoTenantStore(table.db, table.tableName);
  users = new DynamoUserStore(table.db, table.tableName);
});

async function subscription(events: StoredWebhook['events'] = ['lead.created', 'lead.accepted']) {
  run += 1;
  const supplierId = `S-${run}-${Date.now()}`;
  const { webhook } = await Webhooks.createWebhook(
    { webhooks: store, clock: systemClock, targets: { allowPrivateTargets: true } },
    { kind: 'supplier', supplierId },
    { url: 'http://127.0.0.1:9/in', events },
  );
  return { supplierId, webhookId: webhook.id };
}

function deps(sender: ScriptedSender, retries = new KeptRetries()): DeliveryDeps {
  return {
    webhooks: store,
    deliveries: store,
    sender,
    clock: systemClock,
    retries,
    policy: DEFAULT_RETRY_POLICY,
    random: () => 0.5,
  };
}

const leadOf = (supplierId: string, overrides: Partial<Lead> = {}) =>
  testLead({
    id: `01JLEAD${String(run).padStart(19, '0')}`,
    supplierId,
    partnerId: null,
    partnerName: null,
    distributionStatus: 'Unassigned',
    ...overrides,
  });

describe('webhook deliveries on DynamoDB Local', () => {
  it('puts a delivery once: a replayed record adds none', async () => {
    const { supplierId, webhookId } = await subscription();
    const lead = leadOf(supplierId);
    const d = deps(new ScriptedSender());
    await enqueueLeadChange(d, subscriptionCache(store), undefined, lead);
    await enqueueLeadChange(d, subscriptionCache(store), undefined, lead);
    const page = await store.listDeliveries(webhookId, { limit: 50 });
    expect(page.items.map((i) => i.eventType)).toEqual(['lead.created']);
    expect(page.items[0]?.status).toBe('queued');
  });

  it('lets exactly one of two claimers at once send the lane’s head', async () => {
    const { supplierId, webhookId } = await subscription();
    const lead = leadOf(supplierId);
    const sender = new ScriptedSender();
    await enqueueLeadChange(deps(sender), subscriptionCache(store), undefined, lead);
    await Promise.all([
      pumpLane(deps(sender), { webhookId, lane: lead.id }),
      pumpLane(deps(sender), { webhookId, lane: lead.id }),
    ]);
    expect(sender.got).toHaveLength(1);
    const [delivery] = (await store.listDeliveries(webhookId, { limit: 5 })).items;
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 1 });

    const head = (await store.laneHead(webhookId, lead.id)) as StoredDelivery | undefined;
    expect(head).toBeUndefined();
  });

  it('holds a lane while its head waits for a retry, and sends the rest in order once it is delivered', async () => {
    const { supplierId, webhookId } = await subscription();
    const created = leadOf(supplierId);
    const accepted = {
      ...created,
      distributionStatus: 'Accepted' as const,
      partnerId: 'P-A',
      partnerName: 'A',
      assignmentVersion: 2,
      version: created.version + 1,
    };
    const sender = new ScriptedSender([503]);
    const retries = new KeptRetries();
    const cache = subscriptionCache(store);
    await enqueueLeadChange(deps(sender, retries), cache, undefined, created);
    await pumpLane(deps(sender, retries), { webhookId, lane: created.id });
    await enqueueLeadChange(deps(sender, retries), cache, created, accepted);
    await pumpLane(deps(sender, retries), { webhookId, lane: created.id });
    // One attempt (failed), the second delivery waits behind it.
    expect(sender.got.map((r) => JSON.parse(r.body).type)).toEqual(['lead.created']);
    expect(retries.asked).toHaveLength(1);
    const retry = retries.asked[0]?.input as WebhookRetryEvent;
    expect(retry).toMatchObject({ kind: 'retry', webhookId, leadId: created.id });
    await retryDue(deps(sender, retries), retry);
    expect(sender.got.map((r) => JSON.parse(r.body).type)).toEqual([
      'lead.created',
      'lead.created',
      'lead.accepted',
    ]);
    // The same webhook-id on both attempts of the first.
    expect(sender.got[0]?.headers['webhook-id']).toBe(sender.got[1]?.headers['webhook-id']);
    // A second firing of the same retry changes nothing.
    await retryDue(deps(sender, retries), retry);
    expect(sender.got).toHaveLength(3);
    const log = (await store.listDeliveries(webhookId, { limit: 10 })).items;
    expect(log.map((l) => [l.eventType, l.status, l.attempts])).toEqual(
      expect.arrayContaining([
        ['lead.created', 'delivered', 2],
        ['lead.accepted', 'delivered', 1],
      ]),
    );
  });

  it('pages the delivery log newest first, and refuses another log’s cursor', async () => {
    const { supplierId, webhookId } = await subscription(['lead.created']);
    const other = await subscription(['lead.created']);
    const d = deps(new ScriptedSender());
    for (let i = 0; i < 5; i++) {
      await enqueueLeadChange(d, subscriptionCache(store), undefined, {
        ...leadOf(supplierId),
        id: `01JPAGE${String(i).padStart(19, '0')}`,
        createdAt: new Date().toISOString(),
      });
    }
    const first = await store.listDeliveries(webhookId, { limit: 2 });
    expect(first.items).toHaveLength(2);
    const second = await store.listDeliveries(webhookId, { limit: 2, cursor: first.nextCursor ?? undefined });
    const third = await store.listDeliveries(webhookId, { limit: 2, cursor: second.nextCursor ?? undefined });
    const all = [...first.items, ...second.items, ...third.items];
    expect(all).toHaveLength(5);
    const created = all.map((d) => d.createdAt);
    expect([...created].sort().reverse()).toEqual(created);
    await expect(
      store.listDeliveries(other.webhookId, { limit: 2, cursor: first.nextCursor ?? undefined }),
    ).rejects.toThrow(/cursor/i);
  });

  it('keeps a tenant to 20 webhooks, even when they are created at once', async () => {
    const supplierId = `S-limit-${Date.now()}`;
    const create = () =>
      Webhooks.createWebhook(
        { webhooks: store, clock: systemClock, targets: { allowPrivateTargets: true } },
        { kind: 'supplier', supplierId },
        { url: 'http://127.0.0.1:9/in', events: ['lead.created'] },
      );
    const results = await Promise.allSettled(Array.from({ length: 24 }, create));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
    const owner = { kind: 'supplier' as const, supplierId };
    expect(await store.webhooksOf(owner)).toHaveLength(20);
    const [first] = await store.webhooksOf(owner);
    expect(await store.deleteWebhook(owner, first?.id ?? '')).toBe(true);
    await create();
    await expect(create()).rejects.toThrow(/At most 20/);
  });

  it('marks a subscription failing when a delivery runs out of retries, tells its owner once per spell, and clears it on a delivery', async () => {
    const { supplierId, webhookId } = await subscription(['lead.created', 'lead.accepted']);
    const owner = { kind: 'supplier' as const, supplierId };
    const created = '2026-01-01T00:00:00.000Z';
    await tenants.createSupplier(
      {
        id: supplierId,
        name: 'Failing Co',
        settings: SupplierSettings.parse({}),
        createdAt: created,
        updatedAt: created,
        version: 1,
      },
      {
        keyHash: `h-${supplierId}`,
        id: `K-${supplierId}`,
        prefix: 'lr_test',
        principal: owner,
        createdAt: created,
      },
    );
    for (const [email, role] of [
      ['admin@failing.example', 'admin'],
      ['member@failing.example', 'member'],
    ] as const) {
      await users.putMembership({
        userId: `u-${email}`,
        email,
        tenant: owner,
        role,
        createdAt: created,
        invitedBy: 'key',
      });
    }
    const mail = new KeptMail();
    // No retry window: the first failed attempt is the last.
    const failing = (sender: ScriptedSender): DeliveryDeps => ({
      ...deps(sender),
      policy: { ...DEFAULT_RETRY_POLICY, windowMs: 0 },
      onFailing: failingAlert({ tenants, users, mailer: mail }),
    });

    // Two leads fail while the subscription is failing: one email for the spell, to the admins.
    const sender = new ScriptedSender([500, 503]);
    for (const n of [1, 2]) {
      const lead = leadOf(supplierId, { id: `01JFAIL${String(run * 10 + n).padStart(19, '0')}` });
      await enqueueLeadChange(failing(sender), subscriptionCache(store), undefined, lead);
      await pumpLane(failing(sender), { webhookId, lane: lead.id });
    }
    expect(sender.got).toHaveLength(2);
    const marked = await store.getWebhook(owner, webhookId);
    expect(marked).toMatchObject({ status: 'failing' });
    expect(mail.sent.map((m) => m.email.to)).toEqual([['admin@failing.example']]);
    expect(mail.sent[0]?.email.subject).toContain('Webhook failing');
    expect(mail.sent[0]?.email.text).toContain(webhookId);
    const deliveries = (await store.listDeliveries(webhookId, { limit: 10 })).items;
    expect(deliveries.map((d) => d.status)).toEqual(['failed', 'failed']);

    // A delivery clears the mark.
    const good = new ScriptedSender([200]);
    const lead = leadOf(supplierId, { id: `01JGOOD${String(run).padStart(19, '0')}` });
    await enqueueLeadChange(failing(good), subscriptionCache(store), undefined, lead);
    await pumpLane(failing(good), { webhookId, lane: lead.id });
    expect((await store.getWebhook(owner, webhookId))?.status).not.toBe('failing');

    // The next spell goes to the escalation address, once the supplier has set one.
    await tenants.updateSupplierSettings(
      supplierId,
      { escalationEmail: 'channel@failing.example' },
      new Date().toISOString(),
    );
    const again = new ScriptedSender([500]);
    const third = leadOf(supplierId, { id: `01JTHRD${String(run).padStart(19, '0')}` });
    await enqueueLeadChange(failing(again), subscriptionCache(store), undefined, third);
    await pumpLane(failing(again), { webhookId, lane: third.id });
    expect(mail.sent.map((m) => m.email.to)).toEqual([
      ['admin@failing.example'],
      ['channel@failing.example'],
    ]);
    expect(new Set(mail.sent.map((m) => m.key)).size).toBe(2);
  });
});
