import type { Clock } from '../clock';
import { NotFoundError, ValidationError } from '../errors';
import { inboxPrefix } from '../events';
import { newId } from '../ids';
import type { Page, PageQuery } from '../pages';
import type { TenantStore } from '../tenants/ports';
import { listAllPartners } from '../tenants/tenants';
import type { UploadStore, UploadUrlSigner } from './ports';
import {
  type CreateUpload,
  sanitiseFileName,
  type Upload,
  type UploadObject,
  type UploadRouting,
  type UploadRowError,
  type UploadRows,
} from './schemas';

export interface UploadDeps {
  uploads: UploadStore;
  tenants: TenantStore;
  signer: UploadUrlSigner;
  clock: Clock;
}

/** How long a presigned upload URL works. */
export const UPLOAD_URL_TTL_SECONDS = 15 * 60;
/** Row errors per report page: default and most. */
export const DEFAULT_ERRORS_LIMIT = 100;
export const MAX_ERRORS_LIMIT = 1000;

export const NO_ROWS: UploadRows = { total: 0, created: 0, updated: 0, rejected: 0 };

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** The object key of an API upload: `inbox/<supplierId>/<uploadId>/<fileName sanitised>`. */
export function uploadKey(supplierId: string, uploadId: string, fileName: string): string {
  return `${inboxPrefix}${supplierId}/${uploadId}/${sanitiseFileName(fileName) || 'upload'}`;
}

/** The upload id in a key laid out by {@link uploadKey}; undefined for any other key (a direct drop). */
export function uploadIdOfKey(supplierId: string, key: string): string | undefined {
  const prefix = `${inboxPrefix}${supplierId}/`;
  if (!key.startsWith(prefix)) return undefined;
  const [id, ...rest] = key.slice(prefix.length).split('/');
  return id !== undefined && ULID.test(id) && rest.length === 1 && rest[0] !== '' ? id : undefined;
}

/**
 * Starts an upload through the API.
 * Primary course: 1. check the routing (mode partner names a partner of this
 * supplier, by id or exact name; it is stored by id) 2. store the upload as
 * `awaiting-file` with its key 3. sign a PUT URL for that key (15 minutes).
 * The S3 event of the PUT then starts ingest, which finds this record by the key.
 */
