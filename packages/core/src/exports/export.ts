import type { Clock } from '../clock';
import { NotFoundError } from '../errors';
import { newId } from '../ids';
import {
  type Column,
  type LeadFilter,
  type LeadListQuery,
  type LeadViews,
  parseColumns,
  viewFilter,
} from '../leads/query';
import type { Principal } from '../principal';
import type { TenantStore } from '../tenants/ports';
import { csvHeader, csvRows, exportColumns } from './csv';
import type { ExportFiles, ExportStore, LeadExport, RunExportEvent } from './ports';

/**
 * Exporting the All Leads view as CSV. One view (a filter and columns), read page by
 * page through the LeadViews port and rendered page by page, so no export ever holds
 * more than a page of leads:
 *
 * - small: the API reads the view up to a threshold; a view that ends before it is
 *   answered inline (`text/csv`);
 * - large: otherwise the API records an export and starts the export function
 *   asynchronously, which streams every page into an S3 object; the export's status
 *   answers a presigned download URL once it is done.
 *
 * Why a threshold at all: a Lambda response is at most 6 MB and API Gateway waits at
 * most 30 s. DEFAULT_EXPORT_LIMITS keeps the inline answer far from both.
 */

/** Leads per page read (PageQuery's most). */
export const EXPORT_PAGE_SIZE = 500;

/**
 * The inline answer's bounds (the api's EXPORT_INLINE_MAX_ROWS, EXPORT_INLINE_MAX_BYTES):
 * 5,000 rows or 4 MiB of the body as the Lambda response carries it (JSON-escaped), which
 * leaves 2 MB of the 6 MB response limit for the rest. A 5,000-row view reads in 10
 * pages of 500 and renders in about 50 ms (the CSV and S3 path alone runs at ~65,000
 * rows/s); the reads are the rest, and they must stay well inside API Gateway's 30 s:
 * test/bench/export.ts measures the api's time at the threshold on DynamoDB Local
 * (it depends on how many items queryLeads reads per row). A bigger view goes the large way.
 */
export const DEFAULT_EXPORT_LIMITS: ExportLimits = { inlineMaxRows: 5_000, inlineMaxBytes: 4 * 1024 * 1024 };

export interface ExportLimits {
  /** Most data rows answered inline. */
  inlineMaxRows: number;
  /** Most bytes of an inline body, JSON-escaped as the Lambda response carries it. */
  inlineMaxBytes: number;
}

/** Where export files go in the bucket: `exports/<supplierId>/<exportId>.csv` (a lifecycle rule expires them). */
export const exportsPrefix = 'exports/';
/** How long an export file and its record are kept (the bucket's lifecycle rule, the record's TTL). */
export const EXPORT_RETENTION_DAYS = 7;
/** How long a download URL works. */
export const EXPORT_URL_TTL_SECONDS = 60 * 60;
/** Runs of one export before it is given up on (Lambda's first try and its two retries). */
export const MAX_EXPORT_ATTEMPTS = 3;
/** An export whose first run has not started this long after it was asked for never will (the async event's max age). */
export const EXPORT_QUEUE_SECONDS = 60 * 60;
/** The export function's timeout (functions/registry.ts), after which a run that has not finished never will. */
export const EXPORT_RUN_SECONDS = 900;

export function exportKey(supplierId: string, exportId: string): string {
  return `${exportsPrefix}${supplierId}/${exportId}.csv`;
}

/** `leads-2026-12-02.csv`: the day it was asked for (UTC). */
export function exportFileName(now: Date): string {
  return `leads-${now.toISOString().slice(0, 10)}.csv`;
}

/** Who may read an export: the supplier, or the one partner that asked for it. */
export function requesterOf(principal: Extract<Principal, { kind: 'supplier' | 'partner' }>): string {
  return principal.kind === 'supplier' ? 'supplier' : `partner:${principal.partnerId}`;
}

/** What one export shows. */
export interface ExportView {
  supplierId: string;
  filter: LeadFilter;
  /** Every column of the file, in order (exportColumns). */
  columns: Column[];
}

/**
 * The filter and columns an export query asks for, for this caller (viewFilter), and
 * every column of the file; an unknown column is a 400 naming it.
 */
export async function resolveView(
  deps: { tenants: TenantStore },
  principal: Extract<Principal, { kind: 'supplier' | 'partner' }>,
  query: Omit<LeadListQuery, 'limit' | 'cursor'>,
): Promise<ExportView> {
  const columns = exportColumns(parseColumns(query.columns));
  const filter = await viewFilter(deps, principal, { limit: EXPORT_PAGE_SIZE, ...query });
  return { supplierId: principal.supplierId, filter, columns };
}

/** One chunk of the file: its text, and how many data rows it holds. */
export interface ExportChunk {
  text: string;
  rows: number;
}

/**
 * The whole file, chunk by chunk: the byte order mark and the header, then one chunk
 * per page of the view, read only when the consumer asks for the next (a stream's
 * backpressure reaches the reads), so memory stays at a page whatever the view's size.
 */
