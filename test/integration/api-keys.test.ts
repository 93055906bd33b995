import { hashApiKey, newId, signLinkToken } from '@leadrelay/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { answer, type TestApi, testApi } from '../support/api';
import { apiEvent } from '../support/events';
import { testLead } from '../support/leads';
import { testLinkKeys } from '../support/link-keys';
import { testTable } from '../support/store';

const OPERATOR_KEY = 'operator-key-for-tests-keys-0123456789abcd';
let table: Awaited<ReturnType<typeof testTable>>;
let api: TestApi;
// A clock the tests move, for lastUsedAt.
let now = new Date('2030-03-01T10:00:00.000Z');
const clock = { now: () => now };

beforeAll(async () => {
  table = await testTable('keys');
  api = testApi(table, OPERATOR_KEY, { clock });
});

const call = (method: string, path: string, key?: string, body?: unknown) =>
  answer(api, apiEvent({ method, path, ...(key ? { key } : {}), ...(body === undefined ? {} : { body }) }));

async function newSupplier(name: string) {
  const res = await call('POST', '/v1/admin/suppliers', OPERATOR_KEY, { name });
  expect(res.status).toBe(201);
  return { id: res.body.supplier.id as string, key: res.body.apiKey as string };
}

async function newPartner(supplierKey: string, name: string) {
  const res = await call('POST', '/v1/partners', supplierKey, { name });
  expect(res.status).toBe(201);
  return { id: res.body.partner.id as string, key: res.body.apiKey as string };
}

const keyIdOf = async (key: string) => (await table.tenants.getApiKey(hashApiKey(key)))?.id as string;

