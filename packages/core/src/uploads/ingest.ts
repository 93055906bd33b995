import { Intake, type IntakeDeps, type IntakeItem, type IntakeResult } from '../leads/intake';
import {
  type FileCheckpoint,
  FileError,
  type FileLayout,
  type RowResult,
  type SkippedFooter,
} from './lead-files';
import { type HeaderMappingStore, type LeadFiles, UploadObjectGoneError, type UploadStore } from './ports';
import { boundRowErrors } from './row-errors';
import {
  MAX_UPLOAD_BYTES,
  type RememberedMapping,
  type ResumeUpload,
  type Upload,
  type UploadFailure,
  type UploadMappingApplied,
  type UploadNote,
  type UploadObject,
  type UploadRouting,
  type UploadRowErrors,
  type UploadRows,
} from './schemas';
import { droppedUpload, NO_ROWS, sameObject, uploadIdOfKey, versionUpload } from './uploads';

/** Where ingest tells what a person running it should know (the function's logger). */
export interface IngestLogger {
  info(message: string, details: Record<string, unknown>): void;
  warn(message: string, details: Record<string, unknown>): void;
}

export interface IngestDeps extends IntakeDeps {
  uploads: UploadStore;
  /** The column mappings suppliers gave, by header row: learnt from API uploads, used for any file. */
  mappings: HeaderMappingStore;
  /** Reads the rows of an upload's file. */
  files: LeadFiles;
  /** Where a row error that could not be stored is told (the row still counts as rejected). */
  logger?: IngestLogger | undefined;
}

export interface IngestRunDeps extends IngestDeps {
  /** Continues the upload in a fresh run (ingest sends itself `{kind: 'resume'}`). */
  continueLater(resume: ResumeUpload): Promise<void>;
}

/** How one run reads: its chunks, its lease and when it stops. */
export interface IngestRunOptions {
  /** Asked after each chunk: true stops the run (not done), with its progress saved. */
  shouldYield: () => boolean;
  /** Rows per Intake.submit call (default {@link CHUNK_ROWS}). */
  chunkRows?: number | undefined;
  /** Refuse files larger than this (default 1 GiB). */
  maxBytes?: number | undefined;
  /** How long the claim and each saved chunk extend the run's lease (default {@link LEASE_MS}). */
  leaseMs?: number | undefined;
}

export interface IngestInput extends IngestRunOptions {
  /**
   * The claimed upload (`processing`, see UploadStore.claimUpload): its routing, file
   * name and checkpoint (a resume continues after it) say how the file is read.
   */
  upload: Upload;
  /** The object of the upload's key to read (its size is checked against `maxBytes` first). */
  object: UploadObject;
}

export interface IngestOutcome {
  /** True when the file was read to its end and the upload is `done`. */
  done: boolean;
  /** Where the read stands (the last row consumed); undefined when no row was read. */
  checkpoint: FileCheckpoint | undefined;
  rows: UploadRows;
  /** The upload record after the last write of this run. */
  upload: Upload;
}

/** What one run of ingest over an upload came to. */
export type UploadRunOutcome =
  /** Done, failed, leased by a live run, or unknown; or an API upload whose file has not come. */
  | { kind: 'skipped'; reason: 'not claimable' | 'no object' }
  /** `rows`: the upload's counts so far; `ran`: what this run added to them (for the run's metrics). */
  | { kind: 'done'; rows: UploadRows; ran: UploadRows }
  /** Stopped in time: a fresh run continues after the saved checkpoint. */
  | { kind: 'continued'; rows: UploadRows; ran: UploadRows }
  | { kind: 'taken over' }
  | { kind: 'failed'; code: string };

/** A run lost its claim on the upload (another run took it over): it must stop without writing. */
export class UploadLeaseLostError extends Error {
  override readonly name = 'UploadLeaseLostError';
}

/** Rows per Intake chunk: a few hundred, so one chunk is a handful of transactions. */
export const CHUNK_ROWS = 500;
/**
 * A run owns its upload this long after each saved chunk. Short, so that after a
 * crash (a run that could not release it) Lambda's first retry finds it expired.
 */
export const LEASE_MS = 60_000;
/**
 * Runs that may claim an upload without saving any progress: past them, the upload
 * ends as `failed` (a file that crashes every run, e.g. out of memory, or a bug at one
 * row) instead of being resumed for ever.
 */
