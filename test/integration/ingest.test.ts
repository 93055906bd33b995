import { MAX_UPLOAD_BYTES } from '@leadrelay/core';
import { headerRowHash } from '@leadrelay/files';
import type { S3Event } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropId } from '../../functions/ingest/ingest';
import { type Inbox, lambdaContext, s3Event, startInbox } from '../support/inbox';
import { ingestHarness } from '../support/ingest';
import {
  csvBytes,
  expectedLeadRowError,
  LEAD_HEADER,
  leadRow,
  leadSheet,
  xlsxBytes,
} from '../support/lead-files';

let inbox: Inbox;
let h: Awaited<ReturnType<typeof ingestHarness>>;

beforeAll(async () => {
  inbox = await startInbox();
  h = await ingestHarness(inbox, 'ingest');
});

afterAll(async () => {
  await inbox?.stop();
});

/** The same S3 event again, or the event of another PUT of the same bytes (a new sequencer). */
const record = (event: S3Event) => {
  const first = event.Records[0];
  if (!first) throw new Error('an S3 event without records');
  return first;
};
const eventAgain = (event: S3Event, changes: { sequencer?: string; size?: number } = {}) => {
  const { s3 } = record(event);
  return s3Event({
    bucket: s3.bucket.name,
    key: decodeURIComponent(s3.object.key.replace(/\+/g, ' ')),
    size: changes.size ?? s3.object.size,
    eTag: s3.object.eTag,
    sequencer: changes.sequencer ?? s3.object.sequencer,
  });
};

/** Drops a file under inbox/<supplierId>/ and runs ingest on the emulator's S3 event. */
async function drop(supplierId: string, name: string, body: Uint8Array | string) {
  const key = `inbox/${supplierId}/${name}`;
  const event = await inbox.put(key, body);
  await h.handler()(event, lambdaContext());
  const upload = (await h.uploadsOf(supplierId)).find((u) => u.key === key);
  if (!upload) throw new Error(`no upload for ${key}`);
  return { key, event, upload };
}

