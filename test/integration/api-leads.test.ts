import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { powertoolsIdempotency } from '../../functions/api/idempotency';
import { type Answer, answer, type TestApi, testApi } from '../support/api';
import { apiEvent } from '../support/events';
import { testTable } from '../support/store';

const OPERATOR_KEY = 'operator-key-for-lead-tests-0123456789';
let api: TestApi;

beforeAll(async () => {
  const { tenants, leads, rules, client, tableName } = await testTable('leads-api');
  api = testApi({ tenants, leads, rules }, OPERATOR_KEY, {
    idempotency: powertoolsIdempotency(client, tableName),
  });
});

async function call(event: APIGatewayProxyEventV2): Promise<Answer> {
  return answer(api, event);
}

/** A supplier with partners (name → id) and a key, made over the API. */
async function supplierWith(partners: Record<string, object>) {
  const created = await call(
    apiEvent({ method: 'POST', path: '/v1/admin/suppliers', key: OPERATOR_KEY, body: { name: 'S' } }),
  );
  const key: string = created.body.apiKey;
  const ids: Record<string, string> = {};
  for (const [name, fields] of Object.entries(partners)) {
    const res = await call(
      apiEvent({ method: 'POST', path: '/v1/partners', key, body: { name, ...fields } }),
    );
    expect(res.status).toBe(201);
    ids[name] = res.body.partner.id;
  }
  return { key, ids, supplierId: created.body.supplier.id as string };
}

const post = (key: string, path: string, body: unknown, headers?: Record<string, string>) => {
  const event = apiEvent({ method: 'POST', path, key, body });
  Object.assign(event.headers, headers);
  return call(event);
};

