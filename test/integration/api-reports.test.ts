import { countersOf, REPORT_NAMES, shapeReport } from '@leadrelay/core';
import { DynamoReportStore } from '@leadrelay/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateBatch } from '../../functions/aggregate/aggregate';
import { callApi, type TestApi, testApi } from '../support/api';
import { allLeads, readStream } from '../support/report-leads';
import { testTable } from '../support/store';

/** The report routes on DynamoDB Local, over counters the aggregate consumer keeps from the table's stream. */

const OPERATOR_KEY = 'operator-key-for-report-api-tests-0123456';
let table: Awaited<ReturnType<typeof testTable>>;
let api: TestApi;
let stream: Awaited<ReturnType<typeof readStream>>;

beforeAll(async () => {
  table = await testTable('report-api', { stream: true });
  const reports = new DynamoReportStore(table.db, table.tableName);
  api = testApi(table, OPERATOR_KEY, { reports });
  stream = await readStream(table, (event) => aggregateBatch({ reports }, { warn: () => {} })(event.Records));
});

afterAll(async () => {
  await stream?.stop();
  table?.client.destroy();
});

const call = (method: string, target: string, key: string, body?: unknown) =>
  callApi(api, method, target, key, body);

const today = () => new Date().toISOString().slice(0, 10);

describe('GET /v1/reports/*', () => {
  let supplier: { id: string; key: string };
  let partners: Record<string, { id: string; key: string }>;

  beforeAll(async () => {
    const created = await call('POST', '/v1/admin/suppliers', OPERATOR_KEY, { name: 'Report Supply' });
    supplier = { id: created.body.supplier.id, key: created.body.apiKey };
    partners = {};
    for (const name of ['North', 'South']) {
      const res = await call('POST', '/v1/partners', supplier.key, { name });
      partners[name] = { id: res.body.partner.id, key: res.body.apiKey };
    }
    const north = partners.North as { id: string; key: string };
    const south = partners.South as { id: string; key: string };
    // Leads through the API, then the partners' decisions and pipeline, as the product writes them.
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const partner = i % 3 === 0 ? south : north;
      const res = await call('POST', '/v1/leads', supplier.key, {
        email: `buyer${i}@acme.example`,
        partnerId: partner.id,
        ...(i === 11 ? { partnerId: undefined } : {}),
      });
      expect(res.status).toBe(201);
      ids.push(res.body.lead.id);
    }
    const as = (i: number) => (i % 3 === 0 ? south : north).key;
    for (const i of [1, 2, 3, 4])
      expect((await call('POST', `/v1/leads/${ids[i]}/accept`, as(i))).status).toBe(200);
    for (const i of [5, 6]) {
      expect(
        (await call('POST', `/v1/leads/${ids[i]}/reject`, as(i), { reason: 'Out of area' })).status,
      ).toBe(200);
    }
    const values = [
      [1, 1200, 'EUR'],
      [2, 300.5, 'EUR'],
      [3, 99, 'USD'],
    ] as const;
    for (const [i, amount, currency] of values) {
      const res = await call('PATCH', `/v1/leads/${ids[i]}`, as(i), {
        pipelineStatus: 'Opportunity',
        opportunityValue: { amount, currency },
      });
      expect(res.status).toBe(200);
    }
    expect((await call('PATCH', `/v1/leads/${ids[4]}`, as(4), { pipelineStatus: 'Contacted' })).status).toBe(
      200,
    );
    await stream.drain();
  }, 120_000);

  it.each(REPORT_NAMES)(
    'answers %s from the counters, identical to a recomputation from the leads',
    async (name) => {
      const res = await call('GET', `/v1/reports/${name}`, supplier.key);
      expect(res.status).toBe(200);
      const leads = await allLeads(table.leads, supplier.id);
      const names = new Map(Object.entries(partners).map(([partnerName, p]) => [p.id, partnerName]));
      const to = today();
      const from = new Date(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
      expect(res.body).toEqual(shapeReport(name, { from, to }, countersOf(leads), names));
      expect(res.body.rows.length).toBeGreaterThan(0);
    },
  );

  it('shows values per currency, never added across them', async () => {
    const res = await call(
      'GET',
      `/v1/reports/opportunity-overview?from=${today()}&to=${today()}`,
      supplier.key,
    );
    expect(res.body.rows).toEqual([
      {
        partnerId: partners.North?.id,
        partnerName: 'North',
        pipelineStatus: 'Contacted',
        count: 1,
        opportunityValue: null,
      },
      {
        partnerId: partners.North?.id,
        partnerName: 'North',
        pipelineStatus: 'Opportunity',
        count: 2,
        opportunityValue: { amount: 1500.5, currency: 'EUR' },
      },
      {
        partnerId: partners.South?.id,
        partnerName: 'South',
        pipelineStatus: 'Opportunity',
        count: 1,
        opportunityValue: { amount: 99, currency: 'USD' },
      },
    ]);
    expect(res.body.totals).toEqual({
      count: 4,
      opportunityValue: [
        { amount: 1500.5, currency: 'EUR' },
        { amount: 99, currency: 'USD' },
      ],
    });
  });

  it('counts rejections by partner, source and reason', async () => {
    const res = await call('GET', '/v1/reports/rejections', supplier.key);
    expect(res.body.rows).toEqual([
      { partnerId: partners.North?.id, partnerName: 'North', source: 'API', reason: 'Out of area', count: 1 },
      { partnerId: partners.South?.id, partnerName: 'South', source: 'API', reason: 'Out of area', count: 1 },
    ]);
  });

  it('answers an empty report for a range with no leads', async () => {
    const res = await call('GET', '/v1/reports/lead-summary?from=2020-01-01&to=2020-03-31', supplier.key);
    expect(res).toEqual({
      status: 200,
      body: { report: 'lead-summary', from: '2020-01-01', to: '2020-03-31', rows: [], totals: { count: 0 } },
    });
  });

  it.each([
    ['from=2030-02-30', 'from'],
    ['to=tomorrow', 'to'],
    ['from=2030-03-02&to=2030-03-01', 'from'],
    ['from=2029-01-01&to=2030-01-02', 'from'],
    ['since=2030-01-01', ''],
  ])('refuses %s with a 400 naming the field', async (query, field) => {
    const res = await call('GET', `/v1/reports/lead-summary?${query}`, supplier.key);
    expect(res.status).toBe(400);
    if (field) expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual([field]);
  });

  it('is for suppliers only', async () => {
    const res = await call('GET', '/v1/reports/lead-summary', partners.North?.key ?? '');
    expect(res.status).toBe(403);
  });

  it('reads only its own supplier’s counters', async () => {
    const other = await call('POST', '/v1/admin/suppliers', OPERATOR_KEY, { name: 'Other Supply' });
    const res = await call('GET', '/v1/reports/lead-summary', other.body.apiKey);
    expect(res.body.rows).toEqual([]);
  });
});
