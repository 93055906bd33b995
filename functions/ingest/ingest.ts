import { createHash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  droppedUpload,
  inboxObject,
  ResumeUpload,
  sameObject,
  type Upload,
  type UploadFailure,
  type UploadObject,
  UploadObjectGoneError,
  uploadIdOfKey,
  versionUpload,
} from '@leadrelay/core';
import { type FileCheckpoint, FileError, type OpenFile } from '@leadrelay/files';
import type { Context, S3Event, S3EventRecord } from 'aws-lambda';
import { type IngestDeps, ingestUpload, LEASE_MS, UploadLeaseLostError } from './pipeline';

export interface IngestHandlerDeps extends IngestDeps {
  /** The inbox bucket (S3 events from any other bucket are skipped). */
  bucket: string;
  /**
   * Opens one object of the bucket (a version or ETag pins the bytes; a start byte makes
   * it ranged); throws `UploadObjectGoneError` when that version or ETag is gone.
   */
  open(key: string, object: UploadObject): OpenFile;
  /** Queues an event for a function (Lambda InvocationType Event). */
  invokeAsync(functionName: string, event: unknown): Promise<void>;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export interface IngestHandlerOptions {
  /** A run stops (and continues in a new invocation) when less than this is left (default 90 s). */
  yieldBelowMs?: number;
  chunkRows?: number;
  maxBytes?: number;
  leaseMs?: number;
}

/**
 * Runs that may claim an upload without saving any progress: past them, the upload
 * ends as `failed` (a file that crashes every run, e.g. out of memory, or a bug at one
 * row) instead of being resumed for ever.
 */
export const MAX_RUN_ATTEMPTS = 3;

/** The events ingest takes: S3 ObjectCreated, or its own note to continue a file. */
export type IngestEvent = S3Event | ResumeUpload;

/**
 * S3 ObjectCreated under inbox/<supplierId>/ → the lead file is read into leads, with
 * an upload record holding its counts and row errors.
 *
 * Primary course, per record: 1. decode the key; find the upload (a presigned key
 * `inbox/<supplierId>/<uploadId>/<file>` with its record), or create one for a direct
 * drop, with an id derived from the object (bucket, key, version or ETag and
 * sequencer), so a repeated event finds it 2. claim it (conditional: a done, failed or
 * live-leased upload is left alone, so the same event twice does nothing) 3. run the
 * pipeline until the file ends or less than 90 s are left 4. not done: the progress is
 * saved, and the function sends itself `{kind: 'resume'}` to continue in a fresh
 * invocation. A file that cannot be read, or that is gone from the bucket, fails the
 * upload with the reason; any other error is thrown (Lambda retries; the released
 * lease and the checkpoint make the retry resume where the last chunk ended). A run
 * that finds the upload claimed {@link MAX_RUN_ATTEMPTS} times since its last progress
 * fails it, with the last run's error as the reason.
 *
 * A second file PUT to an API upload's URL (another version of its key) is never
 * ignored: the first S3 event binds its object to the upload, any other object under
 * that key gets an upload of its own (`versionOf`), noted on the first (`otherVersions`).
 */
export function createIngestHandler(deps: IngestHandlerDeps, options: IngestHandlerOptions = {}) {
  const yieldBelowMs = options.yieldBelowMs ?? 90_000;
  const leaseMs = options.leaseMs ?? LEASE_MS;
  const { logger } = deps;

  /** Claims the upload and runs it; answers what happened, for the log. */
  const run = async (
    supplierId: string,
    uploadId: string,
    context: Pick<Context, 'functionName' | 'getRemainingTimeInMillis'>,
    object?: UploadObject,
  ): Promise<string> => {
    const now = deps.clock.now();
    const claimed = await deps.uploads.claimUpload(supplierId, uploadId, {
      now: now.toISOString(),
      leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
      ...(object ? { object } : {}),
    });
    if (!claimed) return 'skipped: done, failed, or another run holds it';
    const bytes = claimed.object ?? object;
    if (!bytes) return 'skipped: no object yet';
    if ((claimed.attempts ?? 0) > MAX_RUN_ATTEMPTS) {
      const at = ((claimed.checkpoint as FileCheckpoint | undefined)?.rowsRead ?? 0) + 2;
      await fail(supplierId, uploadId, {
        code: 'retries_exhausted',
        message: `Reading stopped at row ${at}: ${MAX_RUN_ATTEMPTS} runs in a row failed there (${
          claimed.lastError ?? 'the run ended without finishing, out of time or memory'
        }); the rows before it are kept`,
      });
      return 'failed: retries_exhausted';
    }
    try {
      const outcome = await ingestUpload(deps, {
        supplierId,
        uploadId,
        upload: claimed,
        open: deps.open(claimed.key, bytes),
        size: bytes.size,
        fileName: claimed.fileName,
        routing: claimed.routing,
        resume: claimed.checkpoint as FileCheckpoint | undefined,
        shouldYield: () => context.getRemainingTimeInMillis() < yieldBelowMs,
        leaseMs,
        ...(options.chunkRows === undefined ? {} : { chunkRows: options.chunkRows }),
        ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
      });
      if (outcome.done) return `done: ${JSON.stringify(outcome.rows)}`;
      const resume: ResumeUpload = { kind: 'resume', supplierId, uploadId };
      await deps.invokeAsync(context.functionName, resume);
      return `continued in a new invocation after ${outcome.rows.total} rows`;
    } catch (error) {
      if (error instanceof UploadLeaseLostError) return 'stopped: another run took the upload over';
      if (error instanceof FileError || error instanceof UploadObjectGoneError) {
        const code = error instanceof FileError ? error.code : error.reason;
        await fail(supplierId, uploadId, { code, message: error.message });
        return `failed: ${code}`;
      }
      await release(supplierId, uploadId, error);
      throw error;
    }
  };

  /** The file cannot be read (or no run can finish it): the upload fails with the reason, keeping what was read before. */
  const fail = async (supplierId: string, uploadId: string, failure: UploadFailure) => {
    const current = await deps.uploads.getUpload(supplierId, uploadId);
    if (current?.status !== 'processing') return;
    await deps.uploads.finishUpload(
      supplierId,
      uploadId,
      current.version,
      { status: 'failed', failure },
      { rows: current.rows, now: deps.clock.now().toISOString() },
    );
  };

  /** Before an error is thrown: hand the upload over at once, so Lambda's retry can claim it. */
  const release = async (supplierId: string, uploadId: string, failure: unknown) => {
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
      logger.warn('could not release the upload lease; it expires on its own', {
        uploadId,
        error: error as Error,
      });
    }
  };