describe('ingest: a dropped CSV file', () => {
  it('reads BOM, semicolons and quoted newlines, creates leads, and reports every bad row by row and column', async () => {
    const { supplierId } = await h.supplierWith();
    const header = ['E-mail', 'First Name', 'Last Name', 'Company', 'Lead Score', 'Notes'];
    const rows = [
      header,
      ['ada@example.com', 'Ada', 'Lovelace', 'Analytical', '90', 'likes\nengines'], // row 2 (two lines)
      ['not-an-email', 'Bad', 'Email', 'X', '10', ''], // row 3
      ['', 'No', 'Email', 'Y', '10', ''], // row 4
      ['bob@example.com', 'Bob', 'B', 'Bobco', 'high', ''], // row 5
      ['cy@example.com', 'Cy', 'C', 'x'.repeat(300), '20', 'note; with "quotes"'], // row 6
      ['ADA@example.com', 'Ada', 'King', '', '', 'again'], // row 7: a repeat of row 2
      ['dee@example.com', 'Dee', 'D', 'Deeco', '', ''], // row 8
    ];

    const { upload } = await drop(
      supplierId,
      'leads; semicolons.csv',
      csvBytes(rows, { bom: true, delimiter: ';' }),
    );

    const { upload: done, errors } = await h.report(supplierId, upload.id);
    expect(done).toMatchObject({
      status: 'done',
      origin: 'drop',
      fileName: 'leads; semicolons.csv',
      routing: { mode: 'rules' },
      rows: { total: 7, created: 2, updated: 1, rejected: 4 },
    });
    expect(done.checkpoint).toBeUndefined();
    expect(done.leaseUntil).toBeUndefined();
    expect(errors).toEqual([
      { row: 3, column: 'E-mail', message: expect.stringMatching(/^must be a valid email address/) },
      { row: 4, column: 'E-mail', message: 'email is required for a distributed lead' },
      { row: 5, column: 'Lead Score', message: 'must be a whole number from 0 to 100 (got "high")' },
      { row: 6, column: 'Company', message: 'must be at most 255 characters' },
    ]);
    const ada = await h.lead(supplierId, 'ada@example.com');
    expect(ada).toMatchObject({
      firstName: 'Ada',
      lastName: 'King',
      company: 'Analytical',
      score: 90,
      source: 'CSV Upload',
      customFields: { Notes: 'again' },
    });
    expect(ada?.history[0]).toMatchObject({ type: 'created', actor: `upload:${upload.id}` });
    expect(await h.lead(supplierId, 'dee@example.com')).toMatchObject({ company: 'Deeco', score: 50 });
    expect(await h.leadsOf(supplierId)).toHaveLength(2);
  });

  it('reads Windows-1252 text as written', async () => {
    const { supplierId } = await h.supplierWith();
    const bytes = csvBytes(
      [
        ['Email', 'First Name', 'Last Name', 'City'],
        ['zoe@example.com', 'Zoë', 'Müller', 'Besançon'],
      ],
      { encoding: 'windows-1252', eol: '\r\n' },
    );

    const { upload } = await drop(supplierId, 'latin.csv', bytes);

    expect((await h.report(supplierId, upload.id)).upload.rows).toEqual({
      total: 1,
      created: 1,
      updated: 0,
      rejected: 0,
    });
    expect(await h.lead(supplierId, 'zoe@example.com')).toMatchObject({
      firstName: 'Zoë',
      lastName: 'Müller',
      city: 'Besançon',
    });
  });

  it('routes by the rules; a dropped file with a Partner column is routed by it, an unknown partner is a row error on that column', async () => {
    const { supplierId, ids, setRules } = await h.supplierWith({ North: {}, South: {} });
    await setRules({
      groups: [
        { name: 'All', conditions: [{ field: 'email', op: 'exists' }], assign: { partnerId: ids.North } },
      ],
    });
    const rows = [
      ['Email', 'Assigned Partner'],
      ['p1@example.com', 'south'], // by exact name, any case
      ['p2@example.com', ''], // no partner named: the rules
      ['p3@example.com', 'Nobody Inc'],
      ['p4@example.com', ids.South ?? ''], // by id
    ];

    const { upload } = await drop(supplierId, 'partners.csv', csvBytes(rows));

    const { upload: done, errors } = await h.report(supplierId, upload.id);
    expect(done).toMatchObject({ routing: { mode: 'column' }, rows: { total: 4, created: 3, rejected: 1 } });
    expect(errors).toEqual([{ row: 4, column: 'Assigned Partner', message: 'unknown partner "Nobody Inc"' }]);
    expect(await h.lead(supplierId, 'p1@example.com')).toMatchObject({
      partnerId: ids.South,
      partnerName: 'South',
    });
    expect(await h.lead(supplierId, 'p2@example.com')).toMatchObject({ partnerId: ids.North });
    expect(await h.lead(supplierId, 'p4@example.com')).toMatchObject({ partnerId: ids.South });
    const routed = (await h.lead(supplierId, 'p2@example.com'))?.history.find((e) => e.type === 'routed');
    expect(routed?.detail).toMatchObject({ path: 'rule', group: 'All', partnerId: ids.North });
  });

  it('reads the first worksheet of an XLSX file', async () => {
    const { supplierId } = await h.supplierWith();
    const count = 60;

    const { upload } = await drop(supplierId, 'leads.xlsx', xlsxBytes(leadSheet(count, 10)));

    const { upload: done, errors } = await h.report(supplierId, upload.id);
    const bad = Array.from({ length: count }, (_, i) => i).filter((i) => i % 10 === 9);
    expect(done.rows).toEqual({
      total: count,
      created: count - bad.length,
      updated: 0,
      rejected: bad.length,
    });
    expect(errors.map((e) => ({ row: e.row, column: e.column }))).toEqual(
      bad.map((i) => ({ row: i + 2, column: expectedLeadRowError(i, 10).column })),
    );
    expect(await h.lead(supplierId, 'lead0@example.com')).toMatchObject({ firstName: 'First0', score: 0 });
  });

  it('reads 5,000 rows with errors and reports each bad row exactly, in row order across pages', async () => {
    const { supplierId } = await h.supplierWith();
    const count = 5000;
    const errorEvery = 7;
    const rows = [LEAD_HEADER, ...Array.from({ length: count }, (_, i) => leadRow(i, errorEvery))];

    const started = Date.now();
    const { upload } = await drop(supplierId, 'big.csv', csvBytes(rows));
    console.log(`5,000 rows ingested in ${Date.now() - started} ms`);

    const { upload: done, errors } = await h.report(supplierId, upload.id, 100);
    const bad = Array.from({ length: count }, (_, i) => i).filter((i) => i % errorEvery === errorEvery - 1);
    expect(done.rows).toEqual({
      total: count,
      created: count - bad.length,
      updated: 0,
      rejected: bad.length,
    });
    expect(errors).toHaveLength(bad.length);
    bad.forEach((i, n) => {
      const expected = expectedLeadRowError(i, errorEvery);
      expect(errors[n]).toMatchObject({ row: i + 2, column: expected.column });
      expect(errors[n]?.message.startsWith(expected.message)).toBe(true);
    });
    expect(await h.leadsOf(supplierId)).toHaveLength(count - bad.length);
  }, 180_000);
});

