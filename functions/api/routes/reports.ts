import {
  type Clock,
  REPORT_NAMES,
  type ReportName,
  ReportQuery,
  type ReportStore,
  Reports,
  type TenantStore,
} from '@leadrelay/core';
import { z } from 'zod';
import { json } from '../http';
import { route } from '../router';

export interface ReportDeps {
  reports: ReportStore;
  tenants: Pick<TenantStore, 'listPartners'>;
  clock: Clock;
}

const Money = z.object({ amount: z.number(), currency: z.string() }).meta({ id: 'ReportMoney' });
const ReportRow = z
  .object({ count: z.int() })
  .catchall(z.union([z.string(), z.number(), z.null(), Money]))
  .describe('The report’s dimensions (see the route), then count, and opportunityValue where it applies');
const ReportAnswer = z
  .object({
    report: z.enum(REPORT_NAMES),
    from: z.string(),
    to: z.string(),
    rows: z.array(ReportRow),
    totals: z.object({ count: z.int(), opportunityValue: z.array(Money).optional() }),
  })
  .meta({ id: 'Report' });

const summaries: Record<ReportName, string> = {
  'lead-summary': 'Leads created in the range, by source and type',
  'distribution-summary':
    'Distributed leads by partner, distribution status and email status, with their opportunity value (a row per currency)',
  'opportunity-overview': 'Leads in a partner pipeline, by partner and pipeline status, with their value',
  'opportunity-summary':
    'Opportunities (pipeline status Opportunity): count and value by source group (distributed, partner-registered, auto-registered, api-integration)',
  rejections: 'Leads rejected now, by partner, source and reject reason',
};

/**
 * The reports (`GET /v1/reports/<name>?from=&to=`): each reads the counter items of the
 * range (its edge days and its whole months' roll-ups, per partner; never the leads) and groups them. Dates are
 * YYYY-MM-DD (UTC), both included; default the last 30 days; at most 366 days.
 */
export function reportRoutes(deps: ReportDeps) {
  return REPORT_NAMES.map((name) =>
    route({
      method: 'GET',
      path: `/v1/reports/${name}`,
      summary: summaries[name],
      tag: 'Reports',
      auth: ['supplier'],
      query: ReportQuery,
      responses: { 200: { description: 'The report, in long form', schema: ReportAnswer } },
      handle: async ({ principal, query }) => {
        const { cost: _cost, ...report } = await Reports.getReport(deps, principal.supplierId, name, query);
        return json(200, report);
      },
    }),
  );
}
