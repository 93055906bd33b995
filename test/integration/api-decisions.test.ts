import type { LeadStore } from '@leadrelay/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Answer, answer, type TestApi, testApi } from '../support/api';
import { apiEvent } from '../support/events';
import { testTable } from '../support/store';

const OPERATOR_KEY = 'operator-key-for-decision-tests-0123456789';
let api: TestApi;
let leads: LeadStore;

beforeAll(async () => {
  const table = await testTable('decisions-api');
  leads = table.leads;
  api = testApi(table, OPERATOR_KEY);
});

async function call(event: APIGatewayProxyEventV2): Promise<Answer> {
  return answer(api, event);
}

const post = (key: string, path: string, body?: unknown) =>
  call(apiEvent({ method: 'POST', path, key, ...(body === undefined ? {} : { body }) }));
const patch = (key: string, path: string, body: unknown) =>
  call(apiEvent({ method: 'PATCH', path, key, body }));

/** A supplier with partners made over the API: name → { id, key }. */
async function supplierWith<const N extends string>(...names: N[]) {
  const created = await post(OPERATOR_KEY, '/v1/admin/suppliers', { name: 'S' });
  const key: string = created.body.apiKey;
  const partners = {} as Record<N, { id: string; key: string }>;
  for (const name of names) {
    const res = await post(key, '/v1/partners', { name });
    expect(res.status).toBe(201);
    partners[name] = { id: res.body.partner.id, key: res.body.apiKey };
  }
  return { key, partners, supplierId: created.body.supplier.id as string };
}

/** A lead assigned to the named partner, Pending. */
async function pendingLead(
  supplierKey: string,
  partner: string,
  email = `${crypto.randomUUID()}@example.com`,
) {
  const res = await post(supplierKey, '/v1/leads', { email, partnerId: partner });
  expect(res.body.lead).toMatchObject({ distributionStatus: 'Pending' });
  return res.body.lead.id as string;
}

describe('POST /v1/leads/{id}/accept', () => {
  it('accepts the partner’s Pending lead, records it, and releases the partner’s load', async () => {
    const { key, partners, supplierId } = await supplierWith('North');
    const id = await pendingLead(key, 'North');
    expect((await leads.partnerLoads(supplierId, [partners.North.id])).get(partners.North.id)).toBe(1);

    const res = await post(partners.North.key, `/v1/leads/${id}/accept`);

    expect(res.status).toBe(200);
    expect(res.body.lead).toMatchObject({ id, distributionStatus: 'Accepted', partnerId: partners.North.id });
    expect(res.body.lead.history.at(-1)).toMatchObject({
      type: 'accepted',
      actor: `partner:${partners.North.id}`,
      detail: { via: 'api', partnerId: partners.North.id },
    });
    expect((await leads.partnerLoads(supplierId, [partners.North.id])).get(partners.North.id)).toBe(0);
    const read = await call(apiEvent({ method: 'GET', path: `/v1/leads/${id}`, key }));
    expect(read.body.lead.distributionStatus).toBe('Accepted');
  });

  it('answers 404 to another partner of the same supplier and to a partner of another supplier', async () => {
    const { key, partners } = await supplierWith('Mine', 'Theirs');
    const other = await supplierWith('Elsewhere');
    const id = await pendingLead(key, 'Mine');

    const sibling = await post(partners.Theirs.key, `/v1/leads/${id}/accept`);
    const stranger = await post(other.partners.Elsewhere.key, `/v1/leads/${id}/accept`);

    expect(sibling).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(stranger).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const read = await call(apiEvent({ method: 'GET', path: `/v1/leads/${id}`, key }));
    expect(read.body.lead.distributionStatus).toBe('Pending');
  });

  it('answers 409 with the current state to a second accept', async () => {
    const { key, partners } = await supplierWith('Twice');
    const id = await pendingLead(key, 'Twice');
    expect((await post(partners.Twice.key, `/v1/leads/${id}/accept`)).status).toBe(200);

    const again = await post(partners.Twice.key, `/v1/leads/${id}/accept`);

    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'conflict' });
    expect(again.body.error.details).toContainEqual({ path: 'distributionStatus', message: 'is Accepted' });
  });

  it('refuses a supplier key with 403', async () => {
    const { key } = await supplierWith('P');
    const id = await pendingLead(key, 'P');
    expect((await post(key, `/v1/leads/${id}/accept`)).status).toBe(403);
  });
});

