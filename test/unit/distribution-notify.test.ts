import {
  accept,
  assignTransition,
  autoAccepted,
  deadlineFor,
  deadlineScheduleName,
  deadlineToCancel,
  emailEventTransition,
  Lead,
  leadIdFor,
  NOTIFICATION_TAGS,
  type NotificationDue,
  newId,
  notificationDue,
  parseSesEvent,
  recordNotification,
  type SentNotification,
  type SesEvent,
} from '@leadrelay/core';
import { describe, expect, it } from 'vitest';
import { CREATED, ok, testLead } from '../support/leads';

const ASSIGNED = '2030-01-02T08:30:00.000Z';
const now = new Date('2030-01-03T10:00:00.000Z');
const NOW = now.toISOString();
const OWNERS = ['owner@north.example', 'second@north.example'] as const;

/** A Pending lead with Alpha (P-A), assignment version 1, no email sent yet; override what a test is about. */
function lead(overrides: Partial<Lead> = {}): Lead {
  return testLead({ emailStatus: 'NotSent', assignedAt: ASSIGNED, ...overrides });
}

/** The marker `recordNotification` leaves for an email. */
function marker(assignmentVersion: number, attempt: number, kind: 'decide' | 'info' = 'decide') {
  return { assignmentVersion, attempt, kind, to: OWNERS[attempt], messageId: `msg-${attempt}`, at: CREATED };
}

/** A lead an auto-accepting partner got: the same path intake and reassignment use. */
function autoAcceptedLead(partnerId = 'P-A'): Lead {
  const unassigned = lead({
    partnerId: null,
    partnerName: null,
    distributionStatus: 'Unassigned',
    assignmentVersion: 2,
    assignedAt: undefined,
  });
  return assignTransition(
    unassigned,
    { id: partnerId, name: 'Alpha', autoAccept: true },
    { type: 'assigned', actor: 'supplier', detail: { partnerId } },
    ASSIGNED,
  ).next;
}

function sent(due: NotificationDue, over: Partial<SentNotification> = {}): SentNotification {
  return { due, to: OWNERS[due.attempt], messageId: `msg-${due.attempt}`, now, ...over };
}

interface EventOptions {
  assignmentVersion?: number | undefined;
  attempt?: number | undefined;
  /** The `kind` tag (`decide`, `info`); left out when undefined. */
  kind?: 'decide' | 'info' | undefined;
  /** The event-type part of the SES JSON (`click`, `bounce`, ...). */
  part?: Record<string, unknown>;
}

/**
 * An SES configuration-set event as EventBridge delivers it (the `detail`),
 * through `parseSesEvent` so the event has exactly the shape the handler gets.
 */
function ses(eventType: SesEvent['eventType'], options: EventOptions = {}): SesEvent {
  const tags: Record<string, string[]> = { [NOTIFICATION_TAGS.leadId]: ['L-1'] };
  const version = 'assignmentVersion' in options ? options.assignmentVersion : 1;
  const attempt = 'attempt' in options ? options.attempt : 0;
  if (version !== undefined) tags[NOTIFICATION_TAGS.assignmentVersion] = [String(version)];
  if (attempt !== undefined) tags[NOTIFICATION_TAGS.attempt] = [String(attempt)];
  if (options.kind) tags[NOTIFICATION_TAGS.kind] = [options.kind];
  const partKey = eventType.charAt(0).toLowerCase() + eventType.slice(1);
  return parseSesEvent({
    eventType,
    mail: {
      timestamp: '2030-01-03T09:00:00.000Z',
      source: 'leads@supplier.example',
      messageId: 'msg-0',
      destination: [OWNERS[attempt ?? 0]],
      tags,
    },
    ...(options.part ? { [partKey]: options.part } : {}),
  });
}

function bounce(recipient: string, options: EventOptions = {}): SesEvent {
  return ses('Bounce', {
    ...options,
    part: {
      bounceType: 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: [
        {
          emailAddress: recipient,
          action: 'failed',
          status: '5.1.1',
          diagnosticCode: 'smtp; 550 5.1.1 user unknown',
        },
      ],
      timestamp: '2030-01-03T09:00:05.000Z',
      feedbackId: 'fb-1',
    },
  });
}

