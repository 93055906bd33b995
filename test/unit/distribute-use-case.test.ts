import {
  cancelObsoleteDeadline,
  deadlineScheduleName,
  distributeLead,
  type Lead,
  NOTIFICATION_TAGS,
} from '@leadrelay/core';
import { describe, expect, it } from 'vitest';
import { PUBLIC_URL, useCaseWorld } from '../support/use-cases';

/**
 * distributeLead (the distribute function's use case) on the in-memory stores,
 * with fakes standing in for SES and Scheduler: what it sends, schedules and
 * stores, and that a stream record seen twice, or twice at once, or retried
 * after an outage, sends one email and records it once.
 */

const owners = [{ email: 'first@alpha.example' }, { email: 'second@alpha.example' }];
const MINUTE = 60_000;

/** The turns of the event loop each lead store call waits, so two runs interleave. */
const interleave = async () => {
  await new Promise((resolve) => setImmediate(resolve));
};

describe('distributing a lead', () => {
  it('emails the default lead owner the Accept/Reject links, schedules the deadline and records both on the lead', async () => {
    const world = await useCaseWorld([{ leadOwners: owners }]);
    const [alpha] = world.partners;
    const seen = await world.newLead('buyer@acme.example', alpha);

    expect(await distributeLead(world.distributeDeps, seen)).toBe('sent');

    expect(world.mailer.sent).toHaveLength(1);
    const [sent] = world.mailer.sent;
    expect(sent?.email.to).toEqual(['first@alpha.example']);
    expect(sent?.email.text.match(new RegExp(`${PUBLIC_URL}/l/`, 'g'))).toHaveLength(2);
    expect(sent?.email.tags).toEqual({
      [NOTIFICATION_TAGS.leadId]: seen.id,
      [NOTIFICATION_TAGS.assignmentVersion]: '1',
      [NOTIFICATION_TAGS.attempt]: '0',
      [NOTIFICATION_TAGS.kind]: 'decide',
    });
    const deadline = new Date(
      Date.parse(seen.assignedAt as string) + world.supplier.settings.rerouteAfterMinutes * MINUTE,
    );
    expect([...world.deadlines.schedules]).toEqual([
      [
        deadlineScheduleName(seen.id, 1),
        {
          at: deadline,
          input: { kind: 'deadline', supplierId: world.supplier.id, leadId: seen.id, assignmentVersion: 1 },
        },
      ],
    ]);

    const stored = (await world.leads.getLead(seen.id)) as Lead;
    expect(stored.version).toBe(seen.version + 1);
    expect(stored.deadlineAt).toBe(deadline.toISOString());
    expect(stored.notified).toMatchObject({
      assignmentVersion: 1,
      attempt: 0,
      kind: 'decide',
      to: 'first@alpha.example',
      messageId: sent?.messageId,
    });
    expect(stored.history.at(-1)).toMatchObject({
      type: 'email.queued',
      detail: { to: 'first@alpha.example', messageId: sent?.messageId, deadlineAt: deadline.toISOString() },
    });
  });

  it('owes nothing more when the same stream record comes again, or the marker’s own change does', async () => {
    const world = await useCaseWorld([{ leadOwners: owners }]);
    const seen = await world.newLead('buyer@acme.example', world.partners[0]);
    await distributeLead(world.distributeDeps, seen);
    const after = await world.leads.getLead(seen.id);

    expect(await distributeLead(world.distributeDeps, seen)).toBe('nothing-owed');
    expect(await distributeLead(world.distributeDeps, after as Lead)).toBe('nothing-owed');
    expect(world.mailer.sent).toHaveLength(1);
    expect(world.deadlines.schedules.size).toBe(1);
    expect(await world.leads.getLead(seen.id)).toEqual(after);
  });

  it('sends once and records once when two runs take the same record at the same time', async () => {
    const world = await useCaseWorld([{ leadOwners: owners }], { pause: interleave });
    const seen = await world.newLead('buyer@acme.example', world.partners[0]);

    const outcomes = await Promise.all([
      distributeLead(world.distributeDeps, seen),
      distributeLead(world.distributeDeps, seen),
    ]);

    expect(outcomes).toEqual(['sent', 'sent']);
    expect(world.mailer.sent).toHaveLength(1);
    expect(world.deadlines.schedules.size).toBe(1);
    const history = (await world.leads.listHistory(seen.id, { limit: 50 })).items;
    expect(history.filter((h) => h.type === 'email.queued')).toHaveLength(1);
    expect((await world.leads.getLead(seen.id))?.version).toBe(seen.version + 1);
  });

  it('sends no second email when the run is retried after Scheduler failed', async () => {
    const world = await useCaseWorld([{ leadOwners: owners }]);
    const seen = await world.newLead('buyer@acme.example', world.partners[0]);
    world.deadlines.failNext();

    await expect(distributeLead(world.distributeDeps, seen)).rejects.toThrow(/Scheduler is unavailable/);
    // The email went out, but nothing records it yet: the lead is still owed its notification.
    expect(world.mailer.sent).toHaveLength(1);
    expect((await world.leads.getLead(seen.id))?.notified).toBeUndefined();

    expect(await distributeLead(world.distributeDeps, seen)).toBe('sent');
    expect(world.mailer.sent).toHaveLength(1);
    expect(world.deadlines.schedules.size).toBe(1);
    expect((await world.leads.getLead(seen.id))?.notified?.messageId).toBe(world.mailer.sent[0]?.messageId);
  });

  it('sends nothing for an assignment the lead has left before the stream caught up', async () => {
    const world = await useCaseWorld([{ leadOwners: owners }, { leadOwners: [{ email: 'b@beta.example' }] }]);
    const seen = await world.newLead('buyer@acme.example', world.partners[0]);
    const current = (await world.leads.getLead(seen.id)) as Lead;
    const moved = {
      ...current,
      partnerId: world.partners[1]?.id ?? null,
      assignmentVersion: 2,
      version: current.version + 1,
    };
    expect(await world.leads.replaceLead(current, moved, [])).toBe('ok');

    expect(await distributeLead(world.distributeDeps, seen)).toBe('moved-on');
    expect(world.mailer.sent).toEqual([]);
    expect(world.deadlines.schedules.size).toBe(0);
    expect(await world.leads.getLead(seen.id)).toEqual(moved);
  });

  it('marks the email Failed when the partner has no lead owner, and still schedules the deadline', async () => {
    const world = await useCaseWorld([{ leadOwners: [] }]);
    const seen = await world.newLead('buyer@acme.example', world.partners[0]);

    expect(await distributeLead(world.distributeDeps, seen)).toBe('no-owner');
    expect(world.mailer.sent).toEqual([]);
    expect(world.deadlines.schedules.has(deadlineScheduleName(seen.id, 1))).toBe(true);
    expect(await world.leads.getLead(seen.id)).toMatchObject({
      emailStatus: 'Failed',
      emailFailure: { type: 'NotSent', reason: 'no lead owners' },
    });
    expect(await distributeLead(world.distributeDeps, seen)).toBe('nothing-owed');
  });

  it('sends an auto-accepted lead’s informational email, with no links and no deadline', async () => {
    const world = await useCaseWorld([{ leadOwners: owners, autoAccept: true }]);
    const seen = await world.newLead('buyer@acme.example', world.partners[0]);
    expect(seen.distributionStatus).toBe('Accepted');

    expect(await distributeLead(world.distributeDeps, seen)).toBe('sent');
    expect(world.mailer.sent[0]?.email.tags?.[NOTIFICATION_TAGS.kind]).toBe('info');
    expect(world.mailer.sent[0]?.email.text).not.toContain(`${PUBLIC_URL}/l/`);
    expect(world.deadlines.schedules.size).toBe(0);
    const stored = (await world.leads.getLead(seen.id)) as Lead;
    expect(stored).toMatchObject({ emailStatus: 'NotSent', notified: { kind: 'info' } });
    expect(stored.deadlineAt).toBeUndefined();
  });

  it('gives a deadline already past when the email goes out (a backlog) one minute from now', async () => {
    const world = await useCaseWorld([{ leadOwners: owners }]);
    const seen = await world.newLead('buyer@acme.example', world.partners[0]);
    world.clock.advance((world.supplier.settings.rerouteAfterMinutes + 30) * MINUTE);

    await distributeLead(world.distributeDeps, seen);
    expect(world.deadlines.schedules.get(deadlineScheduleName(seen.id, 1))?.at).toEqual(
      new Date(world.clock.now().getTime() + MINUTE),
    );
  });

  it('cancels the old assignment’s deadline once the lead stops waiting on it, and only then', async () => {
    const world = await useCaseWorld([{ leadOwners: owners }]);
    const seen = await world.newLead('buyer@acme.example', world.partners[0]);
    await distributeLead(world.distributeDeps, seen);
    const waiting = (await world.leads.getLead(seen.id)) as Lead;

    await cancelObsoleteDeadline(world.distributeDeps, waiting, { ...waiting, emailStatus: 'Opened' });
    expect(world.deadlines.cancelled).toEqual([]);
    await cancelObsoleteDeadline(world.distributeDeps, waiting, {
      ...waiting,
      distributionStatus: 'Accepted',
    });
    expect(world.deadlines.cancelled).toEqual([deadlineScheduleName(seen.id, 1)]);
    expect(world.deadlines.schedules.size).toBe(0);
  });
});