describe('POST /v1/leads/{id}/reject', () => {
  it('answers 400 naming reason without one, and leaves the lead Pending', async () => {
    const { key, partners } = await supplierWith('R');
    const id = await pendingLead(key, 'R');

    const missing = await post(partners.R.key, `/v1/leads/${id}/reject`, {});
    const blank = await post(partners.R.key, `/v1/leads/${id}/reject`, { reason: '   ' });

    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toContainEqual(expect.objectContaining({ path: 'reason' }));
    expect(blank.status).toBe(400);
    expect(blank.body.error.details).toContainEqual(expect.objectContaining({ path: 'reason' }));
    const read = await call(apiEvent({ method: 'GET', path: `/v1/leads/${id}`, key }));
    expect(read.body.lead.distributionStatus).toBe('Pending');
  });

  it('rejects with the reason kept on the lead and in its history', async () => {
    const { key, partners, supplierId } = await supplierWith('R');
    const id = await pendingLead(key, 'R');

    const res = await post(partners.R.key, `/v1/leads/${id}/reject`, { reason: ' Not our region ' });

    expect(res.status).toBe(200);
    expect(res.body.lead).toMatchObject({ distributionStatus: 'Rejected', rejectReason: 'Not our region' });
    expect(res.body.lead.history.at(-1)).toMatchObject({
      type: 'rejected',
      detail: { reason: 'Not our region', via: 'api' },
    });
    expect((await leads.partnerLoads(supplierId, [partners.R.id])).get(partners.R.id)).toBe(0);
  });
});

describe('accept vs reject races', () => {
  it('gives each of 20 leads exactly one outcome under 200 parallel decisions', async () => {
    const { key, partners, supplierId } = await supplierWith('Racer');
    const ids = await Promise.all(Array.from({ length: 20 }, () => pendingLead(key, 'Racer')));
    expect((await leads.partnerLoads(supplierId, [partners.Racer.id])).get(partners.Racer.id)).toBe(20);

    const requests = ids.flatMap((id) =>
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0
          ? post(partners.Racer.key, `/v1/leads/${id}/accept`)
          : post(partners.Racer.key, `/v1/leads/${id}/reject`, { reason: `busy ${i}` })
        ).then((answer) => ({ id, kind: i % 2 === 0 ? 'accept' : 'reject', answer })),
      ),
    );
    const answers = await Promise.all(requests);

    expect(answers).toHaveLength(200);
    for (const id of ids) {
      const mine = answers.filter((a) => a.id === id);
      const won = mine.filter((a) => a.answer.status === 200);
      const lost = mine.filter((a) => a.answer.status === 409);
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(9);
      const winner = won[0];
      const final = await leads.getLead(id);
      const expected = winner?.kind === 'accept' ? 'Accepted' : 'Rejected';
      expect(final?.distributionStatus).toBe(expected);
      expect(final?.history.filter((h) => h.type === 'accepted' || h.type === 'rejected')).toHaveLength(1);
      for (const loser of lost) {
        expect(loser.answer.body.error.details).toContainEqual({
          path: 'distributionStatus',
          message: `is ${expected}`,
        });
      }
    }
    expect((await leads.partnerLoads(supplierId, [partners.Racer.id])).get(partners.Racer.id)).toBe(0);
  });
});

