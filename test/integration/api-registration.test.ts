import { leadIdFor } from '@leadrelay/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { callApi, supplierWithPartners, type TestApi, testApi } from '../support/api';
import { testTable } from '../support/store';

/**
 * Partner leads and their registration with the supplier, through the API on DynamoDB
 * Local: a partner's own leads (kept from the supplier until registered), registering
 * by hand and by each auto-registration mode, on create and on update, idempotent, and
 * the channel conflict when the supplier had the email already.
 */

const OPERATOR_KEY = 'operator-key-for-registration-tests-0123';
let api: TestApi;

beforeAll(async () => {
  const table = await testTable('registration-api');
  api = testApi(table, OPERATOR_KEY);
});

const call = (method: string, target: string, key: string, body?: unknown) =>
  callApi(api, method, target, key, body);

async function supplierWith(...names: string[]) {
  const supplier = await supplierWithPartners(api, OPERATOR_KEY, ...names);
  const ids = async (target: string, who = supplier.key) =>
    ((await call('GET', target, who)).body.items as { id: string }[]).map((l) => l.id).sort();
  return { ...supplier, ids };
}

const uniqueEmail = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}@buyer.example`;

describe('a partner’s own leads', () => {
  it('are created with a partner key, email optional, and stay the partner’s until registered', async () => {
    const { key, partner, ids } = await supplierWith('North');
    const north = partner('North').key;

    const made = await call('POST', '/v1/leads', north, { firstName: 'Ada', company: 'Engines Ltd' });
    expect(made.status).toBe(201);
    expect(made.body.lead).toMatchObject({
      type: 'registered',
      partnerId: partner('North').id,
      distributionStatus: 'Accepted',
      emailStatus: 'NotSent',
      displayEmail: 'Ada',
      registration: { status: 'unregistered' },
    });
    expect(made.body.registration).toBeUndefined();
    const id = made.body.lead.id;

    // The partner sees it, in its list and with sort=updated too; the supplier sees nothing of it.
    expect(await ids('/v1/leads', north)).toEqual([id]);
    expect(await ids('/v1/leads?sort=updated', north)).toEqual([id]);
    expect(await ids('/v1/leads?registration=unregistered', north)).toEqual([id]);
    expect((await call('GET', `/v1/leads/${id}`, key)).status).toBe(404);
    for (const target of [
      '/v1/leads',
      '/v1/leads?sort=updated',
      `/v1/leads?partnerId=${partner('North').id}`,
      '/v1/leads?type=registered',
      '/v1/leads?status=Accepted',
      '/v1/leads?q=engines',
    ]) {
      expect(await ids(target), target).toEqual([]);
    }
    expect(
      (await call('POST', `/v1/leads/${id}/assign`, key, { partnerId: partner('North').id })).status,
    ).toBe(404);
  });

  it('refuses a lead with nothing to know it by, a partnerId, and a supplier’s batch rules per item', async () => {
    const { partner } = await supplierWith('North');
    const north = partner('North').key;
    const empty = await call('POST', '/v1/leads', north, { title: 'CTO' });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details).toEqual([expect.objectContaining({ path: 'email' })]);
    const named = await call('POST', '/v1/leads', north, { email: uniqueEmail('x'), partnerId: 'P' });
    expect(named.status).toBe(400);
    expect(named.body.error.details).toEqual([expect.objectContaining({ path: 'partnerId' })]);

    const email = uniqueEmail('batch');
    const batch = await call('POST', '/v1/leads/batch', north, {
      leads: [{ email, firstName: 'A' }, { title: 'nobody' }, { email, lastName: 'B' }, { partnerId: 'x' }],
    });
    expect(batch.status).toBe(200);
    expect(batch.body.results.map((r: { status: string }) => r.status)).toEqual([
      'created',
      'rejected',
      'updated',
      'rejected',
    ]);
    expect(batch.body.results[2].lead).toMatchObject({ email, firstName: 'A', lastName: 'B' });
    expect(batch.body.results[3].error.details[0].path).toBe('leads.3');
  });

  it('are deduplicated by email per partner: the same email again updates the lead', async () => {
    const { partner } = await supplierWith('North', 'South');
    const email = uniqueEmail('dup');
    const first = await call('POST', '/v1/leads', partner('North').key, { email, firstName: 'Ann' });
    const again = await call('POST', '/v1/leads', partner('North').key, {
      email: email.toUpperCase(),
      city: 'Oslo',
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      deduplicated: true,
      lead: { id: first.body.lead.id, firstName: 'Ann', city: 'Oslo' },
    });
    // Another partner's lead of the same email is its own.
    const other = await call('POST', '/v1/leads', partner('South').key, { email });
    expect(other.status).toBe(201);
    expect(other.body.lead.id).not.toBe(first.body.lead.id);
  });

  it('change by PATCH (fields and pipeline); a distributed lead’s fields stay the supplier’s', async () => {
    const { key, partner } = await supplierWith('North');
    const north = partner('North').key;
    const own = (await call('POST', '/v1/leads', north, { firstName: 'Ann' })).body.lead.id;
    const patched = await call('PATCH', `/v1/leads/${own}`, north, {
      lastName: 'Lee',
      customFields: { Product: 'Widgets' },
      pipelineStatus: 'Contacted',
    });
    expect(patched.status).toBe(200);
    expect(patched.body.lead).toMatchObject({
      firstName: 'Ann',
      lastName: 'Lee',
      displayEmail: 'Ann Lee',
      customFields: { Product: 'Widgets' },
      pipelineStatus: 'Contacted',
    });

    const distributed = await call('POST', '/v1/leads', key, {
      email: uniqueEmail('dist'),
      partnerId: partner('North').id,
    });
    const id = distributed.body.lead.id;
    const refused = await call('PATCH', `/v1/leads/${id}`, north, { company: 'Mine now' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.details[0].path).toBe('company');
  });
});

describe('registering by hand', () => {
  it('shares the lead with the supplier as registered, once: a second call answers it as it is', async () => {
    const { key, partner, ids } = await supplierWith('North');
    const north = partner('North').key;
    const email = uniqueEmail('hand');
    const id = (await call('POST', '/v1/leads', north, { email, company: 'Acme' })).body.lead.id;

    const registered = await call('POST', `/v1/leads/${id}/register`, north);
    expect(registered.status).toBe(200);
    expect(registered.body).toMatchObject({
      outcome: 'registered',
      lead: { id, source: 'Partner Registered', registration: { status: 'registered', by: 'hand' } },
    });
    const again = await call('POST', `/v1/leads/${id}/register`, north);
    expect(again.body).toMatchObject({
      outcome: 'already',
      lead: { id, version: registered.body.lead.version },
    });

    const seen = await call('GET', `/v1/leads/${id}`, key);
    expect(seen.status).toBe(200);
    expect(seen.body.lead).toMatchObject({
      type: 'registered',
      source: 'Partner Registered',
      partnerId: partner('North').id,
      distributionStatus: 'Accepted',
    });
    expect(seen.body.lead.history.map((h: { type: string }) => h.type)).toEqual(['created', 'registered']);
    for (const target of [
      '/v1/leads?type=registered',
      '/v1/leads?source=Partner%20Registered',
      `/v1/leads?partnerId=${partner('North').id}`,
      '/v1/leads?status=Accepted',
      '/v1/leads?sort=updated',
      '/v1/leads',
    ]) {
      expect(await ids(target), target).toEqual([id]);
    }
    expect(await ids('/v1/leads?type=distributed')).toEqual([]);

    // The supplier's own intake of that email finds the registered lead: no second lead.
    const supplied = await call('POST', '/v1/leads', key, { email, title: 'Buyer' });
    expect(supplied.status).toBe(200);
    expect(supplied.body).toMatchObject({
      deduplicated: true,
      lead: { id, title: 'Buyer', source: 'Partner Registered' },
    });
    expect(
      (await call('GET', `/v1/leads/${leadIdFor(supplied.body.lead.supplierId, email)}`, key)).body.lead.id,
    ).toBe(id);
  });

  it('refuses another partner’s lead (404), a distributed lead (409), and a registered lead’s email change (409)', async () => {
    const { key, partner } = await supplierWith('North', 'South');
    const id = (await call('POST', '/v1/leads', partner('North').key, { email: uniqueEmail('r') })).body.lead
      .id;
    expect((await call('POST', `/v1/leads/${id}/register`, partner('South').key)).status).toBe(404);
    expect((await call('POST', `/v1/leads/${id}/register`, key)).status).toBe(403);
    const distributed = await call('POST', '/v1/leads', key, {
      email: uniqueEmail('d'),
      partnerId: partner('North').id,
    });
    const refused = await call(
      'POST',
      `/v1/leads/${distributed.body.lead.id}/register`,
      partner('North').key,
    );
    expect(refused.status).toBe(409);

    await call('POST', `/v1/leads/${id}/register`, partner('North').key);
    const moved = await call('PATCH', `/v1/leads/${id}`, partner('North').key, { email: uniqueEmail('new') });
    expect(moved.status).toBe(409);
    expect(moved.body.error.details[0].path).toBe('email');
  });

  it('registers one lead once when two calls race', async () => {
    const { partner, ids, key } = await supplierWith('North');
    const north = partner('North').key;
    const id = (await call('POST', '/v1/leads', north, { email: uniqueEmail('race') })).body.lead.id;
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => call('POST', `/v1/leads/${id}/register`, north)),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(answers.filter((a) => a.body.outcome === 'registered')).toHaveLength(1);
    expect(await ids('/v1/leads', key)).toEqual([id]);
    const history = await call('GET', `/v1/leads/${id}/history`, key);
    expect(history.body.items.filter((h: { type: string }) => h.type === 'registered')).toHaveLength(1);
  });
});

describe('auto-registration', () => {
  const widgets = [
    { name: 'Widgets', conditions: [{ field: 'custom.Product', op: 'equals', value: 'Widgets' }] },
  ];

  it('off (the default): nothing registers by itself', async () => {
    const { partner } = await supplierWith('North');
    const made = await call('POST', '/v1/leads', partner('North').key, {
      firstName: 'A',
      customFields: { Product: 'Widgets' },
    });
    expect(made.body.lead.registration).toEqual({ status: 'unregistered' });
  });

  it('own: a lead created or updated to match a group registers at once, the group named; ignored companies never', async () => {
    const { partner, ids, key } = await supplierWith('North');
    const north = partner('North').key;
    const settings = await call('PUT', '/v1/partner/settings', north, {
      autoRegistration: { mode: 'own', groups: widgets },
      ignoredCompanies: ['Rival Corp', 'rival.example'],
    });
    expect(settings.status).toBe(200);

    const match = await call('POST', '/v1/leads', north, {
      firstName: 'A',
      customFields: { Product: 'Widgets' },
    });
    expect(match.status).toBe(201);
    expect(match.body).toMatchObject({
      registration: 'registered',
      lead: {
        source: 'Auto Registered',
        registration: { status: 'registered', by: 'rules', group: 'Widgets', rules: 'own' },
      },
    });
    const history = await call('GET', `/v1/leads/${match.body.lead.id}`, key);
    expect(history.body.lead.history.at(-1)).toMatchObject({
      type: 'registered',
      detail: { group: 'Widgets' },
    });

    const later = await call('POST', '/v1/leads', north, {
      firstName: 'B',
      customFields: { Product: 'Gadgets' },
    });
    expect(later.body.lead.registration.status).toBe('unregistered');
    const updated = await call('PATCH', `/v1/leads/${later.body.lead.id}`, north, {
      customFields: { Product: 'Widgets' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ registration: 'registered', lead: { source: 'Auto Registered' } });

    const byName = await call('POST', '/v1/leads', north, {
      company: '  RIVAL   corp ',
      customFields: { Product: 'Widgets' },
    });
    const byDomain = await call('POST', '/v1/leads', north, {
      email: uniqueEmail('x').replace('buyer.example', 'eu.rival.example'),
      customFields: { Product: 'Widgets' },
    });
    expect(byName.body.lead.registration.status).toBe('unregistered');
    expect(byDomain.body.lead.registration.status).toBe('unregistered');
    expect(await ids('/v1/leads?type=registered')).toEqual([match.body.lead.id, later.body.lead.id].sort());
  });

  it('supplier: the supplier’s registration rules decide; a partner reads them', async () => {
    const { key, partner } = await supplierWith('North');
    const north = partner('North').key;
    const rules = await call('PUT', '/v1/registration-rules', key, {
      groups: [{ name: 'Big deals', conditions: [{ field: 'score', op: 'gte', value: 80 }] }],
    });
    expect(rules.status).toBe(200);
    expect((await call('GET', '/v1/registration-rules', north)).body.groups[0].name).toBe('Big deals');
    await call('PUT', '/v1/partner/settings', north, {
      autoRegistration: { mode: 'supplier', groups: widgets },
    });

    const big = await call('POST', '/v1/leads', north, {
      firstName: 'A',
      score: 90,
      customFields: { Product: 'x' },
    });
    expect(big.body.lead.registration).toMatchObject({
      status: 'registered',
      group: 'Big deals',
      rules: 'supplier',
    });
    // The partner's own groups are kept but not used in this mode.
    const small = await call('POST', '/v1/leads', north, {
      firstName: 'B',
      score: 10,
      customFields: { Product: 'Widgets' },
    });
    expect(small.body.lead.registration.status).toBe('unregistered');
  });

  it('does not comb existing leads when rules change; preview shows and apply registers them, a page at a time', async () => {
    const { partner, ids, key } = await supplierWith('North');
    const north = partner('North').key;
    const made: string[] = [];
    for (const product of ['Widgets', 'Gadgets', 'Widgets', 'Widgets']) {
      made.push(
        (await call('POST', '/v1/leads', north, { firstName: product, customFields: { Product: product } }))
          .body.lead.id,
      );
    }
    await call('PUT', '/v1/partner/settings', north, { autoRegistration: { mode: 'own', groups: widgets } });
    expect(await ids('/v1/leads?type=registered')).toEqual([]);

    const preview = await call('POST', '/v1/partner/registration-rules/preview', north, {});
    expect(preview.status).toBe(200);
    expect(preview.body.items.map((i: { lead: { id: string } }) => i.lead.id).sort()).toEqual(
      [made[0], made[2], made[3]].sort(),
    );
    expect(preview.body).toMatchObject({ scanned: 4, nextCursor: null });
    expect(await ids('/v1/leads?type=registered')).toEqual([]);

    // A draft is previewed without saving it.
    const draft = await call('POST', '/v1/partner/registration-rules/preview', north, {
      autoRegistration: {
        mode: 'own',
        groups: [
          { name: 'Gadgets', conditions: [{ field: 'custom.Product', op: 'equals', value: 'Gadgets' }] },
        ],
      },
    });
    expect(draft.body.items.map((i: { lead: { id: string } }) => i.lead.id)).toEqual([made[1]]);

    const first = await call('POST', '/v1/partner/registration-rules/apply?limit=2', north, {});
    expect(first.body.items.every((i: { outcome: string }) => i.outcome === 'registered')).toBe(true);
    expect(first.body.nextCursor).not.toBeNull();
    const rest = await call(
      'POST',
      `/v1/partner/registration-rules/apply?limit=2&cursor=${first.body.nextCursor}`,
      north,
      {},
    );
    const applied = [...first.body.items, ...rest.body.items].map((i: { lead: { id: string } }) => i.lead.id);
    expect(applied.sort()).toEqual([made[0], made[2], made[3]].sort());
    expect(await ids('/v1/leads?type=registered', key)).toEqual([made[0], made[2], made[3]].sort());
    expect((await call('POST', '/v1/partner/registration-rules/preview', north, {})).body.items).toEqual([]);
  });
});

describe('a registration the supplier had already (dedupe and channel conflict)', () => {
  it('links to the supplier’s lead of the same partner: no duplicate, no conflict', async () => {
    const { key, partner, ids } = await supplierWith('North');
    const email = uniqueEmail('same');
    const distributed = (await call('POST', '/v1/leads', key, { email, partnerId: partner('North').id })).body
      .lead;
    const own = (await call('POST', '/v1/leads', partner('North').key, { email })).body.lead.id;
    const linked = await call('POST', `/v1/leads/${own}/register`, partner('North').key);
    expect(linked.body).toMatchObject({
      outcome: 'linked',
      conflict: false,
      lead: { registration: { status: 'linked', linkedLeadId: distributed.id } },
    });
    expect(await ids('/v1/leads')).toEqual([distributed.id]);
    expect(await ids('/v1/leads?conflict=true')).toEqual([]);
    expect((await call('GET', `/v1/leads/${own}`, key)).status).toBe(404);
  });

  it('flags another partner’s lead as a conflict (conflict=true), the first one kept, until the supplier reassigns', async () => {
    const { key, partner, ids } = await supplierWith('North', 'South', 'East');
    const email = uniqueEmail('conflict');
    const distributed = (await call('POST', '/v1/leads', key, { email, partnerId: partner('North').id })).body
      .lead;
    const south = (await call('POST', '/v1/leads', partner('South').key, { email })).body.lead.id;
    const east = (await call('POST', '/v1/leads', partner('East').key, { email })).body.lead.id;

    const claimed = await call('POST', `/v1/leads/${south}/register`, partner('South').key);
    expect(claimed.body).toMatchObject({ outcome: 'linked', conflict: true });
    expect(claimed.body.lead.registration).toMatchObject({ status: 'linked', conflict: true });
    await call('POST', `/v1/leads/${east}/register`, partner('East').key);

    expect(await ids('/v1/leads?conflict=true')).toEqual([distributed.id]);
    expect(await ids('/v1/leads?conflict=false')).toEqual([]);
    const seen = (await call('GET', `/v1/leads/${distributed.id}`, key)).body.lead;
    expect(seen.partnerId).toBe(partner('North').id);
    expect(seen.conflict.claims.map((c: { partnerId: string }) => c.partnerId)).toEqual([
      partner('South').id,
      partner('East').id,
    ]);
    // The partner holding the lead learns nothing of the claims.
    const norths = (await call('GET', `/v1/leads/${distributed.id}`, partner('North').key)).body.lead;
    expect(norths.conflict).toBeUndefined();
    expect(JSON.stringify(norths)).not.toContain(partner('South').id);
    expect((await call('GET', '/v1/leads?conflict=true', partner('North').key)).status).toBe(400);

    const settled = await call('POST', `/v1/leads/${distributed.id}/assign`, key, {
      partnerId: partner('South').id,
    });
    expect(settled.status).toBe(200);
    expect(settled.body.lead.conflict).toBeUndefined();
    expect(settled.body.lead.partnerId).toBe(partner('South').id);
    expect(await ids('/v1/leads?conflict=true')).toEqual([]);
    const history = await call('GET', `/v1/leads/${distributed.id}/history`, key);
    expect(history.body.items.map((h: { type: string }) => h.type)).toEqual(
      expect.arrayContaining(['conflict', 'conflict.settled']),
    );
  });

  it('keeps the first registration when two partners register the same email', async () => {
    const { partner, ids } = await supplierWith('North', 'South');
    const email = uniqueEmail('first');
    const north = (await call('POST', '/v1/leads', partner('North').key, { email })).body.lead.id;
    const south = (await call('POST', '/v1/leads', partner('South').key, { email })).body.lead.id;
    const [a, b] = await Promise.all([
      call('POST', `/v1/leads/${north}/register`, partner('North').key),
      call('POST', `/v1/leads/${south}/register`, partner('South').key),
    ]);
    const outcomes = [a.body.outcome, b.body.outcome].sort();
    expect(outcomes).toEqual(['linked', 'registered']);
    const winner = a.body.outcome === 'registered' ? north : south;
    expect(await ids('/v1/leads')).toEqual([winner]);
    expect(await ids('/v1/leads?conflict=true')).toEqual([winner]);
  });
});
