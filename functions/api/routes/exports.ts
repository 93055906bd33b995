import {
  type Clock,
  type ExportFiles,
  type ExportLimits,
  type ExportStore,
  exportLeads,
  exportStatus,
  LeadListQuery,
  type LeadViews,
  type RunExportEvent,
  requesterOf,
  resolveView,
  type TenantStore,
} from '@leadrelay/core';
import { z } from 'zod';
import { json } from '../http';
import { route } from '../router';

export interface ExportRouteDeps {
  views: LeadViews;
  tenants: TenantStore;
  exports: ExportStore;
  files: ExportFiles;
  clock: Clock;
  /** Starts the export function (asynchronously) on a large export. */
  startRun(event: RunExportEvent): Promise<void>;
  /** Where inline answers end (core DEFAULT_EXPORT_LIMITS unless configured). */
  limits?: ExportLimits;
}

/** The query of an export: the list's, without paging (an export is the whole view). */
const ExportQuery = LeadListQuery.omit({ limit: true, cursor: true });

const ExportStatus = z
  .object({
    id: z.string(),
    status: z.enum(['running', 'done', 'failed']),
    rows: z.int().optional().describe('Data rows in the file, once done.'),
    bytes: z.int().optional(),
    fileName: z.string(),
    createdAt: z.iso.datetime(),
    finishedAt: z.iso.datetime().optional(),
    failure: z.string().optional(),
    downloadUrl: z.string().optional().describe('Once done: a GET URL for the CSV file, valid for one hour.'),
    downloadExpiresAt: z.iso.datetime().optional(),
  })
  .meta({ id: 'Export' });

/** The export of the All Leads view, and the status of a large one. */
export function exportRoutes(deps: ExportRouteDeps) {
  return [
    route({
      method: 'GET',
      path: '/v1/leads/export',
      summary:
        'The All Leads view as CSV (the same filters and columns as GET /v1/leads): inline, or a large export written to a file',
      tag: 'Leads',
      auth: ['supplier', 'partner'],
      query: ExportQuery,
      responses: {
        200: {
          description:
            'The CSV: UTF-8 with a byte order mark, a header row (id, the seed columns, then `columns`), RFC 4180 ' +
            'quoting; a value that begins with = + - @, a tab or CR gets a single quote before it (formula injection)',
          contentType: 'text/csv; charset=utf-8',
        },
        202: {
          description:
            'The view is larger than an inline answer (5,000 rows or 4 MiB by default): the file is being ' +
            'written; follow Location (GET /v1/exports/{id}) until it is done',
          schema: z.object({ export: ExportStatus }),
        },
      },
      handle: async ({ principal, query }) => {
        const view = await resolveView(deps, principal, query);
        const answer = await exportLeads(deps, { view, requestedBy: requesterOf(principal) }, deps.limits);
        if (answer.kind === 'started') {
          const exp = answer.export;
          return json(
            202,
            { export: { id: exp.id, status: exp.status, fileName: exp.fileName, createdAt: exp.createdAt } },
            { location: `/v1/exports/${exp.id}` },
          );
        }
        return {
          statusCode: 200,
          headers: {
            'content-type': 'text/csv; charset=utf-8',
            'content-disposition': `attachment; filename="${answer.fileName}"`,
            'cache-control': 'no-store',
            'x-content-type-options': 'nosniff',
          },
          body: answer.csv,
        };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/exports/{id}',
      summary: 'A large export: its status, and once done a download URL (one hour)',
      tag: 'Leads',
      auth: ['supplier', 'partner'],
      responses: {
        200: { description: 'The export', schema: z.object({ export: ExportStatus }) },
      },
      handle: async ({ principal, params }) =>
        json(200, { export: await exportStatus(deps, principal, params.id ?? '') }),
    }),
  ];
}
