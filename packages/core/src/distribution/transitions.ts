import {
  ConflictError,
  type DomainError,
  type ErrorCode,
  type ErrorDetail,
  NotFoundError,
  ValidationError,
} from '../errors';
import { holdsCapacity } from '../leads/assign';
import type { DistributionStatus, HistoryEntry, Lead, PipelineStatus } from '../leads/lead';
import type { LoadChange } from '../leads/ports';
import { issuesToDetails } from '../validation';
import { PipelineBody, RejectReason } from './schemas';

/**
 * The partner's side of distribution as pure state transitions: accept,
 * reject, and the pipeline after acceptance. Each answers
 * the lead to write and the partner load changes to write with it, in one
 * conditional write on the lead's `version` (LeadStore.replaceLead), or a typed
 * refusal saying why not and what the lead is now. Racing calls (accept vs
 * reject vs reroute) give one outcome: the loser's write is stale, it reads the
 * lead again and gets a refusal.
 */

/** A lead after a change, and the partner load changes to write in the same transaction. */
export interface Transition {
  next: Lead;
  loads: LoadChange[];
  /**
   * The identity of the outside event this change applies (an SES event): the store
   * records it with the change, so the same event delivered again changes nothing.
   */
  event?: string;
}

/**
 * Why a change was refused:
 * - `not-yours`: the lead is not (and never was) with this partner;
 * - `stale`: the lead has moved on since the link was sent (another assignment
 *   version, or the partner had it before and it went elsewhere);
 * - `already-decided`: it is already Accepted or Rejected;
 * - `not-pending`: it is in no state to accept, reject or reroute;
 * - `not-accepted`: pipeline changes wait for acceptance;
 * - `closed`: the pipeline is Unqualified or Opportunity, which close the lead;
 * - `invalid`: the input is wrong (`details` names the fields).
 */
export type RefusalReason =
  | 'not-yours'
  | 'stale'
  | 'already-decided'
  | 'not-pending'
  | 'not-accepted'
  | 'closed'
  | 'invalid';

export interface Refusal<R extends RefusalReason = RefusalReason> {
  refused: R;
  /**
   * The lead's distribution status now, when the one asking may know it;
   * undefined for a former partner, who learns only that the lead moved on.
   */
  current: DistributionStatus | undefined;
  /** One sentence for the partner (API message, link page). */
  message: string;
  /** Field problems (`invalid`); empty otherwise. */
  details: ErrorDetail[];
}

export type DecisionRefusal = Refusal<'not-yours' | 'stale' | 'already-decided' | 'not-pending' | 'invalid'>;
export type PipelineRefusal = Refusal<'not-yours' | 'not-accepted' | 'closed' | 'invalid'>;

/** True for a refusal, false for a transition. */
export function isRefusal<T extends object, R extends RefusalReason>(
  result: T | Refusal<R>,
): result is Refusal<R> {
  return 'refused' in result;
}

/**
 * Which kind of domain error each refusal is, for every edge that answers one
 * (the API's errors, the link pages), each kind then having one status there.
 * A partner does not learn about other partners' leads, so `not-yours` reads
 * as not found; `invalid` is a validation failure; the rest conflict with the
 * lead's state.
 */
export const REFUSAL_KINDS = {
  'not-yours': 'not_found',
  invalid: 'validation_failed',
  stale: 'conflict',
  'already-decided': 'conflict',
  'not-pending': 'conflict',
  'not-accepted': 'conflict',
  closed: 'conflict',
} as const satisfies Record<RefusalReason, ErrorCode>;

/**
 * The domain error for a refusal, of its kind (REFUSAL_KINDS); a conflict
 * names the lead's current state in its details, when the one asking may know it.
 */
export function refusalError(refusal: Refusal): DomainError {
  switch (REFUSAL_KINDS[refusal.refused]) {
    case 'not_found':
      return new NotFoundError(refusal.message);
    case 'validation_failed':
      return new ValidationError(refusal.message, refusal.details);
    case 'conflict':
      return new ConflictError(refusal.message, [
        ...refusal.details,
        ...(refusal.current ? [{ path: 'distributionStatus', message: `is ${refusal.current}` }] : []),
      ]);
  }
}

export function refusal<R extends RefusalReason>(
  refused: R,
  lead: Pick<Lead, 'distributionStatus'>,
  message: string,
  details: ErrorDetail[] = [],
): Refusal<R> {
  return { refused, current: lead.distributionStatus, message, details };
}

/**
 * The refusal a former partner gets: the lead went to another partner (or back
 * to the supplier), and nothing more, neither its state nor who has it now.
 */
