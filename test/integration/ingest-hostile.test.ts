import { MAX_RUN_ATTEMPTS, sweepStalledUploads, systemClock, UNRECORDED_ROW_ERRORS } from '@leadrelay/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Inbox, lambdaContext, startInbox } from '../support/inbox';
import { ingestHarness } from '../support/ingest';
import { csvBytes, inlineCell, LEAD_HEADER, leadRow, sheetXmlOf, xlsxWithParts } from '../support/lead-files';

/**
 * Hostile and broken files end their upload, never wedge it: each ends `done` (with
 * bounded row errors) or `failed` with a reason the supplier can read, the good rows
 * kept; a run that dies is resumed by the sweeper.
 */

let inbox: Inbox;
let h: Awaited<ReturnType<typeof ingestHarness>>;

beforeAll(async () => {
  inbox = await startInbox();
  h = await ingestHarness(inbox, 'ingest-hostile');
});

afterAll(async () => {
  await inbox?.stop();
});

async function drop(supplierId: string, name: string, body: Uint8Array | string, chunkRows?: number) {
  const key = `inbox/${supplierId}/${name}`;
  const event = await inbox.put(key, body);
  const run = h.handler(chunkRows === undefined ? {} : { chunkRows });
  await run(event, lambdaContext());
  const upload = (await h.uploadsOf(supplierId)).find((u) => u.key === key);
  if (!upload) throw new Error(`no upload for ${key}`);
  return { key, event, upload, run };
}

const chars = (errors: { message: string; column?: string }[]) =>
  errors.reduce((n, e) => n + e.message.length + (e.column?.length ?? 0), 0);

describe('ingest: hostile files end their upload', () => {
  it('reads a workbook with a row of 1,000,001 cells without r=: the row is one short error, the others are leads', async () => {
    const { supplierId } = await h.supplierWith();
    const row = (r: number, i: number) =>
      `<row r="${r}">${leadRow(i)
        .map((v) => inlineCell(v))
        .join('')}</row>`;
    const bytes = xlsxWithParts([LEAD_HEADER], {
      'xl/worksheets/sheet1.xml': sheetXmlOf(function* () {
        yield `<row r="1">${LEAD_HEADER.map((v) => inlineCell(v)).join('')}</row>`;
        yield row(2, 1);
        yield `<row r="3">${leadRow(2)
          .map((v) => inlineCell(v))
          .join('')}`;
        for (let i = 0; i < 1_000_000; i++) yield '<c><v>7</v></c>';
        yield '</row>';
        yield row(4, 3);
      }),
    });

    const { upload } = await drop(supplierId, 'wide.xlsx', bytes);

    const report = await h.report(supplierId, upload.id);
    expect(report.upload).toMatchObject({ status: 'done', rows: { total: 3, created: 2, rejected: 1 } });
    expect(report.errors.map((e) => e.row)).toEqual([3, 3]);
    expect(chars(report.errors)).toBeLessThan(1_000);
    expect(await h.leadsOf(supplierId)).toHaveLength(2);
  }, 60_000);

  it('reads a CSV file with a 900 KB row: the row is one short error, the rows after it are leads', async () => {
    const { supplierId } = await h.supplierWith();
    const wide = [...leadRow(2), ...Array.from({ length: 450_000 }, () => 'x')];
    const bytes = csvBytes([LEAD_HEADER, leadRow(1), wide, leadRow(3)]);
    expect(bytes.length).toBeGreaterThan(900_000);

    const { upload } = await drop(supplierId, 'wide.csv', bytes);

    const report = await h.report(supplierId, upload.id);
    expect(report.upload).toMatchObject({ status: 'done', rows: { total: 3, created: 2, rejected: 1 } });
    expect(chars(report.errors)).toBeLessThan(1_000);
  }, 60_000);
});

describe('ingest: a row error that cannot be stored', () => {
  it('keeps the good rows and the counts: the row is stored with a short note instead', async () => {
    const { supplierId } = await h.supplierWith();
    const rows = [LEAD_HEADER, ...Array.from({ length: 20 }, (_, i) => leadRow(i, 5))];
    const realPut = h.uploads.putRowErrors.bind(h.uploads);
    // DynamoDB refusing the item of row 6 (as it refuses an item past 400 KB), whatever the batch.
    h.uploads.putRowErrors = async (s, u, errors) => {
      if (errors.some((e) => e.row === 6 && e.errors[0]?.message !== UNRECORDED_ROW_ERRORS)) {
        throw Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
          name: 'ValidationException',
        });
      }
      return realPut(s, u, errors);
    };
    let upload: Awaited<ReturnType<typeof drop>>['upload'];
    try {
      ({ upload } = await drop(supplierId, 'unstorable.csv', csvBytes(rows)));
    } finally {
      h.uploads.putRowErrors = realPut;
    }

    const report = await h.report(supplierId, upload.id);
    expect(report.upload).toMatchObject({ status: 'done', rows: { total: 20, created: 16, rejected: 4 } });
    expect(report.errors.map((e) => [e.row, e.message.slice(0, 30)])).toEqual([
      [6, UNRECORDED_ROW_ERRORS.slice(0, 30)],
      [11, expect.any(String)],
      [16, expect.any(String)],
      [21, expect.any(String)],
    ]);
    expect(await h.leadsOf(supplierId)).toHaveLength(16);
  });
});

