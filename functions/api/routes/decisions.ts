import {
  accept,
  type Clock,
  changeLead,
  ForbiddenError,
  Lead,
  type LeadStore,
  NotFoundError,
  PipelineBody,
  pipelineUpdate,
  type Refusal,
  RejectBody,
  refusal,
  refusalError,
  reject,
  type TenantStore,
  type Transition,
  ValidationError,
} from '@leadrelay/core';
import { z } from 'zod';
import { json } from '../http';
import { route } from '../router';
import { partnerLeadView } from './leads';

export interface DecisionDeps {
  leads: LeadStore;
  tenants: TenantStore;
  clock: Clock;
}

/** The lead as `leadView` answers it (routes/leads.ts). */
const LeadAnswer = z.object({ lead: Lead.extend({ distributionStatusChangeDays: z.int() }) });

/**
 * Applies a partner's change with `changeLead` (one conditional write on the
 * lead's version, recomputed after a lost race): a refusal becomes its HTTP
 * error (409 with the current state, 404, 400), another supplier's lead is 404.
 */
export async function change(
  deps: DecisionDeps,
  supplierId: string,
  leadId: string,
  transition: (lead: Lead, now: Date) => Transition | Refusal,
): Promise<Lead> {
  const outcome = await changeLead(deps.leads, leadId, (lead) =>
    lead.supplierId === supplierId
      ? transition(lead, deps.clock.now())
      : refusal('not-yours', lead, `Lead ${leadId} not found`),
  );
  if ('missing' in outcome) throw new NotFoundError(`Lead ${leadId} not found`);
  if ('refused' in outcome) throw refusalError(outcome.refused);
  return outcome.lead;
}

/** The partner's decisions on its leads and its pipeline after acceptance. */
export function decisionRoutes(deps: DecisionDeps) {
  const answer = (lead: Lead) => json(200, { lead: partnerLeadView(lead, deps.clock.now()) });
  const conflict = {
    description: 'The lead is no longer Pending with this partner (details name its current state)',
  };

  return [
    route({
      method: 'POST',
      path: '/v1/leads/{id}/accept',
      summary: 'The partner accepts a lead assigned to it',
      tag: 'Leads',
      auth: ['partner'],
      responses: {
        200: { description: 'Accepted', schema: LeadAnswer },
        404: { description: 'No such lead for this partner' },
        409: conflict,
      },
      handle: async ({ principal, params }) => {
        const lead = await change(deps, principal.supplierId, params.id ?? '', (current, now) =>
          accept(current, {
            partnerId: principal.partnerId,
            actor: `partner:${principal.partnerId}`,
            via: 'api',
            now,
          }),
        );
        return answer(lead);
      },
    }),
    route({
      method: 'POST',
      path: '/v1/leads/{id}/reject',
      summary: 'The partner rejects a lead assigned to it, with a reason',
      tag: 'Leads',
      auth: ['partner'],
      body: RejectBody,
      responses: {
        200: { description: 'Rejected', schema: LeadAnswer },
        400: { description: 'No reason given' },
        404: { description: 'No such lead for this partner' },
        409: conflict,
      },
      handle: async ({ principal, params, body }) => {
        const lead = await change(deps, principal.supplierId, params.id ?? '', (current, now) =>
          reject(current, {
            partnerId: principal.partnerId,
            actor: `partner:${principal.partnerId}`,
            via: 'api',
            now,
            reason: body.reason,
          }),
        );
        // Only state here: the supplier's rerouteRejected is the stream's to carry out (distribute).
        return answer(lead);
      },
    }),
    route({
      method: 'PATCH',
      path: '/v1/leads/{id}',
      summary: 'The partner works an accepted lead: pipeline status, opportunity value, sales rep',
      tag: 'Leads',
      auth: ['partner', 'supplier'],
      body: PipelineBody,
      responses: {
        200: {
          description: 'The lead after the change (unchanged when nothing changed)',
          schema: LeadAnswer,
        },
        400: { description: 'An invalid change (a negative value, an Opportunity without one)' },
        403: { description: 'Supplier field edits are not available yet' },
        404: { description: 'No such lead for this partner' },
        409: { description: 'The lead is not accepted, or its pipeline is closed' },
      },
      handle: async ({ principal, params, body }) => {
        if (principal.kind === 'supplier') {
          throw new ForbiddenError(
            'Suppliers cannot edit lead fields through PATCH yet; only the lead’s partner changes its pipeline',
            [{ path: 'authorization', message: 'needs a partner key for now' }],
          );
        }
        if (typeof body.salesRepId === 'string') {
          const partner = await deps.tenants.getPartner(principal.supplierId, principal.partnerId);
          const reps = partner?.salesReps ?? [];
          if (reps.length > 0 && !reps.some((rep) => rep.id === body.salesRepId)) {
            throw new ValidationError('salesRepId is not one of your sales reps', [
              {
                path: 'salesRepId',
                message: `unknown sales rep ${body.salesRepId}; yours are ${reps.map((r) => r.id).join(', ')} (PUT /v1/partner/settings)`,
              },
            ]);
          }
        }
        const lead = await change(deps, principal.supplierId, params.id ?? '', (current, now) =>
          pipelineUpdate(current, {
            partnerId: principal.partnerId,
            pipelineStatus: body.pipelineStatus,
            opportunityValue: body.opportunityValue,
            salesRepId: body.salesRepId,
            actor: `partner:${principal.partnerId}`,
            now,
          }),
        );
        return answer(lead);
      },
    }),
  ];
}
