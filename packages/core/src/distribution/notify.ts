import type { SesEvent } from '../events';
import {
  addOpenMinutes,
  type BusinessHours,
  BusinessHoursUnreachable,
  subtractOpenMinutes,
} from '../hours/business-hours';
import type { HistoryEntry, Lead } from '../leads/lead';
import {
  EMAIL_EVENTS,
  type EmailEvent,
  emailFailureFrom,
  failedRecipients,
  nextEmailStatus,
} from './email-status';
import { type Refusal, refusal, type Transition } from './transitions';

/**
 * What `distribute` owes a lead, and the bookkeeping of the emails it sends
 * as pure functions of the lead the stream shows.
 *
 * - `decide`: a Pending (or Rerouted) lead with a partner gets the Accept/Reject
 *   email, to the partner's default lead owner number `emailAttempt` (0 first; a
 *   bounce moves on to the next owner), and a reroute deadline.
 * - `info`: a lead its partner auto-accepted gets the informational email; no
 *   deadline, and the email status stays NotSent (there is nothing to act on).
 *
 * `lead.notified` records the email sent for an assignment version and owner:
 * once it matches, the lead is owed nothing, so a stream record seen twice (or
 * the marker's own change coming back on the stream) sends nothing.
 */

export type NotificationKind = 'decide' | 'info';

export interface NotificationDue {
  kind: NotificationKind;
  assignmentVersion: number;
  /** Index into the partner's default lead owners. */
  attempt: number;
}

/** Message tags every notification carries, so SES events find their lead and assignment. */
export const NOTIFICATION_TAGS = {
  leadId: 'leadId',
  assignmentVersion: 'assignmentVersion',
  attempt: 'attempt',
  /** `decide` or `info` (NotificationKind). */
  kind: 'kind',
};

function autoAcceptedNow(lead: Lead): boolean {
  // The informational email already went out for this assignment (the lead only keeps its latest entries).
  const sent = lead.notified;
  if (sent?.assignmentVersion === lead.assignmentVersion && sent.kind === 'info') return true;
  for (let i = lead.history.length - 1; i >= 0; i--) {
    const entry = lead.history[i];
    if (entry?.type !== 'accepted') continue;
    return entry.detail.reason === 'auto-accept' && entry.detail.partnerId === lead.partnerId;
  }
  return false;
}

/** The email the lead is owed now, or undefined. */
export function notificationDue(lead: Lead): NotificationDue | undefined {
  if (!lead.partnerId) return undefined;
  const status = lead.distributionStatus;
  const attempt = lead.emailAttempt ?? 0;
  const sent = lead.notified;
  if (sent && sent.assignmentVersion === lead.assignmentVersion && sent.attempt >= attempt) return undefined;
  if (status === 'Pending' || status === 'Rerouted') {
    return { kind: 'decide', assignmentVersion: lead.assignmentVersion, attempt };
  }
  if (status === 'Accepted' && autoAcceptedNow(lead)) {
    return { kind: 'info', assignmentVersion: lead.assignmentVersion, attempt };
  }
  return undefined;
}

/** What a partner's time to act counts from: the moment it got the lead (the one place that says so). */
export function deadlineStart(lead: Pick<Lead, 'assignedAt' | 'distributionStatusChangedAt'>): Date {
  return new Date(lead.assignedAt ?? lead.distributionStatusChangedAt);
}

/**
 * When a Pending lead goes to the next partner: the supplier's minutes after
 * {@link deadlineStart}, counted in open minutes when business hours apply (the
 * partner's over the supplier's), else wall-clock minutes. Hours so sparse that
 * no deadline is found within years count wall-clock minutes instead, rather
 * than leave the lead without a deadline. Once set on the lead (`deadlineAt`,
 * when the email goes out) the deadline stays: settings changed later move no
 * deadline already set.
 */