function complaint(recipient: string, options: EventOptions = {}): SesEvent {
  return ses('Complaint', {
    ...options,
    part: {
      complainedRecipients: [{ emailAddress: recipient }],
      complaintFeedbackType: 'abuse',
      timestamp: '2030-01-03T09:30:00.000Z',
      feedbackId: 'fb-2',
    },
  });
}

const click = (timestamp = '2030-01-03T09:10:00.000Z', options: EventOptions = {}) =>
  ses('Click', { ...options, part: { timestamp, link: 'https://api.example/l/x', ipAddress: '192.0.2.1' } });
const open = (timestamp = '2030-01-03T09:20:00.000Z', options: EventOptions = {}) =>
  ses('Open', { ...options, part: { timestamp, ipAddress: '192.0.2.1', userAgent: 'Mail' } });

function event(ev: SesEvent, leadOwners: readonly string[] = OWNERS) {
  return { event: ev, leadOwners, now };
}

describe('the builders', () => {
  it('build leads the Lead schema accepts', () => {
    expect(() => Lead.parse(lead())).not.toThrow();
    expect(() => Lead.parse(lead({ notified: marker(1, 0) }))).not.toThrow();
    expect(() => Lead.parse(autoAcceptedLead())).not.toThrow();
  });

  it('build SES events with one value per tag and the JSON as detail', () => {
    const ev = click();
    expect(ev).toMatchObject({
      eventType: 'Click',
      messageId: 'msg-0',
      tags: { leadId: 'L-1', assignmentVersion: '1', attempt: '0' },
    });
    expect(ev.detail).toMatchObject({ click: { timestamp: '2030-01-03T09:10:00.000Z' } });
  });
});

describe('notificationDue', () => {
  it('owes a Pending lead with a partner the decide email for its assignment, to the first owner', () => {
    expect(notificationDue(lead())).toEqual({ kind: 'decide', assignmentVersion: 1, attempt: 0 });
  });

  it('owes a Rerouted lead the decide email for its new assignment version', () => {
    const rerouted = lead({
      distributionStatus: 'Rerouted',
      assignmentVersion: 3,
      notified: marker(2, 0),
    });
    expect(notificationDue(rerouted)).toEqual({ kind: 'decide', assignmentVersion: 3, attempt: 0 });
  });

  it('uses emailAttempt as the owner index', () => {
    expect(notificationDue(lead({ emailAttempt: 2, assignmentVersion: 5 }))).toEqual({
      kind: 'decide',
      assignmentVersion: 5,
      attempt: 2,
    });
  });

  it('owes nothing to a lead without a partner, whatever its status', () => {
    expect(notificationDue(lead({ partnerId: null, partnerName: null }))).toBeUndefined();
    expect(
      notificationDue(lead({ partnerId: null, partnerName: null, distributionStatus: 'Unassigned' })),
    ).toBeUndefined();
  });

  it('owes nothing once the marker names the same assignment version and attempt', () => {
    expect(notificationDue(lead({ notified: marker(1, 0) }))).toBeUndefined();
    expect(notificationDue(lead({ emailAttempt: 1, notified: marker(1, 1) }))).toBeUndefined();
  });

  it('owes the email again when the marker is of an older assignment version', () => {
    const reassigned = lead({ assignmentVersion: 2, notified: marker(1, 0) });
    expect(notificationDue(reassigned)).toEqual({ kind: 'decide', assignmentVersion: 2, attempt: 0 });
  });

  it('owes the email to the next owner once emailAttempt passed the marker (after a bounce)', () => {
    const retry = lead({ emailAttempt: 1, notified: marker(1, 0) });
    expect(notificationDue(retry)).toEqual({ kind: 'decide', assignmentVersion: 1, attempt: 1 });
  });

  it('owes an auto-accepted lead the informational email', () => {
    const auto = autoAcceptedLead();
    expect(auto.distributionStatus).toBe('Accepted');
    expect(auto.history.at(-1)).toEqual(autoAccepted('P-A', ASSIGNED));
    expect(notificationDue(auto)).toEqual({ kind: 'info', assignmentVersion: 3, attempt: 0 });
  });

  it('owes an auto-accepted lead nothing once its informational email is recorded', () => {
    const auto = autoAcceptedLead();
    expect(notificationDue({ ...auto, notified: marker(3, 0, 'info') })).toBeUndefined();
  });

  it('owes an auto-accepted lead the informational email again for the next owner after a bounce', () => {
    const auto = { ...autoAcceptedLead(), emailAttempt: 1, notified: marker(3, 0, 'info') };
    expect(notificationDue(auto)).toEqual({ kind: 'info', assignmentVersion: 3, attempt: 1 });
  });

  it('owes nothing for a lead its partner accepted itself', () => {
    const accepted = ok(
      accept(lead({ notified: marker(1, 0) }), { partnerId: 'P-A', actor: 'partner:P-A', via: 'email', now }),
    ).next;
    expect(accepted.distributionStatus).toBe('Accepted');
    expect(notificationDue(accepted)).toBeUndefined();
    // Also without any marker: acceptance by the partner never calls for the informational email.
    expect(notificationDue({ ...accepted, notified: undefined })).toBeUndefined();
  });

  it('owes nothing when the last acceptance was by the partner, even after an earlier auto-accept', () => {
    const history = [
      ...lead().history,
      autoAccepted('P-A', CREATED),
      {
        at: ASSIGNED,
        type: 'accepted',
        actor: 'partner:P-A',
        detail: { partnerId: 'P-A', via: 'api', assignmentVersion: 2 },
      },
    ];
    expect(notificationDue(lead({ distributionStatus: 'Accepted', history }))).toBeUndefined();
  });

  it('owes nothing for an Accepted lead whose auto-accept entry names another partner', () => {
    const history = [...lead().history, autoAccepted('P-B', CREATED)];
    expect(notificationDue(lead({ distributionStatus: 'Accepted', history }))).toBeUndefined();
  });

  it('owes nothing for Rejected or Unassigned leads', () => {
    expect(notificationDue(lead({ distributionStatus: 'Rejected', rejectReason: 'no fit' }))).toBeUndefined();
    expect(notificationDue(lead({ distributionStatus: 'Unassigned' }))).toBeUndefined();
  });
});

