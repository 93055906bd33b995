import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { type TestApi, testApi } from '../support/api';
import { apiEvent } from '../support/events';
import { testTable } from '../support/store';

const OPERATOR_KEY = 'operator-key-for-tests-0123456789abcdef';
let api: TestApi;

beforeAll(async () => {
  const { tenants, leads, rules } = await testTable('api');
  api = testApi({ tenants, leads, rules }, OPERATOR_KEY);
});

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
  body: any;
  headers: Record<string, unknown>;
}

async function call(event: APIGatewayProxyEventV2): Promise<Answer> {
  const res = await api.handle(event);
  return {
    status: res.statusCode ?? 0,
    body: res.body ? JSON.parse(res.body) : undefined,
    headers: res.headers ?? {},
  };
}

async function newSupplier(name = 'Acme') {
  const res = await call(
    apiEvent({ method: 'POST', path: '/v1/admin/suppliers', key: OPERATOR_KEY, body: { name } }),
  );
  expect(res.status).toBe(201);
  return res.body as { supplier: { id: string }; apiKey: string };
}

describe('platform routes', () => {
  it('answers /health without a key', async () => {
    expect(await call(apiEvent({ method: 'GET', path: '/health' }))).toMatchObject({
      status: 200,
      body: { ok: true },
    });
  });

  it('serves an OpenAPI 3.1 document naming every route and its schemas', async () => {
    const { status, body } = await call(apiEvent({ method: 'GET', path: '/v1/openapi.json' }));
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining(['/v1/admin/suppliers', '/v1/settings', '/v1/partners', '/v1/partners/{id}']),
    );
    expect(body.paths['/v1/partners'].post.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/CreatePartnerInput',
    );
    expect(body.components.schemas.CreatePartnerInput.required).toEqual(['name']);
    expect(body.components.schemas.Partner.required).toContain('autoAccept');
    const refs = JSON.stringify(body).match(/"#\/components\/schemas\/[^"]+"/g) ?? [];
    for (const ref of refs) expect(body.components.schemas).toHaveProperty(ref.slice(22, -1));
  });

  it('creates a supplier only with the operator key', async () => {
    const { supplier, apiKey } = await newSupplier();
    expect(apiKey).toMatch(/^lr_sup_/);
    const denied = await call(
      apiEvent({ method: 'POST', path: '/v1/admin/suppliers', key: apiKey, body: { name: 'X' } }),
    );
    expect(denied).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect(supplier.id).toMatch(/^[0-9A-Z]{26}$/);
  });
});

