import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Keys } from '@leadrelay/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Answer, callApi, supplierWithPartners, type TestApi, testApi } from '../support/api';
import { testTable } from '../support/store';

/** Registration rules and a partner's auto-registration settings, over the API on DynamoDB Local. */

const OPERATOR_KEY = 'operator-key-for-registration-rules-tests-0123';
let api: TestApi;
let table: Awaited<ReturnType<typeof testTable>>;

beforeAll(async () => {
  table = await testTable('registration-rules');
  api = testApi(table, OPERATOR_KEY);
});

const call = (method: string, target: string, key: string, body?: unknown, headers = {}) =>
  callApi(api, method, target, key, body, headers);

const supplierWith = (...names: string[]) => supplierWithPartners(api, OPERATOR_KEY, ...names);

const usGroup = { name: 'US', conditions: [{ field: 'country', op: 'equals', value: 'US' }] };
const bigGroup = { name: 'Big', conditions: [{ field: 'score', op: 'gte', value: 80 }] };
const paths = (res: Answer) => res.body.error.details.map((d: { path: string }) => d.path);

describe('/v1/registration-rules', () => {
  it('answers no rules, version 0, before the supplier saves any', async () => {
    const { key, partner } = await supplierWith('North');
    const empty = { groups: [], version: 0, updatedAt: null };
    expect(await call('GET', '/v1/registration-rules', key)).toEqual({ status: 200, body: empty });
    expect(await call('GET', '/v1/registration-rules', partner('North').key)).toEqual({
      status: 200,
      body: empty,
    });
  });

  it('stores the supplier’s rules, versioned, and its partners read them', async () => {
    const { key, partner } = await supplierWith('North');
    const put = await call('PUT', '/v1/registration-rules', key, {
      groups: [usGroup, { ...bigGroup, name: ' Big ' }],
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      groups: [usGroup, bigGroup],
      version: 1,
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(await call('GET', '/v1/registration-rules', key)).toEqual({ status: 200, body: put.body });
    expect(await call('GET', '/v1/registration-rules', partner('North').key)).toEqual({
      status: 200,
      body: put.body,
    });

    const again = await call('PUT', '/v1/registration-rules', key, { groups: [bigGroup], version: 1 });
    expect(again.body).toMatchObject({ groups: [bigGroup], version: 2 });
  });

  it('keeps one supplier’s rules from another’s', async () => {
    const one = await supplierWith();
    const other = await supplierWith('P');
    await call('PUT', '/v1/registration-rules', one.key, { groups: [usGroup] });
    const read = await call('GET', '/v1/registration-rules', other.partner('P').key);
    expect(read.body).toMatchObject({ groups: [], version: 0 });
  });

  it('refuses a partner’s PUT and keeps the rules', async () => {
    const { key, partner } = await supplierWith('North');
    await call('PUT', '/v1/registration-rules', key, { groups: [usGroup] });
    const refused = await call('PUT', '/v1/registration-rules', partner('North').key, { groups: [] });
    expect(refused.status).toBe(403);
    expect(refused.body.error.details).toEqual([{ path: 'authorization', message: 'needs a supplier key' }]);
    expect((await call('GET', '/v1/registration-rules', key)).body.groups).toEqual([usGroup]);
  });

  it('refuses bad rules naming every path, and stores nothing', async () => {
    const { key } = await supplierWith();
    const bad = await call('PUT', '/v1/registration-rules', key, {
      groups: [
        usGroup,
        { name: 'b', conditions: [{ field: 'country', op: 'like', value: 'x' }] },
        { name: 'us', conditions: [{ field: 'custom.Tier', op: 'exists' }], assign: { partnerId: 'x' } },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect(paths(bad)).toEqual(['groups.1.conditions.0.op', 'groups.2.assign', 'groups.2.name']);
    expect((await call('GET', '/v1/registration-rules', key)).body.version).toBe(0);
  });

  it('refuses a stale version with 409, by body version or If-Match', async () => {
    const { key } = await supplierWith();
    await call('PUT', '/v1/registration-rules', key, { groups: [usGroup] });
    await call('PUT', '/v1/registration-rules', key, { groups: [bigGroup], version: 1 });
    const stale = await call('PUT', '/v1/registration-rules', key, { groups: [usGroup], version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details).toEqual([{ path: 'version', message: 'stale version 1' }]);
    const staleHeader = await call(
      'PUT',
      '/v1/registration-rules',
      key,
      { groups: [usGroup] },
      { 'if-match': '"1"' },
    );
    expect(staleHeader.status).toBe(409);
    expect((await call('GET', '/v1/registration-rules', key)).body).toMatchObject({
      groups: [bigGroup],
      version: 2,
    });
  });

  it('is described in the OpenAPI document under Registration', async () => {
    const doc = await call('GET', '/v1/openapi.json', OPERATOR_KEY);
    expect(doc.status).toBe(200);
    expect(doc.body.paths['/v1/registration-rules']?.put?.tags).toEqual(['Registration']);
    expect(doc.body.paths['/v1/registration-rules']?.get?.tags).toEqual(['Registration']);
    expect(doc.body.components.schemas.RegistrationGroup).toBeDefined();
  });
});

describe('/v1/partner/settings auto-registration', () => {
  it('defaults a partner to off, no groups, no ignored companies', async () => {
    const { partner } = await supplierWith('North');
    const read = await call('GET', '/v1/partner/settings', partner('North').key);
    expect(read.body.settings).toMatchObject({
      autoRegistration: { mode: 'off', groups: [] },
      ignoredCompanies: [],
    });
  });

  it('gives the defaults to a partner stored before these settings existed', async () => {
    const { key, supplierId, partner } = await supplierWith('Old');
    const { id } = partner('Old');
    await table.db.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: Keys.partner(supplierId, id),
        UpdateExpression: 'REMOVE autoRegistration, ignoredCompanies',
      }),
    );
    const read = await call('GET', '/v1/partner/settings', partner('Old').key);
    expect(read.body.settings).toMatchObject({
      autoRegistration: { mode: 'off', groups: [] },
      ignoredCompanies: [],
    });
    const bySupplier = await call('GET', `/v1/partners/${id}`, key);
    expect(bySupplier.body.partner).toMatchObject({
      autoRegistration: { mode: 'off', groups: [] },
      ignoredCompanies: [],
    });
    const put = await call('PUT', '/v1/partner/settings', partner('Old').key, { ignoredCompanies: ['Acme'] });
    expect(put.body.settings).toMatchObject({
      autoRegistration: { mode: 'off' },
      ignoredCompanies: ['Acme'],
    });
  });

  it('replaces the mode, own groups and ignored companies, keeping what it does not name', async () => {
    const { partner } = await supplierWith('North');
    const north = partner('North').key;
    const own = await call('PUT', '/v1/partner/settings', north, {
      autoRegistration: { mode: 'own', groups: [usGroup] },
      ignoredCompanies: [' Globex ', 'initech.com'],
    });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({
      settings: {
        autoAccept: false,
        autoRegistration: { mode: 'own', groups: [usGroup] },
        ignoredCompanies: ['Globex', 'initech.com'],
      },
      warnings: [],
    });

    const supplier = await call('PUT', '/v1/partner/settings', north, {
      autoRegistration: { mode: 'supplier' },
    });
    expect(supplier.body.settings.autoRegistration).toEqual({ mode: 'supplier', groups: [usGroup] });
    expect(supplier.body.settings.ignoredCompanies).toEqual(['Globex', 'initech.com']);

    await call('PUT', '/v1/partner/settings', north, { autoAccept: true });
    const read = await call('GET', '/v1/partner/settings', north);
    expect(read.body.settings).toMatchObject({
      autoAccept: true,
      autoRegistration: { mode: 'supplier', groups: [usGroup] },
      ignoredCompanies: ['Globex', 'initech.com'],
    });
  });

  it('accepts mode own without groups, with a warning', async () => {
    const { partner } = await supplierWith('North');
    const put = await call('PUT', '/v1/partner/settings', partner('North').key, {
      autoRegistration: { mode: 'own', groups: [] },
    });
    expect(put.status).toBe(200);
    expect(put.body.warnings).toEqual([
      { path: 'autoRegistration.groups', message: 'registers nothing until you add a group' },
    ]);
  });

  it('refuses bad groups and ignored companies by path, and changes nothing', async () => {
    const { partner } = await supplierWith('North');
    const north = partner('North').key;
    const bad = await call('PUT', '/v1/partner/settings', north, {
      autoRegistration: {
        mode: 'own',
        groups: [
          usGroup,
          { name: 'b', conditions: [{ field: 'score', op: 'gt', value: 'lots' }] },
          { name: 'US', conditions: [{ field: 'nope', op: 'exists' }], assign: { partnerId: 'x' } },
        ],
      },
      ignoredCompanies: ['ok', '  '],
    });
    expect(bad.status).toBe(400);
    expect(paths(bad)).toEqual(
      expect.arrayContaining([
        'autoRegistration.groups.1.conditions.0.value',
        'autoRegistration.groups.2.conditions.0.field',
        'autoRegistration.groups.2.assign',
        'autoRegistration.groups.2.name',
        'ignoredCompanies.1',
      ]),
    );
    expect(paths(bad)).toHaveLength(5);
    const mode = await call('PUT', '/v1/partner/settings', north, { autoRegistration: { mode: 'auto' } });
    expect(mode.status).toBe(400);
    expect(mode.body.error.details).toEqual([
      { path: 'autoRegistration.mode', message: 'unknown mode "auto"; use off, supplier or own' },
    ]);
    const read = await call('GET', '/v1/partner/settings', north);
    expect(read.body.settings).toMatchObject({
      autoRegistration: { mode: 'off', groups: [] },
      ignoredCompanies: [],
    });
  });

  it('is the partner’s own: the supplier cannot set it on the partner', async () => {
    const { key, partner } = await supplierWith('North');
    const { id } = partner('North');
    const patch = await call('PATCH', `/v1/partners/${id}`, key, { autoRegistration: { mode: 'own' } });
    expect(patch.status).toBe(400);
    expect(paths(patch)).toEqual(['autoRegistration']);
    const create = await call('POST', '/v1/partners', key, { name: 'South', ignoredCompanies: ['x'] });
    expect(create.status).toBe(400);
    expect(paths(create)).toEqual(['ignoredCompanies']);
  });
});