describe('ingest: at least once', () => {
  it('does nothing more for the same S3 event twice: no second upload, no duplicate leads, the counts unchanged', async () => {
    const { supplierId } = await h.supplierWith();
    const rows = [LEAD_HEADER, ...Array.from({ length: 30 }, (_, i) => leadRow(i, 5))];
    const { event, upload } = await drop(supplierId, 'twice.csv', csvBytes(rows));
    const before = await h.report(supplierId, upload.id);

    await h.handler()(event, lambdaContext());
    await h.handler()(eventAgain(event), lambdaContext());

    expect(await h.uploadsOf(supplierId)).toHaveLength(1);
    const after = await h.report(supplierId, upload.id);
    expect(after.upload.rows).toEqual({ total: 30, created: 24, updated: 0, rejected: 6 });
    expect(after.upload.rows).toEqual(before.upload.rows);
    expect(after.upload.version).toBe(before.upload.version);
    expect(after.errors).toEqual(before.errors);
    expect(await h.leadsOf(supplierId)).toHaveLength(24);
  });

  it('treats the same file dropped again as a new upload whose rows all update the leads', async () => {
    const { supplierId } = await h.supplierWith();
    const rows = [LEAD_HEADER, ...Array.from({ length: 40 }, (_, i) => leadRow(i))];
    const first = await drop(supplierId, 'again.csv', csvBytes(rows));
    const leadsBefore = await h.leadsOf(supplierId);

    // The same key and bytes, a new PUT: S3 sends a new sequencer (and a versioned bucket a new version).
    const second = eventAgain(first.event, { sequencer: `${record(first.event).s3.object.sequencer}1` });
    await h.handler()(second, lambdaContext());

    const uploads = await h.uploadsOf(supplierId);
    expect(uploads).toHaveLength(2);
    const again = uploads.find((u) => u.id !== first.upload.id);
    expect(again).toMatchObject({
      status: 'done',
      rows: { total: 40, created: 0, updated: 40, rejected: 0 },
    });
    expect(await h.leadsOf(supplierId)).toHaveLength(leadsBefore.length);
  });

  it('continues a file in a new invocation when time runs short, ending with the same leads, counts and errors as one pass', async () => {
    const oneRun = await h.supplierWith({ North: {} });
    const inParts = await h.supplierWith({ North: {} });
    for (const s of [oneRun, inParts]) {
      await s.setRules({
        groups: [
          {
            name: 'R1',
            conditions: [{ field: 'custom.Region', op: 'equals', value: 'R1' }],
            assign: { partnerId: s.ids.North },
          },
        ],
      });
    }
    const rows = [LEAD_HEADER, ...Array.from({ length: 1000 }, (_, i) => leadRow(i % 900, 9))];
    const bytes = csvBytes(rows);
    const options = { chunkRows: 90 };

    const single = await drop(oneRun.supplierId, 'parts.csv', bytes);

    // Each invocation has time for three chunks, then yields: the file takes four invocations.
    const threeChunks = () => {
      let asked = 0;
      return lambdaContext(() => (++asked <= 2 ? 900_000 : 30_000));
    };
    const key = `inbox/${inParts.supplierId}/parts.csv`;
    const event = await inbox.put(key, bytes);
    await h.handler(options)(event, threeChunks());
    const [partial] = await h.uploadsOf(inParts.supplierId);
    expect(partial).toMatchObject({ status: 'processing', rows: { total: 270 } });
    expect(partial?.checkpoint).toMatchObject({ rowsRead: 270 });
    expect(h.invoked).toEqual([
      {
        functionName: 'ingest',
        event: { kind: 'resume', supplierId: inParts.supplierId, uploadId: partial?.id },
      },
    ]);
    // The S3 event again meanwhile (at least once): it may take the next chunks, never reread a row.
    await h.handler(options)(event, threeChunks());
    const resumes = await h.drainResumes(h.handler(options), threeChunks);

    expect(resumes).toBeGreaterThanOrEqual(2);
    expect(await h.uploadsOf(inParts.supplierId)).toHaveLength(1);
    const parts = await h.report(inParts.supplierId, partial?.id ?? '');
    const whole = await h.report(oneRun.supplierId, single.upload.id);
    expect(parts.upload).toMatchObject({ status: 'done', rows: whole.upload.rows });
    // Rows 1002–1001 repeat the first 100 emails: 89 good repeats update, 11 bad ones are rejected again.
    expect(whole.upload.rows).toEqual({ total: 1000, created: 800, updated: 89, rejected: 111 });
    expect(parts.errors).toEqual(whole.errors);
    const view = (leads: Awaited<ReturnType<typeof h.leadsOf>>) =>
      leads
        .map((l) => ({
          email: l.email,
          firstName: l.firstName,
          company: l.company,
          score: l.score,
          customFields: l.customFields,
          partnerName: l.partnerName,
          distributionStatus: l.distributionStatus,
          history: l.history.map((e) => e.type),
        }))
        .sort((a, b) => String(a.email).localeCompare(String(b.email)));
    const [mine, theirs] = [await h.leadsOf(inParts.supplierId), await h.leadsOf(oneRun.supplierId)];
    expect(mine).toHaveLength(800);
    expect(view(mine)).toEqual(view(theirs));
  }, 120_000);

  it('continues an XLSX file too (the reader skips the rows already read)', async () => {
    const { supplierId } = await h.supplierWith();
    const key = `inbox/${supplierId}/parts.xlsx`;
    const event = await inbox.put(key, xlsxBytes(leadSheet(250, 25)));
    const context = () => {
      let asked = 0;
      return lambdaContext(() => (++asked <= 1 ? 900_000 : 0));
    };

    await h.handler({ chunkRows: 50 })(event, context());
    await h.drainResumes(h.handler({ chunkRows: 50 }), context);

    const [upload] = await h.uploadsOf(supplierId);
    expect(upload).toMatchObject({
      status: 'done',
      rows: { total: 250, created: 240, updated: 0, rejected: 10 },
    });
    expect(await h.leadsOf(supplierId)).toHaveLength(240);
  });

  it('reads a dropped file with a remembered mapping across invocations, and notes its footer at the end', async () => {
    const { supplierId } = await h.supplierWith();
    const header = ['Correo', 'Empresa', 'Región'];
    await h.mappings.putHeaderMapping({
      supplierId,
      headerHash: headerRowHash(header),
      headers: header,
      mapping: { Correo: 'email', Empresa: 'company', Región: 'custom.Territory' },
      uploadId: 'TAUGHT',
      learntAt: new Date().toISOString(),
    });
    const rows = Array.from({ length: 120 }, (_, i) => [`m${i}@example.es`, `Empresa ${i}`, `T${i % 3}`]);
    const bytes = csvBytes([header, ...rows, [''], ['Grand Totals (120 records)'], ['Confidential']]);
    const event = await inbox.put(`inbox/${supplierId}/mapped.csv`, bytes);
    // One chunk per invocation: the layout (and its mapping) must come back from the checkpoint.
    const oneChunk = () => {
      let asked = 0;
      return lambdaContext(() => (++asked <= 1 ? 30_000 : 0));
    };
    await h.handler({ chunkRows: 50 })(event, oneChunk());
    expect(await h.drainResumes(h.handler({ chunkRows: 50 }), oneChunk)).toBe(2);

    const [upload] = await h.uploadsOf(supplierId);
    expect(upload).toMatchObject({
      status: 'done',
      rows: { total: 120, created: 120, updated: 0, rejected: 0 },
      mappingApplied: { source: 'remembered', headerHash: headerRowHash(header), learntFrom: 'TAUGHT' },
      notes: [{ row: 123, message: expect.stringContaining('Rows 123-124 skipped: a report footer') }],
    });
    const leads = await h.leadsOf(supplierId);
    expect(leads).toHaveLength(120);
    expect(
      leads.every((l) => l.company?.startsWith('Empresa ') && /^T\d$/.test(String(l.customFields.Territory))),
    ).toBe(true);
  });

  it('resumes from the checkpoint after a failed run: the error is thrown, the retry finishes the file', async () => {
    const { supplierId } = await h.supplierWith();
    const rows = [LEAD_HEADER, ...Array.from({ length: 300 }, (_, i) => leadRow(i))];
    const key = `inbox/${supplierId}/flaky.csv`;
    const event = await inbox.put(key, csvBytes(rows));
    const flaky = h.handler({ chunkRows: 100 });
    const realPut = h.table.leads.putNewLeads.bind(h.table.leads);
    h.table.leads.putNewLeads = async (leads, loads) => {
      // The third chunk's first write fails, as a network error would.
      if (leads.some((l) => l.email === 'lead200@example.com')) throw new Error('socket hang up');
      return realPut(leads, loads);
    };
    try {
      await expect(flaky(event, lambdaContext())).rejects.toThrow('socket hang up');
    } finally {
      h.table.leads.putNewLeads = realPut;
    }
    const [stuck] = await h.uploadsOf(supplierId);
    expect(stuck).toMatchObject({ status: 'processing', rows: { total: 200, created: 200 } });
    expect(Date.parse(stuck?.leaseUntil ?? '')).toBeLessThanOrEqual(Date.now());

    // Lambda retries the same event: the released lease lets it claim the upload and resume at row 202.
    await h.handler({ chunkRows: 100 })(event, lambdaContext());

    const { upload } = await h.report(supplierId, stuck?.id ?? '');
    expect(upload).toMatchObject({
      status: 'done',
      rows: { total: 300, created: 300, updated: 0, rejected: 0 },
    });
    expect(await h.leadsOf(supplierId)).toHaveLength(300);
  });

  it('leaves an upload a live run holds alone, and ignores a resume for an unknown upload', async () => {
    const { supplierId } = await h.supplierWith();
    const key = `inbox/${supplierId}/held.csv`;
    const event = await inbox.put(key, csvBytes([LEAD_HEADER, leadRow(1)]));
    const id = dropId(record(event));
    await h.uploads.createUpload({
      id,
      supplierId,
      key,
      fileName: 'held.csv',
      origin: 'drop',
      routing: { mode: 'rules' },
      status: 'processing',
      rows: { total: 0, created: 0, updated: 0, rejected: 0 },
      object: { size: record(event).s3.object.size },
      leaseUntil: new Date(Date.now() + 60_000).toISOString(),
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      version: 1,
    });

    await h.handler()(event, lambdaContext());
    await h.handler()({ kind: 'resume', supplierId, uploadId: 'nope' }, lambdaContext());

    expect(await h.uploads.getUpload(supplierId, id)).toMatchObject({ status: 'processing', version: 1 });
    expect(await h.leadsOf(supplierId)).toHaveLength(0);
  });
});