  /**
   * The upload an S3 record is about: the API's (by key) when this is the object bound to
   * it, an upload of its own for another object PUT to that URL, or a new one for a drop.
   */
  const uploadFor = async (record: S3EventRecord, supplierId: string, key: string, object: UploadObject) => {
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
        return otherVersion(record, upload, object);
      }
    }
    if (!(await deps.tenants.getSupplier(supplierId))) return undefined;
    const upload: Upload = droppedUpload({
      id: dropId(record),
      supplierId,
      key,
      object,
      now: deps.clock.now().toISOString(),
    });
    if ((await deps.uploads.createUpload(upload)) === 'created') return upload;
    return deps.uploads.getUpload(supplierId, upload.id);
  };

  /** Another file PUT to an API upload's URL: an upload of its own, noted on the first. */
  const otherVersion = async (record: S3EventRecord, original: Upload, object: UploadObject) => {
    const now = deps.clock.now().toISOString();
    const upload = versionUpload(original, { id: dropId(record), object, now });
    const created = (await deps.uploads.createUpload(upload)) === 'created';
    await deps.uploads.addOtherVersion(original.supplierId, original.id, upload.id, now);
    logger.info('another file PUT to an upload URL: an upload of its own', {
      uploadId: original.id,
      versionUploadId: upload.id,
    });
    return created ? upload : deps.uploads.getUpload(original.supplierId, upload.id);
  };

  const onObject = async (record: S3EventRecord, context: Context) => {
    const inbox = inboxObject(record.s3.object.key);
    if (!inbox || record.s3.bucket.name !== deps.bucket) {
      logger.warn('object outside inbox/<supplierId>/ skipped', {
        bucket: record.s3.bucket.name,
        key: record.s3.object.key,
      });
      return;
    }
    const { eTag, versionId, size, sequencer } = record.s3.object;
    const object: UploadObject = {
      size,
      ...(eTag ? { eTag } : {}),
      ...(versionId ? { versionId } : {}),
      ...(sequencer ? { sequencer } : {}),
    };
    const upload = await uploadFor(record, inbox.supplierId, inbox.key, object);
    if (!upload) {
      logger.warn('lead file for an unknown supplier skipped', { key: inbox.key });
      return;
    }
    const outcome = await run(inbox.supplierId, upload.id, context, object);
    logger.info('lead file', { key: inbox.key, uploadId: upload.id, outcome });
  };

  return async (event: IngestEvent, context: Context): Promise<void> => {
    if ('Records' in event) {
      for (const record of event.Records) await onObject(record, context);
      return;
    }
    const resume = ResumeUpload.safeParse(event);
    if (!resume.success) {
      logger.error('unknown event skipped', { event: JSON.stringify(event).slice(0, 500) });
      return;
    }
    const { supplierId, uploadId } = resume.data;
    const outcome = await run(supplierId, uploadId, context);
    logger.info('lead file resumed', { uploadId, outcome });
  };
}

/**
 * A dropped file's upload id: the same for the same object (a repeated S3 event),
 * new for every new PUT (its version id, or ETag and sequencer when the bucket
 * keeps no versions, as an emulator may not).
 */
export function dropId(record: S3EventRecord): string {
  const { key, versionId, eTag, sequencer } = record.s3.object;
  const version = versionId ? `v:${versionId}` : `e:${eTag}:${sequencer}`;
  const digest = createHash('sha256').update(`${record.s3.bucket.name}\n${key}\n${version}`).digest('hex');
  return `D${digest.slice(0, 25).toUpperCase()}`;
}
