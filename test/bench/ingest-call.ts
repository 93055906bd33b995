/**
 * The one place that knows how the ingest pipeline is called, and with what: the
 * stores it needs, the upload record it expects, and how its answer reads.
 *
 * As the ingest function does for a file dropped into the inbox
 * (functions/ingest/ingest.ts, core's runUpload): `droppedUpload` → `uploads.createUpload` →
 * `uploads.claimUpload` (received → processing, with a lease) → `ingestUpload`
 * with the claimed record, routing `rules`, the file read by packages/files from
 * a ranged `fs.createReadStream` and `shouldYield` never true (one run reads the
 * whole file: the bench measures the pipeline, not Lambda's time limit).
 */
import { createReadStream } from 'node:fs';
import {
  droppedUpload,
  ingestUpload,
  LEASE_MS,
  type LeadFiles,
  type LeadStore,
  type RulesStore,
  systemClock,
  type TenantStore,
  type UploadRows,
  type UploadStore,
} from '@leadrelay/core';
import { matchHeader, normaliseHeader, readLeadRows } from '@leadrelay/files';

export interface BenchStores {
  leads: LeadStore;
  tenants: TenantStore;
  rules: RulesStore;
  uploads: UploadStore;
}

export interface IngestOutcome {
  rows: UploadRows;
  done: boolean;
  uploadId: string;
  /** The upload record's version at the end: 1 + one conditional write per chunk + the claim. */
  uploadVersion: number;
}

/**
 * How many lead writes the pipeline has in flight at once: `ingestUpload` submits one
 * chunk at a time and `Intake.submit` writes its new leads in transactions of up to
 * 100 items (leads and partner counters), one after the other (putNewLeads awaited in
 * a loop); the few repeated emails merge alongside. The raw comparison uses one.
 */
export const WRITER_CONCURRENCY = 1;

export async function runIngest(
  stores: BenchStores,
  file: { supplierId: string; path: string; size: number; fileName: string },
): Promise<IngestOutcome> {
  // The bench files carry no mapping: a supplier with none remembered.
  const mappings = {
    putHeaderMapping: async () => {},
    getHeaderMapping: async () => undefined,
    listHeaderMappings: async () => [],
  };
  // The file is on the local disk, not in a bucket: every read opens it.
  const files: LeadFiles = {
    readRows: (_file, read) =>
      readLeadRows(async (start) => createReadStream(file.path, start === undefined ? {} : { start }), read),
    matchHeader,
    normaliseHeader,
  };
  const deps = { ...stores, clock: systemClock, mappings, files };
  const now = new Date();
  const object = { size: file.size };
  const upload = droppedUpload({
    id: `DBENCH${now.getTime().toString(36).toUpperCase()}`,
    supplierId: file.supplierId,
    key: `inbox/${file.supplierId}/${file.fileName}`,
    object,
    now: now.toISOString(),
  });
  if ((await stores.uploads.createUpload(upload)) !== 'created') throw new Error('the bench upload exists');
  const claimed = await stores.uploads.claimUpload(file.supplierId, upload.id, {
    now: now.toISOString(),
    leaseUntil: new Date(now.getTime() + LEASE_MS).toISOString(),
    object,
  });
  if (!claimed) throw new Error('the bench upload could not be claimed');

  const outcome = await ingestUpload(deps, { upload: claimed, object, shouldYield: () => false });
  if (!outcome.done) throw new Error('the ingest stopped before the end of the file');
  return {
    rows: outcome.rows,
    done: outcome.done,
    uploadId: claimed.id,
    uploadVersion: outcome.upload.version,
  };
}
