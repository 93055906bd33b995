import type { Clock } from '../clock';
import type { RerouteEvent, SesEvent } from '../events';
import { effectiveHours } from '../hours/business-hours';
import { changeLead } from '../leads/change';
import type { HistoryEntry, Lead } from '../leads/lead';
import type { LeadStore } from '../leads/ports';
import { autoAcceptedLeadEmail } from '../mail/auto-accepted';
import { newLeadEmail } from '../mail/new-lead';
import type { TenantStore } from '../tenants/ports';
import {
  deadlineFor,
  deadlineScheduleName,
  deadlineToCancel,
  emailEventTransition,
  NOTIFICATION_TAGS,
  notificationDue,
  recordNotification,
  reminderFor,
  reminderScheduleName,
  reminderToCancel,
} from './notify';
import { type LinkAction, type LinkKeys, signLinkToken } from './tokens';
import { isRefusal } from './transitions';

/** An email to send; the tags come back on every SES event of the message. */
export interface OutgoingEmail {
  to: readonly string[];
  subject: string;
  html: string;
  text: string;
  tags?: Readonly<Record<string, string>>;
}

/** Sends email. `idempotencyKey` names the email: the same key twice sends once and answers the first message id. */
export interface Mailer {
  send(email: OutgoingEmail, idempotencyKey: string): Promise<{ messageId: string }>;
}

/** One-time reroute deadlines (EventBridge Scheduler). Names are deterministic; creating one twice is a no-op. */
export interface Deadlines {
  schedule(name: string, at: Date, input: RerouteEvent): Promise<'created' | 'exists'>;
  /** Best effort; an unknown name is fine. */
  cancel(name: string): Promise<void>;
}

export interface DistributeDeps {
  leads: Pick<LeadStore, 'getLead' | 'replaceLead' | 'appendEvent'>;
  tenants: Pick<TenantStore, 'getSupplier' | 'getPartner'>;
  mailer: Mailer;
  deadlines: Deadlines;
  /** The signing keys (cached by the adapter; rotation takes effect without a deploy). */
  linkKeys: () => Promise<LinkKeys>;
  /** Base URL of the public API: links are `<publicUrl>/l/<token>`. */
  publicUrl: string;
  clock: Clock;
}

/** How long an email link keeps working after the lead's deadline (a late click explains that the lead moved). */
export const LINK_GRACE_MS = 30 * 86_400_000;
/** A deadline already past when the email goes out (a backlog) fires this soon instead. */
const MIN_DEADLINE_MS = 60_000;

export type DistributeOutcome = 'sent' | 'no-owner' | 'nothing-owed' | 'moved-on';

/** The link for one action on one assignment of a lead. */
export function linkUrl(
  publicUrl: string,
  keys: LinkKeys,
  lead: Pick<Lead, 'id' | 'assignmentVersion'> & { partnerId: string },
  action: LinkAction,
  expiresAt: Date,
): string {
  const token = signLinkToken(
    {
      leadId: lead.id,
      partnerId: lead.partnerId,
      assignmentVersion: lead.assignmentVersion,
      action,
      expiresAt,
    },
    keys,
  );
  return `${publicUrl.replace(/\/+$/, '')}/l/${token}`;
}

/**
 * The side effects of an assignment: the email the lead is
 * owed (Accept/Reject to the partner's current default lead owner, or the
 * informational one for an auto-accepted lead), the reroute deadline, and the
 * marker that makes the next sight of the same record a no-op. Safe to run
 * twice, also at once: the mailer's idempotency key sends each email once, the
 * schedule name is deterministic, and the marker is a conditional write.
 *
 * `seen` is the lead as the stream shows it, which may be behind: the lead is
 * read again (a consistent read) and acted on only while it is still on the
 * same assignment (partner and assignment version). A lead reassigned before
 * the stream caught up is `moved-on`: its details go to nobody who no longer
 * has it, and no schedule is made for the stale version; the newer record does
 * the newer assignment's work. What is sent is built from that fresh read.
 */