describe('deadlineFor', () => {
  it('is the assignment time plus the minutes', () => {
    expect(deadlineFor(lead(), 90).toISOString()).toBe('2030-01-02T10:00:00.000Z');
    expect(deadlineFor(lead(), 0).toISOString()).toBe(ASSIGNED);
  });

  it('counts from distributionStatusChangedAt when the lead has no assignedAt', () => {
    const older = lead({ assignedAt: undefined, distributionStatusChangedAt: '2030-01-01T12:00:00.000Z' });
    expect(deadlineFor(older, 60 * 24).toISOString()).toBe('2030-01-02T12:00:00.000Z');
  });

  it('keeps a deadline the lead has already', () => {
    const set = lead({ deadlineAt: '2030-01-05T00:00:00.000Z' });
    expect(deadlineFor(set, 90).toISOString()).toBe('2030-01-05T00:00:00.000Z');
  });
});

describe('deadlineScheduleName', () => {
  const SCHEDULER_NAME = /^[0-9a-zA-Z_.-]{1,64}$/;

  it('is deterministic and differs per lead and per assignment version', () => {
    expect(deadlineScheduleName('L-1', 2)).toBe(deadlineScheduleName('L-1', 2));
    expect(deadlineScheduleName('L-1', 2)).not.toBe(deadlineScheduleName('L-1', 3));
    expect(deadlineScheduleName('L-1', 2)).not.toBe(deadlineScheduleName('L-2', 2));
  });

  it('fits EventBridge Scheduler names for real lead ids, even at huge assignment versions', () => {
    const ids = [leadIdFor('S-1', 'buyer@acme.example'), newId(), 'L-1'];
    for (const id of ids) {
      for (const version of [1, 42, Number.MAX_SAFE_INTEGER]) {
        const name = deadlineScheduleName(id, version);
        expect(name).toMatch(SCHEDULER_NAME);
        expect(name).toContain(id);
        expect(name.length).toBeLessThanOrEqual(64);
      }
    }
  });
});

