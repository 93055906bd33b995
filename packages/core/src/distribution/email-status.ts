import type { EmailStatus } from '../leads/lead';

/**
 * The email status of a lead's notification, moved by the SES
 * configuration-set events of its message.
 *
 * The order is NotSent < Sent < Failed < Opened < Clicked, and an event only
 * ever moves the status up:
 * - Send, Delivery and DeliveryDelay mean SES took the message: NotSent → Sent.
 * - Open and Click move to Opened / Clicked from anything lower, so events that
 *   arrive out of order (a Click before its Send) go straight to Clicked, and a
 *   late Open never lowers Clicked.
 * - Bounce, Complaint, Reject and RenderingFailure mean Failed, the "Notification
 *   Failure" the supplier must see, but only while nobody has been seen reading
 *   the email (NotSent, Sent). Once it was opened or clicked the partner did get
 *   the lead, and calling that a failure would mislead the supplier: a complaint
 *   after a click (or one owner's bounce when another owner opened it) leaves
 *   Opened / Clicked as they are; the event is still in the lead's history.
 * - For the same reason an Open or Click after Failed (an asynchronous bounce from
 *   one mailbox, then a read) moves on to Opened / Clicked: the email was read.
 * - An event that would not raise the status, including every event delivered
 *   twice, changes nothing (`undefined`).
 *
 * The machine follows one message. Sending again to another lead owner after a
 * bounce is a new message: the caller records its Sent directly, and ignores
 * events whose message id is no longer the lead's.
 */

/** The SES configuration-set event types that move the email status. */
export const EMAIL_EVENTS = [
  'Send',
  'Delivery',
  'Open',
  'Click',
  'Bounce',
  'Complaint',
  'Reject',
  'DeliveryDelay',
  'RenderingFailure',
] as const;
export type EmailEvent = (typeof EMAIL_EVENTS)[number];

/** Events that mean the notification did not reach the partner. */
export const EMAIL_FAILURE_EVENTS: ReadonlySet<EmailEvent> = new Set([
  'Bounce',
  'Complaint',
  'Reject',
  'RenderingFailure',
]);

const RANK: Record<EmailStatus, number> = { NotSent: 0, Sent: 1, Failed: 2, Opened: 3, Clicked: 4 };

const TARGET: Record<EmailEvent, EmailStatus> = {
  Send: 'Sent',
  Delivery: 'Sent',
  DeliveryDelay: 'Sent',
  Open: 'Opened',
  Click: 'Clicked',
  Bounce: 'Failed',
  Complaint: 'Failed',
  Reject: 'Failed',
  RenderingFailure: 'Failed',
};

/**
 * The email status after an SES event, or `undefined` when the event changes
 * nothing (see the module comment for the order). `Subscription` events (and
 * any type SES adds later, should one get through) change nothing.
 */
export function nextEmailStatus(
  current: EmailStatus,
  event: EmailEvent | 'Subscription',
): EmailStatus | undefined {
  const target = Object.hasOwn(TARGET, event) ? TARGET[event as EmailEvent] : undefined;
  if (!target) return undefined;
  return RANK[target] > RANK[current] ? target : undefined;
}

/** Why a notification failed, as the lead's `emailFailure` keeps it. */
export interface EmailFailure {
  /** `Bounce/<bounceType>/<bounceSubType>`, `Complaint[/<feedback type>]`, `Reject` or `RenderingFailure`. */
  type: string;
  /** One sentence for the supplier: the recipient and the diagnostic, the complaint, or the reject reason. */
  reason: string;
}

const MAX_REASON_LENGTH = 1000;

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function recipients(value: unknown): Record<string, unknown>[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((r: unknown) => {
    const entry = record(r);
    return entry ? [entry] : [];
  });
}

function clip(reason: string): string {
  return reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH - 1)}…` : reason;
}

/**
 * The failure an SES event detail reports (the EventBridge `detail`, i.e. the
 * configuration-set event JSON): `bounce` (bounceType, bounceSubType and the
 * recipients' diagnosticCode), `complaint` (complaintFeedbackType), `reject`
 * (reason) or `failure` (a RenderingFailure's errorMessage). Missing parts get
 * plain words instead. `undefined` for an event that is no failure.
 */
export function emailFailureFrom(detail: unknown): EmailFailure | undefined {
  const event = record(detail);
  if (!event) return undefined;

  const bounce = record(event.bounce);
  if (bounce) {
    const bounceType = text(bounce.bounceType) ?? 'Undetermined';
    const subType = text(bounce.bounceSubType) ?? 'Undetermined';
    const described = recipients(bounce.bouncedRecipients).map((r) => {
      const address = text(r.emailAddress);
      const diagnostic = text(r.diagnosticCode) ?? text(r.status);
      return [address, diagnostic].filter(Boolean).join(': ');
    });
    const said = described.filter(Boolean).join('; ');
    return {
      type: `Bounce/${bounceType}/${subType}`,
      reason: clip(`${bounceType} bounce (${subType})${said ? `: ${said}` : ''}`),
    };
  }

  const complaint = record(event.complaint);
  if (complaint) {
    const feedback = text(complaint.complaintFeedbackType);
    const who = recipients(complaint.complainedRecipients)
      .flatMap((r) => text(r.emailAddress) ?? [])
      .join(', ');
    return {
      type: feedback ? `Complaint/${feedback}` : 'Complaint',
      reason: clip(`${who || 'A recipient'} marked the email as unwanted${feedback ? ` (${feedback})` : ''}`),
    };
  }

  const reject = record(event.reject);
  if (reject) {
    return {
      type: 'Reject',
      reason: clip(`SES refused to send: ${text(reject.reason) ?? 'no reason given'}`),
    };
  }

  const failure = record(event.failure);
  if (failure || event.eventType === 'RenderingFailure') {
    return {
      type: 'RenderingFailure',
      reason: clip(`The email could not be rendered: ${text(failure?.errorMessage) ?? 'no reason given'}`),
    };
  }
  return undefined;
}

/** The addresses a Bounce or Complaint names, lower-cased (to retry with another lead owner). */
export function failedRecipients(detail: unknown): string[] {
  const event = record(detail);
  const list = [
    ...recipients(record(event?.bounce)?.bouncedRecipients),
    ...recipients(record(event?.complaint)?.complainedRecipients),
  ];
  return [...new Set(list.flatMap((r) => text(r.emailAddress)?.toLowerCase() ?? []))];
}