export function deadlineFor(lead: Lead, rerouteAfterMinutes: number, hours?: BusinessHours): Date {
  if (lead.deadlineAt) return new Date(lead.deadlineAt);
  const from = deadlineStart(lead);
  if (hours) {
    try {
      return addOpenMinutes(from, rerouteAfterMinutes, hours);
    } catch (error) {
      if (!(error instanceof BusinessHoursUnreachable)) throw error;
    }
  }
  return new Date(from.getTime() + rerouteAfterMinutes * 60_000);
}

/**
 * When the one reminder goes out: `remindBeforeMinutes` before the deadline (open
 * minutes with business hours), or undefined when that is not after `now`
 * (a reminder in the past is no reminder) or reminders are off.
 */
export function reminderFor(
  deadline: Date,
  remindBeforeMinutes: number | undefined,
  now: Date,
  hours?: BusinessHours,
): Date | undefined {
  if (!remindBeforeMinutes) return undefined;
  let at: Date | undefined;
  if (hours) {
    try {
      at = subtractOpenMinutes(deadline, remindBeforeMinutes, hours);
    } catch (error) {
      if (!(error instanceof BusinessHoursUnreachable)) throw error;
    }
  }
  at ??= new Date(deadline.getTime() - remindBeforeMinutes * 60_000);
  return at.getTime() > now.getTime() ? at : undefined;
}

/** The reroute schedule of one assignment: deterministic, so creating it twice is a no-op. */
export function deadlineScheduleName(leadId: string, assignmentVersion: number): string {
  return `reroute-${leadId}-v${assignmentVersion}`;
}

/** The reminder schedule of one assignment: deterministic, like the reroute's. */
export function reminderScheduleName(leadId: string, assignmentVersion: number): string {
  return `remind-${leadId}-v${assignmentVersion}`;
}

/**
 * The reroute schedule a stream change makes pointless (the partner acted, the
 * lead moved): the old image's deadline when the new image is another
 * assignment or no longer Pending. Deleting it is a courtesy; the reroute's
 * version check is the guarantee.
 */
export function deadlineToCancel(old: Lead | undefined, next: Lead | undefined): string | undefined {
  if (!old?.deadlineAt) return undefined;
  if (old.distributionStatus !== 'Pending' && old.distributionStatus !== 'Rerouted') return undefined;
  const stillWaiting =
    next !== undefined &&
    next.assignmentVersion === old.assignmentVersion &&
    (next.distributionStatus === 'Pending' || next.distributionStatus === 'Rerouted');
  return stillWaiting ? undefined : deadlineScheduleName(old.id, old.assignmentVersion);
}

/** The reminder schedule the same change makes pointless: with the deadline's, when the old image had one due. */
export function reminderToCancel(old: Lead | undefined, next: Lead | undefined): string | undefined {
  if (!old?.remindAt || !deadlineToCancel(old, next)) return undefined;
  return reminderScheduleName(old.id, old.assignmentVersion);
}

export interface SentNotification {
  due: NotificationDue;
  /** The lead owner's address, or undefined when the partner has none to try. */
  to: string | undefined;
  messageId?: string | undefined;
  /** Why nothing was sent (`no lead owners`). */
  failure?: string | undefined;
  deadline?: Date | undefined;
  /** When the reminder is scheduled, if one is. */
  remindAt?: Date | undefined;
  /** Whether the deadline counts open minutes of business hours (their time zone) or wall-clock time. */
  timeZone?: string | undefined;
  now: Date;
}

/**
 * Records the email sent for an assignment: the marker, the deadline (decide),
 * a history entry, and for a partner with nobody to send to, `emailStatus:
 * Failed` with the reason. Refused as `stale` once the lead has moved on (the
 * email went out for an assignment that no longer exists); the same lead back
 * when it is recorded already.
 */
