import { createHash } from 'node:crypto';
import { type Lead, leadView, sharedWithSupplier } from '../leads/lead';
import { partnerLead } from '../leads/partner-view';
import type { WebhookEvent, WebhookEventType, WebhookOwner } from './schemas';

/** One event a lead change gives: its type and its index among the change's events. */
export interface LeadEventOf {
  type: WebhookEventType;
  /** Orders the events of one change within its lane (after the lead version). */
  index: number;
}

function samePipeline(a: Lead, b: Lead): boolean {
  return (
    a.pipelineStatus === b.pipelineStatus &&
    a.salesRepId === b.salesRepId &&
    a.opportunityValue?.amount === b.opportunityValue?.amount &&
    a.opportunityValue?.currency === b.opportunityValue?.currency
  );
}

function notifiedKey(lead: Lead | undefined): string | undefined {
  const n = lead?.notified;
  return n ? `${n.assignmentVersion}:${n.attempt}` : undefined;
}

/**
 * The events of one table-stream record of a lead, from its old and new images,
 * in the order they happened within the change. A removed lead, a record that
 * is not newer than its old image (a replay), and a change of nothing the events
 * speak of (the reroute sweep's failure count, email read counts, history moving
 * to its own items) give none.
 *
 * - created: the lead is new. A partner's own lead is created as its partner's
 *   and accepted; that is only `created` (its `registered` comes later).
 * - routed / rerouted / unassigned: the assignment changed (assignmentVersion went
 *   up, or a new lead came with a partner): to a partner as a reroute, to nobody,
 *   or to a partner otherwise (routing, by hand).
 * - notified: the partner's email for the current assignment went out (distribute's marker).
 * - email_status_changed, accepted, rejected: those fields moved.
 * - pipeline_changed: the pipeline status, the opportunity value or the sales rep.
 * - registered: a partner's own lead was registered with the supplier, or linked to its lead.
 */
export function leadEvents(old: Lead | undefined, lead: Lead | undefined): LeadEventOf[] {
  if (!lead) return [];
  if (old && lead.version <= old.version) return [];
  const types: WebhookEventType[] = [];
  const own = lead.registration !== undefined;
  if (!old) types.push('lead.created');
  const registrationBefore = old?.registration?.status;
  const registrationNow = lead.registration?.status;
  if (
    old &&
    registrationNow !== undefined &&
    registrationNow !== 'unregistered' &&
    registrationNow !== registrationBefore
  ) {
    types.push('lead.registered');
  }
  const reassigned = old ? lead.assignmentVersion > old.assignmentVersion : !own && lead.partnerId !== null;
  if (reassigned) {
    if (lead.partnerId === null) types.push('lead.unassigned');
    else if (lead.distributionStatus === 'Rerouted') types.push('lead.rerouted');
    else types.push('lead.routed');
  } else if (old && old.partnerId !== null && lead.partnerId === null) {
    types.push('lead.unassigned');
  }
  if (lead.notified && notifiedKey(lead) !== notifiedKey(old)) types.push('lead.notified');
  if (old && lead.emailStatus !== old.emailStatus) types.push('lead.email_status_changed');
  const statusChanged = !old || lead.distributionStatus !== old.distributionStatus;
  if (statusChanged && !(own && !old)) {
    if (lead.distributionStatus === 'Accepted') types.push('lead.accepted');
    if (lead.distributionStatus === 'Rejected') types.push('lead.rejected');
  }
  if (old ? !samePipeline(old, lead) : lead.pipelineStatus !== undefined) types.push('lead.pipeline_changed');
  return types.map((type, index) => ({ type, index }));
}

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/** `length` characters of base-32 (Crockford, lower case) of the SHA-256 of `text`. */
export function digest32(text: string, length: number): string {
  const bytes = createHash('sha256').update(text).digest();
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= length) break;
  }
  return out;
}

/** An event's id: the same for the same lead, version and type, so a replayed record names the same event. */
export function leadEventId(leadId: string, version: number, type: string): string {
  return `evt_${digest32(`${leadId}\n${version}\n${type}`, 26)}`;
}

/** A lead event's place in its lane: the lead version (10 digits) and the event's index. */
export function laneSeq(version: number, index: number): string {
  return `${String(version).padStart(10, '0')}#${String(index).padStart(2, '0')}`;
}

const LEAD_DELIVERY = /^msg_([0-9A-Za-z]{1,32})_(\d{10})_(\d{2})_([0-9a-z]{8})$/;
const TEST_DELIVERY = /^msg_test_([0-9A-Z]{26})$/;

/**
 * The delivery of a lead event to one subscription: its id, which is also the
 * `webhook-id` header of every attempt. Deterministic from the subscription and the
 * event (a replay or a retry names the same delivery), different for two
 * subscriptions of the same event (one receiver behind both dedupes neither away),
 * and it says where the delivery lives (its lane and place), so it can be read by id.
 */
export function leadDeliveryId(webhookId: string, leadId: string, seq: string, eventId: string): string {
  const [version, index] = seq.split('#');
  return `msg_${leadId}_${version}_${index}_${digest32(`${webhookId}\n${eventId}`, 8)}`;
}

/** A test event's delivery id (a lane of its own: test events are in no lead's order). */
export function testDeliveryId(ulid: string): string {
  return `msg_test_${ulid}`;
}

/** Where a delivery id says the delivery lives, or undefined for an id no delivery can have. */
export function parseDeliveryId(id: string): { lane: string; seq: string } | undefined {
  const test = TEST_DELIVERY.exec(id);
  if (test) return { lane: 'test', seq: test[1] ?? '' };
  const lead = LEAD_DELIVERY.exec(id);
  if (!lead) return undefined;
  return { lane: lead[1] ?? '', seq: `${lead[2]}#${lead[3]}` };
}

/**
 * The lead as this subscription's owner may see it, or undefined when the event is
 * not for it. The supplier: every lead it sees (a partner's own lead once registered),
 * as `GET /v1/leads/{id}` shows it, with the latest history entries the lead carries
 * (what just happened; the full history is one call away). A partner: only a lead
 * that is its own in the new image, in the partner's view (partnerLead: no trace of
 * other partners, nothing internal).
 */
export function leadFor(owner: WebhookOwner, lead: Lead, now: Date): Record<string, unknown> | undefined {
  if (lead.supplierId !== owner.supplierId) return undefined;
  if (owner.kind === 'supplier') return sharedWithSupplier(lead) ? leadView(lead, now) : undefined;
  return lead.partnerId === owner.partnerId ? partnerLead(lead, now) : undefined;
}

/** The body of a lead event: `{id, type, timestamp, data: {lead}}`; the time is the change's own. */
export function leadEventBody(
  event: { id: string; type: string },
  lead: Lead,
  view: Record<string, unknown>,
): WebhookEvent {
  return { id: event.id, type: event.type, timestamp: lead.updatedAt, data: { lead: view } };
}
