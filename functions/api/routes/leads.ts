import {
  type AssignDeps,
  assignLead,
  type ErrorDetail,
  HistoryEntry,
  Intake,
  type IntakeDeps,
  type IntakeResult,
  type Lead,
  LeadInput,
  LeadListQuery,
  LeadSummary,
  LeadView,
  leadRow,
  leadSummary,
  leadView,
  leadWithLatestHistory,
  NotFoundError,
  PageQuery,
  PartnerLead,
  type PartnerLeadResult,
  PartnerLeadSummary,
  type Principal,
  parseColumns,
  partnerHistory,
  partnerLead,
  partnerLeadSummary,
  Registration,
  type RegistrationDeps,
  SEED_COLUMNS,
  sharedWithSupplier,
  ValidationError,
  viewFilter,
} from '@leadrelay/core';
import { z } from 'zod';
import { Metric } from '../../shared/metrics';
import { json } from '../http';
import { type RequestNote, route } from '../router';

export const MAX_BATCH = 500;
/** How many of the latest history entries `GET /v1/leads/{id}` shows (the history route pages through all). */
export const LATEST_HISTORY = 20;

const CreateLead = LeadInput.extend({
  source: z.enum(['API', 'Manual', 'Integration']).optional().describe('How the lead arrived; default API.'),
}).meta({ id: 'CreateLead' });

const BatchItemResult = z.object({
  index: z.int(),
  status: z.enum(['created', 'updated', 'rejected']),
  lead: z.union([LeadSummary, PartnerLeadSummary]).optional(),
  registration: z.enum(['registered', 'linked', 'already']).optional(),
  error: z
    .object({
      code: z.string(),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })),
    })
    .optional(),
});

/** A row of the All Leads view (`columns`): `id`, the seed's columns, then the chosen ones (`custom.<name>` for a custom field). */
export const LeadRow = z
  .object({ id: z.string() })
  .catchall(z.unknown())
  .meta({ id: 'LeadRow', description: `id, ${SEED_COLUMNS.join(', ')}, then the columns asked for` });

/** A partner key's lead: its own, so it names no partner. */
const CreatePartnerLead = CreateLead.omit({ partnerId: true }).meta({ id: 'CreatePartnerLead' });

/** How a registration went: registered, linked to the supplier's lead of the same email, or as it was. */
const RegistrationAnswer = z.object({
  outcome: z.enum(['registered', 'linked', 'already']),
  conflict: z
    .boolean()
    .optional()
    .describe('Linked to a lead of another partner: the supplier sees a channel conflict.'),
});

/** A partner key's body: a lead without `partnerId` (its lead is its own); one is a 400 naming it. */
function partnerBody(body: z.output<typeof CreateLead>) {
  if (body.partnerId !== undefined) {
    throw new ValidationError('A partner’s lead is its own: it names no partner', [
      { path: 'partnerId', message: 'not taken with a partner key' },
    ]);
  }
  const { partnerId: _p, ...rest } = body;
  return rest;
}

/** A partner's create answer: the lead as it sees it, and what auto-registration did. */
function partnerCreated(result: Extract<PartnerLeadResult, { lead: Lead }>, now: Date) {
  return {
    lead: partnerLead(result.lead, now),
    ...(result.registration ? { registration: result.registration } : {}),
  };
}

/** What an intake call did, as metrics: every lead sent counts as ingested, refused ones included. */
function countIntake(note: RequestNote, sent: number, statuses: readonly (string | undefined)[]): void {
  note.count(Metric.leadsIngested, sent);
  note.count(Metric.leadsCreated, statuses.filter((s) => s === 'created').length);
  note.count(Metric.leadsDeduplicated, statuses.filter((s) => s === 'updated').length);
}