export async function distributeLead(deps: DistributeDeps, seen: Lead): Promise<DistributeOutcome> {
  // Most records (email events, the marker's own change) are owed nothing: no read for them.
  if (!notificationDue(seen)) return 'nothing-owed';
  const lead = await deps.leads.getLead(seen.id);
  if (!lead || lead.partnerId !== seen.partnerId || lead.assignmentVersion !== seen.assignmentVersion) {
    return 'moved-on';
  }
  const due = notificationDue(lead);
  if (!due || !lead.partnerId) return 'nothing-owed';
  const [supplier, partner] = await Promise.all([
    deps.tenants.getSupplier(lead.supplierId),
    deps.tenants.getPartner(lead.supplierId, lead.partnerId),
  ]);
  if (!supplier || !partner) throw new Error(`Lead ${lead.id}: its supplier or partner no longer exists`);
  const now = deps.clock.now();
  const to = partner.leadOwners[due.attempt]?.email;
  const hours = effectiveHours(supplier.settings.businessHours, partner.businessHours);
  const timeZone = hours?.timeZone;
  const deadline =
    due.kind === 'decide'
      ? new Date(
          Math.max(
            deadlineFor(lead, supplier.settings.rerouteAfterMinutes, hours).getTime(),
            now.getTime() + MIN_DEADLINE_MS,
          ),
        )
      : undefined;
  const remindAt = deadline
    ? reminderFor(deadline, supplier.settings.remindBeforeMinutes, now, hours)
    : undefined;

  let messageId: string | undefined;
  if (to) {
    const tags = {
      [NOTIFICATION_TAGS.leadId]: lead.id,
      [NOTIFICATION_TAGS.assignmentVersion]: String(due.assignmentVersion),
      [NOTIFICATION_TAGS.attempt]: String(due.attempt),
      [NOTIFICATION_TAGS.kind]: due.kind,
    };
    const base = { supplierName: supplier.name, partnerName: partner.name, lead, now, timeZone };
    let rendered: { subject: string; html: string; text: string };
    if (deadline) {
      const keys = await deps.linkKeys();
      const expiresAt = new Date(deadline.getTime() + LINK_GRACE_MS);
      const assignment = { id: lead.id, assignmentVersion: due.assignmentVersion, partnerId: lead.partnerId };
      rendered = newLeadEmail({
        ...base,
        acceptUrl: linkUrl(deps.publicUrl, keys, assignment, 'accept', expiresAt),
        rejectUrl: linkUrl(deps.publicUrl, keys, assignment, 'reject', expiresAt),
        deadline,
      });
    } else {
      rendered = autoAcceptedLeadEmail(base);
    }
    const key = `${lead.id}:v${due.assignmentVersion}:a${due.attempt}:${due.kind}`;
    ({ messageId } = await deps.mailer.send({ to: [to], ...rendered, tags }, key));
  }
  if (deadline) {
    const assignment = {
      supplierId: lead.supplierId,
      leadId: lead.id,
      assignmentVersion: due.assignmentVersion,
    };
    await deps.deadlines.schedule(deadlineScheduleName(lead.id, due.assignmentVersion), deadline, {
      kind: 'deadline',
      ...assignment,
    });
    // Same Scheduler path and target as the deadline; the reminder checks the assignment when it fires.
    if (remindAt && to) {
      await deps.deadlines.schedule(reminderScheduleName(lead.id, due.assignmentVersion), remindAt, {
        kind: 'reminder',
        ...assignment,
      });
    }
  }
  const failure = to
    ? undefined
    : partner.leadOwners.length === 0
      ? 'no lead owners'
      : 'no lead owner left to try';
  const outcome = await changeLead(deps.leads, lead.id, (current) =>
    recordNotification(current, {
      due,
      to,
      messageId,
      failure,
      deadline,
      remindAt: to ? remindAt : undefined,
      timeZone,
      now,
    }),
  );
  if ('refused' in outcome || 'missing' in outcome) return 'moved-on';
  return to ? 'sent' : 'no-owner';
}