export async function* exportChunks(
  views: LeadViews,
  view: ExportView,
  now: Date,
  pageSize = EXPORT_PAGE_SIZE,
): AsyncGenerator<ExportChunk> {
  yield { text: csvHeader(view.columns), rows: 0 };
  let cursor: string | undefined;
  do {
    const page = await views.queryLeads(view.supplierId, view.filter, {
      limit: pageSize,
      ...(cursor === undefined ? {} : { cursor }),
    });
    if (page.items.length > 0)
      yield { text: csvRows(page.items, view.columns, now), rows: page.items.length };
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}

/**
 * The bytes a text takes in a JSON string as UTF-8 (a Lambda response's body): a quote
 * or a backslash is escaped to two, a line break to two, other control characters to
 * six (a lone surrogate too); the rest is its UTF-8 length.
 */
export function jsonStringBytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) bytes += 2;
    else if (c < 0x20) bytes += c === 0x0a || c === 0x0d || c === 0x09 || c === 0x08 || c === 0x0c ? 2 : 6;
    else if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 6; // a lone surrogate: JSON writes it as \uXXXX
    } else bytes += 3;
  }
  return bytes;
}

export interface ExportDeps {
  views: LeadViews;
  exports: ExportStore;
  clock: Clock;
  /** Starts the export function on an export (asynchronously: Lambda's Event invocation). */
  startRun(event: RunExportEvent): Promise<void>;
}

export type ExportAnswer =
  | { kind: 'inline'; csv: string; rows: number; fileName: string }
  | { kind: 'started'; export: LeadExport };

/**
 * `GET /v1/leads/export`.
 * Primary course: 1. read the view page by page, rendering each page 2. the view ends
 * within the limits: answer the CSV inline.
 * Alternate course (the view is larger): 2a. record an export (`running`, the view,
 * its key) 2b. start the export function on it 2c. answer the export; its status
 * (`GET /v1/exports/{id}`) gives the download once done. A start that fails records
 * the export as failed and throws.
 */
export async function exportLeads(
  deps: ExportDeps,
  request: { view: ExportView; requestedBy: string },
  limits: ExportLimits = DEFAULT_EXPORT_LIMITS,
): Promise<ExportAnswer> {
  const now = deps.clock.now();
  const { view } = request;
  const parts: string[] = [csvHeader(view.columns)];
  let bytes = jsonStringBytes(parts[0] ?? '');
  let rows = 0;
  let cursor: string | undefined;
  let fits = true;
  do {
    // One row past the limit tells a view that ends at the limit from a longer one.
    const limit = Math.min(EXPORT_PAGE_SIZE, limits.inlineMaxRows - rows + 1);
    const page = await deps.views.queryLeads(view.supplierId, view.filter, {
      limit,
      ...(cursor === undefined ? {} : { cursor }),
    });
    rows += page.items.length;
    const text = csvRows(page.items, view.columns, now);
    bytes += jsonStringBytes(text);
    if (rows > limits.inlineMaxRows || bytes > limits.inlineMaxBytes) fits = false;
    else parts.push(text);
    cursor = page.nextCursor ?? undefined;
  } while (fits && cursor !== undefined);
  if (fits) return { kind: 'inline', csv: parts.join(''), rows, fileName: exportFileName(now) };
  return { kind: 'started', export: await startExport(deps, request, now) };
}