/** Lead intake, reading and manual assignment. */
export function leadRoutes(deps: IntakeDeps & AssignDeps & RegistrationDeps) {
  const submit = async (
    supplierId: string,
    items: { input: LeadInput; partner?: string | undefined }[],
    source: 'API' | 'Manual' | 'Integration',
  ) => {
    const intake = await Intake.prepare(deps, supplierId);
    return intake.submit(items, { source, actor: 'supplier' });
  };

  /** The lead, when it is the caller's: the supplier's, or the partner's own; another's is a 404. */
  const ownLead = async (
    principal: Extract<Principal, { kind: 'supplier' | 'partner' }>,
    id: string | undefined,
  ): Promise<Lead> => {
    const lead = await deps.leads.getLead(id ?? '');
    if (!lead || !isMine(principal, lead)) throw new NotFoundError(`Lead ${id} not found`);
    return lead;
  };

  return [
    route({
      method: 'POST',
      path: '/v1/leads',
      summary:
        'Bring one lead in: deduplicated by email, routed at once (a partner key: a lead of its own, email optional, then its auto-registration rules)',
      tag: 'Leads',
      auth: ['supplier', 'partner'],
      body: CreateLead,
      idempotent: true,
      responses: {
        201: {
          description:
            'Created and routed (a partner key: created as its own lead, PartnerLead; `registration` when its auto-registration rules registered it)',
          schema: z.object({
            lead: z.union([LeadView, PartnerLead]),
            registration: RegistrationAnswer.shape.outcome.optional(),
          }),
        },
        200: {
          description: 'A lead with this email exists: it was updated',
          schema: z.object({
            lead: z.union([LeadView, PartnerLead]),
            deduplicated: z.literal(true),
            registration: RegistrationAnswer.shape.outcome.optional(),
          }),
        },
      },
      handle: async ({ principal, body, note }) => {
        if (principal.kind === 'partner') {
          const { source, ...input } = partnerBody(body);
          const [result] = await Registration.createPartnerLeads(deps, principal, [input], source ?? 'API');
          const now = deps.clock.now();
          countIntake(note, 1, [result?.status]);
          if (!result || result.status === 'rejected') throw refused(result);
          note.keys.leadId = result.lead.id;
          return result.status === 'created'
            ? json(201, partnerCreated(result, now))
            : json(200, { ...partnerCreated(result, now), deduplicated: true });
        }
        const { source, partnerId, ...input } = body;
        const [result] = await submit(principal.supplierId, [{ input, partner: partnerId }], source ?? 'API');
        const now = deps.clock.now();
        countIntake(note, 1, [result?.status]);
        if (!result || result.status === 'rejected') throw refused(result);
        note.keys.leadId = result.lead.id;
        return result.status === 'created'
          ? json(201, { lead: leadView(result.lead, now) })
          : json(200, { lead: leadView(result.lead, now), deduplicated: true });
      },
    }),
    route({
      method: 'POST',
      path: '/v1/leads/batch',
      summary: `Bring up to ${MAX_BATCH} leads in; one result per lead, a bad lead never stops the others (a partner key: leads of its own)`,
      tag: 'Leads',
      auth: ['supplier', 'partner'],
      body: z.strictObject({
        leads: z
          .array(z.unknown())
          .min(1, 'send at least one lead')
          .max(MAX_BATCH, `send at most ${MAX_BATCH} leads`),
      }),
      idempotent: true,
      responses: {
        200: { description: 'Per-lead results', schema: z.object({ results: z.array(BatchItemResult) }) },
      },
      handle: async ({ principal, body, note }) => {
        const schema: z.ZodType<z.output<typeof CreateLead>> =
          principal.kind === 'partner' ? CreatePartnerLead : CreateLead;
        const parsed = body.leads.map((raw, index) => ({ index, result: schema.safeParse(raw) }));
        const valid = parsed.flatMap(({ index, result }) =>
          result.success ? [{ index, data: result.data }] : [],
        );
        const outcomes = new Map<number, IntakeResult | PartnerLeadResult>();
        // Each lead keeps the source it names: one intake call per source (its history says how
        // the lead came in), in the order the sources first appear.
        type Source = NonNullable<(typeof valid)[number]['data']['source']>;
        const bySource = new Map<Source, typeof valid>();
        for (const item of valid) {
          const source: Source = item.data.source ?? 'API';
          const group = bySource.get(source);
          if (group) group.push(item);
          else bySource.set(source, [item]);
        }
        for (const [source, items] of bySource) {
          const submitted: (IntakeResult | PartnerLeadResult)[] =
            principal.kind === 'partner'
              ? await Registration.createPartnerLeads(
                  deps,
                  principal,
                  items.map(({ data: { source: _s, partnerId: _p, ...input } }) => input),
                  source,
                )
              : await submit(
                  principal.supplierId,
                  items.map(({ data: { source: _s, partnerId, ...input } }) => ({
                    input,
                    partner: partnerId,
                  })),
                  source,
                );
          items.forEach(({ index }, i) => {
            const outcome = submitted[i];
            if (outcome) outcomes.set(index, outcome);
          });
        }
        const now = deps.clock.now();
        const results = parsed.map(({ index, result }) => {
          if (!result.success) {
            const details = result.error.issues.map((issue) => ({
              path: ['leads', index, ...issue.path].join('.'),
              message:
                issue.code === 'unrecognized_keys'
                  ? `unknown field(s): ${issue.keys.join(', ')}`
                  : issue.message,
            }));
            return {
              index,
              status: 'rejected',
              error: { code: 'validation_failed', message: 'Invalid lead', details },
            };
          }
          const outcome = outcomes.get(index);
          if (!outcome || outcome.status === 'rejected') {
            const details = (outcome?.status === 'rejected' ? outcome.errors : []).map((d) => ({
              path: ['leads', index, d.path].filter((p) => p !== '').join('.'),
              message: d.message,
            }));
            return {
              index,
              status: 'rejected',
              error: { code: 'validation_failed', message: 'Lead refused', details },
            };
          }
          return {
            index,
            status: outcome.status,
            lead:
              principal.kind === 'partner'
                ? partnerLeadSummary(outcome.lead, now)
                : leadSummary(outcome.lead, now),
            ...('registration' in outcome && outcome.registration
              ? { registration: outcome.registration }
              : {}),
          };
        });
        countIntake(
          note,
          results.length,
          results.map((r) => r.status),
        );
        return json(200, { results });
      },
    }),
    route({
      method: 'GET',
      path: '/v1/leads',
      summary:
        'All Leads: the supplier’s leads, or the partner’s own (assigned to it now, its registered ones included), filtered, sorted, paged',
      tag: 'Leads',
      auth: ['supplier', 'partner'],
      query: LeadListQuery,
      responses: {
        200: {
          description:
            'A page of leads. Without `columns`: LeadSummary (supplier key) or PartnerLeadSummary (partner key), as before; with `columns`: rows of `id`, the seed columns and the chosen ones. A page may hold fewer than `limit` leads while `nextCursor` is not null (a rare combination of filters): page on until it is null.',
          schema: z.object({
            items: z
              .array(z.union([LeadSummary, PartnerLeadSummary, LeadRow]))
              .describe(
                'LeadSummary for a supplier key, PartnerLeadSummary for a partner key; LeadRow with `columns`',
              ),
            nextCursor: z.string().nullable(),
          }),
        },
      },
      handle: async ({ principal, query }) => {
        const columns = parseColumns(query.columns);
        const filter = await viewFilter(deps, principal, query);
        const page = await deps.leads.queryLeads(principal.supplierId, filter, {
          limit: query.limit,
          ...(query.cursor !== undefined && { cursor: query.cursor }),
        });
        const now = deps.clock.now();
        const items = page.items.map((lead) =>
          columns !== undefined
            ? leadRow(lead, columns, now)
            : principal.kind === 'partner'
              ? partnerLeadSummary(lead, now)
              : leadSummary(lead, now),
        );
        return json(200, { items, nextCursor: page.nextCursor });
      },
    }),
    route({
      method: 'GET',
      path: '/v1/leads/{id}',
      summary: 'One lead with its history (a partner: one of its own, its part of the history)',
      tag: 'Leads',
      auth: ['supplier', 'partner'],
      responses: {
        200: {
          description: 'The lead',
          schema: z.object({
            lead: z
              .union([LeadView, PartnerLead])
              .describe('LeadView for a supplier key, PartnerLead for a partner key'),
          }),
        },
      },
      handle: async ({ principal, params }) => {
        // The latest entries from the history items (the lead carries fewer, and no merges), as of its version.
        const withHistory = await leadWithLatestHistory(
          deps.leads,
          await ownLead(principal, params.id),
          LATEST_HISTORY,
        );
        // Read again: it may have left the partner meanwhile.
        if (!isMine(principal, withHistory)) throw new NotFoundError(`Lead ${params.id} not found`);
        const now = deps.clock.now();
        return json(200, {
          lead: principal.kind === 'partner' ? partnerLead(withHistory, now) : leadView(withHistory, now),
        });
      },
    }),
    route({
      method: 'GET',
      path: '/v1/leads/{id}/history',
      summary: "A lead's whole history, newest first, paged (a partner: its part of it)",
      tag: 'Leads',
      auth: ['supplier', 'partner'],
      query: PageQuery,
      responses: {
        200: {
          description: 'A page of history entries, newest first',
          schema: z.object({ items: z.array(HistoryEntry), nextCursor: z.string().nullable() }),
        },
      },
      handle: async ({ principal, params, query }) => {
        const lead = await ownLead(principal, params.id);
        const page = await deps.leads.listHistory(lead.id, query);
        // A partner sees the entries its lead view shows (the same filter), so a page may hold fewer than `limit`.
        const items =
          principal.kind === 'partner' ? partnerHistory(lead, page.items, principal.partnerId) : page.items;
        return json(200, { items, nextCursor: page.nextCursor });
      },
    }),
    route({
      method: 'POST',
      path: '/v1/leads/{id}/register',
      summary:
        'Register one of the partner’s own leads with the supplier (source Partner Registered); idempotent',
      tag: 'Registration',
      auth: ['partner'],
      responses: {
        200: {
          description:
            'Registered (shared with the supplier as a registered lead), or linked to the supplier’s lead of the same email (no duplicate; `conflict` when another partner has it), or as it was (registered before)',
          schema: z.object({ lead: PartnerLead, ...RegistrationAnswer.shape }),
        },
        404: { description: 'No such lead of this partner' },
        409: { description: 'A lead the supplier distributed: only a partner’s own leads register' },
      },
      handle: async ({ principal, params }) => {
        const done = await Registration.registerPartnerLead(deps, principal, params.id ?? '', { by: 'hand' });
        return json(200, {
          lead: partnerLead(done.lead, deps.clock.now()),
          outcome: done.outcome,
          ...(done.conflict !== undefined ? { conflict: done.conflict } : {}),
        });
      },
    }),
    route({
      method: 'POST',
      path: '/v1/leads/{id}/assign',
      summary:
        'Assign a lead to a partner by hand (or reassign it); settles a channel conflict (the lead goes to the partner named)',
      tag: 'Leads',
      auth: ['supplier'],
      body: z.strictObject({ partnerId: z.string().min(1) }),
      responses: {
        200: { description: 'The lead after the assignment', schema: z.object({ lead: LeadView }) },
      },
      handle: async ({ principal, params, body }) => {
        const lead = await assignLead(deps, principal.supplierId, params.id ?? '', body.partnerId);
        return json(200, { lead: leadView(lead, deps.clock.now()) });
      },
    }),
  ];
}

/** The 400 of a single lead intake refused (its errors name the fields). */
function refused(result: { status: 'rejected'; errors: ErrorDetail[] } | undefined): ValidationError {
  const details = result?.errors ?? [];
  return new ValidationError(
    `Lead refused: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
    details,
  );
}

/** Whether the principal may see the lead: a supplier does not see a partner's own lead until it is registered. */
function isMine(principal: Extract<Principal, { kind: 'supplier' | 'partner' }>, lead: Lead): boolean {
  return (
    lead.supplierId === principal.supplierId &&
    (principal.kind === 'supplier' ? sharedWithSupplier(lead) : lead.partnerId === principal.partnerId)
  );
}