/**
 * A stream change that ended a wait: delete the old assignment's reroute schedule
 * and its reminder's (best effort; the version checks when they fire are the guarantee).
 */
export async function cancelObsoleteDeadline(
  deps: Pick<DistributeDeps, 'deadlines'>,
  old: Lead | undefined,
  next: Lead | undefined,
): Promise<void> {
  const name = deadlineToCancel(old, next);
  if (name) await deps.deadlines.cancel(name);
  const reminder = reminderToCancel(old, next);
  if (reminder) await deps.deadlines.cancel(reminder);
}

export type EmailEventOutcome = 'applied' | 'seen-before' | 'stale' | 'unknown-lead' | 'untagged';

/**
 * An SES event (Send, Delivery, Open, Click, Bounce, ...) on a notification:
 * found by the message's `leadId` tag, applied by `emailEventTransition` in one
 * conditional write. Out-of-order and repeated events are safe: the status only
 * moves forward and an event already in the history changes nothing.
 */
export async function applyEmailEvent(
  deps: {
    leads: Pick<LeadStore, 'getLead' | 'replaceLead' | 'appendEvent'>;
    tenants: Pick<TenantStore, 'getPartner'>;
    clock: Clock;
  },
  event: SesEvent,
): Promise<EmailEventOutcome> {
  const leadId = event.tags[NOTIFICATION_TAGS.leadId];
  if (!leadId) return 'untagged';
  // The email status is the first notification's: a reminder's or an escalation's events are not about it.
  const kind = event.tags[NOTIFICATION_TAGS.kind];
  if (kind !== undefined && kind !== 'decide' && kind !== 'info') return 'untagged';
  // Only a bounce or complaint may move the email to the next lead owner: only they need the owners.
  const needsOwners = event.eventType === 'Bounce' || event.eventType === 'Complaint';
  // An event that moves nothing of the lead (a Delivery after its Send) is only history: its entry
  // goes beside the lead with the event's record, and the lead item (a few KB, in several indexes)
  // is not rewritten for it.
  let note: { entry: HistoryEntry; eventId: string } | undefined;
  const outcome = await changeLead(deps.leads, leadId, async (lead) => {
    note = undefined;
    const partner =
      needsOwners && lead.partnerId
        ? await deps.tenants.getPartner(lead.supplierId, lead.partnerId)
        : undefined;
    const transition = emailEventTransition(lead, {
      event,
      leadOwners: partner?.leadOwners.map((o) => o.email) ?? [],
      now: deps.clock.now(),
    });
    const entry = isRefusal(transition) ? undefined : onlyHistory(lead, transition.next);
    if (entry && !isRefusal(transition) && transition.event !== undefined) {
      note = { entry, eventId: transition.event };
      return { next: lead, loads: [] };
    }
    return transition;
  });
  if ('missing' in outcome) return 'unknown-lead';
  if ('refused' in outcome) return 'stale';
  if (note)
    return (await deps.leads.appendEvent(leadId, note.entry, note.eventId)) === 'ok'
      ? 'applied'
      : 'seen-before';
  return outcome.changed ? 'applied' : 'seen-before';
}

/**
 * The one history entry `next` adds to `lead` when that is all it changes of what the
 * email events move (status, failure, attempt, read counts); undefined otherwise.
 */
function onlyHistory(lead: Lead, next: Lead): HistoryEntry | undefined {
  if (next === lead || next.history.length !== lead.history.length + 1) return undefined;
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const moved =
    next.emailStatus !== lead.emailStatus ||
    (next.emailAttempt ?? 0) !== (lead.emailAttempt ?? 0) ||
    !same(next.emailFailure, lead.emailFailure) ||
    !same(next.emailReads, lead.emailReads);
  return moved ? undefined : next.history.at(-1);
}
