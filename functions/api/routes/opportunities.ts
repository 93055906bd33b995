import {
  type Clock,
  DistributionStatus,
  type Lead,
  type LeadFilter,
  type LeadStore,
  PageQuery,
  PipelineStatus,
  ValidationError,
} from '@leadrelay/core';
import { z } from 'zod';
import { json } from '../http';
import { route } from '../router';

/** The longest range one request may name (as the other reports). */
export const MAX_RANGE_DAYS = 366;
/** The range when none is named: the last 30 days. */
export const DEFAULT_RANGE_DAYS = 30;

const DAY_MS = 86_400_000;

const OpportunityDetailsQuery = PageQuery.extend({
  from: z.iso.date().optional().describe(`First day (UTC), default ${DEFAULT_RANGE_DAYS} days before to.`),
  to: z.iso.date().optional().describe('Last day (UTC), included; default today.'),
});

const OpportunityDetail = z
  .object({
    id: z.string(),
    createdAt: z.iso.datetime(),
    displayEmail: z.string(),
    company: z.string().nullable(),
    partnerId: z.string().nullable(),
    partnerName: z.string().nullable(),
    salesRepId: z.string().nullable(),
    pipelineStatus: PipelineStatus,
    distributionStatus: DistributionStatus,
    opportunityValue: z.object({ amount: z.number(), currency: z.string() }).nullable(),
  })
  .meta({ id: 'OpportunityDetail' });

function detail(lead: Lead): z.output<typeof OpportunityDetail> {
  return {
    id: lead.id,
    createdAt: lead.createdAt,
    displayEmail: lead.displayEmail,
    company: lead.company ?? null,
    partnerId: lead.partnerId,
    partnerName: lead.partnerName,
    salesRepId: lead.salesRepId ?? null,
    pipelineStatus: lead.pipelineStatus ?? 'Opportunity',
    distributionStatus: lead.distributionStatus,
    opportunityValue: lead.opportunityValue ?? null,
  };
}

/** The days a report covers: `from`..`to` (UTC days, both included), checked. */
export function reportRange(query: { from?: string | undefined; to?: string | undefined }, now: Date) {
  const to = query.to ?? now.toISOString().slice(0, 10);
  const from =
    query.from ?? new Date(Date.parse(to) - (DEFAULT_RANGE_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
  if (from > to) {
    throw new ValidationError('`from` is after `to`', [{ path: 'from', message: 'must be on or before to' }]);
  }
  if ((Date.parse(to) - Date.parse(from)) / DAY_MS + 1 > MAX_RANGE_DAYS) {
    throw new ValidationError(`The range is longer than ${MAX_RANGE_DAYS} days`, [
      { path: 'from', message: `at most ${MAX_RANGE_DAYS} days before to` },
    ]);
  }
  return { from, to };
}

/**
 * `GET /v1/reports/opportunity-details`: the leads whose pipeline status is Opportunity,
 * created in the range, newest first, paged — the byPipeline index (queryLeads).
 */
export function opportunityRoutes(deps: { leads: Pick<LeadStore, 'queryLeads'>; clock: Clock }) {
  return [
    route({
      method: 'GET',
      path: '/v1/reports/opportunity-details',
      summary:
        'The opportunity leads created in a range, with value, partner, rep and status, newest first, paged',
      tag: 'Reports',
      auth: ['supplier'],
      query: OpportunityDetailsQuery,
      responses: {
        200: {
          description: 'A page of opportunity leads',
          schema: z.object({
            report: z.literal('opportunity-details'),
            from: z.iso.date(),
            to: z.iso.date(),
            items: z.array(OpportunityDetail),
            nextCursor: z.string().nullable(),
          }),
        },
      },
      handle: async ({ principal, query }) => {
        const { from, to } = reportRange(query, deps.clock.now());
        const filter: LeadFilter = {
          dateField: 'created',
          from: `${from}T00:00:00.000Z`,
          to: `${to}T23:59:59.999Z`,
          pipelineStatuses: ['Opportunity'],
          sort: 'created',
          order: 'desc',
        };
        const page = await deps.leads.queryLeads(principal.supplierId, filter, {
          limit: query.limit,
          ...(query.cursor !== undefined && { cursor: query.cursor }),
        });
        return json(200, {
          report: 'opportunity-details',
          from,
          to,
          items: page.items.map(detail),
          nextCursor: page.nextCursor,
        });
      },
    }),
  ];
}
