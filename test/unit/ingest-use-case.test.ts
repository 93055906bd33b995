import { Readable } from 'node:stream';
import {
  CreatePartner,
  type IngestRunDeps,
  ingestUpload,
  LEASE_MS,
  type LeadFiles,
  MAX_RUN_ATTEMPTS,
  type ResumeUpload,
  runUpload,
  sweepStalledUploads,
  Tenants,
  type Upload,
  UploadLeaseLostError,
  type UploadObject,
  type UploadRunOutcome,
  uploadForObject,
  uploadKey,
} from '@leadrelay/core';
import { matchHeader, normaliseHeader, readLeadRows } from '@leadrelay/files';
import { describe, expect, it } from 'vitest';
import { csvBytes, LEAD_HEADER, leadRow } from '../support/lead-files';
import { MemoryLeadStore } from '../support/memory-leads';
import { MemoryRulesStore } from '../support/memory-rules';
import { MemoryTenantStore } from '../support/memory-tenants';
import { MemoryHeaderMappingStore, MemoryUploadStore } from '../support/memory-uploads';

/**
 * The ingest use case (core's runUpload, ingestUpload, uploadForObject) over the
 * in-memory stores and the real file reader of packages/files: the bytes of each
 * file are held in memory and every open (ranged from a checkpoint's byte, as S3
 * GetObject with Range) is recorded. The clock is pinned and moved by hand, so
 * leases end when a test says so.
 */