describe('errors', () => {
  it('answers 401 with the error shape for a missing or unknown key', async () => {
    for (const key of [undefined, 'lr_sup_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'garbage']) {
      const res = await call(apiEvent({ method: 'GET', path: '/v1/settings', ...(key ? { key } : {}) }));
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String), details: [] } });
    }
  });

  it('answers 400 naming the problem for malformed JSON', async () => {
    const res = await call(
      apiEvent({ method: 'POST', path: '/v1/admin/suppliers', key: OPERATOR_KEY, rawBody: '{"name": ' }),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
  });

  it('answers 415 for a body that is not JSON', async () => {
    const res = await call(
      apiEvent({
        method: 'POST',
        path: '/v1/admin/suppliers',
        key: OPERATOR_KEY,
        rawBody: 'name=x',
        contentType: 'text/plain',
      }),
    );
    expect(res.status).toBe(415);
  });

  it('names unknown and invalid fields in details', async () => {
    const { apiKey } = await newSupplier();
    const res = await call(
      apiEvent({
        method: 'POST',
        path: '/v1/partners',
        key: apiKey,
        body: { name: 'P', colour: 'red', weight: -1 },
      }),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toEqual(
      expect.arrayContaining([
        { path: 'colour', message: 'unknown field' },
        { path: 'weight', message: expect.any(String) },
      ]),
    );
  });

  it('answers 404 for an unknown route and 405 with Allow for a wrong method', async () => {
    expect((await call(apiEvent({ method: 'GET', path: '/v1/nope' }))).status).toBe(404);
    const res = await call(apiEvent({ method: 'DELETE', path: '/v1/settings' }));
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, PATCH');
  });

  it('refuses unknown query parameters and an out-of-range limit', async () => {
    const { apiKey } = await newSupplier();
    const res = await call(
      apiEvent({ method: 'GET', path: '/v1/partners', key: apiKey, query: { limit: '501' } }),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('limit');
  });
});

describe('supplier settings and partners', () => {
  it('reads defaults and changes one setting', async () => {
    const { apiKey } = await newSupplier();
    const before = await call(apiEvent({ method: 'GET', path: '/v1/settings', key: apiKey }));
    expect(before.body.settings).toEqual({
      rerouteAfterMinutes: 2880,
      maxReroutes: 3,
      rerouteRejected: false,
      defaultLeadScore: 50,
      reopenClosedDuplicates: false,
    });
    const after = await call(
      apiEvent({ method: 'PATCH', path: '/v1/settings', key: apiKey, body: { rerouteAfterMinutes: 1 } }),
    );
    expect(after).toMatchObject({
      status: 200,
      body: { settings: { rerouteAfterMinutes: 1, maxReroutes: 3 } },
    });
  });

  it('creates a partner with a key, warns on role addresses, and lists it', async () => {
    const { apiKey } = await newSupplier();
    const created = await call(
      apiEvent({
        method: 'POST',
        path: '/v1/partners',
        key: apiKey,
        body: {
          name: 'Northwind',
          leadOwners: [{ email: 'sales@northwind.example' }],
          domains: ['northwind.example'],
        },
      }),
    );
    expect(created.status).toBe(201);
    expect(created.body.apiKey).toMatch(/^lr_ptr_/);
    expect(created.body.warnings).toEqual([
      { path: 'leadOwners.0.email', message: expect.stringMatching(/role address/) },
    ]);
    const list = await call(apiEvent({ method: 'GET', path: '/v1/partners', key: apiKey }));
    expect(list.body).toEqual({ items: [created.body.partner], nextCursor: null });
    // Reading the partner again warns the same (the console shows it next to the owner).
    const read = await call(
      apiEvent({ method: 'GET', path: `/v1/partners/${created.body.partner.id}`, key: apiKey }),
    );
    expect(read.body).toEqual({ partner: created.body.partner, warnings: created.body.warnings });
  });

  it('answers 409 for a second partner with the same name', async () => {
    const { apiKey } = await newSupplier();
    await call(apiEvent({ method: 'POST', path: '/v1/partners', key: apiKey, body: { name: 'Dup' } }));
    const res = await call(
      apiEvent({ method: 'POST', path: '/v1/partners', key: apiKey, body: { name: 'DUP' } }),
    );
    expect(res).toMatchObject({
      status: 409,
      body: { error: { code: 'conflict', details: [{ path: 'name' }] } },
    });
  });

  it('keeps tenants apart: another supplier’s partner is a 404, a partner key is refused on supplier routes', async () => {
    const a = await newSupplier('A');
    const b = await newSupplier('B');
    const created = await call(
      apiEvent({ method: 'POST', path: '/v1/partners', key: a.apiKey, body: { name: 'Mine' } }),
    );
    const id = created.body.partner.id;
    expect((await call(apiEvent({ method: 'GET', path: `/v1/partners/${id}`, key: a.apiKey }))).status).toBe(
      200,
    );
    const other = await call(apiEvent({ method: 'GET', path: `/v1/partners/${id}`, key: b.apiKey }));
    expect(other).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const patched = await call(
      apiEvent({ method: 'PATCH', path: `/v1/partners/${id}`, key: b.apiKey, body: { paused: true } }),
    );
    expect(patched.status).toBe(404);
    const asPartner = await call(apiEvent({ method: 'GET', path: '/v1/partners', key: created.body.apiKey }));
    expect(asPartner).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect((await call(apiEvent({ method: 'GET', path: '/v1/partners', key: b.apiKey }))).body.items).toEqual(
      [],
    );
  });

  it('patches a partner and bumps its version', async () => {
    const { apiKey } = await newSupplier();
    const created = await call(
      apiEvent({ method: 'POST', path: '/v1/partners', key: apiKey, body: { name: 'P' } }),
    );
    const id = created.body.partner.id;
    const res = await call(
      apiEvent({
        method: 'PATCH',
        path: `/v1/partners/${id}`,
        key: apiKey,
        body: { paused: true, capacity: 10 },
      }),
    );
    expect(res.body.partner).toMatchObject({ paused: true, capacity: 10, version: 2, name: 'P' });
    const empty = await call(
      apiEvent({ method: 'PATCH', path: `/v1/partners/${id}`, key: apiKey, body: {} }),
    );
    expect(empty.status).toBe(400);
  });
});
