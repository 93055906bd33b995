import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { powertoolsIdempotency } from '../../functions/api/idempotency';
import { type Answer, answer, type TestApi, testApi } from '../support/api';
import { apiEvent } from '../support/events';
import { EXPORT_FIXTURES, type ExportFixture, fixtureRows } from '../support/export-files';
import { type Inbox, lambdaContext, startInbox } from '../support/inbox';
import { ingestHarness } from '../support/ingest';
import { csvBytes, LEAD_HEADER, leadRow } from '../support/lead-files';

const OPERATOR_KEY = 'operator-key-for-upload-tests-0123456789';

let inbox: Inbox;
let h: Awaited<ReturnType<typeof ingestHarness>>;
let api: TestApi;

beforeAll(async () => {
  inbox = await startInbox();
  h = await ingestHarness(inbox, 'uploads-api');
  api = testApi(h.table, OPERATOR_KEY, {
    idempotency: powertoolsIdempotency(h.table.client, h.table.tableName),
    uploads: { store: h.uploads, signer: inbox.files },
  });
});

afterAll(async () => {
  await inbox?.stop();
});

async function call(event: APIGatewayProxyEventV2): Promise<Answer> {
  return answer(api, event);
}

const post = (key: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
  const event = apiEvent({ method: 'POST', path, key, body });
  Object.assign(event.headers, headers);
  return call(event);
};
const get = (key: string, path: string, query?: Record<string, string>) =>
  call(apiEvent({ method: 'GET', path, key, ...(query ? { query } : {}) }));

/** POST /v1/uploads, PUT the bytes to the presigned URL with plain fetch, run ingest on the emulator's event. */
async function upload(key: string, fileName: string, bytes: Uint8Array, routing?: unknown) {
  const created = await post(key, '/v1/uploads', { fileName, ...(routing ? { routing } : {}) });
  expect(created.status).toBe(201);
  const put = await fetch(created.body.uploadUrl, { method: 'PUT', body: bytes });
  expect(put.status).toBe(200);
  const event = await inbox.eventFor(created.body.upload.key);
  await h.handler()(event, lambdaContext());
  return created.body.upload.id as string;
}

