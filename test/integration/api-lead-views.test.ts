import {
  compareLeads,
  type Lead,
  LeadListQuery,
  leadFilter,
  matchesFilter,
  SEED_COLUMNS,
} from '@leadrelay/core';
import type { DynamoLeadStore } from '@leadrelay/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Answer, answer, type TestApi, testApi } from '../support/api';
import { apiEvent } from '../support/events';
import { testTable } from '../support/store';
import { putViewLeads, viewLeads } from '../support/view-leads';

const OPERATOR_KEY = 'operator-key-for-lead-view-tests-0123456';
let api: TestApi;
let store: DynamoLeadStore;

beforeAll(async () => {
  const table = await testTable('views-api');
  store = table.leads;
  api = testApi(table, OPERATOR_KEY);
});

const get = (key: string, path: string, query?: Record<string, string>): Promise<Answer> =>
  answer(api, apiEvent({ method: 'GET', path, key, ...(query ? { query } : {}) }));

/** A supplier with three partners (North and South in group `nordics`) and 240 leads spread over them. */
async function supplierWithLeads() {
  const created = await answer(
    api,
    apiEvent({ method: 'POST', path: '/v1/admin/suppliers', key: OPERATOR_KEY, body: { name: 'S' } }),
  );
  const key: string = created.body.apiKey;
  const supplierId: string = created.body.supplier.id;
  const partners: Record<string, { id: string; key: string; groups: string[] }> = {};
  for (const [name, groups] of [
    ['North', ['nordics']],
    ['South', ['nordics', 'warm']],
    ['West', ['warm']],
  ] as const) {
    const res = await answer(
      api,
      apiEvent({ method: 'POST', path: '/v1/partners', key, body: { name, groups: [...groups] } }),
    );
    expect(res.status).toBe(201);
    partners[name] = { id: res.body.partner.id, key: res.body.apiKey, groups: [...groups] };
  }
  const ids = Object.values(partners);
  const leads: Lead[] = viewLeads(supplierId, 240, 5).map((lead, i) => {
    const partner = lead.partnerId === null ? undefined : ids[i % ids.length];
    return {
      ...lead,
      partnerId: partner?.id ?? null,
      partnerName: partner ? (Object.keys(partners).find((n) => partners[n] === partner) ?? null) : null,
    };
  });
  await putViewLeads(store, leads);
  const partner = (name: string) => partners[name] ?? { id: '', key: '', groups: [] };
  const groups = (group: string) => ids.filter((p) => p.groups.includes(group)).map((p) => p.id);
  return { key, supplierId, leads, partner, groups };
}

