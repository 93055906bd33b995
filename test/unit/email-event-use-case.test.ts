import {
  applyEmailEvent,
  distributeLead,
  type Lead,
  NOTIFICATION_TAGS,
  parseSesEvent,
  type SesEvent,
} from '@leadrelay/core';
import { describe, expect, it } from 'vitest';
import { useCaseWorld } from '../support/use-cases';

/**
 * applyEmailEvent (the email-events function's use case) on the in-memory
 * stores: the status moves forward only, the history records each event once,
 * and a redelivered event changes nothing, even once its entry has left the
 * lead's latest entries (the store's record of applied events catches it).
 */

const owners = [{ email: 'first@alpha.example' }, { email: 'second@alpha.example' }];

const interleave = async () => {
  await new Promise((resolve) => setImmediate(resolve));
};

/** An SES configuration-set event on the lead's notification, as EventBridge delivers its detail. */
function sesEvent(
  lead: Pick<Lead, 'id' | 'assignmentVersion'>,
  eventType: string,
  options: { at: string; messageId?: string; attempt?: number; part?: Record<string, unknown> },
): SesEvent {
  const part = eventType.charAt(0).toLowerCase() + eventType.slice(1);
  return parseSesEvent({
    eventType,
    mail: {
      messageId: options.messageId ?? 'msg-1',
      timestamp: '2030-01-01T09:00:01.000Z',
      tags: {
        [NOTIFICATION_TAGS.leadId]: [lead.id],
        [NOTIFICATION_TAGS.assignmentVersion]: [String(lead.assignmentVersion)],
        [NOTIFICATION_TAGS.attempt]: [String(options.attempt ?? 0)],
        [NOTIFICATION_TAGS.kind]: ['decide'],
      },
    },
    [part]: { timestamp: options.at, ...options.part },
  });
}