describe('PATCH /v1/leads/{id}', () => {
  async function acceptedLead() {
    const tenant = await supplierWith('Pipe');
    const id = await pendingLead(tenant.key, 'Pipe');
    expect((await post(tenant.partners.Pipe.key, `/v1/leads/${id}/accept`)).status).toBe(200);
    return { ...tenant, id, partnerKey: tenant.partners.Pipe.key };
  }

  it('moves Open → Contacted → Opportunity with a value, then refuses further changes', async () => {
    const { id, partnerKey } = await acceptedLead();
    const path = `/v1/leads/${id}`;

    const open = await patch(partnerKey, path, { pipelineStatus: 'Open' });
    const contacted = await patch(partnerKey, path, { pipelineStatus: 'Contacted' });
    const opportunity = await patch(partnerKey, path, {
      pipelineStatus: 'Opportunity',
      opportunityValue: { amount: 5000, currency: 'EUR' },
    });

    expect(open).toMatchObject({ status: 200, body: { lead: { pipelineStatus: 'Open' } } });
    expect(contacted).toMatchObject({ status: 200, body: { lead: { pipelineStatus: 'Contacted' } } });
    expect(opportunity).toMatchObject({
      status: 200,
      body: { lead: { pipelineStatus: 'Opportunity', opportunityValue: { amount: 5000, currency: 'EUR' } } },
    });
    expect(opportunity.body.lead.history.at(-1)).toMatchObject({
      type: 'pipeline',
      detail: { closed: true },
    });

    const closed = await patch(partnerKey, path, { pipelineStatus: 'Nurture' });
    expect(closed.status).toBe(409);
    expect(closed.body.error.message).toMatch(/closed/);
    const stored = await leads.getLead(id);
    expect(stored?.pipelineStatus).toBe('Opportunity');
  });

  it('answers a change that changes nothing with the lead as it is, writing nothing', async () => {
    const { id, partnerKey } = await acceptedLead();
    const first = await patch(partnerKey, `/v1/leads/${id}`, { pipelineStatus: 'Contacted' });

    const again = await patch(partnerKey, `/v1/leads/${id}`, { pipelineStatus: 'Contacted' });

    expect(again.status).toBe(200);
    expect(again.body.lead.version).toBe(first.body.lead.version);
    expect((await leads.getLead(id))?.version).toBe(first.body.lead.version);
  });

  it('answers 409 to a pipeline change on a lead that is not accepted', async () => {
    const { key, partners } = await supplierWith('Early');
    const id = await pendingLead(key, 'Early');

    const res = await patch(partners.Early.key, `/v1/leads/${id}`, { pipelineStatus: 'Open' });

    expect(res.status).toBe(409);
    expect(res.body.error.details).toContainEqual({ path: 'distributionStatus', message: 'is Pending' });
  });

  it('answers 400 to a negative opportunity value', async () => {
    const { id, partnerKey } = await acceptedLead();

    const res = await patch(partnerKey, `/v1/leads/${id}`, {
      opportunityValue: { amount: -1, currency: 'EUR' },
    });

    expect(res.status).toBe(400);
    expect(res.body.error.details).toContainEqual(
      expect.objectContaining({ path: 'opportunityValue.amount' }),
    );
    expect((await leads.getLead(id))?.opportunityValue).toBeUndefined();
  });

  it('answers 403 to a supplier key, saying supplier edits are not available yet', async () => {
    const { key, id } = await acceptedLead();

    const res = await patch(key, `/v1/leads/${id}`, { pipelineStatus: 'Open' });

    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/not|yet/i);
  });
});

