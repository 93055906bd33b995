import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { powertoolsIdempotency } from '../../functions/api/idempotency';
import { answer, type TestApi, testApi } from '../support/api';
import { apiEvent } from '../support/events';
import { type Inbox, startInbox } from '../support/inbox';
import { ingestHarness } from '../support/ingest';
import { testTable } from '../support/store';

const OPERATOR_KEY = 'operator-key-for-tests-malformed-0123456789';
let api: TestApi;
let supplierKey: string;

beforeAll(async () => {
  const table = await testTable('malformed');
  api = testApi(table, OPERATOR_KEY, { idempotency: powertoolsIdempotency(table.client, table.tableName) });
  const created = await answer(
    api,
    apiEvent({ method: 'POST', path: '/v1/admin/suppliers', key: OPERATOR_KEY, body: { name: 'Acme' } }),
  );
  supplierKey = created.body.apiKey;
});

const errorShape = (code: string) => ({
  error: { code, message: expect.any(String), details: expect.any(Array) },
});

describe('malformed requests get a 4xx in the error shape', () => {
  it('a damaged %-escape in the path is a 400 naming the parameter, with or without a key', async () => {
    for (const key of [undefined, supplierKey]) {
      const res = await answer(
        api,
        apiEvent({ method: 'GET', path: '/v1/leads/%E0', ...(key ? { key } : {}) }),
      );
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject(errorShape('validation_failed'));
      expect(res.body.error.details).toContainEqual({ path: 'path.id', message: expect.any(String) });
    }
  });

  it('an id over 64 characters is a 400 naming the parameter', async () => {
    const res = await answer(
      api,
      apiEvent({ method: 'GET', path: `/v1/partners/${'A'.repeat(65)}`, key: supplierKey }),
    );
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject(errorShape('validation_failed'));
    expect(res.body.error.details[0]).toEqual({ path: 'path.id', message: 'must be at most 64 characters' });
  });

  it('a deeply nested body with an Idempotency-Key is a 400, and a body just inside the limit is not refused for depth', async () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const event = apiEvent({
      method: 'POST',
      path: '/v1/partners',
      key: supplierKey,
      rawBody: `{"name":${deep}}`,
    });
    event.headers['idempotency-key'] = 'deep-1';
    const res = await answer(api, event);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject(errorShape('invalid_json'));

    // 32 levels (the cap) passes the depth check and fails validation on the field instead.
    const atCap = `{"name":${'['.repeat(31)}${']'.repeat(31)}}`;
    const ok = apiEvent({ method: 'POST', path: '/v1/partners', key: supplierKey, rawBody: atCap });
    ok.headers['idempotency-key'] = 'deep-2';
    const validated = await answer(api, ok);
    expect(validated.status).toBe(400);
    expect(validated.body.error.code).toBe('validation_failed');
    expect(validated.body.error.details[0].path).toBe('name');
  });

  it('brackets inside strings do not count as nesting', async () => {
    const res = await answer(
      api,
      apiEvent({
        method: 'POST',
        path: '/v1/partners',
        key: supplierKey,
        body: { name: `Brackets ${'[{'.repeat(40)} \\" ${'['.repeat(40)}` },
      }),
    );
    expect(res.status).toBe(201);
  });
});

