import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CognitoIdentities, IdTokenVerifier } from '@leadrelay/aws';
import { DynamoUserStore } from '@leadrelay/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CognitoLocal,
  ensureUserPool,
  type LocalUserPool,
  setPassword,
  signIn,
  startCognitoLocal,
} from '../../packages/local/src/cognito';
import { callApi, supplierWithPartners, type TestApi, testApi } from '../support/api';
import { freePort } from '../support/dynamodb-local';
import { testTable } from '../support/store';

/**
 * People who sign in, through the API on DynamoDB Local and the Cognito emulator
 * (cognito-local, as `npm start` runs it): invitations by a key and by an admin, ID
 * tokens verified against the emulator's JWKS, the tenant a person acts for, roles,
 * and a removed person's token refused at their next request.
 */

const OPERATOR_KEY = 'operator-key-for-user-api-tests-0123456';
const PASSWORD = 'Correct-horse-battery-9';
let api: TestApi;
let keysOnly: TestApi;
let cognito: CognitoLocal;
let pool: LocalUserPool;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cognito-local-'));
  cognito = await startCognitoLocal({ dataDir, host: '127.0.0.1', port: await freePort() });
  pool = await ensureUserPool(cognito, 'lead-relay-test');
  const table = await testTable('users-api');
  const people = {
    users: new DynamoUserStore(table.db, table.tableName),
    identities: new CognitoIdentities(pool.userPoolId, cognito.client),
    verifier: new IdTokenVerifier({ issuer: pool.issuer, clientId: pool.clientId }),
  };
  api = testApi(table, OPERATOR_KEY, { people });
  keysOnly = testApi(table, OPERATOR_KEY);
}, 60_000);

