import {
  AutoRegistration,
  IgnoredCompanies,
  PageQuery,
  PartnerLeadSummary,
  partnerLeadSummary,
  Registration,
  type RegistrationDeps,
} from '@leadrelay/core';
import { z } from 'zod';
import { json } from '../http';
import { route } from '../router';

/** A draft of the partner's auto-registration (left out: its current settings). */
const RegistrationDraftBody = z
  .strictObject({
    autoRegistration: AutoRegistration.optional().describe(
      'The rules to try; default: the partner’s own settings.',
    ),
    ignoredCompanies: IgnoredCompanies.optional().describe('Default: the partner’s own list.'),
  })
  .meta({ id: 'RegistrationDraft' });

const Matched = {
  group: z.string().describe('The rule group that matched (the first, in order).'),
  rules: z.enum(['supplier', 'own']).describe('Whose rules: the supplier’s or the partner’s own.'),
};

const paged = {
  scanned: z
    .int()
    .describe(
      'Unregistered leads this page looked at: a page may hold fewer items; page on until nextCursor is null.',
    ),
  nextCursor: z.string().nullable(),
};

/**
 * Auto-registration for the leads a partner had before its rules (the seeds' rules never
 * comb existing leads; these do it when asked): preview, then apply, a page at a time.
 */
export function registrationRoutes(deps: RegistrationDeps) {
  return [
    route({
      method: 'POST',
      path: '/v1/partner/registration-rules/preview',
      summary:
        'Which of the partner’s unregistered leads a draft of its auto-registration would register (nothing changes)',
      tag: 'Registration',
      auth: ['partner'],
      query: PageQuery,
      body: RegistrationDraftBody,
      responses: {
        200: {
          description: 'A page of the partner’s unregistered leads, newest first: those the draft registers',
          schema: z.object({
            items: z.array(z.object({ lead: PartnerLeadSummary, ...Matched })),
            ...paged,
          }),
        },
      },
      handle: async ({ principal, query, body }) => {
        const preview = await Registration.previewRegistration(deps, principal, body, query);
        const now = deps.clock.now();
        return json(200, {
          items: preview.items.map(({ lead, match }) => ({
            lead: partnerLeadSummary(lead, now),
            group: match.group,
            rules: match.rules,
          })),
          scanned: preview.scanned,
          nextCursor: preview.nextCursor,
        });
      },
    }),
    route({
      method: 'POST',
      path: '/v1/partner/registration-rules/apply',
      summary:
        'Register the partner’s unregistered leads a draft (or its settings) matches, a page at a time',
      tag: 'Registration',
      auth: ['partner'],
      query: PageQuery,
      body: RegistrationDraftBody,
      responses: {
        200: {
          description:
            'What each matching lead of the page became (registered, or linked to the supplier’s lead of its email); call again with nextCursor for the next page',
          schema: z.object({
            items: z.array(
              z.object({
                lead: PartnerLeadSummary,
                outcome: z.enum(['registered', 'linked', 'already']),
                conflict: z.boolean().optional(),
                group: Matched.group,
              }),
            ),
            ...paged,
          }),
        },
      },
      handle: async ({ principal, query, body }) => {
        const applied = await Registration.applyRegistration(deps, principal, body, query);
        const now = deps.clock.now();
        return json(200, {
          items: applied.items.map(({ lead, outcome, conflict, group }) => ({
            lead: partnerLeadSummary(lead, now),
            outcome,
            ...(conflict !== undefined ? { conflict } : {}),
            group,
          })),
          scanned: applied.scanned,
          nextCursor: applied.nextCursor,
        });
      },
    }),
  ];
}
