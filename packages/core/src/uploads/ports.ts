import type { Page, PageQuery } from '../pages';
import type { ColumnMapping, LeadRowsRead, RowResult } from './lead-files';
import type {
  RememberedMapping,
  Upload,
  UploadFailure,
  UploadMappingApplied,
  UploadNote,
  UploadObject,
  UploadRouting,
  UploadRowErrors,
  UploadRows,
} from './schemas';

/**
 * The object an upload names is gone: replaced by a newer file under the same key
 * (a bucket without versions: its ETag no longer matches) or deleted. Thrown by the
 * adapter that opens it; the upload ends as `failed` with this reason, never retried.
 */
export class UploadObjectGoneError extends Error {
  override readonly name = 'UploadObjectGoneError';
  constructor(
    readonly reason: 'replaced' | 'deleted',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A claim of an upload by one run of ingest. */
export interface UploadClaim {
  now: string;
  /** The run owns the upload until then (renewed with every chunk). */
  leaseUntil: string;
  /** The object the S3 event names: needed to start an `awaiting-file` upload. */
  object?: UploadObject;
}

/** What a run saves after each chunk of rows. */
export interface UploadProgress {
  rows: UploadRows;
  checkpoint: Record<string, unknown>;
  leaseUntil: string;
  /** The routing the run settled on (a dropped file with a partner column switches to `column`). */
  routing: UploadRouting;
  now: string;
  /** Once row 1 is read: which column mapping the file is read with. */
  mappingApplied?: UploadMappingApplied;
  /** Notes of the read so far (they replace the saved ones). */
  notes?: UploadNote[];
}

/** What the end of a run saves: the final counts, and the routing it settled on (if it read any row). */
export interface UploadEnd {
  rows: UploadRows;
  now: string;
  routing?: UploadRouting;
  mappingApplied?: UploadMappingApplied;
  notes?: UploadNote[];
}

export type UploadOutcome = { status: 'done' } | { status: 'failed'; failure: UploadFailure };

/**
 * Uploads and their row errors. Every state change is conditional: on the status
 * (transitions), on the lease (claims), on the version (a run that lost its lease
 * can save nothing).
 */
export interface UploadStore {
  /** Stores a new upload; `exists` (and nothing written) when one with its id is there already. */
  createUpload(upload: Upload): Promise<'created' | 'exists'>;
  getUpload(supplierId: string, uploadId: string): Promise<Upload | undefined>;
  /** The supplier's uploads, newest first. */
  listUploads(supplierId: string, page: PageQuery): Promise<Page<Upload>>;
  /**
   * `received` (or `awaiting-file` when the claim names the object) → `processing`, or
   * `processing` with an expired lease (`leaseUntil` ≤ now) → `processing` (a resume). Answers the claimed
   * upload, or undefined when it is done, failed, leased by a live run, or unknown.
   */
  claimUpload(supplierId: string, uploadId: string, claim: UploadClaim): Promise<Upload | undefined>;
  /** Saves a chunk's progress if the upload is still `processing` at `version`; undefined when the run lost it. */
  saveProgress(
    supplierId: string,
    uploadId: string,
    version: number,
    progress: UploadProgress,
  ): Promise<Upload | undefined>;
  /**
   * Ends the run's lease at once (a run about to fail hands the upload to Lambda's retry),
   * keeping why it failed; false when it lost it.
   */
  releaseUpload(
    supplierId: string,
    uploadId: string,
    version: number,
    now: string,
    error?: string,
  ): Promise<boolean>;
  /**
   * `awaiting-file` without an object → `received` with this one: the first S3 event of an
   * API upload binds its object, so a second file PUT to the same URL is told apart from a
   * repeated event. Answers the upload after the write, or undefined when it was bound already.
   */
  attachObject(
    supplierId: string,
    uploadId: string,
    object: UploadObject,
    now: string,
  ): Promise<Upload | undefined>;
  /** Notes on an upload the upload of another file PUT to its URL (idempotent; at most a few dozen kept). */
  addOtherVersion(supplierId: string, uploadId: string, otherUploadId: string, now: string): Promise<void>;
  /** Uploads `processing` whose lease expired before `now`, oldest lease first (never a Scan). */
  listStalledUploads(now: string, limit: number): Promise<Upload[]>;
  /** `processing` at `version` → `done` or `failed`, with the final counts; undefined when the run lost it. */
  finishUpload(
    supplierId: string,
    uploadId: string,
    version: number,
    outcome: UploadOutcome,
    end: UploadEnd,
  ): Promise<Upload | undefined>;
  /** Writes the errors of rejected rows, one item per row; writing a row again replaces it (idempotent). */
  putRowErrors(supplierId: string, uploadId: string, rows: readonly UploadRowErrors[]): Promise<void>;
  /** The rejected rows, in row order; `limit` counts rows. */
  listRowErrors(supplierId: string, uploadId: string, page: PageQuery): Promise<Page<UploadRowErrors>>;
}

/**
 * Column mappings a supplier gave with its uploads, kept by the hash of the header row
 * they were given for, so a later file with the same header row is read the same way.
 */
export interface HeaderMappingStore {
  /** Keeps the mapping unless a newer upload (`learntAt`) already gave one for the same header row. */
  putHeaderMapping(mapping: RememberedMapping): Promise<void>;
  /** The supplier's remembered mapping for a header row, if any. */
  getHeaderMapping(supplierId: string, headerHash: string): Promise<RememberedMapping | undefined>;
  /** Every remembered mapping of the supplier (ingest loads them before the header row is read). */
  listHeaderMappings(supplierId: string): Promise<RememberedMapping[]>;
}

/** Signs URLs that let a client PUT one object into the inbox bucket. */
export interface UploadUrlSigner {
  presignPut(key: string, expiresInSeconds: number): Promise<string>;
}

/**
 * The lead files ingest reads (packages/files over the inbox bucket). The use case
 * pulls rows one at a time; it never sees bytes, streams or S3.
 */
export interface LeadFiles {
  /**
   * The rows of the upload's file (`key`, pinned to `object`), streamed from its start or
   * after `read.resume` (a CSV file: a ranged read from the checkpoint's byte). Stopping
   * the iteration closes the file. Throws `FileError` for a file that cannot be read as a
   * whole, `UploadObjectGoneError` when that object is no longer in the bucket.
   */
  readRows(file: { key: string; object: UploadObject }, read: LeadRowsRead): AsyncIterable<RowResult>;
  /** What a header names, as the reader matches row 1 (`Partner`, `E-mail`, a custom field). */
  matchHeader(header: string): ColumnMapping;
  /** A header as the reader compares headers (case, spacing and punctuation aside). */
  normaliseHeader(header: string): string;
}
