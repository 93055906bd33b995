import { api, ok } from '../api/client';
import type { OpportunityDetail, Range, Report, ReportName } from '../pages/supplier/reports-model';

/** The reports over the typed client: each summary for a range, and the opportunity leads page by page. */

const PATHS = {
  'lead-summary': '/v1/reports/lead-summary',
  'distribution-summary': '/v1/reports/distribution-summary',
  'opportunity-overview': '/v1/reports/opportunity-overview',
  'opportunity-summary': '/v1/reports/opportunity-summary',
  rejections: '/v1/reports/rejections',
} as const satisfies Record<ReportName, string>;

/** One report for the days from..to (UTC, both included). */
export function loadReport(name: ReportName, range: Range): Promise<Report> {
  // Every report route answers the same Report shape; the path names which.
  return ok(api.GET(PATHS[name] as (typeof PATHS)['lead-summary'], { params: { query: range } }));
}

export function loadOpportunityPage(range: Range, cursor: string | undefined, limit = 50) {
  return ok(
    api.GET('/v1/reports/opportunity-details', {
      params: { query: { ...range, limit, ...(cursor ? { cursor } : {}) } },
    }),
  );
}

/** Every opportunity lead of the range (for the CSV), page after page. */
export async function loadAllOpportunities(range: Range): Promise<OpportunityDetail[]> {
  const all: OpportunityDetail[] = [];
  let cursor: string | undefined;
  do {
    const page = await loadOpportunityPage(range, cursor, 500);
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}