describe('no request answers 5xx (property)', () => {
  let fuzzApi: TestApi;
  let inbox: Inbox;
  let keys: { name: string; value: string }[];
  let templates: { method: string; path: string }[];

  beforeAll(async () => {
    inbox = await startInbox();
    const h = await ingestHarness(inbox, 'fuzz');
    fuzzApi = testApi(h.table, OPERATOR_KEY, {
      idempotency: powertoolsIdempotency(h.table.client, h.table.tableName),
      uploads: { store: h.uploads, signer: inbox.files },
    });
    const call = (method: string, path: string, key: string, body?: unknown) =>
      answer(fuzzApi, apiEvent({ method, path, key, ...(body === undefined ? {} : { body }) }));
    const supplier = (await call('POST', '/v1/admin/suppliers', OPERATOR_KEY, { name: 'Fuzz' })).body;
    const partner = (await call('POST', '/v1/partners', supplier.apiKey, { name: 'Fuzzed' })).body;
    const spare = (await call('POST', '/v1/keys', supplier.apiKey)).body;
    await call('DELETE', `/v1/keys/${spare.key.id}`, supplier.apiKey);
    const disabled = (await call('POST', '/v1/partners', supplier.apiKey, { name: 'Off' })).body;
    await call('PATCH', `/v1/partners/${disabled.partner.id}`, supplier.apiKey, { disabled: true });
    keys = [
      { name: 'operator', value: OPERATOR_KEY },
      { name: 'supplier', value: supplier.apiKey },
      { name: 'partner', value: partner.apiKey },
      { name: 'revoked', value: spare.apiKey },
      { name: 'disabled partner', value: disabled.apiKey },
      { name: 'unknown', value: `lr_sup_${'A'.repeat(43)}` },
      { name: 'garbage', value: 'garbage' },
    ];
    // Every route of the API, with its parameters to be filled in, plus the link pages.
    templates = [
      ...fuzzApi.routes.map((r) => ({ method: r.method, path: r.path })),
      { method: 'GET', path: '/l/{token}' },
      { method: 'POST', path: '/l/{token}/' },
      // Real ids among the random ones, so some requests reach the use cases.
      { method: 'PATCH', path: `/v1/partners/${partner.partner.id}` },
      { method: 'POST', path: `/v1/partners/${partner.partner.id}/keys` },
      { method: 'DELETE', path: `/v1/partners/${partner.partner.id}/keys/{keyId}` },
    ];
  });

  afterAll(async () => {
    await inbox?.stop();
  });

  const segment = fc.oneof(
    fc.string({ maxLength: 80 }).map((s) => encodeURIComponent(s)),
    fc.string({ minLength: 60, maxLength: 200 }),
    fc.constantFrom(
      '%E0',
      '%',
      '%zz',
      '%C0%AF',
      '..',
      '.',
      '',
      '%00',
      '%2F',
      'é',
      '01JX0000000000000000000000',
    ),
    fc.stringMatching(/^[0-9A-Z]{26}$/),
  );
  const body = fc.oneof(
    fc.constant(undefined),
    fc.json({ maxDepth: 4 }),
    fc.anything({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
    fc.string({ maxLength: 200 }),
    fc.integer({ min: 1, max: 5000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
    fc.integer({ min: 1, max: 5000 }).map((n) => '['.repeat(n)),
    fc
      .record({
        name: fc.string(),
        email: fc.string(),
        leads: fc.array(fc.object({ maxDepth: 2 }), { maxLength: 3 }),
      })
      .map((v) => JSON.stringify(v)),
  );
  const sometimes = <T>(arb: fc.Arbitrary<T>, weight: number) =>
    fc.oneof({ arbitrary: arb, weight }, { arbitrary: fc.constant(undefined), weight: 4 - weight });
  const request = fc.record({
    template: fc.nat(),
    // Mostly the route's own method, so requests get past routing.
    method: sometimes(
      fc.oneof(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
        fc.stringMatching(/^[A-Za-z]{1,10}$/),
      ),
      1,
    ),
    segments: fc.array(segment, { minLength: 2, maxLength: 2 }),
    rawPath: sometimes(fc.webPath(), 1),
    // A key of the mix (valid, revoked, disabled, unknown, garbage) most of the time, else a random header or none.
    key: fc.oneof(
      { arbitrary: fc.nat().map((n) => ({ key: n })), weight: 7 },
      { arbitrary: fc.string({ maxLength: 60 }).map((raw) => ({ raw })), weight: 2 },
      { arbitrary: fc.constant({}), weight: 1 },
    ),
    contentType: fc.oneof(
      { arbitrary: fc.constant('application/json'), weight: 6 },
      {
        arbitrary: fc.constantFrom(
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/merge-patch+json',
          '',
        ),
        weight: 1,
      },
      { arbitrary: fc.constant(undefined), weight: 1 },
    ),
    idempotencyKey: sometimes(
      fc.oneof(fc.string({ maxLength: 300 }), fc.stringMatching(/^[a-z0-9-]{1,20}$/)),
      1,
    ),
    query: sometimes(
      fc.dictionary(fc.constantFrom('limit', 'cursor', 'status', 'x', ''), fc.string({ maxLength: 40 })),
      1,
    ),
    body,
    base64: fc.boolean(),
  });

  it('answers every random request below 500, and every JSON error in the error shape', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const template = templates[r.template % templates.length] ?? { method: 'GET', path: '/' };
        let i = 0;
        const path = r.rawPath ?? template.path.replace(/\{\w+\}/g, () => r.segments[i++ % 2] ?? '');
        const method = r.method ?? template.method;
        const event = apiEvent({ method, path, ...(r.query ? { query: r.query } : {}) });
        if ('key' in r.key) event.headers.authorization = `Bearer ${keys[r.key.key % keys.length]?.value}`;
        if ('raw' in r.key) event.headers.authorization = r.key.raw;
        if (r.contentType !== undefined) event.headers['content-type'] = r.contentType;
        if (r.idempotencyKey !== null) event.headers['idempotency-key'] = r.idempotencyKey;
        if (r.body !== undefined) {
          event.body = r.base64 ? Buffer.from(r.body).toString('base64') : r.body;
          event.isBase64Encoded = r.base64;
        }
        const res = await fuzzApi.handle(event);
        const status = res.statusCode ?? 0;
        expect(status, `${method} ${path} → ${status} ${res.body?.slice(0, 300)}`).toBeLessThan(500);
        expect(status).toBeGreaterThanOrEqual(200);
        if (status >= 400 && String(res.headers?.['content-type']).startsWith('application/json')) {
          expect(JSON.parse(res.body ?? '')).toEqual({
            error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) },
          });
        }
      }),
      { numRuns: 400 },
    );
  });
});