describe('what a partner learns of other partners', () => {
  const get = (key: string, path: string) => call(apiEvent({ method: 'GET', path, key }));

  it('tells a former partner’s accept, reject and PATCH only that the lead moved on, never its state or its new partner', async () => {
    const { key, partners } = await supplierWith('Former', 'Successor');
    const id = await pendingLead(key, 'Former');
    const moved = await post(key, `/v1/leads/${id}/assign`, { partnerId: partners.Successor.id });
    expect(moved.status).toBe(200);
    expect((await post(partners.Successor.key, `/v1/leads/${id}/accept`)).status).toBe(200);

    const accepted = await post(partners.Former.key, `/v1/leads/${id}/accept`);
    const rejected = await post(partners.Former.key, `/v1/leads/${id}/reject`, { reason: 'Too late' });
    const patched = await patch(partners.Former.key, `/v1/leads/${id}`, { pipelineStatus: 'Open' });
    const read = await get(partners.Former.key, `/v1/leads/${id}`);
    const list = await get(partners.Former.key, '/v1/leads');

    for (const answer of [accepted, rejected]) {
      expect(answer.status).toBe(409);
      expect(answer.body.error.message).toMatch(/moved on/);
    }
    expect(patched.status).toBe(404);
    expect(read.status).toBe(404);
    expect(list.body.items.map((l: { id: string }) => l.id)).not.toContain(id);
    for (const answer of [accepted, rejected, patched, read]) {
      const text = JSON.stringify(answer.body);
      expect(text).not.toContain('Accepted');
      expect(text).not.toContain(partners.Successor.id);
      expect(text).not.toContain('Successor');
    }
  });

  it('shows the partner of a reopened lead its history without the partner who had it before', async () => {
    const { key, partners } = await supplierWith('Alpha', 'Bravo');
    expect((await patch(key, '/v1/settings', { reopenClosedDuplicates: true })).status).toBe(200);
    const pool = await call(
      apiEvent({
        method: 'PUT',
        path: '/v1/routing-rules',
        key,
        body: {
          groups: [
            {
              name: 'Everyone',
              conditions: [{ field: 'email', op: 'exists' }],
              assign: { partnerIds: [partners.Alpha.id, partners.Bravo.id], strategy: 'round-robin' },
            },
          ],
        },
      }),
    );
    expect(pool.status).toBe(200);
    const email = `${crypto.randomUUID()}@example.com`;
    const id = await pendingLead(key, 'Alpha', email);
    expect(
      (await post(partners.Alpha.key, `/v1/leads/${id}/reject`, { reason: 'Alpha says no' })).status,
    ).toBe(200);
    // Alpha paused: the reopened lead's routing skips it, and says so in the supplier's history.
    expect((await patch(key, `/v1/partners/${partners.Alpha.id}`, { paused: true })).status).toBe(200);
    const again = await post(key, '/v1/leads', { email, company: 'Back Again' });
    expect(again.body.lead).toMatchObject({ partnerId: partners.Bravo.id, distributionStatus: 'Pending' });
    const supplierView = JSON.stringify((await get(key, `/v1/leads/${id}`)).body.lead.history);
    expect(supplierView).toContain(partners.Alpha.id);

    const read = await get(partners.Bravo.key, `/v1/leads/${id}`);

    expect(read.status).toBe(200);
    const text = JSON.stringify(read.body.lead);
    expect(text).not.toContain(partners.Alpha.id);
    expect(text).not.toContain('Alpha');
    expect(read.body.lead.history).toContainEqual(
      expect.objectContaining({
        type: 'reopened',
        detail: { partnerId: partners.Bravo.id, partnerName: 'Bravo' },
      }),
    );
  });
});

describe('the partner’s answers in the OpenAPI document', () => {
  it('describes a decision’s lead as PartnerLead, with every field the partner gets and none it never gets', async () => {
    const { key, partners } = await supplierWith('Documented');
    const id = await pendingLead(key, 'Documented');
    const accepted = await post(partners.Documented.key, `/v1/leads/${id}/accept`);
    const doc = (await call(apiEvent({ method: 'GET', path: '/v1/openapi.json' }))).body;

    for (const path of ['/v1/leads/{id}/accept', '/v1/leads/{id}/reject']) {
      expect(doc.paths[path].post.responses['200'].content['application/json'].schema).toMatchObject({
        properties: { lead: { $ref: '#/components/schemas/PartnerLead' } },
      });
    }
    const promised = Object.keys(doc.components.schemas.PartnerLead.properties);
    expect(promised).not.toContain('previousPartnerIds');
    expect(promised).not.toContain('notified');
    expect(Object.keys(accepted.body.lead).filter((field) => !promised.includes(field))).toEqual([]);
  });
});