describe('ingest: files that cannot be read', () => {
  it.each([
    ['an empty file', 'empty.csv', '', 'empty', 'The file is empty'],
    [
      'a file without a header row',
      'noheader.csv',
      'ada@example.com,Ada\n',
      'no_header',
      'Row 1 names no lead field',
    ],
    ['a header without an email column', 'noemail.csv', 'First Name,Company\nAda,X\n', 'no_header', 'email'],
  ])('fails %s with a clear reason', async (_what, name, body, code, message) => {
    const { supplierId } = await h.supplierWith();

    const { upload } = await drop(supplierId, name, body);

    const { upload: failed } = await h.report(supplierId, upload.id);
    expect(failed).toMatchObject({ status: 'failed', failure: { code }, rows: { total: 0 } });
    expect(failed.failure?.message).toContain(message);
    expect(failed.finishedAt).toEqual(expect.any(String));
  });

  it('fails a file over the size limit (1 GiB) before reading a byte', async () => {
    const { supplierId } = await h.supplierWith();
    const { event } = await drop(supplierId, 'small.csv', csvBytes([LEAD_HEADER, leadRow(1)]));
    const huge = s3Event({
      bucket: inbox.bucket,
      key: `inbox/${supplierId}/huge.csv`,
      size: MAX_UPLOAD_BYTES + 1,
      eTag: record(event).s3.object.eTag,
    });

    await h.handler()(huge, lambdaContext());
    const big = (await h.uploadsOf(supplierId)).find((u) => u.key.endsWith('huge.csv'));
    expect(big).toMatchObject({ status: 'failed', failure: { code: 'too_large' } });
    expect(big?.failure?.message).toBe('The file is larger than the limit of 1024 MB');

    const limited = await inbox.put(
      `inbox/${supplierId}/limited.csv`,
      csvBytes([LEAD_HEADER, leadRow(1), leadRow(2)]),
    );
    await h.handler({ maxBytes: 64 })(limited, lambdaContext());
    const over = (await h.uploadsOf(supplierId)).find((u) => u.key.endsWith('limited.csv'));
    expect(over).toMatchObject({ status: 'failed', failure: { code: 'too_large' }, rows: { total: 0 } });
    expect(await h.leadsOf(supplierId)).toHaveLength(1);
  });

  it('skips keys outside inbox/<supplierId>/ and files for a supplier that does not exist', async () => {
    await h.handler()(
      s3Event({ bucket: inbox.bucket, key: 'elsewhere/leads.csv', size: 10 }),
      lambdaContext(),
    );
    await h.handler()(
      s3Event({ bucket: inbox.bucket, key: 'inbox/NOSUCHSUPPLIER/leads.csv', size: 10 }),
      lambdaContext(),
    );

    expect(await h.uploadsOf('NOSUCHSUPPLIER')).toEqual([]);
  });
});
