import {
  acceptLead,
  applyEmailEvent,
  cancelObsoleteDeadline,
  deadlineFor,
  deadlineScheduleName,
  distributeLead,
  escalateLead,
  type Lead,
  NOTIFICATION_TAGS,
  parseSesEvent,
  reminderScheduleName,
  remindPartner,
  rerouteLead,
  Tenants,
} from '@leadrelay/core';
import { describe, expect, it } from 'vitest';
import { PUBLIC_URL, useCaseWorld } from '../support/use-cases';

/**
 * Deadlines in business hours, the reminder before them and the supplier's
 * escalation emails, as use cases on the in-memory stores with the fakes of SES
 * and Scheduler: what is scheduled and sent, to whom, and that a firing or a
 * stream record seen twice sends once.
 */

const owners = [{ email: 'first@alpha.example' }];
const week = {
  timeZone: 'UTC',
  days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'] as ('Mon' | 'Tue' | 'Wed' | 'Thu' | 'Fri')[],
  start: '09:00',
  end: '17:00',
  holidays: [],
};
/** Friday 4 Jan 2030, 16:30 UTC. */
const FRIDAY_1630 = '2030-01-04T16:30:00.000Z';

async function world(
  settings: Parameters<typeof Tenants.updateSettings>[2],
  partners = [{ leadOwners: owners }],
) {
  const w = await useCaseWorld(partners);
  await Tenants.updateSettings({ store: w.tenants, clock: w.clock }, w.supplier.id, settings);
  const tenantDeps = { store: w.tenants, clock: w.clock };
  const rerouteDeps = { leads: w.leads, tenants: w.tenants, rules: w.rules, clock: w.clock };
  const reminderDeps = {
    leads: w.leads,
    tenants: w.tenants,
    mailer: w.mailer,
    linkKeys: w.distributeDeps.linkKeys,
    publicUrl: PUBLIC_URL,
    clock: w.clock,
  };
  /** A lead given to the first partner at `at`, its email sent. */
  const sentLead = async (at: string) => {
    w.clock.set(at);
    const seen = await w.newLead(`${crypto.randomUUID()}@buyer.example`, w.partners[0]);
    expect(await distributeLead(w.distributeDeps, seen)).toBe('sent');
    return (await w.leads.getLead(seen.id)) as Lead;
  };
  return { ...w, tenantDeps, rerouteDeps, reminderDeps, sentLead };
}

describe('a deadline in business hours', () => {
  it('counts open minutes only: sent Friday 16:30 with 8 hours, due Monday 16:30, shown in the email', async () => {
    const w = await world({ rerouteAfterMinutes: 480, businessHours: week });
    const lead = await w.sentLead(FRIDAY_1630);

    expect(lead.deadlineAt).toBe('2030-01-07T16:30:00.000Z');
    expect(w.deadlines.schedules.get(deadlineScheduleName(lead.id, 1))?.at.toISOString()).toBe(
      '2030-01-07T16:30:00.000Z',
    );
    expect(w.mailer.sent[0]?.email.text).toContain('by Mon 7 Jan 2030, 16:30 UTC.');
    expect(lead.history.at(-1)?.detail).toMatchObject({ businessHours: 'UTC' });
  });

  it('uses the partner’s own time zone over the supplier’s hours, and says so in the email', async () => {
    const w = await world({ rerouteAfterMinutes: 60, businessHours: week });
    await Tenants.updatePartnerSettings(w.tenantDeps, w.supplier.id, w.partners[0]?.id ?? '', {
      businessHours: { timeZone: 'America/New_York' },
    });
    // Friday 16:30 UTC is 11:30 in New York: open, so the hour ends at 12:30 there.
    const lead = await w.sentLead(FRIDAY_1630);

    expect(lead.deadlineAt).toBe('2030-01-04T17:30:00.000Z');
    expect(w.mailer.sent[0]?.email.text).toContain('by Fri 4 Jan 2030, 12:30 (America/New_York).');
  });

  it('counts wall-clock minutes without hours, as before', async () => {
    const w = await world({ rerouteAfterMinutes: 480 });
    const lead = await w.sentLead(FRIDAY_1630);
    expect(lead.deadlineAt).toBe('2030-01-05T00:30:00.000Z');
  });

  it('keeps a deadline once set, whatever the settings say later', async () => {
    const w = await world({ rerouteAfterMinutes: 480, businessHours: week });
    const lead = await w.sentLead(FRIDAY_1630);
    expect(deadlineFor(lead, 5).toISOString()).toBe('2030-01-07T16:30:00.000Z');
  });
});

