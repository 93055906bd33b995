import {
  acceptLead,
  changePipeline,
  type DecisionDeps,
  ForbiddenError,
  type Lead,
  LeadInput,
  PartnerLead,
  PipelineBody,
  partnerLead,
  Registration,
  type RegistrationDeps,
  RejectBody,
  rejectLead,
} from '@leadrelay/core';
import { z } from 'zod';
import { json } from '../http';
import { route } from '../router';

/** A partner's answer: the lead as it sees it. */
const LeadAnswer = z.object({ lead: PartnerLead });

const PIPELINE_FIELDS = ['pipelineStatus', 'opportunityValue', 'salesRepId'] as const;

/** A partner's PATCH: the pipeline, and on its own leads their fields too (those named change). */
const LeadPatch = z
  .strictObject({ ...PipelineBody.shape, ...LeadInput.omit({ partnerId: true }).shape })
  .refine((body) => Object.values(body).some((v) => v !== undefined), {
    message: 'name at least one field or pipeline value to change',
    when: (payload) => payload.issues.length === 0,
  })
  .meta({
    id: 'LeadPatch',
    description:
      'pipelineStatus, opportunityValue, salesRepId; and, on the partner’s own leads, the lead fields (email, names, company, ..., customFields merged by name).',
  });

/** The partner's decisions on its leads and its pipeline after acceptance. */
export function decisionRoutes(deps: DecisionDeps & RegistrationDeps) {
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
      summary:
        'The partner works an accepted lead: pipeline status, opportunity value, sales rep; and changes its own leads’ fields (then its auto-registration rules run)',
      tag: 'Leads',
      auth: ['partner', 'supplier'],
      body: LeadPatch,
      responses: {
        200: {
          description: 'The lead after the change (unchanged when nothing changed)',
          schema: LeadAnswer,
        },
        400: { description: 'An invalid change (a negative value, an Opportunity without one)' },
        403: {
          description:
            'Supplier field edits are not available yet; a partner changes the fields of its own leads only',
        },
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
        const pipeline = Object.fromEntries(
          PIPELINE_FIELDS.flatMap((k) => (body[k] === undefined ? [] : [[k, body[k]]])),
        );
        const fields = Object.fromEntries(
          Object.entries(body).filter(
            ([k, v]) => v !== undefined && !(PIPELINE_FIELDS as readonly string[]).includes(k),
          ),
        );
        if (Object.keys(fields).length === 0) {
          return answer(await changePipeline(deps, principal, params.id ?? '', PipelineBody.parse(pipeline)));
        }
        const done = await Registration.updatePartnerLead(deps, principal, params.id ?? '', {
          fields,
          pipeline,
        });
        return json(200, {
          lead: partnerLead(done.lead, deps.clock.now()),
          ...(done.registration ? { registration: done.registration } : {}),
        });
      },
    }),
  ];
}