const bounceOf = (address: string) => ({
  bounceType: 'Permanent',
  bounceSubType: 'General',
  bouncedRecipients: [{ emailAddress: address, diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
});

/** A lead notified once (the Accept/Reject email to the first owner went out as msg-1). */
async function notifiedLead(options: { pause?: () => Promise<void> } = {}) {
  const world = await useCaseWorld([{ leadOwners: owners }], options);
  const seen = await world.newLead('buyer@acme.example', world.partners[0]);
  await distributeLead(world.distributeDeps, seen);
  const lead = (await world.leads.getLead(seen.id)) as Lead;
  const deps = { leads: world.leads, tenants: world.tenants, clock: world.clock };
  return { world, lead, deps };
}

describe('applying an email event', () => {
  it('moves the status forward and records the event in the history, in one write', async () => {
    const { world, lead, deps } = await notifiedLead();
    const delivery = sesEvent(lead, 'Delivery', { at: '2030-01-01T09:00:02.000Z' });

    expect(await applyEmailEvent(deps, delivery)).toBe('applied');
    const stored = (await world.leads.getLead(lead.id)) as Lead;
    expect(stored.emailStatus).toBe('Sent');
    expect(stored.version).toBe(lead.version + 1);
    expect(stored.history.at(-1)).toMatchObject({
      type: 'email.Delivery',
      actor: 'ses',
      detail: { messageId: 'msg-1', assignmentVersion: 1 },
    });
  });

  it('changes nothing when the same event comes again, also after its entry left the lead’s latest ones', async () => {
    const { world, lead, deps } = await notifiedLead();
    const delivery = sesEvent(lead, 'Delivery', { at: '2030-01-01T09:00:02.000Z' });
    await applyEmailEvent(deps, delivery);
    const delivered = await world.leads.getLead(lead.id);
    expect(await applyEmailEvent(deps, delivery)).toBe('seen-before');
    expect(await world.leads.getLead(lead.id)).toEqual(delivered);

    expect(await applyEmailEvent(deps, sesEvent(lead, 'Open', { at: '2030-01-01T09:05:00.000Z' }))).toBe(
      'applied',
    );
    expect(await applyEmailEvent(deps, sesEvent(lead, 'Click', { at: '2030-01-01T09:06:00.000Z' }))).toBe(
      'applied',
    );
    const clicked = (await world.leads.getLead(lead.id)) as Lead;
    expect(clicked.history.some((h) => h.type === 'email.Delivery')).toBe(false);

    expect(await applyEmailEvent(deps, delivery)).toBe('seen-before');
    expect(await world.leads.getLead(lead.id)).toEqual(clicked);
    const history = (await world.leads.listHistory(lead.id, { limit: 50 })).items;
    expect(history.filter((h) => h.type === 'email.Delivery')).toHaveLength(1);
  });

  it('records an event that moves nothing (the Delivery after its Send) beside the lead, once', async () => {
    const { world, lead, deps } = await notifiedLead({ pause: interleave });
    expect(await applyEmailEvent(deps, sesEvent(lead, 'Send', { at: '2030-01-01T09:00:01.500Z' }))).toBe(
      'applied',
    );
    const sent = (await world.leads.getLead(lead.id)) as Lead;
    expect(sent.emailStatus).toBe('Sent');

    const delivery = sesEvent(lead, 'Delivery', { at: '2030-01-01T09:00:02.000Z' });
    const outcomes = await Promise.all([applyEmailEvent(deps, delivery), applyEmailEvent(deps, delivery)]);
    expect([...outcomes].sort()).toEqual(['applied', 'seen-before']);
    expect(await applyEmailEvent(deps, delivery)).toBe('seen-before');
    // The lead as it was (its version, updatedAt and latest entries); the history has the Delivery once.
    expect(await world.leads.getLead(lead.id)).toEqual(sent);
    const history = (await world.leads.listHistory(lead.id, { limit: 50 })).items;
    expect(history.filter((h) => h.type === 'email.Delivery')).toHaveLength(1);
    expect(history.find((h) => h.type === 'email.Delivery')).toMatchObject({
      actor: 'ses',
      detail: { messageId: 'msg-1' },
    });
  });

  it('applies one of two racing copies of an event; the other is seen-before', async () => {
    const { world, lead, deps } = await notifiedLead({ pause: interleave });
    const delivery = sesEvent(lead, 'Delivery', { at: '2030-01-01T09:00:02.000Z' });

    const outcomes = await Promise.all([applyEmailEvent(deps, delivery), applyEmailEvent(deps, delivery)]);
    expect([...outcomes].sort()).toEqual(['applied', 'seen-before']);
    expect((await world.leads.getLead(lead.id))?.version).toBe(lead.version + 1);
  });

  it('keeps the highest status when events arrive out of order', async () => {
    const { world, lead, deps } = await notifiedLead();
    await applyEmailEvent(deps, sesEvent(lead, 'Click', { at: '2030-01-01T09:06:00.000Z' }));
    const clicked = (await world.leads.getLead(lead.id)) as Lead;
    expect(await applyEmailEvent(deps, sesEvent(lead, 'Delivery', { at: '2030-01-01T09:00:02.000Z' }))).toBe(
      'applied',
    );
    const stored = (await world.leads.getLead(lead.id)) as Lead;
    expect(stored.emailStatus).toBe('Clicked');
    // The late Delivery moves nothing: its entry is history beside the lead, which is not written for it.
    expect(stored).toEqual(clicked);
    const history = (await world.leads.listHistory(lead.id, { limit: 50 })).items;
    expect(history.filter((h) => h.type === 'email.Delivery')).toHaveLength(1);

    // A bounce once the email was read is history, not a failure.
    const bounce = sesEvent(lead, 'Bounce', {
      at: '2030-01-01T09:07:00.000Z',
      part: bounceOf('first@alpha.example'),
    });
    expect(await applyEmailEvent(deps, bounce)).toBe('applied');
    const after = (await world.leads.getLead(lead.id)) as Lead;
    expect(after.emailStatus).toBe('Clicked');
    expect(after.emailAttempt ?? 0).toBe(0);
  });

  it('moves a bounced email on to the next lead owner, and distribute sends it to them', async () => {
    const { world, lead, deps } = await notifiedLead();
    const bounce = sesEvent(lead, 'Bounce', {
      at: '2030-01-01T09:00:03.000Z',
      part: bounceOf('first@alpha.example'),
    });

    expect(await applyEmailEvent(deps, bounce)).toBe('applied');
    const retried = (await world.leads.getLead(lead.id)) as Lead;
    expect(retried).toMatchObject({ emailStatus: 'NotSent', emailAttempt: 1 });
    expect(retried.history.at(-1)).toMatchObject({
      type: 'email.retry',
      detail: { failed: 'first@alpha.example', to: 'second@alpha.example', attempt: 1 },
    });
    // The bounce redelivered is of the first owner's email, which the lead has moved on from: nothing changes.
    expect(await applyEmailEvent(deps, bounce)).toBe('stale');
    expect(await world.leads.getLead(lead.id)).toEqual(retried);

    expect(await distributeLead(world.distributeDeps, retried)).toBe('sent');
    expect(world.mailer.sent.map((s) => s.email.to)).toEqual([
      ['first@alpha.example'],
      ['second@alpha.example'],
    ]);
    // The first owner's events are of an earlier email now.
    const late = sesEvent(lead, 'Open', { at: '2030-01-01T09:10:00.000Z' });
    expect(await applyEmailEvent(deps, late)).toBe('stale');
  });

  it('refuses an event of another assignment and ignores one without its lead, changing nothing', async () => {
    const { world, lead, deps } = await notifiedLead();
    const before = await world.leads.getLead(lead.id);
    const old = sesEvent({ ...lead, assignmentVersion: 0 }, 'Delivery', { at: '2030-01-01T09:00:02.000Z' });
    expect(await applyEmailEvent(deps, old)).toBe('stale');
    const gone = sesEvent({ ...lead, id: 'no-such-lead' }, 'Delivery', { at: '2030-01-01T09:00:02.000Z' });
    expect(await applyEmailEvent(deps, gone)).toBe('unknown-lead');
    const untagged = parseSesEvent({
      eventType: 'Delivery',
      mail: { messageId: 'other', timestamp: '2030-01-01T09:00:01.000Z', tags: {} },
    });
    expect(await applyEmailEvent(deps, untagged)).toBe('untagged');
    expect(await world.leads.getLead(lead.id)).toEqual(before);
  });
});
