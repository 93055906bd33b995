import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { CreateScheduleGroupCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SchedulerDeadlines, SesMailer } from '@leadrelay/aws';
import {
  applyEmailEvent,
  type Clock,
  type DistributeDeps,
  deadlineScheduleName,
  type Lead,
  parseSesEvent,
  type RerouteDeps,
  reminderScheduleName,
  remindPartner,
  rerouteLead,
} from '@leadrelay/core';
import type { Context, DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distributeRecord } from '../../functions/distribute/distribute';
import { idempotentMailer } from '../../functions/shared/idempotency';
import { type SchedulerEmulator, startSchedulerEmulator } from '../../packages/local/src/scheduler';
import {
  type MailboxEmail,
  type SesEmulator,
  type SesEventDetail,
  startSesEmulator,
} from '../../packages/local/src/ses';
import { type Answer, answer, type TestApi, testApi } from '../support/api';
import { apiEvent } from '../support/events';
import { testLinkKeys } from '../support/link-keys';
import { rawLeadItem, testTable } from '../support/store';
import { waitFor } from '../support/wait';

/**
 * Business hours, reminders and escalation on real parts: the settings through
 * the API on DynamoDB Local (nulls really remove them), deadlines kept when the
 * settings change, the reminder's schedule on the Scheduler emulator and its
 * email in the SES emulator's mailbox, and the escalation emails driven by the
 * stream (fed by hand with the lead's real items as images, as in
 * distribution.test.ts), idempotent under repeats.
 */

const region = 'us-east-1';
const accountId = '000000000000';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const GROUP = 'lead-deadlines-hours';
const OPERATOR_KEY = 'operator-key-for-hours-tests-0123456789';

let table: Awaited<ReturnType<typeof testTable>>;
let ses: SesEmulator;
let scheduler: SchedulerEmulator;
let dataDir: string;
let deps: DistributeDeps & RerouteDeps;
let api: TestApi;
const sesEvents: SesEventDetail[] = [];
let now = new Date();
const clock: Clock = { now: () => now };

beforeAll(async () => {
  table = await testTable('hours');
  dataDir = await mkdtemp(join(tmpdir(), 'hours-'));
  ses = await startSesEmulator({
    host: '127.0.0.1',
    port: 0,
    region,
    accountId,
    onEvent: async (event) => {
      sesEvents.push(event.detail);
    },
  });
  scheduler = await startSchedulerEmulator({
    host: '127.0.0.1',
    port: 0,
    region,
    accountId,
    dataDir,
    invoke: async () => {},
    tickMs: 60_000,
  });
  const schedulerClient = new SchedulerClient({ endpoint: scheduler.endpoint, region, credentials });
  await schedulerClient.send(new CreateScheduleGroupCommand({ Name: GROUP }));
  const sesMailer = new SesMailer(new SESv2Client({ endpoint: ses.endpoint, region, credentials }), {
    from: 'leads@relay.example',
    configurationSet: 'lead-relay',
  });
  const mailer = idempotentMailer((email) => sesMailer.send(email), table.client, table.tableName);
  // The Lambda context the handler registers: how long an in-flight send holds its idempotency key.
  mailer.registerContext({ getRemainingTimeInMillis: () => 60_000 } as Context);
  deps = {
    leads: table.leads,
    tenants: table.tenants,
    rules: table.rules,
    mailer,
    deadlines: new SchedulerDeadlines(schedulerClient, {
      groupName: GROUP,
      roleArn: `arn:aws:iam::${accountId}:role/scheduler`,
      targetArn: `arn:aws:lambda:${region}:${accountId}:function:reroute`,
    }),
    linkKeys: async () => testLinkKeys,
    publicUrl: 'https://api.relay.example',
    clock,
  };
  api = testApi(table, OPERATOR_KEY, { clock });
});