describe('POST /v1/uploads', () => {
  it('answers 201 with an awaiting upload and a presigned URL that a plain fetch PUT uses; the file is then read', async () => {
    const { supplierId, key } = await h.supplierWith();

    const created = await post(key, '/v1/uploads', { fileName: 'Q3 leads (final).csv' });

    expect(created.status).toBe(201);
    const { upload, uploadUrl } = created.body;
    expect(upload).toMatchObject({
      id: expect.stringMatching(/^[0-9A-Z]{26}$/),
      supplierId,
      fileName: 'Q3 leads (final).csv',
      origin: 'api',
      routing: { mode: 'rules' },
      status: 'awaiting-file',
      rows: { total: 0, created: 0, updated: 0, rejected: 0 },
    });
    expect(upload.key).toBe(`inbox/${supplierId}/${upload.id}/Q3-leads-final.csv`);
    const url = new URL(uploadUrl);
    expect(url.origin).toBe(inbox.endpoint);
    expect(url.pathname).toBe(`/${inbox.bucket}/${upload.key}`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('x-amz-checksum-crc32')).toBeNull();
    expect(url.searchParams.get('x-amz-sdk-checksum-algorithm')).toBeNull();

    const rows = [LEAD_HEADER, ...Array.from({ length: 12 }, (_, i) => leadRow(i, 4))];
    const put = await fetch(uploadUrl, { method: 'PUT', body: csvBytes(rows) });
    expect(put.status).toBe(200);
    const event = await inbox.eventFor(upload.key);
    await h.handler()(event, lambdaContext());

    const read = await get(key, `/v1/uploads/${upload.id}`);
    expect(read.status).toBe(200);
    expect(read.body.upload).toMatchObject({
      id: upload.id,
      status: 'done',
      rows: { total: 12, created: 9, updated: 0, rejected: 3 },
      object: { size: csvBytes(rows).length },
    });
    expect(read.body.upload.checkpoint).toBeUndefined();
    expect(read.body.upload.leaseUntil).toBeUndefined();
    expect(read.body.upload.errors.map((e: { row: number; column: string }) => [e.row, e.column])).toEqual([
      [5, 'Email'],
      [9, 'Email'],
      [13, 'Company'],
    ]);
    expect(read.body.errorsCursor).toBeNull();
    expect(await h.uploadsOf(supplierId)).toHaveLength(1);
  });

  it('refuses a bad body by field: no file name, an unknown mode, a partner mode without or with an unknown partner', async () => {
    const { key } = await h.supplierWith({ Known: {} });
    const cases: [unknown, string][] = [
      [{}, 'fileName'],
      [{ fileName: '***' }, 'fileName'],
      [{ fileName: 'a.csv', routing: { mode: 'magic' } }, 'routing.mode'],
      [{ fileName: 'a.csv', routing: { mode: 'partner' } }, 'routing.partnerId'],
      [{ fileName: 'a.csv', routing: { mode: 'partner', partnerId: 'Nobody' } }, 'routing.partnerId'],
      [{ fileName: 'a.csv', routing: { mode: 'rules', partnerId: 'Known' } }, 'routing.partnerId'],
      [
        { fileName: 'a.csv', routing: { mode: 'partner', partnerId: 'Known', column: 'X' } },
        'routing.column',
      ],
      [{ fileName: 'a.csv', extra: true }, 'extra'],
    ];
    for (const [body, path] of cases) {
      const res = await post(key, '/v1/uploads', body);
      expect({ body, status: res.status, code: res.body.error.code }).toEqual({
        body,
        status: 400,
        code: 'validation_failed',
      });
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect((await get(key, '/v1/uploads')).body.items).toEqual([]);
  });

  it('takes a partner by exact name and stores its id', async () => {
    const { key, ids } = await h.supplierWith({ 'Globex Channel': {} });

    const res = await post(key, '/v1/uploads', {
      fileName: 'a.csv',
      routing: { mode: 'partner', partnerId: 'globex channel' },
    });

    expect(res.status).toBe(201);
    expect(res.body.upload.routing).toEqual({ mode: 'partner', partnerId: ids['Globex Channel'] });
  });

  it('answers the first upload again for the same Idempotency-Key and body', async () => {
    const { key } = await h.supplierWith();
    const headers = { 'idempotency-key': 'upload-once-1' };

    const first = await post(key, '/v1/uploads', { fileName: 'once.csv' }, headers);
    const again = await post(key, '/v1/uploads', { fileName: 'once.csv' }, headers);

    expect(first.status).toBe(201);
    expect(again).toEqual(first);
    expect((await get(key, '/v1/uploads')).body.items).toHaveLength(1);
  });
});

describe('routing of an uploaded file', () => {
  it('mode partner: every lead goes to that partner, whatever the rules or a partner column say', async () => {
    const { supplierId, key, ids, setRules } = await h.supplierWith({ Chosen: {}, Other: {} });
    await setRules({
      groups: [
        { name: 'All', conditions: [{ field: 'email', op: 'exists' }], assign: { partnerId: ids.Other } },
      ],
    });
    const rows = [
      ['Email', 'Partner'],
      ...Array.from({ length: 20 }, (_, i) => [`pm${i}@example.com`, 'Other']),
    ];

    const id = await upload(key, 'all-to-one.csv', csvBytes(rows), {
      mode: 'partner',
      partnerId: ids.Chosen,
    });

    expect((await get(key, `/v1/uploads/${id}`)).body.upload).toMatchObject({
      status: 'done',
      rows: { total: 20, created: 20, rejected: 0 },
    });
    const leads = await h.leadsOf(supplierId);
    expect(leads).toHaveLength(20);
    expect(new Set(leads.map((l) => l.partnerId))).toEqual(new Set([ids.Chosen]));
    const routed = leads[0]?.history.find((e) => e.type === 'routed');
    expect(routed?.detail).toMatchObject({ path: 'explicit', partnerId: ids.Chosen });
  });

  it('mode column with a column of its own: the row names the partner; an unknown name is a row error on that column', async () => {
    const { supplierId, key, ids } = await h.supplierWith({ Alpha: {}, Beta: {} });
    const rows = [
      ['Email', 'Reseller', 'Notes'],
      ['c1@example.com', 'alpha', 'first'],
      ['c2@example.com', 'Gamma Ltd', 'second'],
      ['c3@example.com', ids.Beta ?? '', 'third'],
      ['c4@example.com', '', 'fourth'],
    ];

    const id = await upload(key, 'by-column.csv', csvBytes(rows), { mode: 'column', column: 'reseller' });

    const report = (await get(key, `/v1/uploads/${id}`)).body.upload;
    expect(report).toMatchObject({ status: 'done', rows: { total: 4, created: 3, rejected: 1 } });
    expect(report.errors).toEqual([{ row: 3, column: 'Reseller', message: 'unknown partner "Gamma Ltd"' }]);
    expect(await h.lead(supplierId, 'c1@example.com')).toMatchObject({
      partnerId: ids.Alpha,
      customFields: { Notes: 'first' },
    });
    expect((await h.lead(supplierId, 'c1@example.com'))?.customFields).not.toHaveProperty('Reseller');
    expect(await h.lead(supplierId, 'c3@example.com')).toMatchObject({ partnerId: ids.Beta });
    expect(await h.lead(supplierId, 'c4@example.com')).toMatchObject({
      partnerId: null,
      distributionStatus: 'Unassigned',
    });
  });

  it('fails an upload whose routing names a column the file does not have', async () => {
    const { key } = await h.supplierWith();
    const id = await upload(key, 'no-column.csv', csvBytes([['Email'], ['x@example.com']]), {
      mode: 'column',
      column: 'Reseller',
    });

    expect((await get(key, `/v1/uploads/${id}`)).body.upload).toMatchObject({
      status: 'failed',
      failure: { code: 'no_header', message: expect.stringContaining('"Reseller"') },
    });
  });
});

describe('GET /v1/uploads and /v1/uploads/{id}', () => {
  it('lists the supplier’s uploads newest first, paged', async () => {
    const { key } = await h.supplierWith();
    const ids: string[] = [];
    for (const name of ['one.csv', 'two.csv', 'three.csv']) {
      ids.push((await post(key, '/v1/uploads', { fileName: name })).body.upload.id);
    }

    const first = await get(key, '/v1/uploads', { limit: '2' });
    const second = await get(key, '/v1/uploads', { limit: '2', cursor: first.body.nextCursor });

    expect(first.body.items.map((u: { id: string }) => u.id)).toEqual([ids[2], ids[1]]);
    expect(second.body.items.map((u: { id: string }) => u.id)).toEqual([ids[0]]);
    expect(second.body.nextCursor).toBeNull();
  });

  it('pages the row errors in row order with errorsLimit and errorsCursor', async () => {
    const { key } = await h.supplierWith();
    const rows = [LEAD_HEADER, ...Array.from({ length: 30 }, (_, i) => [`bad${i}`, 'X', 'Y', 'Z', '1', 'R'])];
    const id = await upload(key, 'bad.csv', csvBytes(rows));

    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await get(key, `/v1/uploads/${id}`, {
        errorsLimit: '12',
        ...(cursor ? { errorsCursor: cursor } : {}),
      });
      expect(res.status).toBe(200);
      seen.push(...res.body.upload.errors.map((e: { row: number }) => e.row));
      cursor = res.body.errorsCursor ?? undefined;
      pages++;
    } while (cursor);

    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => i + 2));
    const defaults = await get(key, `/v1/uploads/${id}`);
    expect(defaults.body.upload.errors).toHaveLength(30);
    expect(defaults.body.upload.rows).toEqual({ total: 30, created: 0, updated: 0, rejected: 30 });
  });

  it('refuses errorsLimit over 1000 and a cursor from elsewhere, naming the parameter', async () => {
    const { key } = await h.supplierWith();
    const id = (await post(key, '/v1/uploads', { fileName: 'x.csv' })).body.upload.id;

    const tooMany = await get(key, `/v1/uploads/${id}`, { errorsLimit: '1001' });
    const forged = await get(key, `/v1/uploads/${id}`, {
      errorsCursor: Buffer.from(JSON.stringify({ PK: 'SUP#other#UPLOAD#x', SK: 'ERR#1' })).toString(
        'base64url',
      ),
    });

    expect(tooMany).toMatchObject({ status: 400, body: { error: { details: [{ path: 'errorsLimit' }] } } });
    expect(forged).toMatchObject({ status: 400, body: { error: { details: [{ path: 'errorsCursor' }] } } });
  });

  it("answers 404 for another supplier's upload, and keeps it out of the list", async () => {
    const mine = await h.supplierWith();
    const theirs = await h.supplierWith();
    const id = (await post(theirs.key, '/v1/uploads', { fileName: 'secret.csv' })).body.upload.id;

    const read = await get(mine.key, `/v1/uploads/${id}`);

    expect(read).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect((await get(mine.key, '/v1/uploads')).body.items).toEqual([]);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await call(apiEvent({ method: 'GET', path: '/v1/openapi.json' }))).body;

    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/uploads', '/v1/uploads/{id}']));
    expect(doc.paths['/v1/uploads'].post.requestBody).toBeDefined();
    expect(doc.components.schemas).toHaveProperty('UploadView');
  });
});

