import type { Clock } from '../clock';
import { NotFoundError, ValidationError } from '../errors';
import { changeLead } from '../leads/change';
import type { Lead } from '../leads/lead';
import type { LeadStore } from '../leads/ports';
import type { Principal } from '../principal';
import type { TenantStore } from '../tenants/ports';
import type { Partner } from '../tenants/schemas';
import type { PipelineBody } from './schemas';
import {
  accept,
  type DecisionInput,
  pipelineUpdate,
  type Refusal,
  refusal,
  refusalError,
  reject,
  type Transition,
} from './transitions';

/**
 * The partner's decisions through the API (`POST /v1/leads/{id}/accept`,
 * `…/reject`, `PATCH /v1/leads/{id}`), as use cases over the LeadStore and
 * TenantStore ports. The email links decide through links.ts; both apply the
 * same transitions.
 */

export interface DecisionDeps {
  leads: Pick<LeadStore, 'getLead' | 'replaceLead'>;
  tenants: Pick<TenantStore, 'getPartner'>;
  clock: Clock;
}

/** The partner deciding: its key's principal. */
export type PartnerPrincipal = Extract<Principal, { kind: 'partner' }>;

/**
 * Applies the partner's change with `changeLead` (one conditional write on the
 * lead's version, recomputed after a lost race). A refusal is thrown as its
 * domain error (refusalError); another supplier's lead is not found, as is a
 * lead that does not exist: a partner does not learn of leads that are not its
 * supplier's.
 */
async function change(
  deps: DecisionDeps,
  partner: PartnerPrincipal,
  leadId: string,
  transition: (lead: Lead, input: DecisionInput) => Transition | Refusal,
): Promise<Lead> {
  const outcome = await changeLead(deps.leads, leadId, (lead) =>
    lead.supplierId === partner.supplierId
      ? transition(lead, {
          partnerId: partner.partnerId,
          actor: `partner:${partner.partnerId}`,
          via: 'api',
          now: deps.clock.now(),
        })
      : refusal('not-yours', lead, `Lead ${leadId} not found`),
  );
  if ('missing' in outcome) throw new NotFoundError(`Lead ${leadId} not found`);
  if ('refused' in outcome) throw refusalError(outcome.refused);
  return outcome.lead;
}

/** The partner accepts a lead assigned to it: the lead after the change. */
export function acceptLead(deps: DecisionDeps, partner: PartnerPrincipal, leadId: string): Promise<Lead> {
  return change(deps, partner, leadId, (lead, input) => accept(lead, input));
}

/**
 * The partner rejects a lead assigned to it, with a reason. Only state here:
 * the supplier's rerouteRejected is the stream's to carry out (distribute).
 */
export function rejectLead(
  deps: DecisionDeps,
  partner: PartnerPrincipal,
  leadId: string,
  reason: string,
): Promise<Lead> {
  return change(deps, partner, leadId, (lead, input) => reject(lead, { ...input, reason }));
}

/**
 * A sales rep named on a lead must be one of the partner's own (its settings), when it
 * has named any; a partner without a list may name anyone. Refused with the partner's
 * list as a validation error on `salesRepId`.
 */
export function assertSalesRep(
  partner: Pick<Partner, 'salesReps'> | undefined,
  salesRepId: string | null | undefined,
): void {
  if (typeof salesRepId !== 'string') return;
  const reps = partner?.salesReps ?? [];
  if (reps.length > 0 && !reps.some((rep) => rep.id === salesRepId)) {
    throw new ValidationError('salesRepId is not one of your sales reps', [
      {
        path: 'salesRepId',
        message: `unknown sales rep ${salesRepId}; yours are ${reps.map((r) => r.id).join(', ')} (PUT /v1/partner/settings)`,
      },
    ]);
  }
}

/**
 * The partner works an accepted lead: pipeline status, opportunity value, sales
 * rep. A sales rep must be one of the partner's own (its settings), when it has
 * named any; a partner without a list may name anyone. Refused with the
 * partner's list as a validation error on `salesRepId`, before the lead is read.
 */
export async function changePipeline(
  deps: DecisionDeps,
  partner: PartnerPrincipal,
  leadId: string,
  body: PipelineBody,
): Promise<Lead> {
  if (typeof body.salesRepId === 'string') {
    assertSalesRep(await deps.tenants.getPartner(partner.supplierId, partner.partnerId), body.salesRepId);
  }
  return change(deps, partner, leadId, (lead, input) =>
    pipelineUpdate(lead, {
      partnerId: input.partnerId,
      pipelineStatus: body.pipelineStatus,
      opportunityValue: body.opportunityValue,
      salesRepId: body.salesRepId,
      actor: input.actor,
      now: input.now,
    }),
  );
}