describe('POST /v1/leads', () => {
  it('routes by rules, records the decision, and answers 201 with the lead', async () => {
    const { key, ids } = await supplierWith({ North: {}, South: {} });
    const rules = {
      groups: [
        {
          name: 'Nordics',
          conditions: [{ field: 'country', op: 'in', value: ['SE', 'NO'] }],
          assign: { partnerId: ids.North },
        },
        { name: 'Rest', conditions: [{ field: 'email', op: 'exists' }], assign: { partnerId: ids.South } },
      ],
    };
    expect(
      (await call(apiEvent({ method: 'PUT', path: '/v1/routing-rules', key, body: rules }))).status,
    ).toBe(200);

    const res = await post(key, '/v1/leads', { email: 'Ada@Example.com', firstName: 'Ada', country: 'se' });

    expect(res.status).toBe(201);
    expect(res.body.lead).toMatchObject({
      email: 'ada@example.com',
      partnerId: ids.North,
      partnerName: 'North',
      distributionStatus: 'Pending',
      emailStatus: 'NotSent',
      source: 'API',
      score: 50,
      type: 'distributed',
      displayEmail: 'ada@example.com',
      distributionStatusChangeDays: 0,
    });
    const routed = res.body.lead.history.find((h: { type: string }) => h.type === 'routed');
    expect(routed.detail).toMatchObject({ path: 'rule', group: 'Nordics', partnerId: ids.North });
    const read = await call(apiEvent({ method: 'GET', path: `/v1/leads/${res.body.lead.id}`, key }));
    expect(read.body.lead.history).toEqual(res.body.lead.history);
  });

  it('updates a known email (any case) instead of creating, keeping partner and status', async () => {
    const { key, ids } = await supplierWith({ Only: {} });
    const first = await post(key, '/v1/leads', { email: 'bob@example.com', partnerId: 'only' });
    const again = await post(key, '/v1/leads', { email: ' BOB@example.com ', company: 'Bobco' });

    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      deduplicated: true,
      lead: { id: first.body.lead.id, company: 'Bobco', partnerId: ids.Only },
    });
    expect(again.body.lead.history.map((h: { type: string }) => h.type)).toEqual([
      'created',
      'routed',
      'updated',
    ]);
  });

  it('refuses a lead without an email, with a bad email, or naming an unknown partner', async () => {
    const { key } = await supplierWith({});
    const missing = await post(key, '/v1/leads', { firstName: 'No Email' });
    expect(missing).toMatchObject({ status: 400, body: { error: { details: [{ path: 'email' }] } } });
    const bad = await post(key, '/v1/leads', { email: 'not-an-email' });
    expect(bad).toMatchObject({ status: 400, body: { error: { details: [{ path: 'email' }] } } });
    const unknown = await post(key, '/v1/leads', { email: 'x@example.com', partnerId: 'Nobody' });
    expect(unknown).toMatchObject({ status: 400, body: { error: { details: [{ path: 'partnerId' }] } } });
  });

  it('routes by account ownership, and auto-accepts for an auto-accept partner', async () => {
    const { key, ids } = await supplierWith({ Owner: { domains: ['globex.example'], autoAccept: true } });
    const res = await post(key, '/v1/leads', { email: 'hank@sales.globex.example' });
    expect(res.body.lead).toMatchObject({
      partnerId: ids.Owner,
      distributionStatus: 'Accepted',
      emailStatus: 'NotSent',
    });
    expect(res.body.lead.history.map((h: { type: string }) => h.type)).toEqual([
      'created',
      'routed',
      'accepted',
    ]);
  });

  it('leaves a lead Unassigned when nothing applies, and a supplier assigns it by hand', async () => {
    const { key, ids } = await supplierWith({ Hand: {} });
    const res = await post(key, '/v1/leads', { email: 'loose@example.com' });
    expect(res.body.lead).toMatchObject({ distributionStatus: 'Unassigned', partnerId: null });
    const assigned = await post(key, `/v1/leads/${res.body.lead.id}/assign`, { partnerId: ids.Hand });
    expect(assigned).toMatchObject({
      status: 200,
      body: { lead: { partnerId: ids.Hand, distributionStatus: 'Pending', assignmentVersion: 1 } },
    });
    const other = await supplierWith({});
    expect(
      (await call(apiEvent({ method: 'GET', path: `/v1/leads/${res.body.lead.id}`, key: other.key }))).status,
    ).toBe(404);
  });

  it('creates exactly one lead from two hundred parallel creates of the same email', async () => {
    const { key } = await supplierWith({});
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        post(key, '/v1/leads', { email: 'race@example.com', title: `T${i}` }),
      ),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200 && a.body.deduplicated)).toHaveLength(199);
    const list = await call(apiEvent({ method: 'GET', path: '/v1/leads', key }));
    expect(list.body.items).toHaveLength(1);
  });

  it('answers a replay of the same Idempotency-Key with the first answer, and refuses it with another body', async () => {
    const { key } = await supplierWith({});
    const headers = { 'idempotency-key': 'order-42' };
    const first = await post(key, '/v1/leads', { email: 'once@example.com' }, headers);
    const replay = await post(key, '/v1/leads', { email: 'once@example.com' }, headers);
    expect(first.status).toBe(201);
    expect(replay).toEqual(first);
    const other = await post(key, '/v1/leads', { email: 'twice@example.com' }, headers);
    expect(other).toMatchObject({ status: 422, body: { error: { code: 'idempotency_key_reused' } } });
  });
});