async function startExport(
  deps: ExportDeps,
  request: { view: ExportView; requestedBy: string },
  now: Date,
): Promise<LeadExport> {
  const id = newId(now.getTime());
  const at = now.toISOString();
  const exp: LeadExport = {
    id,
    supplierId: request.view.supplierId,
    requestedBy: request.requestedBy,
    filter: request.view.filter,
    columns: request.view.columns,
    status: 'running',
    key: exportKey(request.view.supplierId, id),
    fileName: exportFileName(now),
    attempts: 0,
    staleAfter: new Date(now.getTime() + EXPORT_QUEUE_SECONDS * 1000).toISOString(),
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  if ((await deps.exports.createExport(exp)) === 'exists') throw new Error(`Export id ${id} is taken`);
  try {
    await deps.startRun({ kind: 'export', supplierId: exp.supplierId, exportId: id });
  } catch (error) {
    await deps.exports.finishExport(
      exp.supplierId,
      id,
      exp.version,
      { status: 'failed', failure: 'The export could not be started; ask for it again' },
      deps.clock.now().toISOString(),
    );
    throw error;
  }
  return exp;
}

export interface RunExportDeps {
  views: LeadViews;
  exports: ExportStore;
  files: ExportFiles;
  clock: Clock;
  /** The function's timeout (default EXPORT_RUN_SECONDS): a run not done by then never will be. */
  runSeconds?: number;
  /** Leads per page read (default EXPORT_PAGE_SIZE). */
  pageSize?: number;
}

export type RunExportOutcome =
  | { kind: 'skipped'; reason: 'unknown' | 'finished' }
  | { kind: 'done'; rows: number; bytes: number }
  | { kind: 'failed'; failure: string }
  /** Another run claimed or finished the export meanwhile: this one recorded nothing. */
  | { kind: 'lost' };

/**
 * The export function: writes a large export's file.
 * Primary course: 1. read the export (done, failed or unknown: nothing to do) 2. claim
 * it (one more attempt, conditional on the version read) 3. stream the view into its
 * object, page by page 4. record it done with its rows and size (conditional on the
 * claim). Idempotent: a retried run writes the same view to the same key (the object
 * is replaced whole: a multipart upload appears only once complete) and a run that
 * lost the record to another records nothing. An error is thrown on (Lambda retries)
 * until MAX_EXPORT_ATTEMPTS, when the export is recorded as failed.
 */
export async function runExport(deps: RunExportDeps, event: RunExportEvent): Promise<RunExportOutcome> {
  const exp = await deps.exports.getExport(event.supplierId, event.exportId);
  if (!exp) return { kind: 'skipped', reason: 'unknown' };
  if (exp.status !== 'running') return { kind: 'skipped', reason: 'finished' };
  const now = deps.clock.now();
  if (exp.attempts >= MAX_EXPORT_ATTEMPTS) {
    return fail(deps, exp, `The export did not finish in ${MAX_EXPORT_ATTEMPTS} attempts; ask for it again`);
  }
  const runSeconds = deps.runSeconds ?? EXPORT_RUN_SECONDS;
  const claimed = await deps.exports.claimExport(exp.supplierId, exp.id, exp.version, {
    now: now.toISOString(),
    // A minute past the timeout: the run is surely over by then, finished or not.
    staleAfter: new Date(now.getTime() + (runSeconds + 60) * 1000).toISOString(),
  });
  if (!claimed) return { kind: 'lost' };

  let rows = 0;
  const view: ExportView = { supplierId: exp.supplierId, filter: exp.filter, columns: exp.columns };
  async function* text(): AsyncGenerator<string> {
    for await (const chunk of exportChunks(deps.views, view, now, deps.pageSize)) {
      rows += chunk.rows;
      yield chunk.text;
    }
  }
  let bytes: number;
  try {
    ({ bytes } = await deps.files.write(exp.key, text(), { fileName: exp.fileName }));
  } catch (error) {
    if (claimed.attempts < MAX_EXPORT_ATTEMPTS) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    return fail(deps, claimed, `The export failed (${reason.slice(0, 200)}); ask for it again`);
  }
  const done = await deps.exports.finishExport(
    exp.supplierId,
    exp.id,
    claimed.version,
    { status: 'done', rows, bytes },
    deps.clock.now().toISOString(),
  );
  return done ? { kind: 'done', rows, bytes } : { kind: 'lost' };
}

async function fail(
  deps: Pick<RunExportDeps, 'exports' | 'clock'>,
  exp: LeadExport,
  failure: string,
): Promise<RunExportOutcome> {
  const failed = await deps.exports.finishExport(
    exp.supplierId,
    exp.id,
    exp.version,
    { status: 'failed', failure },
    deps.clock.now().toISOString(),
  );
  return failed ? { kind: 'failed', failure } : { kind: 'lost' };
}

/** An export as its status answers it. */
export interface ExportStatusView {
  id: string;
  status: LeadExport['status'];
  rows?: number;
  bytes?: number;
  fileName: string;
  createdAt: string;
  finishedAt?: string;
  failure?: string;
  /** Once done: a GET URL for the file, and until when it works. */
  downloadUrl?: string;
  downloadExpiresAt?: string;
}

/**
 * `GET /v1/exports/{id}`: the export, if the caller asked for it (anyone else's, or
 * none, is not found). Running past `staleAfter` reads as failed: its run timed out or
 * never started. Done: with a download URL (EXPORT_URL_TTL_SECONDS).
 */
export async function exportStatus(
  deps: { exports: ExportStore; files: ExportFiles; clock: Clock },
  principal: Extract<Principal, { kind: 'supplier' | 'partner' }>,
  exportId: string,
): Promise<ExportStatusView> {
  const exp = await deps.exports.getExport(principal.supplierId, exportId);
  if (!exp || exp.supplierId !== principal.supplierId || exp.requestedBy !== requesterOf(principal)) {
    throw new NotFoundError(`Export ${exportId} not found`);
  }
  const now = deps.clock.now();
  const view: ExportStatusView = {
    id: exp.id,
    status: exp.status,
    fileName: exp.fileName,
    createdAt: exp.createdAt,
    ...(exp.rows === undefined ? {} : { rows: exp.rows }),
    ...(exp.bytes === undefined ? {} : { bytes: exp.bytes }),
    ...(exp.finishedAt === undefined ? {} : { finishedAt: exp.finishedAt }),
    ...(exp.failure === undefined ? {} : { failure: exp.failure }),
  };
  if (exp.status === 'running' && now.toISOString() > exp.staleAfter) {
    return { ...view, status: 'failed', failure: 'The export did not finish in time; ask for it again' };
  }
  if (exp.status !== 'done') return view;
  const downloadUrl = await deps.files.downloadUrl(
    exp.key,
    { fileName: exp.fileName },
    EXPORT_URL_TTL_SECONDS,
  );
  return {
    ...view,
    downloadUrl,
    downloadExpiresAt: new Date(now.getTime() + EXPORT_URL_TTL_SECONDS * 1000).toISOString(),
  };
}