export const MAX_RUN_ATTEMPTS = 3;

/**
 * The upload an object in the inbox is about: the API's (by key) when this is the object
 * bound to it, an upload of its own for another object PUT to that URL, or a new one for a
 * file dropped straight into the inbox; undefined for a supplier that does not exist.
 *
 * Primary course: 1. a key laid out as `inbox/<supplierId>/<uploadId>/<file>` names an API
 * upload: the first object is bound to it (conditional: one wins), and any other object
 * under that key gets an upload of its own (`versionOf`), noted on the first
 * (`otherVersions`) 2. any other key is a drop: an upload with the caller's `dropId`
 * (derived from the object, so a repeated event finds the same upload; conditional create).
 */
export async function uploadForObject(
  deps: Pick<IngestDeps, 'uploads' | 'tenants' | 'clock' | 'logger'>,
  input: { supplierId: string; key: string; object: UploadObject; dropId: string },
): Promise<Upload | undefined> {
  const { supplierId, key, object } = input;
  const apiId = uploadIdOfKey(supplierId, key);
  if (apiId) {
    let upload = await deps.uploads.getUpload(supplierId, apiId);
    if (upload && upload.key === key) {
      if (!upload.object && upload.status === 'awaiting-file') {
        const now = deps.clock.now().toISOString();
        upload =
          (await deps.uploads.attachObject(supplierId, apiId, object, now)) ??
          (await deps.uploads.getUpload(supplierId, apiId));
      }
      if (!upload?.object || sameObject(upload.object, object)) return upload;
      return otherVersion(deps, upload, object, input.dropId);
    }
  }
  if (!(await deps.tenants.getSupplier(supplierId))) return undefined;
  const upload: Upload = droppedUpload({
    id: input.dropId,
    supplierId,
    key,
    object,
    now: deps.clock.now().toISOString(),
  });
  if ((await deps.uploads.createUpload(upload)) === 'created') return upload;
  return deps.uploads.getUpload(supplierId, upload.id);
}

/** Another file PUT to an API upload's URL: an upload of its own, noted on the first. */
async function otherVersion(
  deps: Pick<IngestDeps, 'uploads' | 'clock' | 'logger'>,
  original: Upload,
  object: UploadObject,
  id: string,
): Promise<Upload | undefined> {
  const now = deps.clock.now().toISOString();
  const upload = versionUpload(original, { id, object, now });
  const created = (await deps.uploads.createUpload(upload)) === 'created';
  await deps.uploads.addOtherVersion(original.supplierId, original.id, upload.id, now);
  deps.logger?.info('another file PUT to an upload URL: an upload of its own', {
    uploadId: original.id,
    versionUploadId: upload.id,
  });
  return created ? upload : deps.uploads.getUpload(original.supplierId, upload.id);
}

/**
 * One run of ingest over an upload: claim it, read from its checkpoint, and hand it on.
 *
 * Primary course: 1. claim the upload (conditional: a done, failed or live-leased
 * upload is left alone, so the same event twice does nothing; an expired lease, a run
 * that crashed, is taken over) 2. read its file chunk by chunk ({@link ingestUpload})
 * until the file ends or `shouldYield` 3. not done: the progress is saved and the
 * upload continues in a fresh run (`continueLater`). A file that cannot be read, or
 * that is gone from the bucket, fails the upload with the reason; any other error is
 * thrown (the caller retries; the released lease and the checkpoint make the retry
 * resume where the last chunk ended). A run that finds the upload claimed
 * {@link MAX_RUN_ATTEMPTS} times since its last progress fails it, with the last run's
 * error as the reason. The sweeper's resume is such a run, without an object.
 */
