import { S3ExportFiles } from '@leadrelay/aws';
import {
  CSV_BOM,
  compareLeads,
  exportColumns,
  type Lead,
  LeadListQuery,
  type LeadStore,
  type LeadViews,
  leadFilter,
  matchesFilter,
  parseColumns,
  type RunExportEvent,
  reindexSupplier,
  runExport,
  systemClock,
} from '@leadrelay/core';
import { DynamoExportStore, DynamoSearchStore, searchableLeadStore } from '@leadrelay/store';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, answer, type TestApi, testApi } from '../support/api';
import { parseCsv } from '../support/csv';
import { apiEvent } from '../support/events';
import { type Inbox, startInbox } from '../support/inbox';
import { testTable } from '../support/store';

const OPERATOR_KEY = 'operator-key-for-export-tests-0123456789';

let table: Awaited<ReturnType<typeof testTable>>;
let inbox: Inbox;
let views: LeadViews;
let exportStore: DynamoExportStore;
let files: S3ExportFiles;
/** The export function's invocations the api asked for, in order (Lambda's async queue). */
const queued: RunExportEvent[] = [];

/** An api whose inline answers end at `inlineMaxRows`. */
function apiWith(inlineMaxRows: number): TestApi {
  return testApi(table, OPERATOR_KEY, {
    exports: {
      store: exportStore,
      files,
      views,
      startRun: async (event) => {
        queued.push(event);
      },
      limits: { inlineMaxRows, inlineMaxBytes: 4 * 1024 * 1024 },
    },
  });
}
let api: TestApi;
let smallApi: TestApi;

/** The export function over the same table and bucket, as functions/export/handler.ts wires it. */
const runQueued = async (pageSize = 7) => {
  const outcomes = [];
  for (const event of queued.splice(0)) {
    outcomes.push(
      await runExport({ views, exports: exportStore, files, clock: systemClock, pageSize }, event),
    );
  }
  return outcomes;
};

beforeAll(async () => {
  table = await testTable('exports');
  inbox = await startInbox('exports-test');
  // As the api and the export function build theirs: keyword filters go to the token index.
  views = searchableLeadStore(table.db, table.tableName);
  exportStore = new DynamoExportStore(table.db, table.tableName);
  files = new S3ExportFiles(inbox.client, inbox.bucket);
  api = apiWith(5_000);
  smallApi = apiWith(10);
});

afterAll(async () => {
  await inbox?.stop();
});

const call = (event: APIGatewayProxyEventV2, through = api): Promise<Answer> => answer(through, event);
const post = (key: string, path: string, body: unknown) =>
  call(apiEvent({ method: 'POST', path, key, body }));

/** GET as it comes back: status, headers and the raw body (CSV is not JSON). */
async function getRaw(key: string, path: string, query: Record<string, string> = {}, through = api) {
  const res = await through.handle(apiEvent({ method: 'GET', path, key, query }));
  return { status: res.statusCode ?? 0, headers: res.headers ?? {}, body: res.body ?? '' };
}

/** A supplier with two partners (keys and ids) and leads given to them over the batch API. */
async function supplierWithLeads(leads: Record<string, unknown>[]) {
  const created = await call(
    apiEvent({ method: 'POST', path: '/v1/admin/suppliers', key: OPERATOR_KEY, body: { name: 'Exporter' } }),
  );
  const key: string = created.body.apiKey;
  const supplierId: string = created.body.supplier.id;
  const partners: Record<'North' | 'South', { id: string; key: string }> = {} as never;
  for (const name of ['North', 'South'] as const) {
    const res = await post(key, '/v1/partners', { name, groups: name === 'North' ? ['Nordics'] : [] });
    expect(res.status).toBe(201);
    partners[name] = { id: res.body.partner.id, key: res.body.apiKey };
  }
  const withPartners = leads.map((lead, i) => ({
    partnerId: i % 3 === 0 ? partners.North.id : partners.South.id,
    ...lead,
  }));
  for (let i = 0; i < withPartners.length; i += 100) {
    const res = await post(key, '/v1/leads/batch', { leads: withPartners.slice(i, i + 100) });
    expect(res.status).toBe(200);
    expect(res.body.results.filter((r: { status: string }) => r.status !== 'created')).toEqual([]);
  }
  return { key, supplierId, partners };
}

