import type { Clock } from '../clock';
import { changeLead } from '../leads/change';
import type { HistoryEntry, Lead } from '../leads/lead';
import type { LeadStore } from '../leads/ports';
import type { EscalationReason } from '../mail/escalation';
import { escalationEmail } from '../mail/escalation';
import type { TenantStore } from '../tenants/ports';
import type { Mailer } from './distribute';
import { NOTIFICATION_TAGS } from './notify';
import { type Refusal, refusal, type Transition } from './transitions';

/**
 * Escalation: the supplier's channel manager (its `escalationEmail`) is told
 * when a lead needs a person, from the table stream, so every path that makes
 * the change is covered (the reroute at a deadline, the sweep, the reroute of a
 * rejected lead, a bounce):
 *
 * - `unassigned`: a lead that had a partner became Unassigned (it ran out of
 *   partners: the most reroutes, or no eligible partner left);
 * - `bounced`: the email status of a lead still waiting on its partner became
 *   Failed from a Bounce or Complaint (only when no other lead owner was left:
 *   otherwise the email moves on to the next owner and never becomes Failed).
 *
 * Once per assignment and kind: the mailer's key `<leadId>:v<n>:escalate-<kind>`
 * sends once whatever the retries, and the `escalated` marker makes the history
 * entry once.
 */

export type EscalationKind = 'unassigned' | 'bounced';

export interface EscalationDue {
  kind: EscalationKind;
  reason: EscalationReason;
  assignmentVersion: number;
  /** The partner that had the lead. */
  partnerName?: string | undefined;
  /** The reroute's explanation, or what the mail server said. */
  detail?: string | undefined;
}

const waiting = (lead: Lead) =>
  lead.distributionStatus === 'Pending' || lead.distributionStatus === 'Rerouted';
const bounceOrComplaint = (lead: Lead) => /^(Bounce|Complaint)/.test(lead.emailFailure?.type ?? '');

/** What a stream change (old and new images) calls for, or undefined. */
export function escalationDue(old: Lead | undefined, next: Lead | undefined): EscalationDue | undefined {
  if (!old || !next) return undefined;
  if (old.distributionStatus !== 'Unassigned' && next.distributionStatus === 'Unassigned' && old.partnerId) {
    const entry = [...next.history].reverse().find((h) => h.type === 'unassigned');
    const reason = entry?.detail.reason === 'max-reroutes' ? 'max-reroutes' : 'no-eligible-partner';
    const explanation = entry?.detail.explanation;
    return {
      kind: 'unassigned',
      reason,
      assignmentVersion: next.assignmentVersion,
      partnerName: old.partnerName ?? undefined,
      detail: typeof explanation === 'string' ? explanation : undefined,
    };
  }
  if (
    old.emailStatus !== 'Failed' &&
    next.emailStatus === 'Failed' &&
    bounceOrComplaint(next) &&
    waiting(next) &&
    old.assignmentVersion === next.assignmentVersion
  ) {
    return {
      kind: 'bounced',
      reason: 'bounced',
      assignmentVersion: next.assignmentVersion,
      partnerName: next.partnerName ?? undefined,
      detail: next.emailFailure?.reason,
    };
  }
  return undefined;
}

/** Whether the lead is still as the escalation found it (a later change settled it, or made another). */
function stillDue(lead: Lead, due: EscalationDue): boolean {
  if (lead.assignmentVersion !== due.assignmentVersion) return false;
  return due.kind === 'unassigned'
    ? lead.distributionStatus === 'Unassigned'
    : lead.emailStatus === 'Failed' && waiting(lead);
}

const markerKey = (due: EscalationDue) => `${due.assignmentVersion}:${due.kind}`;

/** The escalation's idempotency key: one per lead, assignment and kind. */
export function escalationKey(
  leadId: string,
  due: Pick<EscalationDue, 'assignmentVersion' | 'kind'>,
): string {
  return `${leadId}:v${due.assignmentVersion}:escalate-${due.kind}`;
}

/** Records the escalation: the `escalated` history entry and the marker; the lead back when recorded already. */
export function recordEscalation(
  lead: Lead,
  sent: { due: EscalationDue; to: string; messageId: string; now: Date },
): Transition | Refusal<'stale'> {
  const { due } = sent;
  if (lead.assignmentVersion !== due.assignmentVersion) {
    return refusal('stale', lead, 'The lead has moved on since the escalation was sent');
  }
  if (lead.escalated?.key === markerKey(due)) return { next: lead, loads: [] };
  const at = sent.now.toISOString();
  const entry: HistoryEntry = {
    at,
    type: 'escalated',
    actor: 'system',
    detail: {
      kind: due.kind,
      reason: due.reason,
      to: sent.to,
      messageId: sent.messageId,
      assignmentVersion: due.assignmentVersion,
    },
  };
  return {
    next: {
      ...lead,
      escalated: { key: markerKey(due), at },
      history: [...lead.history, entry],
      updatedAt: at,
      version: lead.version + 1,
    },
    loads: [],
  };
}

export interface EscalationDeps {
  leads: Pick<LeadStore, 'getLead' | 'replaceLead'>;
  tenants: Pick<TenantStore, 'getSupplier'>;
  mailer: Mailer;
  /** Base URL of the public API and console: the lead is `<publicUrl>/console/leads/<id>`. */
  publicUrl: string;
  clock: Clock;
}

export type EscalationOutcome = 'sent' | 'seen-before' | 'off' | 'moved-on';

/** The lead in the console (its supplier's lead screen). */
export function consoleLeadUrl(publicUrl: string, leadId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/console/leads/${encodeURIComponent(leadId)}`;
}

/**
 * The escalation a stream change calls for (see the module comment), sent to
 * the supplier's escalation address when it has one: undefined when the change
 * calls for none, `off` without an address, `moved-on` when the lead changed
 * again before the stream caught up (a person assigned it meanwhile).
 */
export async function escalateLead(
  deps: EscalationDeps,
  old: Lead | undefined,
  next: Lead | undefined,
): Promise<EscalationOutcome | undefined> {
  const due = escalationDue(old, next);
  if (!due || !next) return undefined;
  const supplier = await deps.tenants.getSupplier(next.supplierId);
  const to = supplier?.settings.escalationEmail;
  if (!supplier || !to) return 'off';
  const lead = await deps.leads.getLead(next.id);
  if (!lead || !stillDue(lead, due)) return 'moved-on';
  if (lead.escalated?.key === markerKey(due)) return 'seen-before';

  const now = deps.clock.now();
  const rendered = escalationEmail({
    supplierName: supplier.name,
    lead,
    reason: due.reason,
    partnerName: due.partnerName,
    detail: due.detail,
    consoleUrl: consoleLeadUrl(deps.publicUrl, lead.id),
    now,
    timeZone: supplier.settings.businessHours?.timeZone,
  });
  const tags = {
    [NOTIFICATION_TAGS.leadId]: lead.id,
    [NOTIFICATION_TAGS.assignmentVersion]: String(due.assignmentVersion),
    [NOTIFICATION_TAGS.kind]: 'escalation',
  };
  const { messageId } = await deps.mailer.send({ to: [to], ...rendered, tags }, escalationKey(lead.id, due));
  const outcome = await changeLead(deps.leads, lead.id, (current) =>
    recordEscalation(current, { due, to, messageId, now }),
  );
  if ('refused' in outcome || 'missing' in outcome) return 'moved-on';
  return outcome.changed ? 'sent' : 'seen-before';
}