export async function runUpload(
  deps: IngestRunDeps,
  input: IngestRunOptions & {
    supplierId: string;
    uploadId: string;
    /** The object the S3 event names (none for a resume): needed to start an `awaiting-file` upload. */
    object?: UploadObject | undefined;
  },
): Promise<UploadRunOutcome> {
  const { supplierId, uploadId, object } = input;
  const leaseMs = input.leaseMs ?? LEASE_MS;
  const now = deps.clock.now();
  const claimed = await deps.uploads.claimUpload(supplierId, uploadId, {
    now: now.toISOString(),
    leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
    ...(object ? { object } : {}),
  });
  if (!claimed) return { kind: 'skipped', reason: 'not claimable' };
  const bytes = claimed.object ?? object;
  if (!bytes) return { kind: 'skipped', reason: 'no object' };
  if ((claimed.attempts ?? 0) > MAX_RUN_ATTEMPTS) {
    const at = ((claimed.checkpoint as FileCheckpoint | undefined)?.rowsRead ?? 0) + 2;
    await failUpload(deps, supplierId, uploadId, {
      code: 'retries_exhausted',
      message: `Reading stopped at row ${at}: ${MAX_RUN_ATTEMPTS} runs in a row failed there (${
        claimed.lastError ?? 'the run ended without finishing, out of time or memory'
      }); the rows before it are kept`,
    });
    return { kind: 'failed', code: 'retries_exhausted' };
  }
  try {
    const outcome = await ingestUpload(deps, { ...input, leaseMs, upload: claimed, object: bytes });
    const ran = rowsAdded(claimed.checkpoint === undefined ? NO_ROWS : claimed.rows, outcome.rows);
    if (outcome.done) return { kind: 'done', rows: outcome.rows, ran };
    await deps.continueLater({ kind: 'resume', supplierId, uploadId });
    return { kind: 'continued', rows: outcome.rows, ran };
  } catch (error) {
    if (error instanceof UploadLeaseLostError) return { kind: 'taken over' };
    if (error instanceof FileError || error instanceof UploadObjectGoneError) {
      const code = error instanceof FileError ? error.code : error.reason;
      await failUpload(deps, supplierId, uploadId, { code, message: error.message });
      return { kind: 'failed', code };
    }
    await releaseUpload(deps, supplierId, uploadId, error);
    throw error;
  }
}

/** The counts a run added: its end minus where it started (the checkpoint's counts, or none). */
function rowsAdded(before: UploadRows, after: UploadRows): UploadRows {
  return {
    total: after.total - before.total,
    created: after.created - before.created,
    updated: after.updated - before.updated,
    rejected: after.rejected - before.rejected,
  };
}

/** The file cannot be read (or no run can finish it): the upload fails with the reason, keeping what was read before. */
async function failUpload(
  deps: IngestDeps,
  supplierId: string,
  uploadId: string,
  failure: UploadFailure,
): Promise<void> {
  const current = await deps.uploads.getUpload(supplierId, uploadId);
  if (current?.status !== 'processing') return;
  await deps.uploads.finishUpload(
    supplierId,
    uploadId,
    current.version,
    { status: 'failed', failure },
    { rows: current.rows, now: deps.clock.now().toISOString() },
  );
}

/** Before an error is thrown: hand the upload over at once, so the caller's retry can claim it. */
async function releaseUpload(
  deps: IngestDeps,
  supplierId: string,
  uploadId: string,
  failure: unknown,
): Promise<void> {
  try {
    const current = await deps.uploads.getUpload(supplierId, uploadId);
    if (current?.status !== 'processing') return;
    const reason = failure instanceof Error ? failure.message : String(failure);
    await deps.uploads.releaseUpload(
      supplierId,
      uploadId,
      current.version,
      deps.clock.now().toISOString(),
      reason,
    );
  } catch (error) {
    deps.logger?.warn('could not release the upload lease; it expires on its own', {
      uploadId,
      error: error as Error,
    });
  }
}

/**
 * One run over a lead file: rows are streamed (pulled one row at a time from
 * `LeadFiles.readRows`, and at most one chunk of rows is held), validated, and
 * brought in through `Intake` chunk by chunk.
 *
 * Primary course, per chunk: 1. rows the reader refused become row errors
 * 2. the others go to `Intake.submit` (source `CSV Upload`, actor `upload:<id>`;
 * mode `partner`: every lead to that partner; mode `column`: the partner the row
 * names; mode `rules`: the partner column is ignored) 3. rejected leads become
 * row errors on the column of the field at fault (an unknown partner: the partner
 * column) 4. the row errors are written (idempotent by row, bounded per row; a row
 * whose errors cannot be stored is stored with a short note instead, and if even
 * that fails the run goes on: the chunk's good rows are in, and a row error must
 * never cost them) 5. one conditional
 * update saves the counts and the checkpoint and renews the lease — or, at the
 * end of the file, marks the upload `done`.
 *
 * The upload must be claimed (`processing`, see UploadStore.claimUpload).
 * A dropped file (`origin: drop`) with a partner column is routed in mode `column`.
 * Throws `FileError` for a file that cannot be read (the caller fails the upload),
 * `UploadLeaseLostError` when another run took the upload over; anything else is
 * passed through (the caller retries from the last checkpoint).
 */