describe('the reminder before a deadline', () => {
  it('is scheduled with the deadline, open minutes before it, on the same Scheduler path', async () => {
    const w = await world({ rerouteAfterMinutes: 480, businessHours: week, remindBeforeMinutes: 60 });
    const lead = await w.sentLead(FRIDAY_1630);

    expect(w.deadlines.schedules.get(reminderScheduleName(lead.id, 1))).toEqual({
      at: new Date('2030-01-07T15:30:00.000Z'),
      input: { kind: 'reminder', supplierId: w.supplier.id, leadId: lead.id, assignmentVersion: 1 },
    });
    expect(lead.remindAt).toBe('2030-01-07T15:30:00.000Z');
  });

  it('is not scheduled when its time is already past, nor when reminders are off', async () => {
    const late = await world({ rerouteAfterMinutes: 30, remindBeforeMinutes: 60 });
    const lead = await late.sentLead(FRIDAY_1630);
    expect(late.deadlines.schedules.has(reminderScheduleName(lead.id, 1))).toBe(false);
    expect(lead.remindAt).toBeUndefined();

    const off = await world({ rerouteAfterMinutes: 30 });
    const quiet = await off.sentLead(FRIDAY_1630);
    expect([...off.deadlines.schedules.keys()]).toEqual([deadlineScheduleName(quiet.id, 1)]);
  });

  it('sends one email with the assignment’s links to the owner the lead email went to, and records it once', async () => {
    const w = await world({ rerouteAfterMinutes: 480, businessHours: week, remindBeforeMinutes: 60 });
    const lead = await w.sentLead(FRIDAY_1630);
    w.clock.set('2030-01-07T15:30:00.000Z');
    const request = { leadId: lead.id, assignmentVersion: 1 };

    expect(await remindPartner(w.reminderDeps, request)).toBe('sent');
    expect(await remindPartner(w.reminderDeps, request)).toBe('already-reminded');

    const reminders = w.mailer.sent.filter((s) => s.email.subject.startsWith('Reminder:'));
    expect(reminders).toHaveLength(1);
    const [reminder] = reminders;
    expect(reminder?.key).toBe(`${lead.id}:v1:reminder`);
    expect(reminder?.email.to).toEqual(['first@alpha.example']);
    expect(reminder?.email.tags).toMatchObject({ [NOTIFICATION_TAGS.kind]: 'reminder' });
    expect(reminder?.email.text.match(new RegExp(`${PUBLIC_URL}/l/`, 'g'))).toHaveLength(2);
    expect(reminder?.email.text).toContain('within 1 hour — by Mon 7 Jan 2030, 16:30 UTC');
    const stored = (await w.leads.getLead(lead.id)) as Lead;
    expect(stored.reminded).toMatchObject({ assignmentVersion: 1, to: 'first@alpha.example' });
    const history = (await w.leads.listHistory(lead.id, { limit: 50 })).items;
    expect(history.filter((h) => h.type === 'email.reminder')).toHaveLength(1);
    expect(stored.deadlineAt).toBe(lead.deadlineAt);
  });

  it('sends nothing once the partner acted, nor for another assignment', async () => {
    const w = await world({ rerouteAfterMinutes: 480, remindBeforeMinutes: 60 });
    const lead = await w.sentLead(FRIDAY_1630);
    const partnerId = w.partners[0]?.id ?? '';

    expect(await remindPartner(w.reminderDeps, { leadId: lead.id, assignmentVersion: 2 })).toBe('stale');
    await acceptLead(w.distributeDeps, { kind: 'partner', supplierId: w.supplier.id, partnerId }, lead.id);
    expect(await remindPartner(w.reminderDeps, { leadId: lead.id, assignmentVersion: 1 })).toBe(
      'not-waiting',
    );
    expect(w.mailer.sent).toHaveLength(1);
  });

  it('has its schedule cancelled with the deadline’s when the partner acts', async () => {
    const w = await world({ rerouteAfterMinutes: 480, remindBeforeMinutes: 60 });
    const lead = await w.sentLead(FRIDAY_1630);
    const accepted = { ...lead, distributionStatus: 'Accepted' as const };

    await cancelObsoleteDeadline(w.distributeDeps, lead, accepted);

    expect(w.deadlines.cancelled).toEqual([
      deadlineScheduleName(lead.id, 1),
      reminderScheduleName(lead.id, 1),
    ]);
  });
});