describe('deadlineToCancel', () => {
  const waiting = lead({ deadlineAt: '2030-01-02T10:00:00.000Z', notified: marker(1, 0) });
  const name = deadlineScheduleName('L-1', 1);

  it('names the old schedule when the partner accepted or rejected', () => {
    expect(deadlineToCancel(waiting, { ...waiting, distributionStatus: 'Accepted' })).toBe(name);
    expect(deadlineToCancel(waiting, { ...waiting, distributionStatus: 'Rejected' })).toBe(name);
  });

  it('names the old schedule when the lead moved to another assignment version', () => {
    const rerouted = { ...waiting, distributionStatus: 'Rerouted' as const, assignmentVersion: 2 };
    expect(deadlineToCancel(waiting, rerouted)).toBe(name);
    expect(deadlineToCancel(waiting, { ...waiting, assignmentVersion: 2 })).toBe(name);
  });

  it('names the schedule of a Rerouted lead that was then decided', () => {
    const rerouted = { ...waiting, distributionStatus: 'Rerouted' as const, assignmentVersion: 4 };
    expect(deadlineToCancel(rerouted, { ...rerouted, distributionStatus: 'Accepted' })).toBe(
      deadlineScheduleName('L-1', 4),
    );
  });

  it('names the old schedule when the lead was deleted', () => {
    expect(deadlineToCancel(waiting, undefined)).toBe(name);
  });

  it('keeps the schedule while the lead still waits on the same assignment', () => {
    expect(deadlineToCancel(waiting, { ...waiting, emailStatus: 'Opened', version: 9 })).toBeUndefined();
    expect(deadlineToCancel(waiting, { ...waiting, distributionStatus: 'Rerouted' })).toBeUndefined();
  });

  it('has nothing to cancel when the old image had no deadline, or was not waiting', () => {
    const noDeadline = lead();
    expect(deadlineToCancel(noDeadline, { ...noDeadline, distributionStatus: 'Accepted' })).toBeUndefined();
    expect(deadlineToCancel(undefined, waiting)).toBeUndefined();
    const accepted = { ...waiting, distributionStatus: 'Accepted' as const };
    expect(deadlineToCancel(accepted, { ...accepted, pipelineStatus: 'Contacted' })).toBeUndefined();
  });
});