export async function ingestUpload(deps: IngestDeps, input: IngestInput): Promise<IngestOutcome> {
  let upload = input.upload;
  const { supplierId, id: uploadId } = upload;
  if (upload.status !== 'processing') {
    throw new Error(`Upload ${uploadId} of supplier ${supplierId} is not claimed for processing`);
  }
  const resume = upload.checkpoint as FileCheckpoint | undefined;
  const chunkRows = input.chunkRows ?? CHUNK_ROWS;
  const leaseMs = input.leaseMs ?? LEASE_MS;
  const actor = `upload:${uploadId}`;
  const intake = await Intake.prepare(deps, supplierId);
  let rows: UploadRows = resume ? { ...upload.rows } : { ...NO_ROWS };
  let routing = upload.routing;
  let columns: PartnerColumns | undefined;
  let checkpoint: FileCheckpoint | undefined = resume;
  const reading = await columnMapping(deps, upload, resume !== undefined);
  const notes: UploadNote[] = [...(upload.notes ?? [])];

  const flush = async (chunk: RowResult[], final: boolean): Promise<boolean> => {
    const now = deps.clock.now();
    const errors: UploadRowErrors[] = [];
    const items: IntakeItem[] = [];
    const submitted: { row: number; layout: FileLayout }[] = [];
    const counts = { created: 0, updated: 0, rejected: 0 };
    for (const result of chunk) {
      if (!result.ok) {
        errors.push({
          row: result.row,
          errors: result.errors.map(({ column, message }) =>
            column === undefined ? { message } : { column, message },
          ),
        });
        counts.rejected++;
        continue;
      }
      const layout = result.checkpoint.layout;
      columns ??= partnerColumns(deps.files, layout, routing);
      items.push(columns.item(result, routing));
      submitted.push({ row: result.row, layout });
    }
    const results: IntakeResult[] =
      items.length === 0
        ? []
        : await intake.submit(items, {
            source: 'CSV Upload',
            actor,
            assumeNew: true,
            ...(routing.mode === 'partner' ? { partnerForAll: routing.partnerId } : {}),
          });
    results.forEach((result, i) => {
      const source = submitted[i];
      if (!source) return;
      if (result.status === 'rejected') {
        counts.rejected++;
        errors.push({
          row: source.row,
          errors: result.errors.map((e) => {
            const column = headerOf(source.layout, e.path, columns?.header);
            return column === undefined ? { message: e.message } : { column, message: e.message };
          }),
        });
      } else counts[result.status]++;
    });
    errors.sort((a, b) => a.row - b.row);
    if (errors.length > 0) await recordRowErrors(deps, supplierId, uploadId, errors);
    await reading.remember();

    rows = {
      total: rows.total + chunk.length,
      created: rows.created + counts.created,
      updated: rows.updated + counts.updated,
      rejected: rows.rejected + counts.rejected,
    };
    checkpoint = chunk.at(-1)?.checkpoint ?? checkpoint;
    const at = now.toISOString();
    const stop = !final && input.shouldYield();
    const saved =
      final || !checkpoint
        ? await deps.uploads.finishUpload(
            supplierId,
            uploadId,
            upload.version,
            { status: 'done' },
            { rows, routing, now: at, ...reading.applied(), notes },
          )
        : await deps.uploads.saveProgress(supplierId, uploadId, upload.version, {
            rows,
            checkpoint: checkpoint as unknown as Record<string, unknown>,
            // A run that stops hands the upload over at once: the resume may claim it.
            leaseUntil: stop ? at : new Date(now.getTime() + leaseMs).toISOString(),
            routing,
            now: at,
            ...reading.applied(),
          });
    if (!saved) throw new UploadLeaseLostError(`Upload ${uploadId} was taken over by another run`);
    upload = saved;
    return stop;
  };

  let chunk: RowResult[] = [];
  const reader = deps.files.readRows(
    { key: upload.key, object: input.object },
    {
      fileName: upload.fileName,
      requireEmail: true,
      ...(resume ? { resume } : {}),
      maxBytes: input.maxBytes ?? MAX_UPLOAD_BYTES,
      size: input.object.size,
      mapping: reading.mappingFor,
      onFooter: (footer) => notes.push(footerNote(footer)),
    },
  );
  for await (const result of reader) {
    if (chunk.length === 0 && !columns && routing.mode === 'rules' && upload.origin === 'drop') {
      // A dropped file has no routing of its own: a partner column says what it wants.
      if (result.checkpoint.layout.columns.some((c) => c.kind === 'partner')) routing = { mode: 'column' };
    }
    chunk.push(result);
    if (chunk.length < chunkRows) continue;
    const stop = await flush(chunk, false);
    chunk = [];
    // Leaving the loop closes the reader (and its S3 stream).
    if (stop) return { done: false, checkpoint, rows, upload };
  }
  await flush(chunk, true);
  return { done: true, checkpoint, rows, upload };
}