export function movedOn(): Refusal<'stale'> {
  return {
    refused: 'stale',
    current: undefined,
    message: 'This lead has moved on and is no longer with your partner',
    details: [],
  };
}

/** How a partner's decision arrived. */
export interface DecisionInput {
  /** The partner acting (from the API key, or the link token). */
  partnerId: string;
  /** The assignment version the link names; the API leaves it out and acts on the lead as it is. */
  assignmentVersion?: number | undefined;
  /** For the history: `partner:<id>`, or a user of the partner. */
  actor: string;
  via: 'email' | 'api';
  now: Date;
}

export interface RejectInput extends DecisionInput {
  /** Required: trimmed, 1–500 characters. */
  reason: string;
}

/** Why this partner may not decide on the lead now, or undefined when it may. */
function refuseDecision(lead: Lead, input: DecisionInput): DecisionRefusal | undefined {
  const status = lead.distributionStatus;
  if (lead.partnerId !== input.partnerId) {
    return lead.previousPartnerIds.includes(input.partnerId)
      ? movedOn()
      : refusal('not-yours', lead, 'This lead is not assigned to your partner');
  }
  if (input.assignmentVersion !== undefined && input.assignmentVersion !== lead.assignmentVersion) {
    return refusal(
      'stale',
      lead,
      'This link is for an earlier assignment of the lead; a newer email was sent',
    );
  }
  if (status === 'Accepted' || status === 'Rejected') {
    return refusal('already-decided', lead, `This lead was already ${status.toLowerCase()}`);
  }
  if (status !== 'Pending' && status !== 'Rerouted') {
    return refusal(
      'not-pending',
      lead,
      `This lead is ${status}; only a Pending lead can be accepted or rejected`,
    );
  }
  return undefined;
}

function decide(
  lead: Lead,
  input: DecisionInput,
  status: 'Accepted' | 'Rejected',
  detail: Record<string, unknown>,
  fields: Partial<Lead>,
): Transition {
  const now = input.now.toISOString();
  const loads: LoadChange[] =
    holdsCapacity(lead) && lead.partnerId ? [{ partnerId: lead.partnerId, delta: -1, capacity: null }] : [];
  const entry: HistoryEntry = {
    at: now,
    type: status === 'Accepted' ? 'accepted' : 'rejected',
    actor: input.actor,
    detail: {
      partnerId: lead.partnerId,
      partnerName: lead.partnerName,
      via: input.via,
      assignmentVersion: lead.assignmentVersion,
      ...detail,
    },
  };
  return {
    next: {
      ...lead,
      ...fields,
      distributionStatus: status,
      distributionStatusChangedAt: now,
      updatedAt: now,
      history: [...lead.history, entry],
      version: lead.version + 1,
    },
    loads,
  };
}

/**
 * The partner accepts a Pending (or Rerouted) lead: Accepted, the moment
 * recorded, the partner's load released. The pipeline status stays unset until
 * the partner sets one (as for auto-accepted leads).
 */
export function accept(lead: Lead, input: DecisionInput): Transition | DecisionRefusal {
  return refuseDecision(lead, input) ?? decide(lead, input, 'Accepted', {}, {});
}

/**
 * The partner rejects a Pending (or Rerouted) lead with a reason (required,
 * trimmed, 1–500 characters): Rejected, the reason kept, the partner's load
 * released. Whether it is rerouted at once (the supplier's `rerouteRejected`) is
 * the caller's call: `rerouteDecision(next, { trigger: 'rejected', ... })`.
 */
export function reject(lead: Lead, input: RejectInput): Transition | DecisionRefusal {
  const refused = refuseDecision(lead, input);
  if (refused) return refused;
  const reason = RejectReason.safeParse(input.reason);
  if (!reason.success) {
    const details = issuesToDetails(reason.error.issues, ['reason']);
    return refusal('invalid', lead, `A reason is required to reject a lead: ${details[0]?.message}`, details);
  }
  return decide(lead, input, 'Rejected', { reason: reason.data }, { rejectReason: reason.data });
}

/** Pipeline statuses that close the lead: no further pipeline changes. */
export const CLOSED_PIPELINE_STATUSES: ReadonlySet<PipelineStatus> = new Set(['Unqualified', 'Opportunity']);

/** True when the lead's pipeline is closed (Unqualified or Opportunity). */
export function isPipelineClosed(lead: Pick<Lead, 'pipelineStatus'>): boolean {
  return lead.pipelineStatus !== undefined && CLOSED_PIPELINE_STATUSES.has(lead.pipelineStatus);
}