describe('escalation to the supplier', () => {
  it('emails the escalation address once when a reroute leaves the lead Unassigned, with a link to it in the console', async () => {
    const w = await world({ maxReroutes: 0, escalationEmail: 'ops@acme.example' });
    const lead = await w.sentLead(FRIDAY_1630);
    const result = await rerouteLead(w.rerouteDeps, { leadId: lead.id, assignmentVersion: 1 });
    if (!('outcome' in result)) throw new Error('not rerouted');
    expect(result.outcome).toBe('unassigned');

    expect(await escalateLead(w.distributeDeps, lead, result.lead)).toBe('sent');
    expect(await escalateLead(w.distributeDeps, lead, result.lead)).toBe('seen-before');

    const escalations = w.mailer.sent.filter((s) => s.email.to.includes('ops@acme.example'));
    expect(escalations).toHaveLength(1);
    const [email] = escalations;
    expect(email?.key).toBe(`${lead.id}:v2:escalate-unassigned`);
    expect(email?.email.text).toContain('rerouted as often as you allow');
    expect(email?.email.text).toContain(`${PUBLIC_URL}/console/leads/${lead.id}`);
    expect(email?.email.text).toContain(lead.email);
    const history = (await w.leads.listHistory(lead.id, { limit: 50 })).items;
    expect(history.filter((h) => h.type === 'escalated')).toEqual([
      expect.objectContaining({
        detail: expect.objectContaining({ kind: 'unassigned', reason: 'max-reroutes' }),
      }),
    ]);
  });

  it('sends nothing without an escalation address, and nothing for a lead that is not newly Unassigned', async () => {
    const w = await world({ maxReroutes: 0 });
    const lead = await w.sentLead(FRIDAY_1630);
    const result = await rerouteLead(w.rerouteDeps, { leadId: lead.id, assignmentVersion: 1 });
    if (!('outcome' in result)) throw new Error('not rerouted');

    expect(await escalateLead(w.distributeDeps, lead, result.lead)).toBe('off');
    expect(await escalateLead(w.distributeDeps, result.lead, result.lead)).toBeUndefined();
    expect(await escalateLead(w.distributeDeps, undefined, result.lead)).toBeUndefined();
    expect(w.mailer.sent).toHaveLength(1);
  });

  it('emails the escalation address when the only lead owner’s address bounces', async () => {
    const w = await world({ escalationEmail: 'ops@acme.example' });
    const lead = await w.sentLead(FRIDAY_1630);
    const bounce = parseSesEvent({
      eventType: 'Bounce',
      mail: {
        messageId: 'msg-1',
        timestamp: FRIDAY_1630,
        tags: {
          [NOTIFICATION_TAGS.leadId]: [lead.id],
          [NOTIFICATION_TAGS.assignmentVersion]: ['1'],
          [NOTIFICATION_TAGS.attempt]: ['0'],
          [NOTIFICATION_TAGS.kind]: ['decide'],
        },
      },
      bounce: {
        timestamp: FRIDAY_1630,
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [
          { emailAddress: 'first@alpha.example', diagnosticCode: 'smtp; 550 user unknown' },
        ],
      },
    });
    expect(await applyEmailEvent(w.distributeDeps, bounce)).toBe('applied');
    const failed = (await w.leads.getLead(lead.id)) as Lead;
    expect(failed.emailStatus).toBe('Failed');

    expect(await escalateLead(w.distributeDeps, lead, failed)).toBe('sent');
    const [email] = w.mailer.sent.filter((s) => s.email.to.includes('ops@acme.example'));
    expect(email?.key).toBe(`${lead.id}:v1:escalate-bounced`);
    expect(email?.email.text).toContain('550 user unknown');
    expect(email?.email.text).toContain('no other default lead owner');
  });

  it('ignores the SES events of reminders and escalations: the email status is the first email’s', async () => {
    const w = await world({});
    const lead = await w.sentLead(FRIDAY_1630);
    const open = parseSesEvent({
      eventType: 'Open',
      mail: {
        messageId: 'msg-9',
        timestamp: FRIDAY_1630,
        tags: {
          [NOTIFICATION_TAGS.leadId]: [lead.id],
          [NOTIFICATION_TAGS.assignmentVersion]: ['1'],
          [NOTIFICATION_TAGS.kind]: ['reminder'],
        },
      },
      open: { timestamp: FRIDAY_1630 },
    });
    expect(await applyEmailEvent(w.distributeDeps, open)).toBe('untagged');
    expect((await w.leads.getLead(lead.id))?.emailStatus).toBe('NotSent');
  });
});