async function allPages(key: string, query: Record<string, string>) {
  const items: Record<string, unknown>[] = [];
  let cursor: string | undefined;
  do {
    const res = await get(key, '/v1/leads', { ...query, ...(cursor ? { cursor } : {}) });
    expect(res.status).toBe(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

describe('GET /v1/leads: the All Leads view', () => {
  it('filters by a partner group and status, sorted by updated, as the brute force; summaries without columns', async () => {
    const { key, leads, groups } = await supplierWithLeads();
    const query = { partnerGroup: 'nordics', status: 'Accepted,Pending', sort: 'updated', limit: '9' };
    const items = await allPages(key, query);
    const filter = leadFilter(LeadListQuery.parse(query), groups);
    const expected = leads.filter((l) => matchesFilter(l, filter)).sort(compareLeads(filter));
    expect(items.map((i) => i.id)).toEqual(expected.map((l) => l.id));
    expect(expected.length).toBeGreaterThan(20);
    // Back compatible: a LeadSummary, no history.
    expect(items[0]).toMatchObject({ supplierId: expected[0]?.supplierId, distributionStatusChangeDays: 0 });
    expect(items[0]).not.toHaveProperty('history');
  });

  it('answers rows of id, the seed columns and the chosen ones with `columns`', async () => {
    const { key, leads } = await supplierWithLeads();
    const res = await get(key, '/v1/leads', {
      columns: 'email,custom.industry,custom.nothing,opportunityValue',
      type: 'distributed',
      limit: '5',
    });
    expect(res.status).toBe(200);
    const row = res.body.items[0];
    expect(Object.keys(row)).toEqual([
      'id',
      ...SEED_COLUMNS,
      'email',
      'custom.industry',
      'custom.nothing',
      'opportunityValue',
    ]);
    const lead = leads.find((l) => l.id === row.id);
    expect(row).toMatchObject({
      email: lead?.email ?? null,
      'custom.industry': lead?.customFields.industry,
      'custom.nothing': null,
      displayEmail: lead?.displayEmail,
      source: lead?.source,
    });
  });

  it('is a 400 naming an unknown column, a bad status value, or a cursor of another filter', async () => {
    const { key } = await supplierWithLeads();
    const column = await get(key, '/v1/leads', { columns: 'email,shoeSize' });
    expect(column.status).toBe(400);
    expect(column.body.error.details).toEqual([
      { path: 'columns', message: expect.stringContaining('shoeSize') },
    ]);
    const status = await get(key, '/v1/leads', { status: 'Pending,Lost' });
    expect(status.status).toBe(400);
    expect(status.body.error.details[0].path).toMatch(/^status/);
    const email = await get(key, '/v1/leads', { emailStatus: 'Bounced' });
    expect(email.status).toBe(400);
    expect(email.body.error.details[0].path).toMatch(/^emailStatus/);

    const first = await get(key, '/v1/leads', { emailStatus: 'Sent', limit: '2' });
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const reused = await get(key, '/v1/leads', { emailStatus: 'Opened', cursor: first.body.nextCursor });
    expect(reused.status).toBe(400);
    expect(reused.body.error.details).toEqual([{ path: 'cursor', message: 'not a cursor of this list' }]);
  });

  it('shows a partner key only its own leads, with the same filters, as partner summaries', async () => {
    const { key, leads, partner } = await supplierWithLeads();
    const north = partner('North');
    const items = await allPages(north.key, { limit: '20' });
    expect(items.map((i) => i.id).sort()).toEqual(
      leads
        .filter((l) => l.partnerId === north.id)
        .map((l) => l.id)
        .sort(),
    );
    expect(items[0]).not.toHaveProperty('previousPartnerIds');
    const others = await get(north.key, '/v1/leads', { partnerId: partner('South').id });
    expect(others.body.items).toEqual([]);
    const group = await allPages(north.key, { partnerGroup: 'warm' });
    expect(group).toEqual([]);
    // A supplier's cursor is not the partner's list.
    const supplierPage = await get(key, '/v1/leads', { limit: '1' });
    const reused = await get(north.key, '/v1/leads', { cursor: supplierPage.body.nextCursor });
    expect(reused.status).toBe(400);
  });
});

describe('GET /v1/reports/opportunity-details', () => {
  it('pages the opportunity leads created in the range, newest first, with value, partner, rep and status', async () => {
    const { key, leads } = await supplierWithLeads();
    const items: Record<string, unknown>[] = [];
    let cursor: string | undefined;
    do {
      const res = await get(key, '/v1/reports/opportunity-details', {
        from: '2030-03-01',
        to: '2030-05-31',
        limit: '3',
        ...(cursor ? { cursor } : {}),
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ report: 'opportunity-details', from: '2030-03-01', to: '2030-05-31' });
      items.push(...res.body.items);
      cursor = res.body.nextCursor ?? undefined;
    } while (cursor);
    const expected = leads
      .filter(
        (l) =>
          l.pipelineStatus === 'Opportunity' && l.createdAt >= '2030-03-01' && l.createdAt < '2030-06-01',
      )
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
    expect(expected.length).toBeGreaterThan(3);
    expect(items.map((i) => i.id)).toEqual(expected.map((l) => l.id));
    const lead = expected[0];
    expect(items[0]).toEqual({
      id: lead?.id,
      createdAt: lead?.createdAt,
      displayEmail: lead?.displayEmail,
      company: lead?.company ?? null,
      partnerId: lead?.partnerId,
      partnerName: lead?.partnerName,
      salesRepId: lead?.salesRepId ?? null,
      pipelineStatus: 'Opportunity',
      distributionStatus: lead?.distributionStatus,
      opportunityValue: lead?.opportunityValue,
    });
  });

  it('is a 400 for a range backwards or longer than 366 days, and not for a partner key', async () => {
    const { key, partner } = await supplierWithLeads();
    const backwards = await get(key, '/v1/reports/opportunity-details', {
      from: '2030-05-01',
      to: '2030-04-01',
    });
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.details[0].path).toBe('from');
    const long = await get(key, '/v1/reports/opportunity-details', { from: '2029-01-01', to: '2030-04-01' });
    expect(long.status).toBe(400);
    const bad = await get(key, '/v1/reports/opportunity-details', { from: '2030-13-01' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toMatch(/^from/);
    expect((await get(partner('North').key, '/v1/reports/opportunity-details')).status).toBe(403);
  });

  it('describes both routes in the OpenAPI document, with every filter of the list', async () => {
    const res = await answer(api, apiEvent({ method: 'GET', path: '/v1/openapi.json' }));
    const list = res.body.paths['/v1/leads'].get;
    const names = list.parameters.map((p: { name: string }) => p.name);
    for (const name of Object.keys(LeadListQuery.shape)) expect(names).toContain(name);
    expect(res.body.paths['/v1/reports/opportunity-details'].get).toBeDefined();
  });
});
