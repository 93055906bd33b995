import {
  applyEmailEvent,
  deadlineScheduleName,
  parseSesEvent,
  reminderScheduleName,
  remindPartner,
  rerouteLead,
} from '@leadrelay/core';
import { describe, expect, it } from 'vitest';
import { distributeRecord } from '../../functions/distribute/distribute';
import { distributionRig } from '../support/distribution-rig';

/**
 * Business hours, reminders and escalation on real parts: the settings through
 * the API on DynamoDB Local (nulls really remove them), deadlines kept when the
 * settings change, the reminder's schedule on the Scheduler emulator and its
 * email in the SES emulator's mailbox, and the escalation emails driven by the
 * stream (fed by hand with the lead's real items as images, as in
 * distribution.test.ts), idempotent under repeats.
 */

const OPERATOR_KEY = 'operator-key-for-hours-tests-0123456789';
const rig = distributionRig({ name: 'hours', group: 'lead-deadlines-hours', operatorKey: OPERATOR_KEY });
const { time, clock, call, supplierWith, newLead, image, record, lead, mailboxTo, eventsOf } = rig;

const reminderDeps = () => ({
  leads: rig.deps.leads,
  tenants: rig.deps.tenants,
  mailer: rig.deps.mailer,
  linkKeys: rig.deps.linkKeys,
  publicUrl: rig.deps.publicUrl,
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
    const stored = (await rig.table.tenants.getSupplier(setup.supplierId))?.settings;
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
      await rig.table.tenants.getPartner(setup.supplierId, setup.partners.North?.id ?? ''),
    ).not.toHaveProperty('businessHours');
  });
});

describe('deadlines in business hours', () => {
  it('count open minutes; a settings change moves no deadline already set, and the next lead uses the new settings', async () => {
    // Friday 4 Dec 2026, 16:30 in New York.
    time.now = new Date('2026-12-04T21:30:00Z');
    const owner = `owner-${crypto.randomUUID()}@partner.example`;
    const setup = await supplierWith(
      { North: { owners: [owner] } },
      { rerouteAfterMinutes: 480, businessHours: week },
    );
    const first = await newLead(setup, 'North');
    await distributeRecord(rig.deps)(record(await image(first)));
    const pending = (await call('GET', `/v1/leads/${first}`, setup.key)).body.lead;
    expect(pending).toMatchObject({ distributionStatus: 'Pending', deadlineAt: '2026-12-07T21:30:00.000Z' });
    const [email] = (await mailboxTo(owner)).filter((e) => e.tags.leadId === first);
    expect(email?.body.text).toContain('Mon 7 Dec 2026, 16:30 (America/New_York)');

    expect(
      (await call('PATCH', '/v1/settings', setup.key, { rerouteAfterMinutes: 60, businessHours: null }))
        .status,
    ).toBe(200);
    await distributeRecord(rig.deps)(record(await image(first)));
    expect((await call('GET', `/v1/leads/${first}`, setup.key)).body.lead.deadlineAt).toBe(
      '2026-12-07T21:30:00.000Z',
    );

    const second = await newLead(setup, 'North');
    await distributeRecord(rig.deps)(record(await image(second)));
    expect((await call('GET', `/v1/leads/${second}`, setup.key)).body.lead.deadlineAt).toBe(
      new Date(time.now.getTime() + 60 * 60_000).toISOString(),
    );
  });
});