afterAll(async () => {
  await cognito?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const call = (method: string, target: string, key: string, body?: unknown, headers = {}) =>
  callApi(api, method, target, key, body, headers);

let people = 0;
/** A new email address (the pool is shared by the file's tests). */
const someone = (name: string) => `${name}.${++people}.${Date.now()}@people.example`;

/** The person's ID token, their password set as the invitation's first sign-in would. */
async function tokenOf(email: string): Promise<string> {
  await setPassword(cognito.client, pool.userPoolId, email, PASSWORD);
  return signIn(cognito.client, pool.clientId, email, PASSWORD);
}

describe('people who sign in', () => {
  it('are invited by a supplier key, sign in, and act as their supplier with the ID token', async () => {
    const { key, supplierId } = await supplierWithPartners(api, OPERATOR_KEY);
    const email = someone('ann');
    const invited = await call('POST', '/v1/users', key, { email: email.toUpperCase(), role: 'admin' });
    expect(invited.status).toBe(201);
    expect(invited.body).toMatchObject({ invited: true, user: { email, role: 'admin', invitedBy: 'key' } });

    const token = await tokenOf(email);
    const me = await call('GET', '/v1/me', token);
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      user: { id: invited.body.user.id, email },
      tenants: [
        {
          tenant: `supplier:${supplierId}`,
          kind: 'supplier',
          supplierId,
          supplierName: 'S',
          role: 'admin',
          current: true,
        },
      ],
    });
    expect((await call('GET', '/v1/leads', token)).status).toBe(200);
    // A key has no person.
    expect((await call('GET', '/v1/me', key)).status).toBe(403);
  });

  it('lets an admin invite and remove; a member can do neither, nor manage keys', async () => {
    const { key } = await supplierWithPartners(api, OPERATOR_KEY);
    const adminEmail = someone('admin');
    await call('POST', '/v1/users', key, { email: adminEmail, role: 'admin' });
    const admin = await tokenOf(adminEmail);
    const memberEmail = someone('member');
    const added = await call('POST', '/v1/users', admin, { email: memberEmail });
    expect(added.status).toBe(201);
    expect(added.body.user).toMatchObject({ email: memberEmail, role: 'member' });
    expect(added.body.user.invitedBy).toMatch(/^user:/);
    expect((await call('POST', '/v1/users', admin, { email: memberEmail })).status).toBe(409);
    expect(
      (await call('POST', '/v1/users', admin, { email: 'not-an-email' })).body.error.details[0].path,
    ).toBe('email');
    expect((await call('POST', '/v1/users', admin, { email: someone('x'), role: 'owner' })).status).toBe(400);

    const listed = await call('GET', '/v1/users', admin);
    expect(listed.body.items.map((u: { email: string }) => u.email).sort()).toEqual(
      [adminEmail, memberEmail].sort(),
    );

    const member = await tokenOf(memberEmail);
    expect((await call('GET', '/v1/leads', member)).status).toBe(200);
    expect((await call('POST', '/v1/users', member, { email: someone('y') })).status).toBe(403);
    expect((await call('GET', '/v1/users', member)).status).toBe(403);
    expect((await call('GET', '/v1/keys', member)).status).toBe(403);
    expect((await call('POST', '/v1/keys', member)).status).toBe(403);
    expect((await call('GET', '/v1/keys', admin)).status).toBe(200);
  });

  it('records who saved the routing rules', async () => {
    const { key, partner } = await supplierWithPartners(api, OPERATOR_KEY, 'North');
    const email = someone('rules');
    await call('POST', '/v1/users', key, { email, role: 'member' });
    const token = await tokenOf(email);
    const rules = {
      groups: [
        {
          name: 'All',
          conditions: [{ field: 'email', op: 'exists' }],
          assign: { partnerId: partner('North').id },
        },
      ],
    };
    const saved = await call('PUT', '/v1/routing-rules', token, { ...rules, version: 0 });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ version: 1, updatedBy: email });
    expect((await call('GET', '/v1/routing-rules', key)).body).toMatchObject({
      version: 1,
      updatedBy: email,
    });
  });

  it('refuses a removed person’s token at their next request', async () => {
    const { key } = await supplierWithPartners(api, OPERATOR_KEY);
    const adminEmail = someone('admin');
    const admin = await call('POST', '/v1/users', key, { email: adminEmail, role: 'admin' });
    const adminToken = await tokenOf(adminEmail);
    const goneEmail = someone('leaver');
    const gone = await call('POST', '/v1/users', key, { email: goneEmail });
    const goneToken = await tokenOf(goneEmail);
    expect((await call('GET', '/v1/leads', goneToken)).status).toBe(200);

    expect((await call('DELETE', `/v1/users/${admin.body.user.id}`, adminToken)).status).toBe(400);
    expect((await call('DELETE', `/v1/users/${gone.body.user.id}`, adminToken)).status).toBe(204);
    const after = await call('GET', '/v1/leads', goneToken);
    expect(after.status).toBe(401);
    expect((await call('DELETE', `/v1/users/${gone.body.user.id}`, adminToken)).status).toBe(404);
    // Invited again, the same person (the pool knows them) is back.
    const again = await call('POST', '/v1/users', key, { email: goneEmail });
    expect(again.body).toMatchObject({ invited: false, user: { id: gone.body.user.id } });
  });

  it('acts for the tenant a person chooses among theirs; a partner admin manages the partner’s users', async () => {
    const { key, supplierId, partner } = await supplierWithPartners(api, OPERATOR_KEY, 'North', 'South');
    const email = someone('both');
    await call('POST', '/v1/users', key, { email });
    const atNorth = await call('POST', '/v1/users', partner('North').key, { email, role: 'admin' });
    expect(atNorth.body.invited).toBe(false);
    const token = await tokenOf(email);
    const north = `partner:${supplierId}:${partner('North').id}`;

    const me = await call('GET', '/v1/me', token, undefined, { 'x-lead-relay-tenant': north });
    expect(me.body.tenants.map((t: { tenant: string; current: boolean }) => [t.tenant, t.current])).toEqual([
      [north, true],
      [`supplier:${supplierId}`, false],
    ]);
    // As North's admin: the partner's users; a supplier route is not for a partner.
    const asNorth = { 'x-lead-relay-tenant': north };
    const users = await call('GET', '/v1/users', token, undefined, asNorth);
    expect(users.body.items.map((u: { email: string }) => u.email)).toEqual([email]);
    expect((await call('GET', '/v1/partners', token, undefined, asNorth)).status).toBe(403);
    // As the supplier's member: a supplier route works, user management does not.
    const asSupplier = { 'x-lead-relay-tenant': `supplier:${supplierId}` };
    expect((await call('GET', '/v1/partners', token, undefined, asSupplier)).status).toBe(200);
    expect((await call('GET', '/v1/users', token, undefined, asSupplier)).status).toBe(403);
    // A tenant that is not theirs.
    const south = { 'x-lead-relay-tenant': `partner:${supplierId}:${partner('South').id}` };
    const refused = await call('GET', '/v1/leads', token, undefined, south);
    expect(refused.status).toBe(403);
    expect(refused.body.error.details[0].path).toBe('x-lead-relay-tenant');

    // A disabled partner's people are refused, as its keys are.
    await call('PATCH', `/v1/partners/${partner('North').id}`, key, { disabled: true });
    expect((await call('GET', '/v1/leads', token, undefined, asNorth)).status).toBe(403);
  });

  it('refuses a token that is not one: forged, tampered, or where sign-in is not set up', async () => {
    const { key } = await supplierWithPartners(api, OPERATOR_KEY);
    const email = someone('eve');
    await call('POST', '/v1/users', key, { email });
    const token = await tokenOf(email);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
    const tampered = [
      header,
      Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url'),
      signature,
    ].join('.');
    for (const bad of [tampered, `${header}.${payload}.AAAA`, 'eyJhbGciOiJub25lIn0.e30.x']) {
      const res = await call('GET', '/v1/leads', bad);
      expect(res.status, bad.slice(0, 20)).toBe(401);
    }
    const unset = await callApi(keysOnly, 'GET', '/v1/leads', token);
    expect(unset.status).toBe(401);
    expect(unset.body.error.message).toMatch(/Sign-in is not set up/);
    expect((await callApi(keysOnly, 'GET', '/v1/leads', key)).status).toBe(200);
  });
});