describe('recordNotification', () => {
  const decide: NotificationDue = { kind: 'decide', assignmentVersion: 1, attempt: 0 };
  const deadline = new Date('2030-01-02T10:00:00.000Z');

  it('records a decide email: marker, deadline, one email.queued entry, a new version', () => {
    const before = lead();
    const snapshot = structuredClone(before);
    const { next, loads } = ok(recordNotification(before, sent(decide, { deadline })));
    expect(next.notified).toEqual({
      assignmentVersion: 1,
      attempt: 0,
      kind: 'decide',
      to: OWNERS[0],
      messageId: 'msg-0',
      at: NOW,
    });
    expect(next.deadlineAt).toBe('2030-01-02T10:00:00.000Z');
    expect(next.history).toHaveLength(before.history.length + 1);
    expect(next.history.at(-1)).toEqual({
      at: NOW,
      type: 'email.queued',
      actor: 'system',
      detail: {
        assignmentVersion: 1,
        to: OWNERS[0],
        messageId: 'msg-0',
        deadlineAt: '2030-01-02T10:00:00.000Z',
      },
    });
    expect(next.version).toBe(5);
    expect(next.updatedAt).toBe(NOW);
    expect(next.emailStatus).toBe('NotSent');
    expect(next.emailFailure).toBeUndefined();
    expect(loads).toEqual([]);
    expect(before).toEqual(snapshot);
    expect(() => Lead.parse(next)).not.toThrow();
    expect(notificationDue(next)).toBeUndefined();
  });

  it('records the attempt in the history for a later owner', () => {
    const retry = lead({ emailAttempt: 1, notified: marker(1, 0), deadlineAt: deadline.toISOString() });
    const due = { ...decide, attempt: 1 };
    const { next } = ok(recordNotification(retry, sent(due, { deadline })));
    expect(next.notified).toMatchObject({ attempt: 1, to: OWNERS[1], messageId: 'msg-1' });
    expect(next.history.at(-1)).toMatchObject({
      type: 'email.queued',
      detail: { attempt: 1, to: OWNERS[1] },
    });
  });

  it('records the informational email without a deadline and leaves the email status alone', () => {
    const auto = autoAcceptedLead();
    const info: NotificationDue = { kind: 'info', assignmentVersion: 3, attempt: 0 };
    const { next } = ok(recordNotification(auto, sent(info, { deadline })));
    expect(next.notified).toMatchObject({ kind: 'info', assignmentVersion: 3, attempt: 0 });
    expect(next.deadlineAt).toBeUndefined();
    expect(next.emailStatus).toBe('NotSent');
    expect(next.history).toHaveLength(auto.history.length + 1);
    expect(next.history.at(-1)).toMatchObject({
      type: 'email.informational',
      actor: 'system',
      detail: { assignmentVersion: 3, to: OWNERS[0], messageId: 'msg-0' },
    });
    expect(next.version).toBe(auto.version + 1);
    expect(notificationDue(next)).toBeUndefined();
  });

  it('records a partner with nobody to email: email.NotSent, Failed with the reason, the deadline still set', () => {
    const before = lead();
    const { next } = ok(
      recordNotification(before, {
        due: decide,
        to: undefined,
        failure: 'no lead owners',
        deadline,
        now,
      }),
    );
    expect(next.emailStatus).toBe('Failed');
    expect(next.emailFailure).toEqual({ type: 'NotSent', reason: 'no lead owners' });
    expect(next.deadlineAt).toBe(deadline.toISOString());
    expect(next.notified).toEqual({ assignmentVersion: 1, attempt: 0, kind: 'decide', at: NOW });
    expect(next.history).toHaveLength(before.history.length + 1);
    expect(next.history.at(-1)).toEqual({
      at: NOW,
      type: 'email.NotSent',
      actor: 'system',
      detail: { assignmentVersion: 1, reason: 'no lead owners', deadlineAt: deadline.toISOString() },
    });
    expect(next.version).toBe(5);
    expect(() => Lead.parse(next)).not.toThrow();
    expect(notificationDue(next)).toBeUndefined();
  });

  it('records an informational email nobody could get without failing the (nothing to act on) status', () => {
    const auto = autoAcceptedLead();
    const info: NotificationDue = { kind: 'info', assignmentVersion: 3, attempt: 0 };
    const { next } = ok(
      recordNotification(auto, { due: info, to: undefined, failure: 'no lead owners', now }),
    );
    expect(next.emailStatus).toBe('NotSent');
    expect(next.emailFailure).toBeUndefined();
    expect(next.deadlineAt).toBeUndefined();
    expect(next.notified).toEqual({ assignmentVersion: 3, attempt: 0, kind: 'info', at: NOW });
    expect(next.history.at(-1)).toEqual({
      at: NOW,
      type: 'email.NotSent',
      actor: 'system',
      detail: { assignmentVersion: 3, reason: 'no lead owners' },
    });
  });

  it('gives the same lead back when the email is recorded already', () => {
    const first = ok(recordNotification(lead(), sent(decide, { deadline }))).next;
    const again = ok(recordNotification(first, sent(decide, { deadline, now: new Date(ASSIGNED) })));
    expect(again.next).toBe(first);
    expect(again.loads).toEqual([]);
    const recorded = lead({ emailAttempt: 1, notified: marker(1, 1) });
    expect(ok(recordNotification(recorded, sent({ ...decide, attempt: 1 }))).next).toBe(recorded);
  });

  it('refuses an email of another assignment version as stale', () => {
    const moved = lead({ assignmentVersion: 2, distributionStatus: 'Rerouted' });
    expect(recordNotification(moved, sent(decide, { deadline }))).toMatchObject({
      refused: 'stale',
      current: 'Rerouted',
    });
    expect(recordNotification(lead(), sent({ ...decide, assignmentVersion: 2 }))).toMatchObject({
      refused: 'stale',
    });
  });

  it('refuses an email to another owner than the current attempt as stale', () => {
    expect(recordNotification(lead({ emailAttempt: 1 }), sent(decide))).toMatchObject({ refused: 'stale' });
    expect(recordNotification(lead(), sent({ ...decide, attempt: 1 }))).toMatchObject({ refused: 'stale' });
  });
});