/** A partner's pipeline change (`PATCH /v1/leads/{id}`): any of the three fields. */
export interface PipelineInput {
  partnerId: string;
  pipelineStatus?: PipelineStatus | undefined;
  opportunityValue?: { amount: number; currency: string } | undefined;
  /** The sales rep working the lead; null clears it. The caller checks the rep belongs to the partner. */
  salesRepId?: string | null | undefined;
  /** For the history; `partner:<partnerId>` when omitted. */
  actor?: string | undefined;
  now: Date;
}

/**
 * The partner works an Accepted lead through its pipeline.
 *
 * - Only the lead's partner, only once Accepted (`not-yours`, `not-accepted`).
 * - The open statuses (Open, Contacted, Nurture) follow in any order, back and
 *   forth; Unqualified and Opportunity close the lead, and any later change is
 *   refused as `closed`.
 * - An Opportunity needs an opportunity value, given with it or already on the
 *   lead; a value may also be set before (an estimate while Nurture). Amounts are
 *   not negative; the currency is an ISO 4217 code (upper-cased).
 * - A change that changes nothing (a retried PATCH, even on a closed lead)
 *   answers the lead itself, `next === lead`, with no new version: nothing to write.
 */
export function pipelineUpdate(lead: Lead, input: PipelineInput): Transition | PipelineRefusal {
  if (lead.partnerId !== input.partnerId) {
    return refusal('not-yours', lead, 'This lead is not assigned to your partner');
  }
  if (lead.distributionStatus !== 'Accepted') {
    return refusal(
      'not-accepted',
      lead,
      `The pipeline starts once the lead is accepted; this lead is ${lead.distributionStatus}`,
    );
  }
  const body = Object.fromEntries(
    (['pipelineStatus', 'opportunityValue', 'salesRepId'] as const).flatMap((key) =>
      input[key] === undefined ? [] : [[key, input[key]]],
    ),
  );
  const parsed = PipelineBody.safeParse(body);
  if (!parsed.success) {
    const details = issuesToDetails(parsed.error.issues);
    const first = details[0];
    return refusal(
      'invalid',
      lead,
      `Invalid pipeline change: ${first?.path || 'body'}: ${first?.message}`,
      details,
    );
  }
  const { pipelineStatus, opportunityValue, salesRepId } = parsed.data;

  const changes: Record<string, { from: unknown; to: unknown }> = {};
  const currentRep = lead.salesRepId ?? null;
  if (pipelineStatus !== undefined && pipelineStatus !== lead.pipelineStatus) {
    changes.pipelineStatus = { from: lead.pipelineStatus ?? null, to: pipelineStatus };
  }
  if (
    opportunityValue !== undefined &&
    (opportunityValue.amount !== lead.opportunityValue?.amount ||
      opportunityValue.currency !== lead.opportunityValue?.currency)
  ) {
    changes.opportunityValue = { from: lead.opportunityValue ?? null, to: opportunityValue };
  }
  if (salesRepId !== undefined && salesRepId !== currentRep) {
    changes.salesRepId = { from: currentRep, to: salesRepId };
  }
  if (Object.keys(changes).length === 0) return { next: lead, loads: [] };

  if (isPipelineClosed(lead)) {
    return refusal(
      'closed',
      lead,
      `This lead is closed (${lead.pipelineStatus}); its pipeline no longer changes`,
      Object.keys(changes).map((path) => ({ path, message: 'cannot change on a closed lead' })),
    );
  }
  const { salesRepId: _rep, ...rest } = lead;
  const rep = salesRepId === undefined ? currentRep : salesRepId;
  const next: Lead = {
    ...rest,
    ...(rep !== null ? { salesRepId: rep } : {}),
    ...(pipelineStatus !== undefined ? { pipelineStatus } : {}),
    ...(opportunityValue !== undefined ? { opportunityValue } : {}),
  };
  if (next.pipelineStatus === 'Opportunity' && next.opportunityValue === undefined) {
    return refusal('invalid', lead, 'An Opportunity needs an opportunity value', [
      { path: 'opportunityValue', message: 'is required for an Opportunity' },
    ]);
  }
  const now = input.now.toISOString();
  const closes = isPipelineClosed(next);
  next.history = [
    ...lead.history,
    {
      at: now,
      type: 'pipeline',
      actor: input.actor ?? `partner:${input.partnerId}`,
      detail: { partnerId: input.partnerId, changes, ...(closes ? { closed: true } : {}) },
    },
  ];
  next.updatedAt = now;
  next.version = lead.version + 1;
  return { next, loads: [] };
}