afterAll(async () => {
  await ses?.stop();
  await scheduler?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function call(method: string, path: string, key: string, body?: unknown): Promise<Answer> {
  return answer(api, apiEvent({ method, path, key, ...(body === undefined ? {} : { body }) }));
}

interface Setup {
  supplierId: string;
  key: string;
  partners: Record<string, { id: string; key: string }>;
}

/** A supplier and partners (name → lead owners, auto-accept) made over the API. */
async function supplierWith(
  partners: Record<string, { owners?: string[]; autoAccept?: boolean }>,
  settings: Record<string, unknown> = {},
): Promise<Setup> {
  const created = await call('POST', '/v1/admin/suppliers', OPERATOR_KEY, {
    name: `Supplier ${crypto.randomUUID().slice(0, 8)}`,
  });
  const key: string = created.body.apiKey;
  if (Object.keys(settings).length > 0)
    expect((await call('PATCH', '/v1/settings', key, settings)).status).toBe(200);
  const made: Setup['partners'] = {};
  for (const [name, p] of Object.entries(partners)) {
    const res = await call('POST', '/v1/partners', key, {
      name,
      leadOwners: (p.owners ?? []).map((email) => ({ email })),
      autoAccept: p.autoAccept ?? false,
    });
    expect(res.status).toBe(201);
    made[name] = { id: res.body.partner.id, key: res.body.apiKey };
  }
  return { supplierId: created.body.supplier.id, key, partners: made };
}

async function newLead(setup: Setup, partner: string): Promise<string> {
  const res = await call('POST', '/v1/leads', setup.key, {
    email: `${crypto.randomUUID()}@buyer.example`,
    firstName: 'Ada <b>',
    company: 'Analytical & Co',
    partnerId: partner,
  });
  expect(res.status).toBe(201);
  return res.body.lead.id;
}

/** The lead's item as the stream carries it (DynamoDB JSON). */
async function image(leadId: string): Promise<Record<string, AttributeValue>> {
  return rawLeadItem(table, leadId);
}

/** aws-lambda's stream AttributeValue is the SDK's under another declaration. */
type StreamImage = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>;

function record(
  newImage: Record<string, AttributeValue>,
  oldImage?: Record<string, AttributeValue>,
): DynamoDBRecord {
  return {
    eventName: oldImage ? 'MODIFY' : 'INSERT',
    dynamodb: {
      NewImage: newImage as StreamImage,
      ...(oldImage ? { OldImage: oldImage as StreamImage } : {}),
    },
  };
}

async function lead(id: string): Promise<Lead> {
  const found = await table.leads.getLead(id);
  if (!found) throw new Error(`no lead ${id}`);
  return found;
}

async function mailboxTo(address: string): Promise<MailboxEmail[]> {
  const res = await fetch(ses.mailboxUrl);
  const { emails } = (await res.json()) as { emails: MailboxEmail[] };
  return emails.filter((e) => e.destination.to.includes(address));
}

async function eventsOf(messageId: string, type: string): Promise<SesEventDetail> {
  return waitFor(
    () => sesEvents.find((e) => e.mail.messageId === messageId && e.eventType === type),
    `${type} event of ${messageId}`,
  );
}

const reminderDeps = () => ({
  leads: deps.leads,
  tenants: deps.tenants,
  mailer: deps.mailer,
  linkKeys: deps.linkKeys,
  publicUrl: deps.publicUrl,
  clock,
});
const week = {
  timeZone: 'America/New_York',
  days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'],
  start: '09:00',
  end: '17:00',
  holidays: ['2026-12-25'],
};

describe('settings', () => {
  it('round-trip business hours, the reminder and the escalation address, and a null removes each', async () => {
    const setup = await supplierWith({});
    const set = await call('PATCH', '/v1/settings', setup.key, {
      businessHours: week,
      remindBeforeMinutes: 60,
      escalationEmail: 'Ops@Acme.Example',
    });
    expect(set.status).toBe(200);
    expect((await call('GET', '/v1/settings', setup.key)).body.settings).toMatchObject({
      businessHours: week,
      remindBeforeMinutes: 60,
      escalationEmail: 'ops@acme.example',
    });

    const cleared = await call('PATCH', '/v1/settings', setup.key, {
      businessHours: null,
      remindBeforeMinutes: null,
      escalationEmail: null,
      maxReroutes: 2,
    });
    expect(cleared.status).toBe(200);
    const stored = (await table.tenants.getSupplier(setup.supplierId))?.settings;
    expect(stored).toMatchObject({ maxReroutes: 2 });
    for (const field of ['businessHours', 'remindBeforeMinutes', 'escalationEmail'])
      expect(stored).not.toHaveProperty(field);
  });

  it('refuses a time zone that does not exist with a 400 naming businessHours.timeZone', async () => {
    const setup = await supplierWith({});
    const res = await call('PATCH', '/v1/settings', setup.key, {
      businessHours: { ...week, timeZone: 'America/Gotham' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'validation_failed',
      details: [{ path: 'businessHours.timeZone', message: expect.stringContaining('IANA time zone') }],
    });
  });

  it('take a partner’s own time zone over the supplier’s hours; without supplier hours the partner’s must be whole', async () => {
    const setup = await supplierWith({ North: { owners: ['north@partner.example'] } });
    const partnerKey = setup.partners.North?.key ?? '';
    const incomplete = await call('PUT', '/v1/partner/settings', partnerKey, {
      businessHours: { timeZone: 'Europe/London' },
    });
    expect(incomplete.status).toBe(400);
    expect(incomplete.body.error.details.map((d: { path: string }) => d.path)).toEqual([
      'businessHours.days',
      'businessHours.start',
      'businessHours.end',
    ]);

    expect((await call('PATCH', '/v1/settings', setup.key, { businessHours: week })).status).toBe(200);
    const own = await call('PUT', '/v1/partner/settings', partnerKey, {
      businessHours: { timeZone: 'Europe/London' },
    });
    expect(own.status).toBe(200);
    expect(own.body.settings.businessHours).toEqual({ timeZone: 'Europe/London' });
    expect((await call('GET', '/v1/partner/settings', partnerKey)).body.settings.businessHours).toEqual({
      timeZone: 'Europe/London',
    });

    const cleared = await call('PUT', '/v1/partner/settings', partnerKey, { businessHours: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.settings).not.toHaveProperty('businessHours');
    expect(
      await table.tenants.getPartner(setup.supplierId, setup.partners.North?.id ?? ''),
    ).not.toHaveProperty('businessHours');
  });
});

describe('deadlines in business hours', () => {
  it('count open minutes; a settings change moves no deadline already set, and the next lead uses the new settings', async () => {
    // Friday 4 Dec 2026, 16:30 in New York.
    now = new Date('2026-12-04T21:30:00Z');
    const owner = `owner-${crypto.randomUUID()}@partner.example`;
    const setup = await supplierWith(
      { North: { owners: [owner] } },
      { rerouteAfterMinutes: 480, businessHours: week },
    );
    const first = await newLead(setup, 'North');
    await distributeRecord(deps)(record(await image(first)));
    const pending = (await call('GET', `/v1/leads/${first}`, setup.key)).body.lead;
    expect(pending).toMatchObject({ distributionStatus: 'Pending', deadlineAt: '2026-12-07T21:30:00.000Z' });
    const [email] = (await mailboxTo(owner)).filter((e) => e.tags.leadId === first);
    expect(email?.body.text).toContain('Mon 7 Dec 2026, 16:30 (America/New_York)');

    expect(
      (await call('PATCH', '/v1/settings', setup.key, { rerouteAfterMinutes: 60, businessHours: null }))
        .status,
    ).toBe(200);
    await distributeRecord(deps)(record(await image(first)));
    expect((await call('GET', `/v1/leads/${first}`, setup.key)).body.lead.deadlineAt).toBe(
      '2026-12-07T21:30:00.000Z',
    );

    const second = await newLead(setup, 'North');
    await distributeRecord(deps)(record(await image(second)));
    expect((await call('GET', `/v1/leads/${second}`, setup.key)).body.lead.deadlineAt).toBe(
      new Date(now.getTime() + 60 * 60_000).toISOString(),
    );
  });
});

describe('the reminder', () => {
  it('is scheduled beside the deadline, and sends one email however often it fires', async () => {
    now = new Date();
    const owner = `owner-${crypto.randomUUID()}@partner.example`;
    const setup = await supplierWith(
      { North: { owners: [owner] } },
      { rerouteAfterMinutes: 120, remindBeforeMinutes: 30 },
    );
    const id = await newLead(setup, 'North');
    await distributeRecord(deps)(record(await image(id)));
    const pending = await lead(id);
    const [schedule] = scheduler.list().filter((s) => s.name === reminderScheduleName(id, 1));
    expect(JSON.parse(schedule?.target.Input ?? '{}')).toEqual({
      kind: 'reminder',
      supplierId: setup.supplierId,
      leadId: id,
      assignmentVersion: 1,
    });
    expect(schedule?.scheduleExpression).toBe(`at(${pending.remindAt?.slice(0, 19)})`);
    expect(Date.parse(pending.remindAt ?? '')).toBe(Date.parse(pending.deadlineAt ?? '') - 30 * 60_000);

    const fired = { leadId: id, assignmentVersion: 1 };
    // Two firings at once: one sends; the other may find the send in flight and throw, to be retried.
    const outcomes = await Promise.allSettled([
      remindPartner(reminderDeps(), fired),
      remindPartner(reminderDeps(), fired),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value)).toContain('sent');
    expect(await remindPartner(reminderDeps(), fired)).toBe('already-reminded');

    const reminders = (await mailboxTo(owner)).filter(
      (e) => e.tags.leadId === id && e.subject.startsWith('Reminder:'),
    );
    expect(reminders).toHaveLength(1);
    expect(reminders[0]?.body.text).toContain('https://api.relay.example/l/');
    const history = (await table.leads.listHistory(id, { limit: 50 })).items;
    expect(history.filter((h) => h.type === 'email.reminder')).toHaveLength(1);
  });

  it('is cancelled with the deadline when the partner accepts, and sends nothing if it fires anyway', async () => {
    now = new Date();
    const owner = `owner-${crypto.randomUUID()}@partner.example`;
    const setup = await supplierWith(
      { Quick: { owners: [owner] } },
      { rerouteAfterMinutes: 120, remindBeforeMinutes: 30 },
    );
    const id = await newLead(setup, 'Quick');
    await distributeRecord(deps)(record(await image(id)));
    const before = await image(id);
    expect(scheduler.list().some((s) => s.name === reminderScheduleName(id, 1))).toBe(true);
    expect((await call('POST', `/v1/leads/${id}/accept`, setup.partners.Quick?.key ?? '')).status).toBe(200);

    await distributeRecord(deps)(record(await image(id), before));

    expect(scheduler.list().some((s) => s.name === reminderScheduleName(id, 1))).toBe(false);
    expect(scheduler.list().some((s) => s.name === deadlineScheduleName(id, 1))).toBe(false);
    expect(await remindPartner(reminderDeps(), { leadId: id, assignmentVersion: 1 })).toBe('not-waiting');
    expect((await mailboxTo(owner)).filter((e) => e.subject.startsWith('Reminder:'))).toEqual([]);
  });
});

describe('escalation', () => {
  it('emails the escalation address once when a reroute leaves the lead Unassigned, from the stream', async () => {
    now = new Date();
    const ops = `ops-${crypto.randomUUID()}@supplier.example`;
    const setup = await supplierWith(
      { Only: { owners: [`only-${crypto.randomUUID()}@partner.example`] } },
      { maxReroutes: 0, escalationEmail: ops },
    );
    const id = await newLead(setup, 'Only');
    await distributeRecord(deps)(record(await image(id)));
    const before = await image(id);
    const result = await rerouteLead(deps, { leadId: id, assignmentVersion: 1 });
    expect(result).toMatchObject({ outcome: 'unassigned' });
    const unassigned = record(await image(id), before);

    await Promise.allSettled([distributeRecord(deps)(unassigned), distributeRecord(deps)(unassigned)]);
    await distributeRecord(deps)(unassigned);

    const emails = await mailboxTo(ops);
    expect(emails).toHaveLength(1);
    expect(emails[0]?.body.text).toContain(`https://api.relay.example/console/leads/${id}`);
    expect(emails[0]?.body.html).toContain('Ada &lt;b&gt;');
    const history = (await table.leads.listHistory(id, { limit: 50 })).items;
    expect(history.filter((h) => h.type === 'escalated')).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ reason: 'max-reroutes', to: ops }) }),
    ]);
    // The marker's own write comes back on the stream: it asks for nothing.
    await distributeRecord(deps)(record(await image(id), await image(id)));
    expect(await mailboxTo(ops)).toHaveLength(1);
  });

  it('emails the escalation address when the only lead owner’s address bounces', async () => {
    now = new Date();
    const ops = `ops-${crypto.randomUUID()}@supplier.example`;
    const setup = await supplierWith(
      { Bouncy: { owners: ['bounce@simulator.amazonses.com'] } },
      { escalationEmail: ops },
    );
    const id = await newLead(setup, 'Bouncy');
    await distributeRecord(deps)(record(await image(id)));
    const [first] = (await mailboxTo('bounce@simulator.amazonses.com')).filter((e) => e.tags.leadId === id);
    const bounce = await eventsOf(first?.messageId ?? '', 'Bounce');
    const before = await image(id);

    expect(await applyEmailEvent(deps, parseSesEvent(bounce))).toBe('applied');
    expect(await lead(id)).toMatchObject({ emailStatus: 'Failed' });
    await distributeRecord(deps)(record(await image(id), before));

    const emails = await mailboxTo(ops);
    expect(emails).toHaveLength(1);
    expect(emails[0]?.subject).toMatch(/^Action needed: /);
    expect(emails[0]?.body.text).toContain('could not be emailed');
  });
});