export function recordNotification(lead: Lead, sent: SentNotification): Transition | Refusal<'stale'> {
  const { due } = sent;
  if (lead.assignmentVersion !== due.assignmentVersion || (lead.emailAttempt ?? 0) !== due.attempt) {
    return refusal('stale', lead, 'The lead has moved on since this email was sent');
  }
  const marker = lead.notified;
  if (marker && marker.assignmentVersion === due.assignmentVersion && marker.attempt >= due.attempt) {
    return { next: lead, loads: [] };
  }
  const at = sent.now.toISOString();
  const entry: HistoryEntry = {
    at,
    type: sent.failure ? 'email.NotSent' : due.kind === 'info' ? 'email.informational' : 'email.queued',
    actor: 'system',
    detail: {
      assignmentVersion: due.assignmentVersion,
      ...(sent.to ? { to: sent.to } : {}),
      ...(sent.messageId ? { messageId: sent.messageId } : {}),
      ...(sent.failure ? { reason: sent.failure } : {}),
      ...(sent.deadline ? { deadlineAt: sent.deadline.toISOString() } : {}),
      ...(sent.deadline && sent.timeZone ? { businessHours: sent.timeZone } : {}),
      ...(sent.remindAt ? { remindAt: sent.remindAt.toISOString() } : {}),
      ...(due.attempt > 0 ? { attempt: due.attempt } : {}),
    },
  };
  const next: Lead = {
    ...lead,
    notified: {
      assignmentVersion: due.assignmentVersion,
      attempt: due.attempt,
      kind: due.kind,
      ...(sent.to ? { to: sent.to } : {}),
      ...(sent.messageId ? { messageId: sent.messageId } : {}),
      at,
    },
    ...(sent.deadline && due.kind === 'decide' ? { deadlineAt: sent.deadline.toISOString() } : {}),
    ...(sent.remindAt && due.kind === 'decide' ? { remindAt: sent.remindAt.toISOString() } : {}),
    ...(sent.failure && due.kind === 'decide'
      ? { emailStatus: 'Failed' as const, emailFailure: { type: 'NotSent', reason: sent.failure } }
      : {}),
    history: [...lead.history, entry],
    updatedAt: at,
    version: lead.version + 1,
  };
  return { next, loads: [] };
}

function isEmailEvent(type: string): type is EmailEvent {
  return (EMAIL_EVENTS as readonly string[]).includes(type);
}

/** The identity of an SES event for dedupe: its message, type and time (SES delivers at least once). */
function eventId(event: SesEvent): string {
  const detail = event.detail as { mail?: { timestamp?: string }; [k: string]: unknown };
  const part = event.detail[event.eventType.charAt(0).toLowerCase() + event.eventType.slice(1)] as
    | { timestamp?: string }
    | undefined;
  return `${event.messageId}/${event.eventType}/${part?.timestamp ?? detail.mail?.timestamp ?? ''}`;
}

export interface EmailEventInput {
  event: SesEvent;
  /** The partner's default lead owners now (for the retry to the next one after a bounce). */
  leadOwners: readonly string[];
  now: Date;
}

/**
 * An SES event on a lead's notification. Events of another assignment or an
 * earlier owner's message are refused (`stale`); an event seen before gives the
 * lead back unchanged. Otherwise it is added to the history and moves the email
 * status forward only (see email-status.ts). A Bounce or Complaint of the
 * current owner, when the partner has another owner after it, moves the email
 * to that owner: `emailAttempt + 1`, status back to NotSent, and `distribute`
 * sends again (recorded as `email.retry`).
 */