describe('column mappings and report footers', () => {
  const SPANISH = ['Correo', 'Nombre completo', 'Empresa', 'Notas internas', 'Región'];

  it('refuses a mapping with an unknown target, naming the header; nothing is created', async () => {
    const { key } = await h.supplierWith();
    const res = await post(key, '/v1/uploads', {
      fileName: 'a.csv',
      mapping: { Correo: 'email', 'Person - Foo': 'emial', Extra: 'custom.9lives' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toEqual(
      expect.arrayContaining([
        {
          path: 'mapping.Person - Foo',
          message: expect.stringContaining('column "Person - Foo": unknown field "emial"'),
        },
        { path: 'mapping.Extra', message: expect.stringContaining('column "Extra"') },
      ]),
    );
    expect((await get(key, '/v1/uploads')).body.items).toEqual([]);
  });

  it('applies the mapping of an upload, remembers it, and a dropped file with the same header row uses it', async () => {
    const { supplierId, key } = await h.supplierWith();
    const mapping = {
      Correo: 'email',
      'nombre completo': 'fullName',
      Empresa: 'company',
      'Notas internas': 'ignore',
      Región: 'custom.Territory',
      Teléfono: 'phone',
    };
    const created = await post(key, '/v1/uploads', { fileName: 'es.csv', mapping });
    expect(created.status).toBe(201);
    expect(created.body.upload.mapping).toEqual(mapping);
    const put = await fetch(created.body.uploadUrl, {
      method: 'PUT',
      body: csvBytes([SPANISH, ['ana@example.es', 'Ana María López', 'Acme SL', 'secret', 'Sur']]),
    });
    expect(put.status).toBe(200);
    await h.handler()(await inbox.eventFor(created.body.upload.key), lambdaContext());

    const first = await get(key, `/v1/uploads/${created.body.upload.id}`);
    expect(first.body.upload).toMatchObject({
      status: 'done',
      rows: { total: 1, created: 1, rejected: 0 },
      mapping,
      mappingApplied: {
        source: 'upload',
        headerHash: expect.stringMatching(/^[0-9a-f]{32}$/),
        unused: ['Teléfono'],
      },
    });
    const headerHash = first.body.upload.mappingApplied.headerHash;
    expect(await h.mappings.getHeaderMapping(supplierId, headerHash)).toMatchObject({
      mapping,
      uploadId: created.body.upload.id,
      headers: SPANISH,
    });
    expect(await h.lead(supplierId, 'ana@example.es')).toMatchObject({
      firstName: 'Ana',
      lastName: 'María López',
      company: 'Acme SL',
      customFields: { Territory: 'Sur' },
    });

    // The same header row (case and spaces aside), straight into the inbox: no mapping of its own.
    const dropKey = `inbox/${supplierId}/weekly.csv`;
    const event = await inbox.put(
      dropKey,
      csvBytes([
        ['correo', 'Nombre  Completo', 'EMPRESA', 'Notas internas', 'región'],
        ['bo@example.es', 'Bo Ruiz', 'Beta SA', 'x', 'Norte'],
      ]),
    );
    await h.handler()(event, lambdaContext());
    const dropped = (await h.uploadsOf(supplierId)).find((u) => u.key === dropKey);
    expect(dropped).toMatchObject({
      origin: 'drop',
      status: 'done',
      rows: { total: 1, created: 1, rejected: 0 },
      mappingApplied: { source: 'remembered', headerHash, learntFrom: created.body.upload.id },
    });
    expect(await h.lead(supplierId, 'bo@example.es')).toMatchObject({
      firstName: 'Bo',
      lastName: 'Ruiz',
      company: 'Beta SA',
      customFields: { Territory: 'Norte' },
    });

    // Another header row is not one mapping away yet: refused, pointing to a mapping.
    const otherKey = `inbox/${supplierId}/other.csv`;
    await h.handler()(
      await inbox.put(
        otherKey,
        csvBytes([
          ['Correo', 'Empresa'],
          ['cy@example.es', 'Gamma'],
        ]),
      ),
      lambdaContext(),
    );
    const other = (await h.uploadsOf(supplierId)).find((u) => u.key === otherKey);
    expect(other).toMatchObject({
      status: 'failed',
      failure: { code: 'no_header', message: expect.stringContaining('mapping') },
    });
  });

  it('keeps the newest upload’s mapping for a header row: a late retry of an older one does not replace it', async () => {
    const { supplierId } = await h.supplierWith();
    const base = { supplierId, headerHash: 'f'.repeat(32), headers: ['Correo'] };
    await h.mappings.putHeaderMapping({
      ...base,
      mapping: { Correo: 'email' },
      uploadId: 'NEWER',
      learntAt: '2026-12-01T10:00:00.000Z',
    });
    await h.mappings.putHeaderMapping({
      ...base,
      mapping: { Correo: 'custom.Correo' },
      uploadId: 'OLDER',
      learntAt: '2026-12-01T09:00:00.000Z',
    });
    expect(await h.mappings.getHeaderMapping(supplierId, base.headerHash)).toMatchObject({
      uploadId: 'NEWER',
      mapping: { Correo: 'email' },
    });
    expect(await h.mappings.listHeaderMappings(supplierId)).toHaveLength(1);
  });

  it('reads a Salesforce report: the footer is skipped with a note, the company lands in company', async () => {
    const { supplierId, key } = await h.supplierWith();
    const report = EXPORT_FIXTURES[0] as ExportFixture;
    const id = await upload(key, 'report.csv', csvBytes(fixtureRows(report)));
    const read = await get(key, `/v1/uploads/${id}`);
    expect(read.body.upload).toMatchObject({
      status: 'done',
      rows: { total: 2, created: 2, updated: 0, rejected: 0 },
      mappingApplied: { source: 'automatic' },
      notes: [
        {
          row: 5,
          message: expect.stringMatching(/^Rows 5-10 skipped: a report footer.*Grand Totals \(2 records\)/),
        },
      ],
      errors: [],
    });
    const lead = await h.lead(supplierId, 'jane@acme.example');
    expect(lead).toMatchObject({ company: 'Acme Corp', lastName: 'van der Berg' });
    expect(Object.values(lead?.customFields ?? {})).not.toContain('Acme Corp');
  });
});