describe('the reminder', () => {
  it('is scheduled beside the deadline, and sends one email however often it fires', async () => {
    time.now = new Date();
    const owner = `owner-${crypto.randomUUID()}@partner.example`;
    const setup = await supplierWith(
      { North: { owners: [owner] } },
      { rerouteAfterMinutes: 120, remindBeforeMinutes: 30 },
    );
    const id = await newLead(setup, 'North');
    await distributeRecord(rig.deps)(record(await image(id)));
    const pending = await lead(id);
    const [schedule] = rig.scheduler.list().filter((s) => s.name === reminderScheduleName(id, 1));
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
    const history = (await rig.table.leads.listHistory(id, { limit: 50 })).items;
    expect(history.filter((h) => h.type === 'email.reminder')).toHaveLength(1);
  });

  it('is cancelled with the deadline when the partner accepts, and sends nothing if it fires anyway', async () => {
    time.now = new Date();
    const owner = `owner-${crypto.randomUUID()}@partner.example`;
    const setup = await supplierWith(
      { Quick: { owners: [owner] } },
      { rerouteAfterMinutes: 120, remindBeforeMinutes: 30 },
    );
    const id = await newLead(setup, 'Quick');
    await distributeRecord(rig.deps)(record(await image(id)));
    const before = await image(id);
    expect(rig.scheduler.list().some((s) => s.name === reminderScheduleName(id, 1))).toBe(true);
    expect((await call('POST', `/v1/leads/${id}/accept`, setup.partners.Quick?.key ?? '')).status).toBe(200);

    await distributeRecord(rig.deps)(record(await image(id), before));

    expect(rig.scheduler.list().some((s) => s.name === reminderScheduleName(id, 1))).toBe(false);
    expect(rig.scheduler.list().some((s) => s.name === deadlineScheduleName(id, 1))).toBe(false);
    expect(await remindPartner(reminderDeps(), { leadId: id, assignmentVersion: 1 })).toBe('not-waiting');
    expect((await mailboxTo(owner)).filter((e) => e.subject.startsWith('Reminder:'))).toEqual([]);
  });
});

describe('escalation', () => {
  it('emails the escalation address once when a reroute leaves the lead Unassigned, from the stream', async () => {
    time.now = new Date();
    const ops = `ops-${crypto.randomUUID()}@supplier.example`;
    const setup = await supplierWith(
      { Only: { owners: [`only-${crypto.randomUUID()}@partner.example`] } },
      { maxReroutes: 0, escalationEmail: ops },
    );
    const id = await newLead(setup, 'Only');
    await distributeRecord(rig.deps)(record(await image(id)));
    const before = await image(id);
    const result = await rerouteLead(rig.deps, { leadId: id, assignmentVersion: 1 });
    expect(result).toMatchObject({ outcome: 'unassigned' });
    const unassigned = record(await image(id), before);

    await Promise.allSettled([
      distributeRecord(rig.deps)(unassigned),
      distributeRecord(rig.deps)(unassigned),
    ]);
    await distributeRecord(rig.deps)(unassigned);

    const emails = await mailboxTo(ops);
    expect(emails).toHaveLength(1);
    expect(emails[0]?.body.text).toContain(`https://api.relay.example/console/leads/${id}`);
    expect(emails[0]?.body.html).toContain('Ada &lt;b&gt;');
    const history = (await rig.table.leads.listHistory(id, { limit: 50 })).items;
    expect(history.filter((h) => h.type === 'escalated')).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ reason: 'max-reroutes', to: ops }) }),
    ]);
    // The marker's own write comes back on the stream: it asks for nothing.
    await distributeRecord(rig.deps)(record(await image(id), await image(id)));
    expect(await mailboxTo(ops)).toHaveLength(1);
  });

  it('emails the escalation address when the only lead owner’s address bounces', async () => {
    time.now = new Date();
    const ops = `ops-${crypto.randomUUID()}@supplier.example`;
    const setup = await supplierWith(
      { Bouncy: { owners: ['bounce@simulator.amazonses.com'] } },
      { escalationEmail: ops },
    );
    const id = await newLead(setup, 'Bouncy');
    await distributeRecord(rig.deps)(record(await image(id)));
    const [first] = (await mailboxTo('bounce@simulator.amazonses.com')).filter((e) => e.tags.leadId === id);
    const bounce = await eventsOf(first?.messageId ?? '', 'Bounce');
    const before = await image(id);

    expect(await applyEmailEvent(rig.deps, parseSesEvent(bounce))).toBe('applied');
    expect(await lead(id)).toMatchObject({ emailStatus: 'Failed' });
    await distributeRecord(rig.deps)(record(await image(id), before));

    const emails = await mailboxTo(ops);
    expect(emails).toHaveLength(1);
    expect(emails[0]?.subject).toMatch(/^Action needed: /);
    expect(emails[0]?.body.text).toContain('could not be emailed');
  });
});
