import type { Logger } from '@aws-lambda-powertools/logger';
import {
  boundRowErrors,
  type HeaderMappingStore,
  Intake,
  type IntakeDeps,
  type IntakeItem,
  type IntakeResult,
  MAX_UPLOAD_BYTES,
  NO_ROWS,
  type RememberedMapping,
  type Upload,
  type UploadMappingApplied,
  type UploadNote,
  type UploadRouting,
  type UploadRowErrors,
  type UploadRows,
  type UploadStore,
} from '@leadrelay/core';
import {
  type FileCheckpoint,
  FileError,
  type FileLayout,
  type MappingFor,
  matchHeader,
  normaliseHeader,
  type OpenFile,
  type RowResult,
  readLeadRows,
  type SkippedFooter,
} from '@leadrelay/files';

export interface IngestDeps extends IntakeDeps {
  uploads: UploadStore;
  /** The column mappings suppliers gave, by header row: learnt from API uploads, used for any file. */
  mappings: HeaderMappingStore;
  /** Where a row error that could not be stored is told (the row still counts as rejected). */
  logger?: Pick<Logger, 'warn'>;
}

export interface IngestInput {
  supplierId: string;
  uploadId: string;
  /** Opens the file, from a byte offset when resuming a CSV file (S3 GetObject with Range). */
  open: OpenFile;
  /** The file's size in bytes (the S3 event's): checked against `maxBytes` before reading. */
  size?: number | undefined;
  fileName: string;
  routing: UploadRouting;
  /** Continue after this checkpoint (the upload's, saved by an earlier run). */
  resume?: FileCheckpoint | undefined;
  /** Asked after each chunk: true stops the run (not done), with its progress saved. */
  shouldYield: () => boolean;
  /** The claimed upload record, when the caller has it (saves a read). */
  upload?: Upload | undefined;
  /** Rows per Intake.submit call (default {@link CHUNK_ROWS}). */
  chunkRows?: number;
  /** Refuse files larger than this (default 1 GiB). */
  maxBytes?: number;
  /** How long each saved chunk extends the run's lease (default {@link LEASE_MS}). */
  leaseMs?: number;
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
 * One run over a lead file: rows are streamed (`readLeadRows` is pulled one row at
 * a time, and at most one chunk of rows is held), validated, and brought in
 * through `Intake` chunk by chunk.
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
 * The upload must exist and be claimed (`processing`, see UploadStore.claimUpload).
 * A dropped file (`origin: drop`) with a partner column is routed in mode `column`.
 * Throws `FileError` for a file that cannot be read (the caller fails the upload),
 * `UploadLeaseLostError` when another run took the upload over; anything else is
 * passed through (the caller retries from the last checkpoint).
 */
export async function ingestUpload(deps: IngestDeps, input: IngestInput): Promise<IngestOutcome> {
  const { supplierId, uploadId } = input;
  let upload = input.upload ?? (await deps.uploads.getUpload(supplierId, uploadId));
  if (upload?.status !== 'processing') {
    throw new Error(`Upload ${uploadId} of supplier ${supplierId} is not claimed for processing`);
  }
  const chunkRows = input.chunkRows ?? CHUNK_ROWS;
  const leaseMs = input.leaseMs ?? LEASE_MS;
  const actor = `upload:${uploadId}`;
  const intake = await Intake.prepare(deps, supplierId);
  let rows: UploadRows = input.resume ? { ...upload.rows } : { ...NO_ROWS };
  let routing = input.routing;
  let columns: PartnerColumns | undefined;
  let checkpoint: FileCheckpoint | undefined = input.resume;
  const reading = await columnMapping(deps, upload, input.resume !== undefined);
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
      columns ??= partnerColumns(layout, routing);
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
    const current = upload as Upload;
    const stop = !final && input.shouldYield();
    const saved =
      final || !checkpoint
        ? await deps.uploads.finishUpload(
            supplierId,
            uploadId,
            current.version,
            { status: 'done' },
            { rows, routing, now: at, ...reading.applied(), notes },
          )
        : await deps.uploads.saveProgress(supplierId, uploadId, current.version, {
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
  const reader = readLeadRows(input.open, {
    fileName: input.fileName,
    requireEmail: true,
    ...(input.resume ? { resume: input.resume } : {}),
    maxBytes: input.maxBytes ?? MAX_UPLOAD_BYTES,
    ...(input.size === undefined ? {} : { size: input.size }),
    mapping: reading.mappingFor,
    onFooter: (footer) => notes.push(footerNote(footer)),
  });
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
  const mappingFor: MappingFor = (headerHash, headers) => {
    if (explicit !== undefined) {
      const present = new Set(headers.map(normaliseHeader));
      const unused = Object.keys(explicit).filter((h) => !present.has(normaliseHeader(h)));
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
function partnerColumns(layout: FileLayout, routing: UploadRouting): PartnerColumns {
  const partnerIndex = layout.columns.findIndex((c) => c.kind === 'partner');
  const builtIn = partnerIndex === -1 ? undefined : layout.headers[partnerIndex];
  if (routing.mode !== 'column') {
    return { header: undefined, item: (row) => ({ input: row.input }) };
  }
  if (routing.column === undefined) {
    return { header: builtIn, item: (row) => ({ input: row.input, partner: row.partner }) };
  }
  const wanted = matchHeader(routing.column);
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