function world() {
  let now = Date.parse('2026-03-02T09:00:00.000Z');
  const clock = { now: () => new Date(now) };
  // A scheduler's turn before every store call: two runs started together interleave.
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  const leads = new MemoryLeadStore({ pause: turn });
  const tenants = new MemoryTenantStore();
  const uploads = new MemoryUploadStore(turn);
  const bytes = new Map<string, Buffer>();
  /** Every open of a file: its key and the byte it started from (undefined: the start). */
  const opens: { key: string; start: number | undefined }[] = [];
  const files: LeadFiles = {
    readRows: (file, read) =>
      readLeadRows(async (start) => {
        opens.push({ key: file.key, start });
        return Readable.from([(bytes.get(file.key) ?? Buffer.alloc(0)).subarray(start ?? 0)]);
      }, read),
    matchHeader,
    normaliseHeader,
  };
  /** The fresh runs the use case asked for (ingest's `{kind: 'resume'}` to itself). */
  const continued: ResumeUpload[] = [];
  const deps: IngestRunDeps = {
    leads,
    tenants,
    rules: new MemoryRulesStore(),
    uploads,
    mappings: new MemoryHeaderMappingStore(),
    files,
    clock,
    continueLater: async (resume) => {
      continued.push(resume);
    },
  };

  const supplierWith = async (...partnerNames: string[]) => {
    const tenantDeps = { store: tenants, clock };
    const { supplier } = await Tenants.createSupplier(tenantDeps, { name: 'Acme Distribution' });
    const ids: Record<string, string> = {};
    for (const name of partnerNames) {
      const { partner } = await Tenants.createPartner(tenantDeps, supplier.id, CreatePartner.parse({ name }));
      ids[name] = partner.id;
    }
    return { supplierId: supplier.id, ids };
  };

  /** A file PUT to the inbox: its upload, as the S3 event finds (an API upload's key) or creates it (a drop). */
  const arrive = async (supplierId: string, key: string, content: Buffer) => {
    bytes.set(key, content);
    const object: UploadObject = { size: content.length, eTag: `"${bytes.size}"`, sequencer: '01' };
    const upload = await uploadForObject(deps, { supplierId, key, object, dropId: `D${bytes.size}` });
    if (!upload) throw new Error(`no upload for ${key}`);
    return { upload, object };
  };
  const drop = (supplierId: string, fileName: string, content: Buffer) =>
    arrive(supplierId, `inbox/${supplierId}/${fileName}`, content);

  /** One run, as the S3 event (with its object) or a resume (without) starts it. */
  const run = (
    upload: Upload,
    options: { object?: UploadObject; chunkRows?: number; shouldYield?: () => boolean } = {},
  ): Promise<UploadRunOutcome> =>
    runUpload(deps, {
      supplierId: upload.supplierId,
      uploadId: upload.id,
      object: options.object,
      chunkRows: options.chunkRows ?? 10,
      shouldYield: options.shouldYield ?? (() => false),
    });

  const stored = async (upload: Upload) =>
    (await uploads.getUpload(upload.supplierId, upload.id)) ?? expect.fail('the upload is gone');
  const rowErrors = async (upload: Upload) =>
    (await uploads.listRowErrors(upload.supplierId, upload.id, { limit: 500 })).items;
  const leadsOf = (supplierId: string) =>
    [...leads.leads.values()].filter((l) => l.supplierId === supplierId);

  return {
    deps,
    leads,
    uploads,
    opens,
    continued,
    supplierWith,
    arrive,
    drop,
    run,
    stored,
    rowErrors,
    leadsOf,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** A CSV file of `count` lead rows; with `errorEvery`, every so many rows has a problem (see leadRow). */
const leadFile = (count: number, errorEvery = 0) =>
  csvBytes([LEAD_HEADER, ...Array.from({ length: count }, (_, i) => leadRow(i, errorEvery))]);

describe('ingest use case: claiming an upload', () => {
  it('claims a fresh upload and reads the whole file: done, every good row a lead, every bad row reported', async () => {
    const w = world();
    const { supplierId } = await w.supplierWith();
    const { upload, object } = await w.drop(supplierId, 'fresh.csv', leadFile(25, 10));

    const outcome = await w.run(upload, { object });

    const rows = { total: 25, created: 23, updated: 0, rejected: 2 };
    expect(outcome).toEqual({ kind: 'done', rows, ran: rows });
    const done = await w.stored(upload);
    expect(done).toMatchObject({ status: 'done', rows, routing: { mode: 'rules' } });
    // The run's bookkeeping is gone with the run.
    expect(done).not.toHaveProperty('leaseUntil');
    expect(done).not.toHaveProperty('checkpoint');
    expect(done).not.toHaveProperty('attempts');
    expect(w.leadsOf(supplierId)).toHaveLength(23);
    // Rows 9 and 19 of the data (spreadsheet rows 11 and 21) carry a problem each.
    expect((await w.rowErrors(upload)).map((r) => r.row)).toEqual([11, 21]);
    expect(w.opens).toEqual([{ key: upload.key, start: undefined }]);
  });

  it('refuses a second claim while a run holds the lease: of two runs started together, one reads the file', async () => {
    const w = world();
    const { supplierId } = await w.supplierWith();
    const { upload, object } = await w.drop(supplierId, 'twice.csv', leadFile(30));

    const outcomes = await Promise.all([w.run(upload, { object }), w.run(upload, { object })]);

    expect(outcomes.map((o) => o.kind).sort()).toEqual(['done', 'skipped']);
    expect(outcomes).toContainEqual({ kind: 'skipped', reason: 'not claimable' });
    expect(await w.stored(upload)).toMatchObject({
      status: 'done',
      rows: { total: 30, created: 30, updated: 0, rejected: 0 },
    });
    expect(w.leadsOf(supplierId)).toHaveLength(30);
    expect(w.opens).toHaveLength(1);
    // Once done, the same event again finds nothing to claim.
    expect(await w.run(upload, { object })).toEqual({ kind: 'skipped', reason: 'not claimable' });
  });

  it('leaves an upload a live run holds alone: a resume during the lease does nothing', async () => {
    const w = world();
    const { supplierId } = await w.supplierWith();
    const { upload, object } = await w.drop(supplierId, 'held.csv', leadFile(5));
    const now = w.deps.clock.now();
    const held = await w.uploads.claimUpload(supplierId, upload.id, {
      now: now.toISOString(),
      leaseUntil: new Date(now.getTime() + LEASE_MS).toISOString(),
      object,
    });
    expect(held).toMatchObject({ status: 'processing', attempts: 1 });

    w.advance(LEASE_MS - 1);
    expect(await w.run(upload)).toEqual({ kind: 'skipped', reason: 'not claimable' });

    expect(await w.stored(upload)).toMatchObject({ version: held?.version, attempts: 1 });
    expect(w.leadsOf(supplierId)).toHaveLength(0);
    expect(w.opens).toHaveLength(0);
  });
});

describe('ingest use case: checkpoints', () => {
  it('resumes a retry after a crash from the checkpoint: no row lost, none read twice', async () => {
    const w = world();
    const { supplierId } = await w.supplierWith();
    const { upload, object } = await w.drop(supplierId, 'crash.csv', leadFile(50));
    const realPut = w.leads.putNewLeads.bind(w.leads);
    let failures = 1;
    w.leads.putNewLeads = async (leads, loads) => {
      if (failures > 0 && leads.some((l) => l.email === 'lead25@example.com')) {
        failures--;
        throw new Error('socket hang up');
      }
      return realPut(leads, loads);
    };

    // The third chunk (rows 20-29 of the data) fails: the error is thrown for the caller to retry.
    await expect(w.run(upload, { object })).rejects.toThrow('socket hang up');
    const crashed = await w.stored(upload);
    expect(crashed).toMatchObject({
      status: 'processing',
      rows: { total: 20, created: 20 },
      checkpoint: { rowsRead: 20 },
      lastError: 'socket hang up',
      // Released: the retry need not wait for the lease.
      leaseUntil: w.deps.clock.now().toISOString(),
    });

    expect(await w.run(upload, { object })).toEqual({
      kind: 'done',
      rows: { total: 50, created: 50, updated: 0, rejected: 0 },
      // What this run read: the rows after the checkpoint, none of those before it again.
      ran: { total: 30, created: 30, updated: 0, rejected: 0 },
    });
    expect(w.leadsOf(supplierId)).toHaveLength(50);
    expect(
      w.leadsOf(supplierId).every((l) => l.history.filter((e) => e.type === 'created').length === 1),
    ).toBe(true);
    // The retry read from the checkpoint's byte, not from the start of the file.
    const checkpoint = crashed.checkpoint as { byteOffset: number };
    expect(w.opens.map((o) => o.start)).toEqual([undefined, checkpoint.byteOffset]);
    expect(checkpoint.byteOffset).toBeGreaterThan(0);
  });

  it('continues a run that stopped in time in a fresh run, after the checkpoint, to the same counts as one pass', async () => {
    const w = world();
    const { supplierId } = await w.supplierWith();
    const { upload, object } = await w.drop(supplierId, 'long.csv', leadFile(25, 10));

    const first = await w.run(upload, { object, shouldYield: () => true });

    const firstRows = { total: 10, created: 9, updated: 0, rejected: 1 };
    expect(first).toEqual({ kind: 'continued', rows: firstRows, ran: firstRows });
    expect(w.continued).toEqual([{ kind: 'resume', supplierId, uploadId: upload.id }]);
    // Handed over at once: the continuation may claim it without waiting for the lease.
    expect(await w.stored(upload)).toMatchObject({ leaseUntil: w.deps.clock.now().toISOString() });
    let last = first;
    const runs = [first];
    for (let next = w.continued.shift(); next; next = w.continued.shift()) {
      last = await w.run(upload, { shouldYield: () => true });
      runs.push(last);
    }

    const rows = { total: 25, created: 23, updated: 0, rejected: 2 };
    expect(last).toMatchObject({ kind: 'done', rows });
    // The runs' own counts add up to the upload's: a continued file is counted once.
    const ran = runs.map((run) => ('ran' in run ? run.ran : undefined));
    for (const field of ['total', 'created', 'updated', 'rejected'] as const) {
      expect(ran.reduce((sum, r) => sum + (r?.[field] ?? 0), 0)).toBe(rows[field]);
    }
    expect(w.opens).toHaveLength(3);
    expect(w.opens.slice(1).every((o) => (o.start ?? 0) > 0)).toBe(true);
    expect(w.leadsOf(supplierId)).toHaveLength(23);
    expect((await w.rowErrors(upload)).map((r) => r.row)).toEqual([11, 21]);
  });

  it('takes over an upload whose lease expired (a run that died): the sweeper resumes it from its checkpoint', async () => {
    const w = world();
    const { supplierId } = await w.supplierWith();
    const { upload, object } = await w.drop(supplierId, 'died.csv', leadFile(40));
    // A run that dies (out of time or memory) releases nothing: its lease stays.
    const realPut = w.leads.putNewLeads.bind(w.leads);
    const realRelease = w.uploads.releaseUpload.bind(w.uploads);
    w.leads.putNewLeads = async (leads, loads) => {
      if (leads.some((l) => l.email === 'lead15@example.com')) throw new Error('out of memory');
      return realPut(leads, loads);
    };
    w.uploads.releaseUpload = async () => false;
    await expect(w.run(upload, { object })).rejects.toThrow('out of memory');
    w.leads.putNewLeads = realPut;
    w.uploads.releaseUpload = realRelease;

    // Lambda's retry while the lease lives does nothing; nor does a sweep.
    expect(await w.run(upload, { object })).toEqual({ kind: 'skipped', reason: 'not claimable' });
    const resume = (r: { supplierId: string; uploadId: string }) =>
      runUpload(w.deps, { ...r, chunkRows: 10, shouldYield: () => false }).then(() => {});
    expect(await sweepStalledUploads({ uploads: w.uploads, clock: w.deps.clock, resume })).toEqual({
      resumed: 0,
    });

    w.advance(LEASE_MS + 1);
    expect(await sweepStalledUploads({ uploads: w.uploads, clock: w.deps.clock, resume })).toEqual({
      resumed: 1,
    });

    expect(await w.stored(upload)).toMatchObject({
      status: 'done',
      rows: { total: 40, created: 40, updated: 0, rejected: 0 },
    });
    expect(w.leadsOf(supplierId)).toHaveLength(40);
    expect(w.opens.map((o) => o.start === undefined)).toEqual([true, false]);
  });

  it('stops a run whose upload was taken over: it saves nothing over the run that holds it now', async () => {
    const w = world();
    const { supplierId } = await w.supplierWith();
    const { upload, object } = await w.drop(supplierId, 'slow.csv', leadFile(20));
    const realPut = w.leads.putNewLeads.bind(w.leads);
    let tookOver = false;
    let other: UploadRunOutcome | undefined;
    // The first run stalls in its first chunk past its lease; another run takes the upload
    // over and saves its first chunk (the upload stays processing, at a newer version).
    w.leads.putNewLeads = async (leads, loads) => {
      if (!tookOver) {
        // Once: the other run's own writes come through here too.
        tookOver = true;
        w.advance(LEASE_MS + 1);
        other = await w.run(upload, { shouldYield: () => true });
      }
      return realPut(leads, loads);
    };

    expect(await w.run(upload, { object })).toEqual({ kind: 'taken over' });
    const otherRows = { total: 10, created: 10, updated: 0, rejected: 0 };
    expect(other).toEqual({ kind: 'continued', rows: otherRows, ran: otherRows });
    expect(await w.stored(upload)).toMatchObject({
      status: 'processing',
      rows: { total: 10, created: 10, updated: 0 },
    });

    expect(w.continued).toHaveLength(1);
    expect(await w.run(upload)).toEqual({
      kind: 'done',
      rows: { total: 20, created: 20, updated: 0, rejected: 0 },
      ran: { total: 10, created: 10, updated: 0, rejected: 0 },
    });
    const done = await w.stored(upload);
    // An old claim can write nothing: its version is gone.
    await expect(
      ingestUpload(w.deps, {
        upload: { ...done, status: 'processing', version: 2 },
        object,
        shouldYield: () => false,
      }),
    ).rejects.toBeInstanceOf(UploadLeaseLostError);
    expect(await w.stored(upload)).toEqual(done);
  });

  it(`fails an upload claimed ${MAX_RUN_ATTEMPTS} times without progress, keeping the rows before`, async () => {
    const w = world();
    const { supplierId } = await w.supplierWith();
    const { upload, object } = await w.drop(supplierId, 'poison.csv', leadFile(30));
    const realPut = w.leads.putNewLeads.bind(w.leads);
    w.leads.putNewLeads = async (leads, loads) => {
      if (leads.some((l) => l.email === 'lead12@example.com')) throw new Error('socket hang up');
      return realPut(leads, loads);
    };
    for (let attempt = 1; attempt <= MAX_RUN_ATTEMPTS; attempt++) {
      await expect(w.run(upload, { object })).rejects.toThrow('socket hang up');
    }

    expect(await w.run(upload)).toEqual({ kind: 'failed', code: 'retries_exhausted' });
    expect(await w.stored(upload)).toMatchObject({
      status: 'failed',
      rows: { total: 10, created: 10 },
      failure: {
        code: 'retries_exhausted',
        message: `Reading stopped at row 12: ${MAX_RUN_ATTEMPTS} runs in a row failed there (socket hang up); the rows before it are kept`,
      },
    });
  });
});

describe('ingest use case: the partner column', () => {
  it('routes a dropped file with a partner column by it; an unknown partner is a row error on that column', async () => {
    const w = world();
    const { supplierId, ids } = await w.supplierWith('North', 'South');
    const file = csvBytes([
      ['Email', 'Partner', 'Company'],
      ['p1@example.com', 'south', 'One'], // by name, any case
      ['p2@example.com', 'Nobody Inc', 'Two'],
      ['p3@example.com', ids.North ?? '', 'Three'], // by id
      ['p4@example.com', '', 'Four'], // none named: the rules (none here)
    ]);
    const { upload, object } = await w.drop(supplierId, 'partners.csv', file);

    expect(await w.run(upload, { object })).toEqual({
      kind: 'done',
      rows: { total: 4, created: 3, updated: 0, rejected: 1 },
      ran: { total: 4, created: 3, updated: 0, rejected: 1 },
    });

    expect(await w.stored(upload)).toMatchObject({ routing: { mode: 'column' } });
    expect(await w.rowErrors(upload)).toEqual([
      { row: 3, errors: [{ column: 'Partner', message: 'unknown partner "Nobody Inc"' }] },
    ]);
    const byEmail = new Map(w.leadsOf(supplierId).map((l) => [l.email, l]));
    expect(byEmail.get('p1@example.com')).toMatchObject({ partnerId: ids.South, partnerName: 'South' });
    expect(byEmail.get('p3@example.com')).toMatchObject({ partnerId: ids.North });
    expect(byEmail.get('p4@example.com')).toMatchObject({ partnerId: null });
    expect(byEmail.has('p2@example.com')).toBe(false);
  });

  it('maps the column an upload names to the partner, taking it out of the custom fields', async () => {
    const w = world();
    const { supplierId, ids } = await w.supplierWith('Alpha');
    const started = await apiUpload(w, supplierId, 'by-column.csv', { mode: 'column', column: 'reseller' });
    const file = csvBytes([
      ['Email', 'Reseller', 'Notes'],
      ['c1@example.com', 'Alpha', 'first'],
      ['c2@example.com', 'Gamma Ltd', 'second'],
    ]);
    const { upload, object } = await w.arrive(supplierId, started.key, file);
    expect(upload).toMatchObject({ id: started.id, status: 'received', object });

    expect(await w.run(upload, { object })).toMatchObject({
      kind: 'done',
      rows: { total: 2, created: 1, rejected: 1 },
    });
    expect(await w.rowErrors(upload)).toEqual([
      { row: 3, errors: [{ column: 'Reseller', message: 'unknown partner "Gamma Ltd"' }] },
    ]);
    const [lead] = w.leadsOf(supplierId);
    expect(lead).toMatchObject({ partnerId: ids.Alpha, customFields: { Notes: 'first' } });
    expect(lead?.customFields).not.toHaveProperty('Reseller');
  });

  it('fails an upload whose routing names a column row 1 does not have', async () => {
    const w = world();
    const { supplierId } = await w.supplierWith('Alpha');
    const started = await apiUpload(w, supplierId, 'no-column.csv', { mode: 'column', column: 'Reseller' });
    const { upload, object } = await w.arrive(
      supplierId,
      started.key,
      csvBytes([['Email'], ['x@example.com']]),
    );

    expect(await w.run(upload, { object })).toEqual({ kind: 'failed', code: 'no_header' });
    expect(await w.stored(upload)).toMatchObject({
      status: 'failed',
      failure: { code: 'no_header', message: expect.stringContaining('"Reseller"') },
    });
    expect(w.leadsOf(supplierId)).toHaveLength(0);
  });
});

/** An upload the API started (`awaiting-file`, routed as given), as Uploads.createUpload stores it. */
async function apiUpload(
  w: ReturnType<typeof world>,
  supplierId: string,
  fileName: string,
  routing: Upload['routing'],
): Promise<Upload> {
  const at = w.deps.clock.now().toISOString();
  const id = '01JNRZ8V6X3T0Q9K5M2B4C7D8E';
  const upload: Upload = {
    id,
    supplierId,
    key: uploadKey(supplierId, id, fileName),
    fileName,
    origin: 'api',
    routing,
    status: 'awaiting-file',
    rows: { total: 0, created: 0, updated: 0, rejected: 0 },
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  expect(await w.uploads.createUpload(upload)).toBe('created');
  return upload;
}
