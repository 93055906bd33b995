import { createHash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  type IngestDeps,
  inboxObject,
  type LeadFiles,
  ResumeUpload,
  runUpload,
  type UploadObject,
  type UploadRunOutcome,
  uploadForObject,
} from '@leadrelay/core';
import { matchHeader, normaliseHeader, type OpenFile, readLeadRows } from '@leadrelay/files';
import type { Context, S3Event, S3EventRecord } from 'aws-lambda';
import { type Counter, Metric, noCounter } from '../shared/metrics';

export interface IngestHandlerDeps extends Omit<IngestDeps, 'files' | 'logger'> {
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
  /** What each run read: rows in, leads created and deduplicated, rows rejected (default: not counted). */
  counter?: Counter;
}

export interface IngestHandlerOptions {
  /** A run stops (and continues in a new invocation) when less than this is left (default 90 s). */
  yieldBelowMs?: number;
  chunkRows?: number;
  maxBytes?: number;
  leaseMs?: number;
}

/** The events ingest takes: S3 ObjectCreated, or its own note to continue a file. */
export type IngestEvent = S3Event | ResumeUpload;

/** The lead files of the inbox bucket, read by packages/files. */
export function inboxLeadFiles(open: IngestHandlerDeps['open']): LeadFiles {
  return {
    readRows: (file, read) => readLeadRows(open(file.key, file.object), read),
    matchHeader,
    normaliseHeader,
  };
}

/** A run's rows as metrics: what this run read, not the upload's totals (a resumed file is not counted twice). */
function countRun(counter: Counter, outcome: UploadRunOutcome): void {
  if (outcome.kind !== 'done' && outcome.kind !== 'continued') return;
  counter.count(Metric.leadsIngested, outcome.ran.total);
  counter.count(Metric.leadsCreated, outcome.ran.created);
  counter.count(Metric.leadsDeduplicated, outcome.ran.updated);
  counter.count(Metric.uploadRowsRejected, outcome.ran.rejected);
}

/** A run's outcome as the log says it. */
function described(outcome: UploadRunOutcome): string {
  switch (outcome.kind) {
    case 'skipped':
      return outcome.reason === 'no object'
        ? 'skipped: no object yet'
        : 'skipped: done, failed, or another run holds it';
    case 'done':
      return `done: ${JSON.stringify(outcome.rows)}`;
    case 'continued':
      return `continued in a new invocation after ${outcome.rows.total} rows`;
    case 'taken over':
      return 'stopped: another run took the upload over';
    case 'failed':
      return `failed: ${outcome.code}`;
  }
}

/**
 * S3 ObjectCreated under inbox/<supplierId>/ → the lead file is read into leads, with
 * an upload record holding its counts and row errors; ingest's own `{kind: 'resume'}`
 * (a run that stopped in time, or the upload sweeper) continues an upload.
 *
 * Per record: decode the key, find or create its upload (`uploadForObject`, with an id
 * derived from the object for a direct drop, see {@link dropId}), and run it
 * (`runUpload`: claim, read until the file ends or less than 90 s are left, continue in
 * a fresh invocation). An error `runUpload` throws is thrown on: Lambda retries the event.
 */
export function createIngestHandler(deps: IngestHandlerDeps, options: IngestHandlerOptions = {}) {
  const yieldBelowMs = options.yieldBelowMs ?? 90_000;
  const { logger } = deps;
  const counter = deps.counter ?? noCounter;
  const ingest = { ...deps, files: inboxLeadFiles(deps.open), logger };

  const run = async (
    supplierId: string,
    uploadId: string,
    context: Pick<Context, 'functionName' | 'getRemainingTimeInMillis'>,
    object?: UploadObject,
  ): Promise<string> => {
    const outcome = await runUpload(
      { ...ingest, continueLater: (resume) => deps.invokeAsync(context.functionName, resume) },
      {
        supplierId,
        uploadId,
        object,
        shouldYield: () => context.getRemainingTimeInMillis() < yieldBelowMs,
        chunkRows: options.chunkRows,
        maxBytes: options.maxBytes,
        leaseMs: options.leaseMs,
      },
    );
    countRun(counter, outcome);
    return described(outcome);
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
    const upload = await uploadForObject(ingest, {
      supplierId: inbox.supplierId,
      key: inbox.key,
      object,
      dropId: dropId(record),
    });
    if (!upload) {
      logger.warn('lead file for an unknown supplier skipped', {
        supplierId: inbox.supplierId,
        key: inbox.key,
      });
      return;
    }
    const outcome = await run(inbox.supplierId, upload.id, context, object);
    logger.info('lead file', { supplierId: inbox.supplierId, uploadId: upload.id, key: inbox.key, outcome });
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
    logger.info('lead file resumed', { supplierId, uploadId, outcome });
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
