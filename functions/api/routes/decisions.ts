import {
  acceptLead,
  changePipeline,
  type DecisionDeps,
  ForbiddenError,
  type Lead,
  PartnerLead,
  PipelineBody,
  partnerLead,
  RejectBody,
  rejectLead,
} from '@leadrelay/core';
import { z } from 'zod';
import { json } from '../http';
import { route } from '../router';

/** A partner's answer: the lead as it sees it. */
const LeadAnswer = z.object({ lead: PartnerLead });

/** The partner's decisions on its leads and its pipeline after acceptance. */
export function decisionRoutes(deps: DecisionDeps) {
  const answer = (lead: Lead) => json(200, { lead: partnerLead(lead, deps.clock.now()) });
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
        return answer(await acceptLead(deps, principal, params.id ?? ''));
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
        return answer(await rejectLead(deps, principal, params.id ?? '', body.reason));
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
        return answer(await changePipeline(deps, principal, params.id ?? '', body));
      },
    }),
  ];
}