/** How many of a header row's cells a remembered mapping keeps to show. */
const MAX_REMEMBERED_HEADERS = 200;

/**
 * Which column mapping a fresh read uses, asked when row 1 is read: the upload's own
 * (remembered for the supplier under the header row's hash once the header is read),
 * else one remembered for the same header row, else none (headers matched by name).
 * A resumed read has its layout in the checkpoint already.
 */
async function columnMapping(deps: IngestDeps, upload: Upload, resumed: boolean) {
  const explicit = upload.mapping;
  const remembered = new Map<string, RememberedMapping>();
  if (!resumed && explicit === undefined) {
    for (const m of await deps.mappings.listHeaderMappings(upload.supplierId))
      remembered.set(m.headerHash, m);
  }
  let applied: UploadMappingApplied | undefined;
  let toRemember: RememberedMapping | undefined;
  const mappingFor = (headerHash: string, headers: readonly string[]) => {
    if (explicit !== undefined) {
      const present = new Set(headers.map((h) => deps.files.normaliseHeader(h)));
      const unused = Object.keys(explicit).filter((h) => !present.has(deps.files.normaliseHeader(h)));
      applied = { source: 'upload', headerHash, ...(unused.length > 0 ? { unused } : {}) };
      toRemember = {
        supplierId: upload.supplierId,
        headerHash,
        // For a person reading the item; the hash is the key. Bounded, so the item always fits.
        headers: headers.slice(0, MAX_REMEMBERED_HEADERS).map((h) => h.slice(0, 100)),
        mapping: explicit,
        uploadId: upload.id,
        learntAt: upload.createdAt,
      };
      return explicit;
    }
    const known = remembered.get(headerHash);
    applied = known
      ? { source: 'remembered', headerHash, learntFrom: known.uploadId }
      : { source: 'automatic', headerHash };
    return known?.mapping;
  };
  return {
    mappingFor,
    /** What to save on the upload: the mapping applied, once row 1 was read in this run. */
    applied: () => (applied ? { mappingApplied: applied } : {}),
    /** Keeps the upload's own mapping for its header row (once; a put again is harmless). */
    remember: async () => {
      if (!toRemember) return;
      await deps.mappings.putHeaderMapping(toRemember);
      toRemember = undefined;
    },
  };
}

/** The note a skipped report footer leaves on the upload. */
function footerNote(footer: SkippedFooter): UploadNote {
  const rows =
    footer.fromRow === footer.toRow ? `Row ${footer.fromRow}` : `Rows ${footer.fromRow}-${footer.toRow}`;
  const shown = footer.lines.slice(0, 3).map((l) => JSON.stringify(l));
  const more = footer.lines.length > 3 ? `, … (${footer.lines.length} lines)` : '';
  return {
    row: footer.fromRow,
    message: `${rows} skipped: a report footer, not leads (${shown.join(', ')}${more})`,
  };
}

/**
 * Writes the chunk's row errors, bounded, and never throws: the good rows of the chunk
 * are written already, and a chunk that failed here would be read again and again. A
 * batch that fails is written row by row; a row that still fails gets a short note.
 */
