import { beforeAll, describe, expect, it } from 'vitest';
import { callApi, supplierWithPartners, type TestApi, testApi } from '../support/api';
import { testTable } from '../support/store';

/** The partner's side of the API on DynamoDB Local: its settings, its leads, its view of a lead. */

const OPERATOR_KEY = 'operator-key-for-partner-api-tests-012345';
let api: TestApi;

beforeAll(async () => {
  const table = await testTable('partner-api');
  api = testApi(table, OPERATOR_KEY);
});

const call = (method: string, target: string, key: string, body?: unknown) =>
  callApi(api, method, target, key, body);

const supplierWith = (...names: string[]) => supplierWithPartners(api, OPERATOR_KEY, ...names);

describe('/v1/partner/settings', () => {
  it('reads and replaces the partner’s own settings, leaving out what it does not name', async () => {
    const { partner } = await supplierWith('North');
    const north = partner('North').key;

    expect(await call('GET', '/v1/partner/settings', north)).toMatchObject({
      status: 200,
      body: { settings: { autoAccept: false, leadOwners: [], salesReps: [] } },
    });
    const put = await call('PUT', '/v1/partner/settings', north, {
      leadOwners: [{ email: 'sales@north.example', name: 'Sales' }, { email: 'ann@north.example' }],
      salesReps: [{ id: 'ann', name: 'Ann' }],
    });
    expect(put.status).toBe(200);
    expect(put.body.settings).toMatchObject({ autoAccept: false, salesReps: [{ id: 'ann', name: 'Ann' }] });
    expect(put.body.warnings).toEqual([expect.objectContaining({ path: 'leadOwners.0.email' })]);

    const auto = await call('PUT', '/v1/partner/settings', north, { autoAccept: true });
    expect(auto.body.settings).toMatchObject({ autoAccept: true, salesReps: [{ id: 'ann' }] });
    expect(auto.body.settings.leadOwners).toHaveLength(2);
  });

  it('refuses bad settings by path, and a supplier key', async () => {
    const { key, partner } = await supplierWith('South');
    const bad = await call('PUT', '/v1/partner/settings', partner('South').key, {
      salesReps: [
        { id: 'a', name: 'A' },
        { id: 'a', name: 'B' },
      ],
      leadOwners: [{ email: 'not-an-email' }],
    });
    expect(bad.status).toBe(400);
    const paths = bad.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['salesReps', 'leadOwners.0.email']));
    expect((await call('PUT', '/v1/partner/settings', partner('South').key, {})).status).toBe(400);
    expect((await call('GET', '/v1/partner/settings', key)).status).toBe(403);
  });

  it('checks salesRepId on the pipeline against the partner’s sales reps', async () => {
    const { key, partner } = await supplierWith('Reps');
    const reps = partner('Reps').key;
    await call('PUT', '/v1/partner/settings', reps, { salesReps: [{ id: 'bo', name: 'Bo' }] });
    const created = await call('POST', '/v1/leads', key, { email: 'x@y.example', partnerId: 'Reps' });
    const id = created.body.lead.id;
    expect((await call('POST', `/v1/leads/${id}/accept`, reps)).status).toBe(200);

    const unknown = await call('PATCH', `/v1/leads/${id}`, reps, { salesRepId: 'zed' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0]).toMatchObject({ path: 'salesRepId' });
    const known = await call('PATCH', `/v1/leads/${id}`, reps, {
      salesRepId: 'bo',
      pipelineStatus: 'Contacted',
    });
    expect(known.status).toBe(200);
    expect(known.body.lead).toMatchObject({ salesRepId: 'bo', pipelineStatus: 'Contacted' });
  });
});

describe('a partner’s leads', () => {
  it('lists only the leads assigned to it now, newest first, paged; another partner’s lead is 404', async () => {
    const { key, partner } = await supplierWith('Mine', 'Theirs');
    const mine: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await call('POST', '/v1/leads', key, { email: `m${i}@a.example`, partnerId: 'Mine' });
      mine.push(res.body.lead.id);
    }
    const theirs = await call('POST', '/v1/leads', key, { email: 't@a.example', partnerId: 'Theirs' });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = await call('GET', `/v1/leads?limit=2${query}`, partner('Mine').key);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((l: { id: string }) => l.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...mine].reverse());

    const other = await call('GET', `/v1/leads/${theirs.body.lead.id}`, partner('Mine').key);
    expect(other.status).toBe(404);

    // Moved to Theirs by hand: it leaves Mine's list and Mine can no longer read it.
    await call('POST', `/v1/leads/${mine[0]}/assign`, key, { partnerId: partner('Theirs').id });
    const after = await call('GET', '/v1/leads?limit=10', partner('Mine').key);
    expect(after.body.items.map((l: { id: string }) => l.id)).not.toContain(mine[0]);
    expect((await call('GET', `/v1/leads/${mine[0]}`, partner('Mine').key)).status).toBe(404);
    const view = await call('GET', `/v1/leads/${mine[0]}`, partner('Theirs').key);
    expect(view.status).toBe(200);
    expect(view.body.lead.previousPartnerIds).toBeUndefined();
    expect(JSON.stringify(view.body.lead.history)).not.toContain(partner('Mine').id);
  });
});
