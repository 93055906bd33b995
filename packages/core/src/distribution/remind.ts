import type { Clock } from '../clock';
import { effectiveHours } from '../hours/business-hours';
import { changeLead } from '../leads/change';
import type { HistoryEntry, Lead } from '../leads/lead';
import type { LeadStore } from '../leads/ports';
import { reminderEmail } from '../mail/reminder';
import type { TenantStore } from '../tenants/ports';
import { LINK_GRACE_MS, linkUrl, type Mailer } from './distribute';
import { NOTIFICATION_TAGS } from './notify';
import type { LinkKeys } from './tokens';
import { type Refusal, refusal, type Transition } from './transitions';

/**
 * The one reminder before a deadline (the supplier's `remindBeforeMinutes`):
 * the Scheduler fires it on the reroute function, beside the deadline, and this
 * use case decides and sends it.
 *
 * Primary course: 1. read the lead (a consistent read) 2. it must still wait on
 * the assignment the reminder was scheduled for (Pending or Rerouted, same
 * assignment version) and have had no reminder for it 3. email the lead owner
 * the first email went to (the current one: an owner that bounced was already
 * moved past), with signed Accept / Reject links of that assignment 4. record
 * `email.reminder` and the marker in one conditional write.
 *
 * Safe under retries and duplicates: the mailer's key `<leadId>:v<n>:reminder`
 * sends once per assignment whatever the retries, and the marker makes the
 * second recording a no-op. A partner who acted (or a lead that moved) makes it
 * a no-op: the version check is the guarantee, the schedule's deletion a courtesy.
 */

export interface ReminderDeps {
  leads: Pick<LeadStore, 'getLead' | 'replaceLead'>;
  tenants: Pick<TenantStore, 'getSupplier' | 'getPartner'>;
  mailer: Mailer;
  linkKeys: () => Promise<LinkKeys>;
  publicUrl: string;
  clock: Clock;
}

export interface ReminderRequest {
  leadId: string;
  assignmentVersion: number;
}

export type ReminderOutcome =
  | 'sent'
  /** Sent before (a retried or repeated firing): nothing new. */
  | 'already-reminded'
  /** The lead moved to another assignment, or it is gone. */
  | 'stale'
  /** The partner accepted or rejected, or the lead is no longer waiting. */
  | 'not-waiting'
  /** The partner has nobody to send it to. */
  | 'no-owner';

/** Why the lead is owed no reminder for this assignment, or undefined when it is. */
export function reminderRefusal(lead: Lead, assignmentVersion: number): ReminderOutcome | undefined {
  if (lead.assignmentVersion !== assignmentVersion || !lead.partnerId) return 'stale';
  if (lead.distributionStatus !== 'Pending' && lead.distributionStatus !== 'Rerouted') return 'not-waiting';
  if (lead.reminded?.assignmentVersion === assignmentVersion) return 'already-reminded';
  return undefined;
}

/** The reminder's idempotency key: one per assignment. */
export function reminderKey(leadId: string, assignmentVersion: number): string {
  return `${leadId}:v${assignmentVersion}:reminder`;
}

/**
 * Records the reminder sent for an assignment: the `email.reminder` history entry
 * and the marker. Refused as `stale` for another assignment; the lead itself
 * back (nothing to write) when it is recorded already.
 */
export function recordReminder(
  lead: Lead,
  sent: { assignmentVersion: number; to: string; messageId: string; now: Date },
): Transition | Refusal<'stale'> {
  if (lead.assignmentVersion !== sent.assignmentVersion) {
    return refusal('stale', lead, 'The lead has moved on since the reminder was sent');
  }
  if (lead.reminded?.assignmentVersion === sent.assignmentVersion) return { next: lead, loads: [] };
  const at = sent.now.toISOString();
  const entry: HistoryEntry = {
    at,
    type: 'email.reminder',
    actor: 'system',
    detail: {
      assignmentVersion: sent.assignmentVersion,
      to: sent.to,
      messageId: sent.messageId,
      ...(lead.deadlineAt ? { deadlineAt: lead.deadlineAt } : {}),
    },
  };
  return {
    next: {
      ...lead,
      reminded: { assignmentVersion: sent.assignmentVersion, to: sent.to, messageId: sent.messageId, at },
      history: [...lead.history, entry],
      updatedAt: at,
      version: lead.version + 1,
    },
    loads: [],
  };
}

/** Sends the reminder a lead is owed for an assignment, once (see the module comment). */
export async function remindPartner(deps: ReminderDeps, request: ReminderRequest): Promise<ReminderOutcome> {
  const lead = await deps.leads.getLead(request.leadId);
  if (!lead) return 'stale';
  const refused = reminderRefusal(lead, request.assignmentVersion);
  if (refused) return refused;
  const partnerId = lead.partnerId as string;
  const [supplier, partner] = await Promise.all([
    deps.tenants.getSupplier(lead.supplierId),
    deps.tenants.getPartner(lead.supplierId, partnerId),
  ]);
  if (!supplier || !partner) return 'stale';
  const to =
    lead.notified?.assignmentVersion === lead.assignmentVersion && lead.notified.to
      ? lead.notified.to
      : partner.leadOwners[lead.emailAttempt ?? 0]?.email;
  if (!to) return 'no-owner';

  const now = deps.clock.now();
  const hours = effectiveHours(supplier.settings.businessHours, partner.businessHours);
  // The deadline is the lead's own (set when the first email went out); a reminder never moves it.
  const deadline = new Date(lead.deadlineAt ?? now.getTime());
  const keys = await deps.linkKeys();
  const expiresAt = new Date(deadline.getTime() + LINK_GRACE_MS);
  const assignment = { id: lead.id, assignmentVersion: lead.assignmentVersion, partnerId };
  const rendered = reminderEmail({
    supplierName: supplier.name,
    partnerName: partner.name,
    lead,
    acceptUrl: linkUrl(deps.publicUrl, keys, assignment, 'accept', expiresAt),
    rejectUrl: linkUrl(deps.publicUrl, keys, assignment, 'reject', expiresAt),
    deadline,
    now,
    timeZone: hours?.timeZone,
  });
  const tags = {
    [NOTIFICATION_TAGS.leadId]: lead.id,
    [NOTIFICATION_TAGS.assignmentVersion]: String(lead.assignmentVersion),
    [NOTIFICATION_TAGS.kind]: 'reminder',
  };
  const { messageId } = await deps.mailer.send(
    { to: [to], ...rendered, tags },
    reminderKey(lead.id, lead.assignmentVersion),
  );
  const outcome = await changeLead(deps.leads, lead.id, (current) =>
    recordReminder(current, { assignmentVersion: request.assignmentVersion, to, messageId, now }),
  );
  if ('refused' in outcome || 'missing' in outcome) return 'stale';
  return outcome.changed ? 'sent' : 'already-reminded';
}
