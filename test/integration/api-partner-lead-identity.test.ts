import { beforeAll, describe, expect, it } from 'vitest';
import { callApi, supplierWithPartners, type TestApi, testApi } from '../support/api';
import { testTable } from '../support/store';

/**
 * A partner lead's identity by email (the partner's alias of it) when the partner changes
 * or adds the email, and a conflict settled for the partner that has the lead: found
 * testing registration end to end, kept as the behaviour the contract asks for.
 */

const OPERATOR_KEY = 'operator-key-for-partner-lead-identity-01';
let api: TestApi;

beforeAll(async () => {
  const table = await testTable('partner-lead-identity');
  api = testApi(table, OPERATOR_KEY);
});

const call = (method: string, target: string, key: string, body?: unknown) =>
  callApi(api, method, target, key, body);

const supplierWith = (...names: string[]) => supplierWithPartners(api, OPERATOR_KEY, ...names);

describe('a partner lead whose email the partner changed', () => {
  it('is the lead that email finds again: the same email posted is 200 deduplicated, no second lead', async () => {
    const { partner } = await supplierWith('North');
    const north = partner('North').key;
    const created = await call('POST', '/v1/leads', north, { email: 'first@buyer.example', firstName: 'Al' });
    expect(created.status).toBe(201);
    const id: string = created.body.lead.id;
    const changed = await call('PATCH', `/v1/leads/${id}`, north, { email: 'second@buyer.example' });
    expect(changed.status).toBe(200);
    expect(changed.body.lead.email).toBe('second@buyer.example');

    const again = await call('POST', '/v1/leads', north, { email: 'second@buyer.example', lastName: 'Bo' });

    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ deduplicated: true, lead: { id } });
    const own = await call('GET', '/v1/leads?registration=unregistered', north);
    expect(own.body.items.map((l: { id: string }) => l.id)).toEqual([id]);
  });

  it('is found by the email it was given when it had none', async () => {
    const { partner } = await supplierWith('North');
    const north = partner('North').key;
    const created = await call('POST', '/v1/leads', north, { firstName: 'Noa' });
    const id: string = created.body.lead.id;
    expect((await call('PATCH', `/v1/leads/${id}`, north, { email: 'noa@buyer.example' })).status).toBe(200);

    const again = await call('POST', '/v1/leads', north, { email: 'noa@buyer.example' });

    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ deduplicated: true, lead: { id } });
  });
});

describe('a partner lead’s email changed to another', () => {
  it('frees the old email (a new lead takes it) and refuses one the partner has already (409 naming email)', async () => {
    const { partner } = await supplierWith('North');
    const north = partner('North').key;
    const id: string = (await call('POST', '/v1/leads', north, { email: 'old@buyer.example' })).body.lead.id;
    expect((await call('PATCH', `/v1/leads/${id}`, north, { email: 'new@buyer.example' })).status).toBe(200);

    const reused = await call('POST', '/v1/leads', north, { email: 'old@buyer.example' });
    expect(reused.status).toBe(201);
    expect(reused.body.lead.id).not.toBe(id);

    const taken = await call('PATCH', `/v1/leads/${id}`, north, { email: 'old@buyer.example' });
    expect(taken.status).toBe(409);
    expect(taken.body.error.details).toEqual([
      { path: 'email', message: `old@buyer.example is your lead ${reused.body.lead.id}` },
    ]);
    expect((await call('GET', `/v1/leads/${id}`, north)).body.lead.email).toBe('new@buyer.example');
  });
});

describe('a channel conflict the supplier settles for the partner that has the lead', () => {
  it('clears the conflict when the supplier assigns the lead to the partner it is with', async () => {
    const { key, partner } = await supplierWith('North', 'South');
    const given = await call('POST', '/v1/leads', key, {
      email: 'dee@buyer.example',
      partnerId: partner('South').id,
    });
    const leadId: string = given.body.lead.id;
    const own = await call('POST', '/v1/leads', partner('North').key, { email: 'dee@buyer.example' });
    const claim = await call('POST', `/v1/leads/${own.body.lead.id}/register`, partner('North').key);
    expect(claim.body).toMatchObject({ outcome: 'linked', conflict: true });

    // "The first registration wins": the supplier keeps the lead with South and settles the claim.
    const kept = await call('POST', `/v1/leads/${leadId}/assign`, key, { partnerId: partner('South').id });

    expect(kept.status).toBe(200);
    expect(kept.body.lead.conflict).toBeUndefined();
    const conflicts = await call('GET', '/v1/leads?conflict=true', key);
    expect(conflicts.body.items).toEqual([]);
  });
});