export function emailEventTransition(lead: Lead, input: EmailEventInput): Transition | Refusal<'stale'> {
  const { event } = input;
  const version = Number(event.tags[NOTIFICATION_TAGS.assignmentVersion]);
  const attempt = Number(event.tags[NOTIFICATION_TAGS.attempt] ?? 0);
  if (version !== lead.assignmentVersion || attempt !== (lead.emailAttempt ?? 0)) {
    return refusal('stale', lead, 'The event is for an earlier email of this lead');
  }
  const id = eventId(event);
  // The latest entries catch the common redelivery without a write; the store's record of the event is exact.
  if (lead.history.some((h) => h.type === `email.${event.eventType}` && h.detail.eventId === id)) {
    return { next: lead, loads: [] };
  }
  const at = input.now.toISOString();
  const type = event.eventType;
  const reads = countRead(lead, version, type);
  if (reads.repeat) {
    // Another Open or Click of the same email: counted, not another history entry. A repeat never moves the status.
    return {
      next: { ...lead, emailReads: reads.counts, updatedAt: at, version: lead.version + 1 },
      loads: [],
      event: id,
    };
  }
  const failure = emailFailureFrom(event.detail);
  const history: HistoryEntry[] = [
    ...lead.history,
    {
      at,
      type: `email.${event.eventType}`,
      actor: 'ses',
      detail: {
        eventId: id,
        messageId: event.messageId,
        assignmentVersion: version,
        ...(failure ? { failure: failure.type, reason: failure.reason } : {}),
      },
    },
  ];
  const status = isEmailEvent(type) ? nextEmailStatus(lead.emailStatus, type) : undefined;
  const base: Lead = {
    ...lead,
    ...(reads.counts ? { emailReads: reads.counts } : {}),
    history,
    updatedAt: at,
    version: lead.version + 1,
  };

  const failedOwners = failedRecipients(event.detail);
  const owner = input.leadOwners[attempt]?.toLowerCase();
  const nextOwner = input.leadOwners[attempt + 1];
  const ownerFailed = (type === 'Bounce' || type === 'Complaint') && owner && failedOwners.includes(owner);
  // The informational email (auto-accept) has nothing to act on: its events are history only.
  const informational = event.tags[NOTIFICATION_TAGS.kind] === 'info';
  // Retry only while the email still matters: the lead waits for the partner (or, informational, was auto-accepted).
  const stillOwed = informational
    ? lead.distributionStatus === 'Accepted'
    : lead.distributionStatus === 'Pending' || lead.distributionStatus === 'Rerouted';
  const read = lead.emailStatus === 'Opened' || lead.emailStatus === 'Clicked';
  if (ownerFailed && nextOwner && stillOwed && !read) {
    const { emailFailure: _f, ...rest } = base;
    return {
      next: {
        ...rest,
        emailStatus: informational ? lead.emailStatus : 'NotSent',
        emailAttempt: attempt + 1,
        history: [
          ...history,
          {
            at,
            type: 'email.retry',
            actor: 'system',
            detail: { failed: owner, to: nextOwner, attempt: attempt + 1 },
          },
        ],
      },
      loads: [],
      event: id,
    };
  }
  if (!status || informational) return { next: base, loads: [], event: id };
  // Read after a failure (one mailbox bounced, another read it): the failure is history, not the state.
  const { emailFailure: _old, ...current } = base;
  return {
    next: {
      ...(status === 'Failed' ? base : current),
      emailStatus: status,
      ...(status === 'Failed' && failure ? { emailFailure: failure } : {}),
    },
    loads: [],
    event: id,
  };
}

/**
 * The read counts after an Open or Click of the email of assignment `version`:
 * `repeat` when one of that type was recorded already (the first of each type is a
 * history entry). Other events leave the counts as they are (`counts` undefined).
 */
function countRead(
  lead: Lead,
  version: number,
  type: SesEvent['eventType'],
): { repeat: boolean; counts?: NonNullable<Lead['emailReads']> } {
  if (type !== 'Open' && type !== 'Click') return { repeat: false };
  const seen =
    lead.emailReads?.assignmentVersion === version
      ? lead.emailReads
      : { assignmentVersion: version, opens: 0, clicks: 0 };
  const field = type === 'Open' ? 'opens' : 'clicks';
  return { repeat: seen[field] > 0, counts: { ...seen, [field]: seen[field] + 1 } };
}