export async function createUpload(
  deps: UploadDeps,
  supplierId: string,
  input: CreateUpload,
): Promise<{ upload: Upload; uploadUrl: string }> {
  const routing = await resolveRouting(deps, supplierId, input.routing ?? { mode: 'rules' });
  const now = deps.clock.now();
  const id = newId(now.getTime());
  const at = now.toISOString();
  const upload: Upload = {
    id,
    supplierId,
    key: uploadKey(supplierId, id, input.fileName),
    fileName: input.fileName,
    origin: 'api',
    routing,
    ...(input.mapping ? { mapping: input.mapping } : {}),
    status: 'awaiting-file',
    rows: { ...NO_ROWS },
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  if ((await deps.uploads.createUpload(upload)) === 'exists') {
    throw new Error(`Upload id ${id} is taken`);
  }
  const uploadUrl = await deps.signer.presignPut(upload.key, UPLOAD_URL_TTL_SECONDS);
  return { upload, uploadUrl };
}

async function resolveRouting(
  deps: Pick<UploadDeps, 'tenants'>,
  supplierId: string,
  routing: UploadRouting,
): Promise<UploadRouting> {
  if (routing.mode !== 'partner' || routing.partnerId === undefined) return routing;
  const wanted = routing.partnerId;
  const partners = await listAllPartners({ store: deps.tenants }, supplierId);
  const partner =
    partners.find((p) => p.id === wanted) ??
    partners.find((p) => p.name.trim().toLowerCase() === wanted.toLowerCase());
  if (!partner) {
    throw new ValidationError(`Unknown partner "${wanted}"`, [
      { path: 'routing.partnerId', message: `no partner of this supplier has the id or name "${wanted}"` },
    ]);
  }
  return { mode: 'partner', partnerId: partner.id };
}

/**
 * The upload a file dropped straight into the inbox gets: routing `rules` (ingest
 * switches to `column` when the file has a partner column), status `received`.
 * The id is the caller's, derived from the object, so a repeated S3 event finds it.
 */
export function droppedUpload(input: {
  id: string;
  supplierId: string;
  key: string;
  object: UploadObject;
  now: string;
}): Upload {
  return {
    id: input.id,
    supplierId: input.supplierId,
    key: input.key,
    fileName: input.key.slice(input.key.lastIndexOf('/') + 1),
    origin: 'drop',
    routing: { mode: 'rules' },
    status: 'received',
    rows: { ...NO_ROWS },
    object: input.object,
    createdAt: input.now,
    updatedAt: input.now,
    version: 1,
  };
}

/** An upload as the API shows it: without the reader's checkpoint, the lease and the run attempts, which are ingest's business. */
export function uploadView(upload: Upload) {
  const {
    checkpoint: _checkpoint,
    leaseUntil: _leaseUntil,
    attempts: _attempts,
    lastError: _lastError,
    ...view
  } = upload;
  return view;
}

/**
 * Two S3 events name the same object (the same PUT): the same version where the
 * bucket keeps versions, else the same ETag and sequencer. An object recorded
 * before sequencers were kept matches on its ETag.
 */
export function sameObject(a: UploadObject, b: UploadObject): boolean {
  if (a.versionId !== undefined || b.versionId !== undefined) return a.versionId === b.versionId;
  if (a.eTag !== b.eTag) return false;
  return a.sequencer === undefined || b.sequencer === undefined || a.sequencer === b.sequencer;
}

/**
 * The upload record of another file PUT to an API upload's URL (a second object
 * version of its key): the same key, file name and routing, its own object, counts
 * and status (`received`), and `versionOf` naming the upload whose URL it came through.
 */
export function versionUpload(
  original: Upload,
  input: { id: string; object: UploadObject; now: string },
): Upload {
  const {
    status: _status,
    failure: _failure,
    rows: _rows,
    checkpoint: _checkpoint,
    leaseUntil: _leaseUntil,
    attempts: _attempts,
    lastError: _lastError,
    otherVersions: _otherVersions,
    finishedAt: _finishedAt,
    ...settings
  } = original;
  return {
    ...settings,
    id: input.id,
    status: 'received',
    rows: { ...NO_ROWS },
    object: input.object,
    versionOf: original.id,
    createdAt: input.now,
    updatedAt: input.now,
    version: 1,
  };
}

/** Most uploads one sweep resumes; the next sweep takes the rest. */
export const SWEEP_UPLOADS_LIMIT = 100;

/**
 * The safety net of ingest: uploads left `processing` with an expired lease (a run
 * that crashed, timed out or ran out of memory, or a continuation that was lost)
 * are handed back to ingest, which claims each one conditionally and continues
 * from its checkpoint (or ends it as `failed` when runs keep failing there).
 * Primary course: 1. query the uploads whose lease expired before now (an index
 * entry exists only while processing) 2. send ingest a resume for each.
 */
export async function sweepStalledUploads(
  deps: {
    uploads: Pick<UploadStore, 'listStalledUploads'>;
    clock: Clock;
    resume: (upload: { supplierId: string; uploadId: string }) => Promise<void>;
  },
  limit = SWEEP_UPLOADS_LIMIT,
): Promise<{ resumed: number }> {
  const stalled = await deps.uploads.listStalledUploads(deps.clock.now().toISOString(), limit);
  for (const upload of stalled) await deps.resume({ supplierId: upload.supplierId, uploadId: upload.id });
  return { resumed: stalled.length };
}

/** One upload of the supplier; another supplier's (or none) is not found. */
export async function getUpload(
  deps: Pick<UploadDeps, 'uploads'>,
  supplierId: string,
  uploadId: string,
): Promise<Upload> {
  const upload = await deps.uploads.getUpload(supplierId, uploadId);
  if (!upload || upload.supplierId !== supplierId) throw new NotFoundError(`Upload ${uploadId} not found`);
  return upload;
}

/**
 * The upload with one page of its row errors, in row order. `limit` counts rows
 * (a row with several problems lists each of them).
 */
export async function getUploadReport(
  deps: Pick<UploadDeps, 'uploads'>,
  supplierId: string,
  uploadId: string,
  errorsPage: PageQuery,
): Promise<{ upload: Upload; errors: UploadRowError[]; errorsCursor: string | null }> {
  const upload = await getUpload(deps, supplierId, uploadId);
  const page = await deps.uploads.listRowErrors(supplierId, uploadId, errorsPage);
  const errors = page.items.flatMap(({ row, errors }) =>
    errors.map((e) => ({ row, ...(e.column === undefined ? {} : { column: e.column }), message: e.message })),
  );
  return { upload, errors, errorsCursor: page.nextCursor };
}

export function listUploads(
  deps: Pick<UploadDeps, 'uploads'>,
  supplierId: string,
  page: PageQuery,
): Promise<Page<Upload>> {
  return deps.uploads.listUploads(supplierId, page);
}
