import type { z } from 'zod';
import { type HistoryEntry, type Lead, LeadView, leadView } from './lead';

/**
 * What a partner may see of a lead's history (a tenant sees only its own
 * data): its own traces and nothing of other partners. One filter for
 * every place a partner reads history (the lead, its history pages, webhooks).
 *
 * - Only the lead's current partner sees any of it, and only from the moment
 *   the lead came to it (`assignedAt`): what happened with earlier partners
 *   (their decisions, their emails, their reasons) stays with the supplier.
 *   History is newest first when paged, so a reader may stop at the first
 *   entry older than that.
 * - How the lead came (routed, assigned, rerouted, reopened) shows as just
 *   that, with this partner: routing explanations name the partners skipped or
 *   tried and the partner it came from.
 * - Any other entry that names another partner, as its actor or in its detail,
 *   is left out.
 */

/** Entries that record how the lead came to its partner (or left one). */
const ARRIVALS: ReadonlySet<string> = new Set(['routed', 'assigned', 'rerouted', 'unassigned', 'reopened']);

/** Detail fields that name or describe other partners. */
const FOREIGN_DETAIL = [
  'previousPartnerId',
  'fromPartnerId',
  'fromPartnerName',
  'skipped',
  'tried',
  // Channel conflicts: the partners that claimed the lead.
  'claims',
  'claimedBy',
];

type Assignment = Pick<Lead, 'partnerId' | 'partnerName' | 'assignedAt' | 'createdAt'>;

/** Whether a detail value names a partner other than `partnerId` (an id, a name, or a list of partners). */
function namesOther(value: unknown, partnerId: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value !== partnerId;
  if (Array.isArray(value)) {
    return value.some((item) =>
      namesOther(
        typeof item === 'object' && item !== null ? (item as { partnerId?: unknown }).partnerId : item,
        partnerId,
      ),
    );
  }
  return true;
}

function namesAnotherPartner(entry: HistoryEntry, partnerId: string): boolean {
  const { actor, detail } = entry;
  const ownActor = actor === `partner:${partnerId}` || actor.startsWith(`partner:${partnerId}:`);
  if (actor.startsWith('partner:') && !ownActor) return true;
  return ['partnerId', ...FOREIGN_DETAIL].some((key) => namesOther(detail[key], partnerId));
}

/**
 * One history entry as the partner `partnerId` may see it, or undefined when
 * it may not. `lead` is the lead now (its partner and assignment).
 */
export function partnerHistoryEntry(
  lead: Assignment,
  entry: HistoryEntry,
  partnerId: string,
): HistoryEntry | undefined {
  if (lead.partnerId !== partnerId) return undefined;
  if (entry.at < (lead.assignedAt ?? lead.createdAt)) return undefined;
  if (ARRIVALS.has(entry.type)) {
    return {
      at: entry.at,
      type: entry.type,
      actor: entry.actor.startsWith('partner:') ? 'system' : entry.actor,
      detail: { partnerId, partnerName: lead.partnerName },
    };
  }
  return namesAnotherPartner(entry, partnerId) ? undefined : entry;
}

/** The entries the partner may see, in their order, each as it may see it. */
export function partnerHistory(
  lead: Assignment,
  entries: readonly HistoryEntry[],
  partnerId: string,
): HistoryEntry[] {
  return entries.flatMap((entry) => partnerHistoryEntry(lead, entry, partnerId) ?? []);
}

/**
 * The lead fields a partner never sees: who had the lead before, the rule group
 * it was routed from, the delivery internals (which owner the email went
 * to, the email marker, the reroute sweep's failures) and the channel conflict
 * (which other partners registered it). One list for the schema
 * and the view, so the OpenAPI document promises a partner exactly what it gets.
 */
const HIDDEN_FROM_PARTNER = {
  previousPartnerIds: true,
  routingGroup: true,
  notified: true,
  emailAttempt: true,
  rerouteFailure: true,
  conflict: true,
} as const;

/** A lead as its partner sees it: no trace of other partners, its own part of the history. */
export const PartnerLead = LeadView.omit(HIDDEN_FROM_PARTNER).meta({ id: 'PartnerLead' });
export type PartnerLead = z.output<typeof PartnerLead>;

/** A partner's lead in a list: the same, without history. */
export const PartnerLeadSummary = PartnerLead.omit({ history: true }).meta({ id: 'PartnerLeadSummary' });
export type PartnerLeadSummary = z.output<typeof PartnerLeadSummary>;

/**
 * What a partner sees of a lead it has (a privacy rule, for every place a
 * partner reads a lead: the API, and later webhooks): none of the fields
 * HIDDEN_FROM_PARTNER names, and its own part of the history (partnerHistory),
 * from when the lead came to it. A lead with no partner shows no history.
 */
export function partnerLead(lead: Lead, now: Date): PartnerLead {
  const view: Record<string, unknown> = { ...leadView(lead, now) };
  for (const field of Object.keys(HIDDEN_FROM_PARTNER)) delete view[field];
  return {
    ...(view as Omit<LeadView, keyof typeof HIDDEN_FROM_PARTNER>),
    history: lead.partnerId ? partnerHistory(lead, lead.history, lead.partnerId) : [],
  };
}

/** {@link partnerLead} without history, for lists. */
export function partnerLeadSummary(lead: Lead, now: Date): PartnerLeadSummary {
  const { history: _history, ...rest } = partnerLead({ ...lead, history: [] }, now);
  return rest;
}
