import {
  CreateUpload,
  DEFAULT_ERRORS_LIMIT,
  MAX_ERRORS_LIMIT,
  PageQuery,
  Upload,
  type UploadDeps,
  UploadRowError,
  Uploads,
  uploadView,
  ValidationError,
} from '@leadrelay/core';
import { z } from 'zod';
import { json } from '../http';
import { route } from '../router';

/** What the API shows of an upload: no checkpoint, no lease (ingest's business). */
const UploadView = Upload.omit({ checkpoint: true, leaseUntil: true }).meta({ id: 'UploadView' });
const UploadReport = UploadView.extend({ errors: z.array(UploadRowError) }).meta({ id: 'UploadReport' });

const ReportQuery = z.strictObject({
  errorsLimit: z.coerce
    .number()
    .int()
    .min(1, 'must be at least 1')
    .max(MAX_ERRORS_LIMIT, `must be at most ${MAX_ERRORS_LIMIT}`)
    .default(DEFAULT_ERRORS_LIMIT)
    .describe('Rejected rows per page (a row with several problems lists each).'),
  errorsCursor: z.string().min(1).max(2048).optional(),
});

/** Lead files: presigned uploads and their reports. */
export function uploadRoutes(deps: UploadDeps) {
  return [
    route({
      method: 'POST',
      path: '/v1/uploads',
      summary: 'Start a lead file upload: answers a presigned PUT URL (15 minutes) for the file',
      tag: 'Files',
      auth: ['supplier'],
      body: CreateUpload,
      idempotent: true,
      responses: {
        201: {
          description: 'The upload, awaiting its file; PUT the file to uploadUrl',
          schema: z.object({ upload: UploadView, uploadUrl: z.string() }),
        },
      },
      handle: async ({ principal, body, note }) => {
        const { upload, uploadUrl } = await Uploads.createUpload(deps, principal.supplierId, body);
        note.keys.uploadId = upload.id;
        return json(201, { upload: uploadView(upload), uploadUrl });
      },
    }),
    route({
      method: 'GET',
      path: '/v1/uploads',
      summary: 'The supplier’s uploads (API and dropped files), newest first',
      tag: 'Files',
      auth: ['supplier'],
      query: PageQuery,
      responses: {
        200: {
          description: 'A page of uploads',
          schema: z.object({ items: z.array(UploadView), nextCursor: z.string().nullable() }),
        },
      },
      handle: async ({ principal, query }) => {
        const page = await Uploads.listUploads(deps, principal.supplierId, query);
        return json(200, { items: page.items.map(uploadView), nextCursor: page.nextCursor });
      },
    }),
    route({
      method: 'GET',
      path: '/v1/uploads/{id}',
      summary: 'One upload: status, counts, and a page of its row errors in row order',
      tag: 'Files',
      auth: ['supplier'],
      query: ReportQuery,
      responses: {
        200: {
          description: 'The upload report',
          schema: z.object({ upload: UploadReport, errorsCursor: z.string().nullable() }),
        },
      },
      handle: async ({ principal, params, query }) => {
        const report = await Uploads.getUploadReport(deps, principal.supplierId, params.id ?? '', {
          limit: query.errorsLimit,
          ...(query.errorsCursor ? { cursor: query.errorsCursor } : {}),
        }).catch((error: unknown) => {
          // The store names its own parameter `cursor`; here it is errorsCursor.
          if (error instanceof ValidationError && error.details.some((d) => d.path === 'cursor')) {
            throw new ValidationError(error.message, [
              { path: 'errorsCursor', message: 'not a cursor of this upload’s errors' },
            ]);
          }
          throw error;
        });
        return json(200, {
          upload: { ...uploadView(report.upload), errors: report.errors },
          errorsCursor: report.errorsCursor,
        });
      },
    }),
  ];
}