describe('POST /v1/leads/batch', () => {
  it('answers one result per lead; bad leads never stop good ones', async () => {
    const { key } = await supplierWith({});
    const res = await post(key, '/v1/leads/batch', {
      leads: [
        { email: 'a@example.com' },
        { email: 'nope' },
        { firstName: 'x' },
        { email: 'A@example.com', city: 'Oslo' },
        { email: 'b@example.com', colour: 'red' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual([
      'created',
      'rejected',
      'rejected',
      'updated',
      'rejected',
    ]);
    expect(res.body.results[1].error.details[0].path).toBe('leads.1.email');
    expect(res.body.results[2].error.details[0].path).toBe('leads.2.email');
    expect(res.body.results[4].error.details[0].message).toMatch(/colour/);
    expect(res.body.results[3].lead).toMatchObject({ city: 'Oslo' });
  });

  it('keeps each lead’s own source when the items name different ones, and the results in the items’ order', async () => {
    const { key } = await supplierWith({});
    const res = await post(key, '/v1/leads/batch', {
      leads: [
        { email: 'by-hand@sources.example', source: 'Manual' },
        { email: 'plain@sources.example' },
        { email: 'crm@sources.example', source: 'Integration' },
        { email: 'by-hand-2@sources.example', source: 'Manual' },
      ],
    });
    expect(res.status).toBe(200);
    const results = res.body.results as {
      index: number;
      status: string;
      lead: { email: string; source: string };
    }[];
    expect(results.map((r) => [r.index, r.status, r.lead.email, r.lead.source])).toEqual([
      [0, 'created', 'by-hand@sources.example', 'Manual'],
      [1, 'created', 'plain@sources.example', 'API'],
      [2, 'created', 'crm@sources.example', 'Integration'],
      [3, 'created', 'by-hand-2@sources.example', 'Manual'],
    ]);
    // As stored, too.
    for (const r of res.body.results as { lead: { id: string; source: string } }[]) {
      const stored = await call(apiEvent({ method: 'GET', path: `/v1/leads/${r.lead.id}`, key }));
      expect(stored.body.lead.source).toBe(r.lead.source);
    }
  });

  it('refuses more than 500 leads', async () => {
    const { key } = await supplierWith({});
    const res = await post(key, '/v1/leads/batch', {
      leads: Array.from({ length: 501 }, (_, i) => ({ email: `${i}@x.example` })),
    });
    expect(res).toMatchObject({ status: 400, body: { error: { details: [{ path: 'leads' }] } } });
  });

  it('keeps a capacity-limited partner at its capacity and spreads the rest over the pool', async () => {
    const { key, ids } = await supplierWith({ Small: { capacity: 2 }, Big: {} });
    const rules = {
      groups: [
        {
          name: 'All',
          conditions: [{ field: 'email', op: 'exists' }],
          assign: { partnerIds: [ids.Small, ids.Big], strategy: 'round-robin' },
        },
      ],
    };
    await call(apiEvent({ method: 'PUT', path: '/v1/routing-rules', key, body: rules }));
    const res = await post(key, '/v1/leads/batch', {
      leads: Array.from({ length: 10 }, (_, i) => ({ email: `p${i}@x.example` })),
    });
    const partners = res.body.results.map((r: { lead: { partnerName: string } }) => r.lead.partnerName);
    expect(partners.filter((p: string) => p === 'Small')).toHaveLength(2);
    expect(partners.filter((p: string) => p === 'Big')).toHaveLength(8);
  });
});

describe('pool rotation over single POST /v1/leads calls', () => {
  /** A supplier whose one rule group is a pool of the given partners; answers the partner names as they are chosen. */
  async function poolOf(partners: Record<string, object>, strategy: 'round-robin' | 'weighted') {
    const { key, ids } = await supplierWith(partners);
    const rules = {
      groups: [
        {
          name: 'Everyone',
          conditions: [{ field: 'email', op: 'exists' }],
          assign: { partnerIds: Object.values(ids), strategy },
        },
      ],
    };
    expect(
      (await call(apiEvent({ method: 'PUT', path: '/v1/routing-rules', key, body: rules }))).status,
    ).toBe(200);
    const chosen: string[] = [];
    const single = async (email: string) => {
      const res = await post(key, '/v1/leads', { email });
      expect(res.status).toBe(201);
      chosen.push(res.body.lead.partnerName);
    };
    const batch = async (emails: string[]) => {
      const res = await post(key, '/v1/leads/batch', { leads: emails.map((email) => ({ email })) });
      for (const r of res.body.results) chosen.push(r.lead.partnerName);
    };
    return { chosen, single, batch };
  }

  const tally = (names: readonly string[]) => {
    const counts: Record<string, number> = {};
    for (const n of names) counts[n] = (counts[n] ?? 0) + 1;
    return counts;
  };

  it('alternates a pool of two, one request at a time', async () => {
    const pool = await poolOf({ First: {}, Second: {} }, 'round-robin');
    for (let i = 0; i < 20; i++) await pool.single(`single${i}@rotation.example`);
    expect(tally(pool.chosen)).toEqual({ First: 10, Second: 10 });
    // Every request takes the next turn, so no partner ever gets two in a row.
    expect(pool.chosen.every((name, i) => i === 0 || name !== pool.chosen[i - 1])).toBe(true);
  });

  it('keeps the turn across single calls, a batch, and single calls again', async () => {
    const pool = await poolOf({ A: {}, B: {}, C: {}, D: {} }, 'round-robin');
    for (let i = 0; i < 3; i++) await pool.single(`before${i}@rotation.example`);
    await pool.batch(Array.from({ length: 6 }, (_, i) => `batch${i}@rotation.example`));
    for (let i = 0; i < 3; i++) await pool.single(`after${i}@rotation.example`);
    expect(pool.chosen).toEqual(['A', 'B', 'C', 'D', 'A', 'B', 'C', 'D', 'A', 'B', 'C', 'D']);
  });

  it('follows the weights over single calls', async () => {
    const pool = await poolOf({ Light: { weight: 1 }, Heavy: { weight: 3 } }, 'weighted');
    for (let i = 0; i < 16; i++) await pool.single(`weighted${i}@rotation.example`);
    expect(tally(pool.chosen)).toEqual({ Light: 4, Heavy: 12 });
  });
});

describe('routing rules', () => {
  it('refuses invalid rules naming the group and condition, and keeps a version', async () => {
    const { key, ids } = await supplierWith({ P: {} });
    const bad = await call(
      apiEvent({
        method: 'PUT',
        path: '/v1/routing-rules',
        key,
        body: {
          groups: [
            {
              name: 'G',
              conditions: [{ field: 'country', op: 'like', value: 'x' }],
              assign: { partnerId: ids.P },
            },
          ],
        },
      }),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('groups.0.conditions.0.op');
    const good = {
      groups: [
        {
          name: 'G',
          conditions: [{ field: 'country', op: 'equals', value: 'DE' }],
          assign: { partnerId: ids.P },
        },
      ],
    };
    const saved = await call(apiEvent({ method: 'PUT', path: '/v1/routing-rules', key, body: good }));
    expect(saved.body.version).toBe(1);
    // A key has no person: who saved them is not known, when is.
    expect(saved.body).toMatchObject({ updatedAt: expect.any(String), updatedBy: null });
    expect((await call(apiEvent({ method: 'GET', path: '/v1/routing-rules', key }))).body).toEqual(
      saved.body,
    );
  });

  it('answers version 0 and no time before the first save, and refuses a stale version with 409', async () => {
    const { key, ids } = await supplierWith({ P: {} });
    expect((await call(apiEvent({ method: 'GET', path: '/v1/routing-rules', key }))).body).toEqual({
      groups: [],
      version: 0,
      updatedAt: null,
      updatedBy: null,
    });
    const rules = (name: string, version: number) => ({
      version,
      groups: [{ name, conditions: [{ field: 'email', op: 'exists' }], assign: { partnerId: ids.P } }],
    });
    const put = (body: unknown) => call(apiEvent({ method: 'PUT', path: '/v1/routing-rules', key, body }));
    expect((await put(rules('First', 0))).body.version).toBe(1);
    expect((await put(rules('Second', 1))).body.version).toBe(2);
    const stale = await put(rules('Lost', 1));
    expect(stale.status).toBe(409);
    expect(stale.body.error.details[0].path).toBe('version');
    const now = await call(apiEvent({ method: 'GET', path: '/v1/routing-rules', key }));
    expect(now.body).toMatchObject({ version: 2, groups: [{ name: 'Second' }] });
  });

  it('previews a draft over recent leads without changing them', async () => {
    const { key, ids } = await supplierWith({ P: {} });
    const lead = await post(key, '/v1/leads', { email: 'pre@example.com', country: 'DE' });
    const draft = {
      groups: [
        {
          name: 'DE',
          conditions: [{ field: 'country', op: 'equals', value: 'de' }],
          assign: { partnerId: ids.P },
        },
      ],
    };
    const res = await post(key, '/v1/routing-rules/preview', draft);
    expect(res.status).toBe(200);
    expect(res.body.items[0]).toMatchObject({
      leadId: lead.body.lead.id,
      wouldGo: { partnerId: ids.P, group: 'DE' },
    });
    expect(res.body.totals).toEqual({ P: 1 });
    expect(res.body.items[0]).toEqual({
      leadId: lead.body.lead.id,
      displayEmail: 'pre@example.com',
      current: { partnerId: null, partnerName: null, distributionStatus: 'Unassigned' },
      wouldGo: {
        partnerId: ids.P,
        partnerName: 'P',
        path: 'rule',
        group: 'DE',
        groupIndex: 0,
        skipped: [],
        explanation: expect.any(String),
      },
    });
    const after = await call(apiEvent({ method: 'GET', path: `/v1/leads/${lead.body.lead.id}`, key }));
    expect(after.body.lead.distributionStatus).toBe('Unassigned');
  });
});

describe('GET /v1/leads/{id}/history', () => {
  it('pages through the whole history newest first; the lead shows its latest entries, merges included', async () => {
    const { key } = await supplierWith({});
    const partner = await post(key, '/v1/partners', { name: 'Hist' });
    expect(partner.status).toBe(201);
    const partnerKey: string = partner.body.apiKey;
    const email = `${crypto.randomUUID()}@history.example`;
    const created = await post(key, '/v1/leads', { email, partnerId: partner.body.partner.id });
    const id: string = created.body.lead.id;
    for (const company of ['One Ltd', 'Two Ltd', 'Three Ltd']) {
      expect((await post(key, '/v1/leads', { email, company })).status).toBe(200);
    }
    expect((await post(partnerKey, `/v1/leads/${id}/accept`, {})).status).toBe(200);
    const patched = await call(
      apiEvent({
        method: 'PATCH',
        path: `/v1/leads/${id}`,
        key: partnerKey,
        body: { pipelineStatus: 'Contacted' },
      }),
    );
    expect(patched.status).toBe(200);

    const pages: { type: string }[][] = [];
    let cursor: string | undefined;
    do {
      const res = await call(
        apiEvent({
          method: 'GET',
          path: `/v1/leads/${id}/history`,
          key,
          query: { limit: '2', ...(cursor ? { cursor } : {}) },
        }),
      );
      expect(res.status).toBe(200);
      pages.push(res.body.items);
      cursor = res.body.nextCursor ?? undefined;
    } while (cursor);
    const newestFirst = pages.flat().map((h) => h.type);
    expect(newestFirst).toEqual([
      'pipeline',
      'accepted',
      'updated',
      'updated',
      'updated',
      'routed',
      'created',
    ]);
    expect(pages.every((p) => p.length <= 2)).toBe(true);

    const one = await call(apiEvent({ method: 'GET', path: `/v1/leads/${id}`, key }));
    expect(one.body.lead.history.map((h: { type: string }) => h.type)).toEqual([...newestFirst].reverse());
    expect(one.body.lead.company).toBe('Three Ltd');

    const asPartner = await call(
      apiEvent({ method: 'GET', path: `/v1/leads/${id}/history`, key: partnerKey }),
    );
    expect(asPartner.status).toBe(200);
    expect(asPartner.body.items.map((h: { type: string }) => h.type)).toContain('accepted');
  });

  it("answers 404 for another supplier's lead and 400 for a cursor that is not this lead's", async () => {
    const { key } = await supplierWith({});
    const other = await supplierWith({});
    const a = await post(key, '/v1/leads', { email: `${crypto.randomUUID()}@a.example` });
    const b = await post(key, '/v1/leads', { email: `${crypto.randomUUID()}@b.example` });
    const path = (id: string) => `/v1/leads/${id}/history`;

    const foreign = await call(apiEvent({ method: 'GET', path: path(a.body.lead.id), key: other.key }));
    expect(foreign.status).toBe(404);
    const first = await call(
      apiEvent({ method: 'GET', path: path(a.body.lead.id), key, query: { limit: '1' } }),
    );
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const crossed = await call(
      apiEvent({ method: 'GET', path: path(b.body.lead.id), key, query: { cursor: first.body.nextCursor } }),
    );
    expect(crossed).toMatchObject({ status: 400, body: { error: { details: [{ path: 'cursor' }] } } });
  });

  it('is described in the OpenAPI document', async () => {
    const doc = await call(apiEvent({ method: 'GET', path: '/v1/openapi.json' }));
    expect(doc.status).toBe(200);
    expect(doc.body.paths['/v1/leads/{id}/history']?.get?.responses?.['200']).toBeDefined();
  });
});