async function recordRowErrors(
  deps: IngestDeps,
  supplierId: string,
  uploadId: string,
  errors: readonly UploadRowErrors[],
): Promise<void> {
  const bounded = errors.map((r) => ({ row: r.row, errors: boundRowErrors(r.errors) }));
  try {
    await deps.uploads.putRowErrors(supplierId, uploadId, bounded);
    return;
  } catch (error) {
    deps.logger?.warn('row errors could not be stored as a batch; storing them row by row', {
      uploadId,
      error: String(error),
    });
  }
  const lost: number[] = [];
  for (const row of bounded) {
    try {
      await deps.uploads.putRowErrors(supplierId, uploadId, [row]);
    } catch {
      try {
        await deps.uploads.putRowErrors(supplierId, uploadId, [
          { row: row.row, errors: [{ message: UNRECORDED_ROW_ERRORS }] },
        ]);
      } catch {
        lost.push(row.row);
      }
    }
  }
  if (lost.length > 0) {
    deps.logger?.warn('row errors not stored; the rows count as rejected', {
      uploadId,
      rows: lost.slice(0, 50),
    });
  }
}

/** What a rejected row's report says when its own errors could not be stored. */
export const UNRECORDED_ROW_ERRORS = 'this row was rejected, but its problems could not be recorded';

interface PartnerColumns {
  /** The header of the column naming the partner, for row errors. */
  header: string | undefined;
  item(row: Extract<RowResult, { ok: true }>, routing: UploadRouting): IntakeItem;
}

/**
 * Where a row names its partner. Mode `column` reads the file's partner column
 * (Partner, Partner Name, ...), or the column `routing.column` names (a custom
 * column, taken out of the lead's custom fields); the other modes ignore it.
 */
function partnerColumns(
  files: Pick<LeadFiles, 'matchHeader'>,
  layout: FileLayout,
  routing: UploadRouting,
): PartnerColumns {
  const partnerIndex = layout.columns.findIndex((c) => c.kind === 'partner');
  const builtIn = partnerIndex === -1 ? undefined : layout.headers[partnerIndex];
  if (routing.mode !== 'column') {
    return { header: undefined, item: (row) => ({ input: row.input }) };
  }
  if (routing.column === undefined) {
    return { header: builtIn, item: (row) => ({ input: row.input, partner: row.partner }) };
  }
  const wanted = files.matchHeader(routing.column);
  const index = layout.columns.findIndex(
    (c) =>
      (wanted.kind === 'partner' && c.kind === 'partner') ||
      (wanted.kind === 'custom' &&
        c.kind === 'custom' &&
        c.name.toLowerCase() === wanted.name.toLowerCase()) ||
      (wanted.kind === 'field' && c.kind === 'field' && c.field === wanted.field),
  );
  const mapping = layout.columns[index];
  if (index === -1 || !mapping) {
    throw new FileError(
      'no_header',
      `The upload's routing names the partner column "${routing.column}", but row 1 has no such column`,
    );
  }
  const header = layout.headers[index];
  if (mapping.kind === 'custom') {
    return {
      header,
      item: (row) => {
        const { [mapping.name]: value, ...rest } = row.input.customFields ?? {};
        const partner = value === undefined || value === null ? undefined : String(value);
        return { input: { ...row.input, customFields: rest }, partner };
      },
    };
  }
  if (mapping.kind === 'field') {
    return {
      header,
      item: (row) => {
        const value = mapping.field === 'score' ? row.input.score : row.input[mapping.field];
        return { input: row.input, partner: value === undefined ? undefined : String(value) };
      },
    };
  }
  return { header, item: (row) => ({ input: row.input, partner: row.partner }) };
}

/** The header (as written in the file) of the column behind an Intake error path. */
function headerOf(layout: FileLayout, path: string, partnerHeader: string | undefined): string | undefined {
  if (path === 'partnerId') return partnerHeader;
  const custom = path.startsWith('customFields.') ? path.slice('customFields.'.length) : undefined;
  const index = layout.columns.findIndex((c) =>
    custom === undefined ? c.kind === 'field' && c.field === path : c.kind === 'custom' && c.name === custom,
  );
  return index === -1 ? undefined : layout.headers[index];
}