/** Leads with hostile and awkward text in every other field. */
const LEADS: Record<string, unknown>[] = Array.from({ length: 40 }, (_, i) => ({
  email: `buyer${i}@acme${i % 4}.example`,
  firstName: i % 5 === 0 ? '=HYPERLINK("http://evil.example","x")' : `José ${i}`,
  lastName: i % 7 === 0 ? 'Müller, "der Ältere"' : `Ng ${i}`,
  company: i % 6 === 0 ? 'Acme\nInc' : `+Plus ${i}`,
  country: ['DE', 'SE', 'FR'][i % 3],
  customFields: { region: i % 2 === 0 ? 'EMEA' : '@AMER', seats: i },
}));

/** Every lead of a supplier, through its list (newest first). */
async function allLeads(store: Pick<LeadStore, 'listLeads'>, supplierId: string): Promise<Lead[]> {
  const leads: Lead[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listLeads(supplierId, { limit: 500, ...(cursor ? { cursor } : {}) });
    leads.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return leads;
}

/** The leads of a view, by brute force: matchesFilter over every lead, in compareLeads order. */
async function bruteForce(supplierId: string, query: Record<string, string>, scope?: { partnerId: string }) {
  const filter = leadFilter(LeadListQuery.parse(query), () => [], scope);
  return (await allLeads(table.leads, supplierId))
    .filter((lead) => matchesFilter(lead, filter))
    .sort(compareLeads(filter));
}

describe('GET /v1/leads/export, inline', () => {
  it('answers text/csv with a BOM, a header row, and exactly the list’s rows (not taken for /v1/leads/{id})', async () => {
    const { key } = await supplierWithLeads(LEADS);

    const res = await getRaw(key, '/v1/leads/export');

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="leads-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    expect(res.body.startsWith(CSV_BOM)).toBe(true);
    const [header, ...rows] = parseCsv(res.body.slice(1));
    expect(header).toEqual(exportColumns());
    // The list, page by page: the same leads in the same order, the same seed column values.
    const listed: Record<string, unknown>[] = [];
    let cursor: string | undefined;
    do {
      const page = await call(
        apiEvent({
          method: 'GET',
          path: '/v1/leads',
          key,
          query: { limit: '7', ...(cursor ? { cursor } : {}) },
        }),
      );
      listed.push(...page.body.items);
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    expect(listed).toHaveLength(LEADS.length);
    const neutral = (v: unknown) => {
      const text = v === null || v === undefined ? '' : String(v);
      return typeof v === 'string' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
    };
    expect(rows).toEqual(listed.map((item) => (header ?? []).map((column) => neutral(item[column]))));
  });

  it('neutralises formulas and quotes awkward text in the chosen columns, custom ones by name', async () => {
    const { key } = await supplierWithLeads(LEADS);

    const res = await getRaw(key, '/v1/leads/export', {
      columns: 'firstName,lastName,company,custom.region',
    });

    const [header, ...rows] = parseCsv(res.body.slice(1));
    expect(header?.slice(-4)).toEqual(['firstName', 'lastName', 'company', 'custom.region']);
    const cells = rows.map((row) => row.slice(-4));
    expect(cells).toContainEqual([
      `'=HYPERLINK("http://evil.example","x")`,
      'Müller, "der Ältere"',
      'Acme\nInc',
      'EMEA',
    ]);
    expect(cells.every(([, , company]) => company === 'Acme\nInc' || company?.startsWith("'+Plus "))).toBe(
      true,
    );
    expect(new Set(cells.map((c) => c[3]))).toEqual(new Set(['EMEA', "'@AMER"]));
    // No cell a spreadsheet would run: whatever begins with a formula sign is text now.
    expect(rows.flat().filter((cell) => /^[=+@\t\r]/.test(cell))).toEqual([]);
  });

  it('equals the list’s rows (GET /v1/leads with the same filter and columns), cell for cell', async () => {
    const { key } = await supplierWithLeads(LEADS);
    const query = {
      status: 'Pending',
      sort: 'updated',
      order: 'asc',
      columns: 'email,company,custom.region',
    };

    const res = await getRaw(key, '/v1/leads/export', query);

    const [header, ...rows] = parseCsv(res.body.slice(1));
    const listed: Record<string, unknown>[] = [];
    let cursor: string | undefined;
    do {
      const page = await call(
        apiEvent({
          method: 'GET',
          path: '/v1/leads',
          key,
          query: { ...query, limit: '7', ...(cursor ? { cursor } : {}) },
        }),
      );
      expect(page.status).toBe(200);
      listed.push(...page.body.items);
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    expect(listed.length).toBeGreaterThan(0);
    expect(Object.keys(listed[0] ?? {})).toEqual(header);
    const neutral = (v: unknown) => {
      const text = v === null || v === undefined ? '' : String(v);
      return typeof v === 'string' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
    };
    expect(rows).toEqual(listed.map((item) => (header ?? []).map((column) => neutral(item[column]))));
  });

  it('exports the same filter as the view, in its order (status, emailStatus, sort, order)', async () => {
    const { key, supplierId } = await supplierWithLeads(LEADS);
    const query = { status: 'Pending,Accepted', emailStatus: 'NotSent', sort: 'updated', order: 'asc' };

    const res = await getRaw(key, '/v1/leads/export', query);

    const ids = parseCsv(res.body.slice(1))
      .slice(1)
      .map(([id]) => id);
    const expected = (await bruteForce(supplierId, query)).map((l: Lead) => l.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(ids).toEqual(expected);
  });

  it('exports a keyword search (the token index) as the view selects it', async () => {
    const { key, supplierId } = await supplierWithLeads(LEADS);
    // The token items the stream consumer keeps, written here by the backfill (no consumer runs in this test).
    await reindexSupplier(table.leads, new DynamoSearchStore(table.db, table.tableName), supplierId);
    const query = { q: 'JOSE müll' };

    const res = await getRaw(key, '/v1/leads/export', query);

    expect(res.status).toBe(200);
    const ids = parseCsv(res.body.slice(1))
      .slice(1)
      .map(([id]) => id);
    const expected = (await bruteForce(supplierId, query)).map((l) => l.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(ids).toEqual(expected);
  });

  it('answers a 400 naming an unknown column or a bad status value, and nothing else is started', async () => {
    const { key } = await supplierWithLeads(LEADS.slice(0, 2));

    const column = await call(
      apiEvent({ method: 'GET', path: '/v1/leads/export', key, query: { columns: 'email,bogus' } }),
    );
    const status = await call(
      apiEvent({ method: 'GET', path: '/v1/leads/export', key, query: { status: 'Pending,Lost' } }),
    );

    expect(column.status).toBe(400);
    expect(column.body.error.details).toEqual([expect.objectContaining({ path: 'columns' })]);
    expect(column.body.error.message).toContain('bogus');
    expect(status.status).toBe(400);
    expect(status.body.error.details[0].path).toBe('status.1');
    expect(queued).toEqual([]);
  });

  it('gives a partner key its own leads only, whatever partner it names', async () => {
    const { partners, supplierId } = await supplierWithLeads(LEADS);

    const own = await getRaw(partners.North.key, '/v1/leads/export');
    const other = await getRaw(partners.North.key, '/v1/leads/export', { partnerId: partners.South.id });

    const ids = parseCsv(own.body.slice(1))
      .slice(1)
      .map(([id]) => id);
    const expected = await bruteForce(supplierId, {}, { partnerId: partners.North.id });
    expect(expected.every((l) => l.partnerId === partners.North.id)).toBe(true);
    expect(ids).toEqual(expected.map((l) => l.id));
    expect(parseCsv(other.body.slice(1))).toHaveLength(1); // the header alone
  });
});

describe('GET /v1/leads/export, large (through the export function and the bucket)', () => {
  it('answers 202 with Location; the export function writes the file; its status gives a download of exactly the view', async () => {
    const { key, supplierId } = await supplierWithLeads(LEADS);
    const query = { columns: 'email,custom.region,custom.seats' };

    const started = await getRaw(key, '/v1/leads/export', query, smallApi);

    expect(started.status).toBe(202);
    const exp = JSON.parse(started.body).export;
    expect(exp).toMatchObject({ status: 'running' });
    expect(started.headers.location).toBe(`/v1/exports/${exp.id}`);
    const running = await call(apiEvent({ method: 'GET', path: `/v1/exports/${exp.id}`, key }));
    expect(running.body.export).toMatchObject({ id: exp.id, status: 'running' });
    expect(running.body.export.downloadUrl).toBeUndefined();

    expect(await runQueued()).toEqual([{ kind: 'done', rows: LEADS.length, bytes: expect.any(Number) }]);

    const done = await call(apiEvent({ method: 'GET', path: `/v1/exports/${exp.id}`, key }));
    expect(done.body.export).toMatchObject({ id: exp.id, status: 'done', rows: LEADS.length });
    const download = await fetch(done.body.export.downloadUrl);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(bytes.length).toBe(done.body.export.bytes);
    // The same file as the inline answer of the same view (read through pages of 7 instead of 500).
    const inline = await getRaw(key, '/v1/leads/export', query);
    expect(bytes.toString('utf8')).toBe(inline.body);
    const ids = parseCsv(inline.body.slice(1))
      .slice(1)
      .map(([id]) => id);
    expect(ids).toEqual((await bruteForce(supplierId, {})).map((l) => l.id));
    expect(parseCsv(inline.body.slice(1))[0]).toEqual(
      exportColumns(parseColumns('email,custom.region,custom.seats')),
    );
  });

  it('runs an export once: a repeated invocation finds it done and writes nothing', async () => {
    const { key, supplierId } = await supplierWithLeads(LEADS.slice(0, 12));
    const started = await getRaw(key, '/v1/leads/export', {}, smallApi);
    const { id } = JSON.parse(started.body).export;
    const event = queued[0] as RunExportEvent;
    await runQueued();
    const first = await exportStore.getExport(supplierId, id);

    queued.push(event);
    expect(await runQueued()).toEqual([{ kind: 'skipped', reason: 'finished' }]);

    expect(await exportStore.getExport(supplierId, id)).toEqual(first);
    expect(first).toMatchObject({ status: 'done', attempts: 1, rows: 12 });
  });

  it('shows an export only to whoever asked for it: not another partner, not the supplier, not another supplier', async () => {
    const { key, partners } = await supplierWithLeads(LEADS);
    const other = await supplierWithLeads(LEADS.slice(0, 1));
    const started = await getRaw(partners.North.key, '/v1/leads/export', {}, apiWith(2));
    expect(started.status).toBe(202);
    const { id } = JSON.parse(started.body).export;
    await runQueued();

    const mine = await call(apiEvent({ method: 'GET', path: `/v1/exports/${id}`, key: partners.North.key }));
    const refused = await Promise.all(
      [partners.South.key, key, other.key].map((k) =>
        call(apiEvent({ method: 'GET', path: `/v1/exports/${id}`, key: k })),
      ),
    );

    expect(mine.body.export).toMatchObject({ status: 'done', rows: Math.ceil(LEADS.length / 3) });
    expect(refused.map((r) => r.status)).toEqual([404, 404, 404]);
  });
});

describe('the OpenAPI document', () => {
  it('describes the export as text/csv or 202 with the export, its filters as query parameters, and the status route', async () => {
    const { body } = await call(apiEvent({ method: 'GET', path: '/v1/openapi.json' }));

    const exportOp = body.paths['/v1/leads/export'].get;
    expect(Object.keys(exportOp.responses[200].content)).toEqual(['text/csv; charset=utf-8']);
    expect(exportOp.responses[202].content['application/json']).toBeDefined();
    expect(exportOp.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['status', 'emailStatus', 'partnerGroup', 'columns', 'sort', 'q']),
    );
    expect(exportOp.parameters.map((p: { name: string }) => p.name)).not.toContain('cursor');
    expect(body.paths['/v1/exports/{id}'].get.responses[200]).toBeDefined();
    expect(body.components.schemas.Export.properties).toHaveProperty('downloadUrl');
  });
});

describe('S3ExportFiles on the S3 emulator', () => {
  it('writes a file larger than a part as a multipart upload, byte for byte', async () => {
    const line = `${'x'.repeat(1000)}\r\n`;
    async function* chunks() {
      for (let i = 0; i < 12_000; i++) yield line; // ~11.5 MiB: three parts
    }

    const { bytes } = await files.write('exports/S-test/big.csv', chunks(), { fileName: 'big.csv' });

    expect(bytes).toBe(line.length * 12_000);
    const url = await files.downloadUrl('exports/S-test/big.csv', { fileName: 'big.csv' }, 60);
    const body = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(body.length).toBe(bytes);
    expect(body.subarray(0, line.length).toString()).toBe(line);
    expect(body.subarray(-line.length).toString()).toBe(line);
  });
});