describe('a principal’s own keys', () => {
  it('creates a key shown once, then lists keys by id and prefix only', async () => {
    const supplier = await newSupplier('Own keys');
    const created = await call('POST', '/v1/keys', supplier.key);
    expect(created.status).toBe(201);
    const { key, apiKey } = created.body;
    expect(apiKey).toMatch(/^lr_sup_/);
    expect(key).toEqual({
      id: expect.stringMatching(/^[0-9A-Z]{26}$/),
      prefix: apiKey.slice(0, 13),
      createdAt: now.toISOString(),
    });

    expect((await call('GET', '/v1/settings', apiKey)).status).toBe(200);
    const list = await call('GET', '/v1/keys', apiKey);
    expect(list.status).toBe(200);
    expect(list.body.items.map((k: { id: string }) => k.id)).toEqual([await keyIdOf(supplier.key), key.id]);
    const text = JSON.stringify(list.body);
    for (const secret of [supplier.key, apiKey, hashApiKey(apiKey)]) expect(text).not.toContain(secret);
    expect(list.body.items.every((k: { prefix: string }) => k.prefix.length === 13)).toBe(true);
  });

  it('rotates: a revoked key answers 401 on its very next request, and revoking again answers the same', async () => {
    const supplier = await newSupplier('Rotation');
    const fresh = (await call('POST', '/v1/keys', supplier.key)).body;
    const oldId = await keyIdOf(supplier.key);
    const revoked = await call('DELETE', `/v1/keys/${oldId}`, fresh.apiKey);
    expect(revoked).toMatchObject({
      status: 200,
      body: { key: { id: oldId, revokedAt: now.toISOString() } },
    });
    expect(await call('GET', '/v1/settings', supplier.key)).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthorized' } },
    });
    expect((await call('GET', '/v1/settings', fresh.apiKey)).status).toBe(200);
    const again = await call('DELETE', `/v1/keys/${oldId}`, fresh.apiKey);
    expect(again).toEqual(revoked);
  });

  it('may revoke the key it is calling with: that request completes, the next one is refused', async () => {
    const supplier = await newSupplier('Self revoke');
    const other = (await call('POST', '/v1/keys', supplier.key)).body;
    const res = await call('DELETE', `/v1/keys/${await keyIdOf(supplier.key)}`, supplier.key);
    expect(res.status).toBe(200);
    expect((await call('GET', '/v1/keys', supplier.key)).status).toBe(401);
    expect((await call('GET', '/v1/keys', other.apiKey)).status).toBe(200);
  });

  it('refuses to revoke its own last active key (409) and keeps it working', async () => {
    const supplier = await newSupplier('Last key');
    const res = await call('DELETE', `/v1/keys/${await keyIdOf(supplier.key)}`, supplier.key);
    expect(res).toMatchObject({
      status: 409,
      body: { error: { code: 'conflict', details: [{ path: 'keyId' }] } },
    });
    expect((await call('GET', '/v1/settings', supplier.key)).status).toBe(200);
  });

  it('of two racing revokes of its only two keys, exactly one wins', async () => {
    const supplier = await newSupplier('Race revoke');
    const second = (await call('POST', '/v1/keys', supplier.key)).body;
    const ids = [await keyIdOf(supplier.key), second.key.id];
    const results = await Promise.all([
      call('DELETE', `/v1/keys/${ids[0]}`, second.apiKey),
      call('DELETE', `/v1/keys/${ids[1]}`, supplier.key),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const working = await Promise.all(
      [supplier.key, second.apiKey].map((k) => call('GET', '/v1/settings', k)),
    );
    expect(working.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('answers another principal’s key id with a 404, and the operator key cannot list keys here', async () => {
    const a = await newSupplier('Tenant A');
    const b = await newSupplier('Tenant B');
    await call('POST', '/v1/keys', a.key);
    const res = await call('DELETE', `/v1/keys/${await keyIdOf(a.key)}`, b.key);
    expect(res).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect((await call('GET', '/v1/settings', a.key)).status).toBe(200);
    expect((await call('GET', '/v1/keys', OPERATOR_KEY)).status).toBe(403);
  });

  it('holds at most 10 active keys', async () => {
    const supplier = await newSupplier('Many keys');
    for (let i = 1; i < 10; i++) expect((await call('POST', '/v1/keys', supplier.key)).status).toBe(201);
    const res = await call('POST', '/v1/keys', supplier.key);
    expect(res).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
  });

  it('records lastUsedAt at most once an hour', async () => {
    const supplier = await newSupplier('Last used');
    const id = await keyIdOf(supplier.key);
    const lastUsed = async () => (await table.tenants.getApiKey(hashApiKey(supplier.key)))?.lastUsedAt;
    const t0 = now;
    await call('GET', '/v1/settings', supplier.key);
    expect(await lastUsed()).toBe(t0.toISOString());
    now = new Date(t0.getTime() + 59 * 60_000);
    await call('GET', '/v1/settings', supplier.key);
    expect(await lastUsed()).toBe(t0.toISOString());
    now = new Date(t0.getTime() + 61 * 60_000);
    const list = await call('GET', '/v1/keys', supplier.key);
    expect(await lastUsed()).toBe(now.toISOString());
    // The request that notes the use sees it already (authentication runs first).
    expect(list.body.items.find((k: { id: string }) => k.id === id).lastUsedAt).toBe(now.toISOString());
    now = t0;
  });
});

describe('a supplier’s partners’ keys', () => {
  it('lists, creates and revokes a partner’s keys, its last one included', async () => {
    const supplier = await newSupplier('Partner keys');
    const partner = await newPartner(supplier.key, 'Keyed');
    const created = await call('POST', `/v1/partners/${partner.id}/keys`, supplier.key);
    expect(created.status).toBe(201);
    expect(created.body.apiKey).toMatch(/^lr_ptr_/);
    expect((await call('GET', '/v1/partner/settings', created.body.apiKey)).status).toBe(200);
    const list = await call('GET', `/v1/partners/${partner.id}/keys`, supplier.key);
    expect(list.body.items).toHaveLength(2);
    for (const key of list.body.items) {
      expect((await call('DELETE', `/v1/partners/${partner.id}/keys/${key.id}`, supplier.key)).status).toBe(
        200,
      );
    }
    for (const key of [partner.key, created.body.apiKey]) {
      expect((await call('GET', '/v1/partner/settings', key)).status).toBe(401);
    }
  });

  it('answers another supplier’s partner with a 404, and a partner key cannot manage partner keys', async () => {
    const mine = await newSupplier('Mine');
    const theirs = await newSupplier('Theirs');
    const partner = await newPartner(theirs.key, 'Not mine');
    const keyId = await keyIdOf(partner.key);
    for (const [method, path] of [
      ['GET', `/v1/partners/${partner.id}/keys`],
      ['POST', `/v1/partners/${partner.id}/keys`],
      ['DELETE', `/v1/partners/${partner.id}/keys/${keyId}`],
    ] as const) {
      expect(await call(method, path, mine.key)).toMatchObject({
        status: 404,
        body: { error: { code: 'not_found' } },
      });
    }
    // The right partner, the wrong key id (another partner's): still a 404.
    const own = await newPartner(mine.key, 'Mine too');
    expect((await call('DELETE', `/v1/partners/${own.id}/keys/${keyId}`, mine.key)).status).toBe(404);
    expect((await call('GET', `/v1/partners/${own.id}/keys`, own.key)).status).toBe(403);
    expect((await call('GET', '/v1/partner/settings', partner.key)).status).toBe(200);
  });
});

describe('the operator and suppliers’ keys', () => {
  it('lists, creates and revokes a supplier’s keys; an unknown supplier is a 404', async () => {
    const supplier = await newSupplier('Operated');
    const created = await call('POST', `/v1/admin/suppliers/${supplier.id}/keys`, OPERATOR_KEY);
    expect(created.status).toBe(201);
    expect(created.body.apiKey).toMatch(/^lr_sup_/);
    const list = await call('GET', `/v1/admin/suppliers/${supplier.id}/keys`, OPERATOR_KEY);
    expect(list.body.items).toHaveLength(2);
    const res = await call(
      'DELETE',
      `/v1/admin/suppliers/${supplier.id}/keys/${await keyIdOf(supplier.key)}`,
      OPERATOR_KEY,
    );
    expect(res.status).toBe(200);
    expect((await call('GET', '/v1/settings', supplier.key)).status).toBe(401);
    expect((await call('GET', '/v1/settings', created.body.apiKey)).status).toBe(200);
    expect((await call('GET', `/v1/admin/suppliers/${newId()}/keys`, OPERATOR_KEY)).status).toBe(404);
    expect((await call('GET', `/v1/admin/suppliers/${supplier.id}/keys`, created.body.apiKey)).status).toBe(
      403,
    );
  });
});

describe('a disabled partner', () => {
  it('is refused with its keys and its email links until it is enabled again', async () => {
    const supplier = await newSupplier('Disabling');
    const partner = await newPartner(supplier.key, 'Switched off');
    const lead = testLead({
      id: newId(),
      supplierId: supplier.id,
      partnerId: partner.id,
      partnerName: 'Switched off',
    });
    await table.leads.putNewLeads([lead], []);
    const token = signLinkToken(
      {
        leadId: lead.id,
        partnerId: partner.id,
        assignmentVersion: 1,
        action: 'accept',
        expiresAt: new Date(now.getTime() + 86_400_000),
      },
      testLinkKeys,
    );
    const link = (method: string) => api.handle(apiEvent({ method, path: `/l/${token}` }));
    expect((await link('GET')).statusCode).toBe(200);

    const patched = await call('PATCH', `/v1/partners/${partner.id}`, supplier.key, { disabled: true });
    expect(patched).toMatchObject({ status: 200, body: { partner: { disabled: true } } });
    expect(await call('GET', '/v1/partner/settings', partner.key)).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden' } },
    });
    for (const method of ['GET', 'POST']) {
      const page = await link(method);
      expect(page.statusCode).toBe(403);
      expect(page.body).toContain('This link no longer works');
    }
    expect((await table.leads.getLead(lead.id))?.distributionStatus).toBe('Pending');

    await call('PATCH', `/v1/partners/${partner.id}`, supplier.key, { disabled: false });
    expect((await call('GET', '/v1/partner/settings', partner.key)).status).toBe(200);
    expect((await link('GET')).statusCode).toBe(200);
  });
});
