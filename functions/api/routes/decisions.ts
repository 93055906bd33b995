import {
  accept,
  type Clock,
  ConflictError,
  ForbiddenError,
  isRefusal,
  Lead,
  type LeadStore,
  NotFoundError,
  PipelineBody,
  pipelineUpdate,
  type Refusal,
  RejectBody,
  refusalError,
  reject,
  type TenantStore,
  type Transition,
} from '@leadrelay/core';
import { z } from 'zod';
import { json } from '../http';
import { route } from '../router';
import { leadView } from './leads';

export interface DecisionDeps {
  leads: LeadStore;
  tenants: TenantStore;
  clock: Clock;
}

/** How many times a change is recomputed after losing a race to an unrelated write (an email event, say). */
const MAX_ATTEMPTS = 5;

/** The lead as `leadView` answers it (routes/leads.ts). */
const LeadAnswer = z.object({ lead: Lead.extend({ distributionStatusChangeDays: z.int() }) });

/**
 * Applies a partner's change to a lead with one conditional write on its version.
 * A stale write (someone changed the lead meanwhile) reads the lead again and
 * recomputes: when the racing change decided the lead, the transition refuses and
 * the caller gets 409 with the current state; when it was unrelated, the change
 * lands on the new version.
 */
async function change(
  deps: DecisionDeps,
  supplierId: string,
  leadId: string,
  transition: (lead: Lead, now: Date) => Transition | Refusal,
): Promise<Lead> {
  let lead: Lead | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    lead = await deps.leads.getLead(leadId);
    if (!lead || lead.supplierId !== supplierId) throw new NotFoundError(`Lead ${leadId} not found`);
    const result = transition(lead, deps.clock.now());
    if (isRefusal(result)) throw refusalError(result);
    // A change that changes nothing (a retried PATCH) writes nothing.
    if (result.next === lead) return lead;
    const written = await deps.leads.replaceLead(lead, result.next, result.loads);
    if (written === 'ok') return result.next;
  }
  throw new ConflictError('The lead changed while this request ran; read it and try again', [
    { path: 'distributionStatus', message: `is ${lead?.distributionStatus ?? 'unknown'}` },
  ]);
}

/** The partner's decisions on its leads and its pipeline after acceptance (shared/api.md, "Leads"; issue 5). */
export function decisionRoutes(deps: DecisionDeps) {
  const answer = (lead: Lead) => json(200, { lead: leadView(lead, deps.clock.now()) });
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