describe('ingest: runs that keep failing end the upload', () => {
  it(`fails an upload after ${MAX_RUN_ATTEMPTS} runs in a row fail at the same chunk, keeping the rows before it`, async () => {
    const { supplierId } = await h.supplierWith();
    const rows = [LEAD_HEADER, ...Array.from({ length: 300 }, (_, i) => leadRow(i))];
    const key = `inbox/${supplierId}/poison.csv`;
    const event = await inbox.put(key, csvBytes(rows));
    const run = h.handler({ chunkRows: 100 });
    const realPut = h.table.leads.putNewLeads.bind(h.table.leads);
    h.table.leads.putNewLeads = async (leads, loads) => {
      if (leads.some((l) => l.email === 'lead200@example.com')) throw new Error('socket hang up');
      return realPut(leads, loads);
    };
    try {
      // Lambda's first try and its two retries of the S3 event.
      for (let attempt = 1; attempt <= MAX_RUN_ATTEMPTS; attempt++) {
        await expect(run(event, lambdaContext())).rejects.toThrow('socket hang up');
      }
      const [stuck] = await h.uploadsOf(supplierId);
      expect(stuck).toMatchObject({ status: 'processing', rows: { total: 200 } });

      // The next claim (the sweeper's resume) ends it instead of trying again.
      await run({ kind: 'resume', supplierId, uploadId: stuck?.id ?? '' }, lambdaContext());
    } finally {
      h.table.leads.putNewLeads = realPut;
    }

    const [failed] = await h.uploadsOf(supplierId);
    expect(failed).toMatchObject({
      status: 'failed',
      failure: { code: 'retries_exhausted' },
      rows: { total: 200, created: 200 },
    });
    expect(failed?.failure?.message).toBe(
      `Reading stopped at row 202: ${MAX_RUN_ATTEMPTS} runs in a row failed there (socket hang up); the rows before it are kept`,
    );
    expect(
      await h.uploads.listStalledUploads(new Date(Date.now() + 3_600_000).toISOString(), 100),
    ).not.toContainEqual(expect.objectContaining({ id: failed?.id }));
  });
});

describe('the upload sweeper', () => {
  it('resumes an upload whose run died (its lease ended), and leaves live and finished uploads alone', async () => {
    const { supplierId } = await h.supplierWith();
    const crashed = `inbox/${supplierId}/crashed.csv`;
    const event = await inbox.put(
      crashed,
      csvBytes([LEAD_HEADER, ...Array.from({ length: 250 }, (_, i) => leadRow(i))]),
    );
    // A run dies after its first chunk (as a timeout or out of memory would: nothing is released).
    const dying = h.handler({ chunkRows: 100, leaseMs: 1 });
    const realPut = h.table.leads.putNewLeads.bind(h.table.leads);
    h.table.leads.putNewLeads = async (leads, loads) => {
      if (leads.some((l) => l.email === 'lead100@example.com')) throw new Error('Runtime exited');
      return realPut(leads, loads);
    };
    const realRelease = h.uploads.releaseUpload.bind(h.uploads);
    h.uploads.releaseUpload = async () => false;
    try {
      await expect(dying(event, lambdaContext())).rejects.toThrow('Runtime exited');
    } finally {
      h.table.leads.putNewLeads = realPut;
      h.uploads.releaseUpload = realRelease;
    }
    const [stalled] = await h.uploadsOf(supplierId);
    expect(stalled).toMatchObject({ status: 'processing', rows: { total: 100 } });
    // Beside it: a file being read by a live run, and one done.
    const live = await h.supplierWith();
    const held = await inbox.put(`inbox/${live.supplierId}/held.csv`, csvBytes([LEAD_HEADER, leadRow(1)]));
    await h.uploads.createUpload({
      id: 'LIVE',
      supplierId: live.supplierId,
      key: `inbox/${live.supplierId}/held.csv`,
      fileName: 'held.csv',
      origin: 'drop',
      routing: { mode: 'rules' },
      status: 'processing',
      rows: { total: 0, created: 0, updated: 0, rejected: 0 },
      object: { size: held.Records[0]?.s3.object.size ?? 0 },
      leaseUntil: new Date(Date.now() + 600_000).toISOString(),
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      version: 1,
    });
    const finished = await h.supplierWith();
    const done = await inbox.put(
      `inbox/${finished.supplierId}/done.csv`,
      csvBytes([LEAD_HEADER, leadRow(1)]),
    );
    await h.handler()(done, lambdaContext());

    const resumed: { supplierId: string; uploadId: string }[] = [];
    const swept = await sweepStalledUploads({
      uploads: h.uploads,
      clock: systemClock,
      resume: async (upload) => {
        resumed.push(upload);
      },
    });

    const mine = resumed.filter((r) =>
      [supplierId, live.supplierId, finished.supplierId].includes(r.supplierId),
    );
    expect(mine).toEqual([{ supplierId, uploadId: stalled?.id }]);
    expect(swept.resumed).toBeGreaterThanOrEqual(1);

    // The resume reaches ingest, which continues from the checkpoint.
    await h.handler({ chunkRows: 100 })({ kind: 'resume', ...mine[0] } as never, lambdaContext());
    const [after] = await h.uploadsOf(supplierId);
    expect(after).toMatchObject({ status: 'done', rows: { total: 250, created: 250, rejected: 0 } });
    expect(await h.leadsOf(supplierId)).toHaveLength(250);
    const again: string[] = [];
    await sweepStalledUploads({
      uploads: h.uploads,
      clock: systemClock,
      resume: async (u) => void again.push(u.uploadId),
    });
    expect(again).not.toContain(stalled?.id);
  });
});