describe('emailEventTransition', () => {
  /** A lead whose decide email to owner 0 is recorded. */
  const notified = () => lead({ notified: marker(1, 0), deadlineAt: '2030-01-02T10:00:00.000Z' });

  it('moves NotSent to Sent on Send, with one email.Send entry', () => {
    const before = notified();
    const snapshot = structuredClone(before);
    const { next, loads } = ok(emailEventTransition(before, event(ses('Send', { part: {} }))));
    expect(next.emailStatus).toBe('Sent');
    expect(next.history).toHaveLength(before.history.length + 1);
    expect(next.history.at(-1)).toMatchObject({
      at: NOW,
      type: 'email.Send',
      actor: 'ses',
      detail: { messageId: 'msg-0', assignmentVersion: 1 },
    });
    expect(next.history.at(-1)?.detail.eventId).toEqual(expect.any(String));
    expect(next.version).toBe(before.version + 1);
    expect(next.updatedAt).toBe(NOW);
    expect(next.emailFailure).toBeUndefined();
    expect(loads).toEqual([]);
    expect(before).toEqual(snapshot);
    expect(() => Lead.parse(next)).not.toThrow();
  });

  it('keeps Clicked when an Open follows a Click, and records both', () => {
    const clicked = ok(emailEventTransition(notified(), event(click()))).next;
    expect(clicked.emailStatus).toBe('Clicked');
    const opened = ok(emailEventTransition(clicked, event(open()))).next;
    expect(opened.emailStatus).toBe('Clicked');
    expect(opened.history.slice(-2).map((h) => h.type)).toEqual(['email.Click', 'email.Open']);
    expect(opened.version).toBe(clicked.version + 1);
  });

  it('gives the same lead back for an event seen before', () => {
    const once = ok(emailEventTransition(notified(), event(click()))).next;
    const twice = ok(emailEventTransition(once, { ...event(click()), now: new Date(ASSIGNED) }));
    expect(twice.next).toBe(once);
    expect(twice.loads).toEqual([]);
  });

  it('gives the same lead back for a Send seen before (no event part timestamp: the mail timestamp)', () => {
    const once = ok(emailEventTransition(notified(), event(ses('Send', { part: {} })))).next;
    expect(ok(emailEventTransition(once, event(ses('Send', { part: {} })))).next).toBe(once);
  });

  it('counts a second, distinct Open of the same email instead of recording it again, naming each event', () => {
    const opened = ok(emailEventTransition(notified(), event(open('2030-01-03T09:20:00.000Z'))));
    const again = ok(emailEventTransition(opened.next, event(open('2030-01-03T09:40:00.000Z'))));
    expect(again.next).not.toBe(opened.next);
    expect(again.next.emailStatus).toBe('Opened');
    expect(again.next.history.filter((h) => h.type === 'email.Open')).toHaveLength(1);
    expect(again.next.emailReads).toEqual({
      assignmentVersion: opened.next.assignmentVersion,
      opens: 2,
      clicks: 0,
    });
    expect(again.next.version).toBe(opened.next.version + 1);
    // Each event names itself, so the store records it once however often SES delivers it.
    expect(opened.event).toEqual(expect.any(String));
    expect(again.event).toEqual(expect.any(String));
    expect(again.event).not.toBe(opened.event);
  });

  it('refuses an event of another assignment version as stale', () => {
    const moved = lead({ assignmentVersion: 2, distributionStatus: 'Rerouted', notified: marker(2, 0) });
    expect(emailEventTransition(moved, event(click()))).toMatchObject({
      refused: 'stale',
      current: 'Rerouted',
    });
    expect(emailEventTransition(notified(), event(click(undefined, { assignmentVersion: 2 })))).toMatchObject(
      { refused: 'stale' },
    );
  });

  it('refuses an event without an assignment version tag as stale', () => {
    expect(
      emailEventTransition(notified(), event(click(undefined, { assignmentVersion: undefined }))),
    ).toMatchObject({ refused: 'stale' });
  });

  it('refuses an event of an earlier owner as stale', () => {
    const retried = lead({ emailAttempt: 1, notified: marker(1, 1) });
    expect(emailEventTransition(retried, event(open(undefined, { attempt: 0 })))).toMatchObject({
      refused: 'stale',
    });
    expect(emailEventTransition(notified(), event(open(undefined, { attempt: 1 })))).toMatchObject({
      refused: 'stale',
    });
  });

  it('reads a missing attempt tag as the first owner', () => {
    const { next } = ok(emailEventTransition(notified(), event(click(undefined, { attempt: undefined }))));
    expect(next.emailStatus).toBe('Clicked');
  });

  it('moves on to the next owner when the current one bounces', () => {
    const sentLead = ok(emailEventTransition(notified(), event(ses('Send', { part: {} })))).next;
    const before = { ...sentLead, emailFailure: { type: 'Reject', reason: 'earlier' } };
    const { next } = ok(emailEventTransition(before, event(bounce(OWNERS[0]))));
    expect(next.emailAttempt).toBe(1);
    expect(next.emailStatus).toBe('NotSent');
    expect(next).not.toHaveProperty('emailFailure');
    expect(next.history).toHaveLength(before.history.length + 2);
    expect(next.history.at(-2)).toMatchObject({
      type: 'email.Bounce',
      actor: 'ses',
      detail: { failure: 'Bounce/Permanent/General', assignmentVersion: 1 },
    });
    expect(next.history.at(-1)).toEqual({
      at: NOW,
      type: 'email.retry',
      actor: 'system',
      detail: { failed: OWNERS[0], to: OWNERS[1], attempt: 1 },
    });
    expect(next.version).toBe(before.version + 1);
    expect(() => Lead.parse(next)).not.toThrow();
    expect(notificationDue(next)).toEqual({ kind: 'decide', assignmentVersion: 1, attempt: 1 });
  });

  it('matches the bounced owner case-insensitively', () => {
    const { next } = ok(emailEventTransition(notified(), event(bounce('Owner@North.Example'))));
    expect(next.emailAttempt).toBe(1);
    expect(next.history.at(-1)).toMatchObject({ type: 'email.retry', detail: { to: OWNERS[1] } });
  });

  it('matches an owner address stored with capitals', () => {
    const owners = ['Owner@North.Example', OWNERS[1]];
    const { next } = ok(emailEventTransition(notified(), event(bounce(OWNERS[0]), owners)));
    expect(next.emailAttempt).toBe(1);
    expect(next.history.at(-1)).toMatchObject({ type: 'email.retry', detail: { to: OWNERS[1] } });
  });

  it('moves on to the next owner on a complaint of the current one', () => {
    const { next } = ok(emailEventTransition(notified(), event(complaint(OWNERS[0]))));
    expect(next.emailAttempt).toBe(1);
    expect(next.emailStatus).toBe('NotSent');
    expect(next.history.at(-1)?.type).toBe('email.retry');
  });

  it('fails the email when the last owner bounces', () => {
    const last = lead({ emailAttempt: 1, notified: marker(1, 1), emailStatus: 'Sent' });
    const { next } = ok(emailEventTransition(last, event(bounce(OWNERS[1], { attempt: 1 }))));
    expect(next.emailStatus).toBe('Failed');
    expect(next.emailAttempt).toBe(1);
    expect(next.emailFailure?.type).toMatch(/^Bounce\/Permanent/);
    expect(next.emailFailure?.reason).toContain(OWNERS[1]);
    expect(next.emailFailure?.reason).toContain('550 5.1.1 user unknown');
    expect(next.history.at(-1)).toMatchObject({
      type: 'email.Bounce',
      detail: { failure: 'Bounce/Permanent/General', reason: next.emailFailure?.reason },
    });
    expect(next.history.some((h) => h.type === 'email.retry')).toBe(false);
    expect(notificationDue(next)).toBeUndefined();
  });

  it('fails the email when the only owner bounces', () => {
    const { next } = ok(emailEventTransition(notified(), event(bounce(OWNERS[0]), [OWNERS[0]])));
    expect(next.emailStatus).toBe('Failed');
    expect(next.emailAttempt).toBeUndefined();
    expect(next.emailFailure?.type).toBe('Bounce/Permanent/General');
  });

  it('fails without a retry when the bounce names someone other than the current owner', () => {
    const { next } = ok(emailEventTransition(notified(), event(bounce('someone@else.example'))));
    expect(next.emailStatus).toBe('Failed');
    expect(next.emailAttempt).toBeUndefined();
    expect(next.history.at(-1)?.type).toBe('email.Bounce');
  });

  it('leaves Opened as it is on a later complaint, and still records it', () => {
    const opened = ok(emailEventTransition(notified(), event(open()))).next;
    expect(opened.emailStatus).toBe('Opened');
    const { next } = ok(emailEventTransition(opened, event(complaint(OWNERS[0]))));
    expect(next.emailStatus).toBe('Opened');
    expect(next.emailAttempt).toBeUndefined();
    expect(next.emailFailure).toBeUndefined();
    expect(next.history.at(-1)).toMatchObject({
      type: 'email.Complaint',
      detail: { failure: 'Complaint/abuse' },
    });
    expect(next.version).toBe(opened.version + 1);
  });

  it('leaves Clicked as it is on a later bounce of the owner, without a retry', () => {
    const clicked = ok(emailEventTransition(notified(), event(click()))).next;
    const { next } = ok(emailEventTransition(clicked, event(bounce(OWNERS[0]))));
    expect(next.emailStatus).toBe('Clicked');
    expect(next.emailAttempt).toBeUndefined();
    expect(next.history.at(-1)?.type).toBe('email.Bounce');
  });

  it('records a Subscription event without moving the status', () => {
    const before = ok(emailEventTransition(notified(), event(ses('Send', { part: {} })))).next;
    const { next } = ok(emailEventTransition(before, event(ses('Subscription', { part: {} }))));
    expect(next.emailStatus).toBe('Sent');
    expect(next.history.at(-1)?.type).toBe('email.Subscription');
    expect(next.version).toBe(before.version + 1);
  });

  it('drops the failure once the email is read after all (another mailbox opened it)', () => {
    const failed = ok(emailEventTransition(notified(), event(bounce(OWNERS[0]), [OWNERS[0]]))).next;
    expect(failed.emailFailure).toBeDefined();
    const { next } = ok(emailEventTransition(failed, event(open(), [OWNERS[0]])));
    expect(next.emailStatus).toBe('Opened');
    expect(next.emailFailure).toBeUndefined();
    expect(next.history.some((h) => h.type === 'email.Bounce')).toBe(true);
  });

  it('keeps an auto-accepted lead at NotSent whatever its informational email does, and retries the next owner', () => {
    const accepted = autoAcceptedLead();
    const v = accepted.assignmentVersion;
    const auto = { ...accepted, notified: marker(v, 0, 'info') };
    const sentInfo = ok(
      emailEventTransition(auto, event(ses('Send', { kind: 'info', assignmentVersion: v, part: {} }))),
    ).next;
    expect(sentInfo.emailStatus).toBe('NotSent');
    expect(sentInfo.history.at(-1)?.type).toBe('email.Send');
    const bounced = ok(
      emailEventTransition(sentInfo, event(bounce(OWNERS[0], { kind: 'info', assignmentVersion: v }))),
    ).next;
    expect(bounced).toMatchObject({ emailStatus: 'NotSent', emailAttempt: 1 });
    expect(bounced.emailFailure).toBeUndefined();
    expect(notificationDue(bounced)).toMatchObject({ kind: 'info', attempt: 1 });
  });

  it('does not retry for a lead the partner decided meanwhile: the bounce is its failure', () => {
    const decided = { ...notified(), distributionStatus: 'Accepted' as const };
    const { next } = ok(emailEventTransition(decided, event(bounce(OWNERS[0]))));
    expect(next.emailStatus).toBe('Failed');
    expect(next.emailAttempt).toBeUndefined();
    expect(next.history.some((h) => h.type === 'email.retry')).toBe(false);
  });
});
