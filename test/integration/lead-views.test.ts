import {
  compareLeads,
  type Lead,
  type LeadFilter,
  LeadListQuery,
  leadFilter,
  matchesFilter,
  newId,
  type Page,
  type PageQuery,
  planLeadQuery,
  sharedWithSupplier,
  ValidationError,
} from '@leadrelay/core';
import type { DynamoLeadStore } from '@leadrelay/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryLeadStore } from '../support/memory-leads';
import { testTable } from '../support/store';
import { groupPartners, putViewLeads, viewLeads, viewPartners } from '../support/view-leads';

/**
 * The All Leads view on DynamoDB Local: every filter (and combinations), both sorts,
 * both orders, paged with limits 7 and 50, answers exactly the brute force of core's
 * definition (matchesFilter + compareLeads over the same leads): the same ids in the
 * same order. The in-memory store (the use cases' tests) is held to the same.
 */

const COUNT = 1_500;
const partners = viewPartners();
const groups = groupPartners(partners);

let store: DynamoLeadStore;
let supplierId: string;
let leads: Lead[];
const memory = new MemoryLeadStore();

beforeAll(async () => {
  const table = await testTable('views');
  store = table.leads;
  supplierId = newId();
  leads = viewLeads(supplierId, COUNT, 11, { partnerOwn: true });
  // Another supplier's leads share every partition name but the supplier's: never answered.
  const other = viewLeads(newId(), 200, 12, { partnerOwn: true });
  await putViewLeads(store, [...leads, ...other]);
  await putViewLeads(memory, [...leads, ...other]);
}, 300_000);

type ListQuery = (page: PageQuery) => Promise<Page<Lead>>;

/** Every page (at most `pages`) of a view, and the sizes of its pages. */
async function pagesOf(query: ListQuery, limit: number, pages = Number.POSITIVE_INFINITY) {
  const ids: string[] = [];
  let cursor: string | undefined;
  let n = 0;
  do {
    const page = await query({ limit, ...(cursor ? { cursor } : {}) });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((l) => l.id));
    cursor = page.nextCursor ?? undefined;
    n++;
  } while (cursor && n < pages);
  return { ids, done: cursor === undefined };
}

function bruteForce(filter: LeadFilter): string[] {
  return leads
    .filter((l) => matchesFilter(l, filter))
    .sort(compareLeads(filter))
    .map((l) => l.id);
}

const filterOf = (query: Record<string, string>, scope?: { partnerId: string }) =>
  leadFilter(LeadListQuery.parse(query), groups, scope);

/** Query strings as `GET /v1/leads` takes them: every filter alone, then combinations. */
const CASES: Record<string, string>[] = [
  {},
  { from: '2030-03-01', to: '2030-04-15' },
  { dateField: 'updated', from: '2030-05-01' },
  { assigned: 'assigned' },
  { assigned: 'unassigned' },
  { type: 'registered' },
  { type: 'distributed' },
  { status: 'Rejected' },
  { status: 'Pending,Rerouted' },
  { status: 'Unassigned,Pending,Accepted,Rejected,Rerouted' },
  { emailStatus: 'Failed' },
  { emailStatus: 'Opened,Clicked' },
  { pipelineStatus: 'Opportunity' },
  { partnerId: 'P07' },
  { partnerGroup: 'gold' },
  { partnerGroup: 'silver' },
  { partnerGroup: 'nobody' },
  { source: 'Locator' },
  { source: 'API,Manual' },
  { q: 'muller' },
  { q: 'jose berlin' },
  // combinations
  { status: 'Accepted', partnerId: 'P02' },
  { emailStatus: 'Sent', from: '2030-04-01', to: '2030-05-01' },
  { type: 'distributed', source: 'CSV Upload', status: 'Pending' },
  { partnerGroup: 'region-2', q: 'acme' },
  { assigned: 'assigned', emailStatus: 'NotSent', dateField: 'updated', from: '2030-04-01' },
  { pipelineStatus: 'Opportunity,Nurture', partnerGroup: 'silver', to: '2030-05-15' },
  // channel conflicts and registration (the partners' own leads never in a supplier's view)
  { conflict: 'true' },
  { conflict: 'false', status: 'Accepted' },
  { conflict: 'true', partnerGroup: 'gold', from: '2030-03-01' },
  { registration: 'registered' },
  { type: 'registered', partnerId: 'P01' },
];

/** A partner key's views: its own leads, those the supplier does not see included. */
const PARTNER_CASES: Record<string, string>[] = [
  {},
  { registration: 'unregistered,linked' },
  { type: 'registered', status: 'Accepted' },
  { q: 'muller' },
  // read from its own leads' partitions alone, from the shared ones alone, from both
  { registration: 'linked' },
  { registration: 'registered' },
  { type: 'distributed' },
  { registration: 'registered,unregistered' },
];

describe('the All Leads view on DynamoDB Local', () => {
  it('answers every filter and combination like the brute force, newest and oldest first, by created and updated', async () => {
    for (const query of CASES) {
      // The default order paged to its end (at most 600 leads: 12 pages); the others' first pages.
      for (const [sort, order, limit, pages] of [
        ['created', 'desc', 50, 12],
        ['updated', 'desc', 7, 8],
        ['created', 'asc', 7, 8],
        ['updated', 'asc', 50, 4],
      ] as const) {
        const filter = filterOf({ ...query, sort, order });
        const expected = bruteForce(filter);
        const label = `${JSON.stringify(query)} ${sort} ${order} limit ${limit}`;
        const got = await pagesOf((page) => store.queryLeads(supplierId, filter, page), limit, pages);
        expect(got.ids, label).toEqual(got.done ? expected : expected.slice(0, got.ids.length));
        if (!got.done) expect(got.ids.length, label).toBe(pages * limit);
        const inMemory = await pagesOf((page) => memory.queryLeads(supplierId, filter, page), limit, pages);
        expect(inMemory.ids, `${label} (in memory)`).toEqual(got.ids);
      }
    }
  });

  it('answers a partner key’s views like the brute force, its own unregistered and linked leads included', async () => {
    const own = leads.filter(
      (l) => l.partnerId === 'P01' && l.registration && l.registration.status !== 'registered',
    );
    expect(own.length).toBeGreaterThan(5);
    for (const query of PARTNER_CASES) {
      for (const [sort, order] of [
        ['created', 'desc'],
        ['updated', 'desc'],
        ['created', 'asc'],
      ] as const) {
        const filter = filterOf({ ...query, sort, order }, { partnerId: 'P01' });
        const label = `partner ${JSON.stringify(query)} ${sort} ${order}`;
        const got = await pagesOf((page) => store.queryLeads(supplierId, filter, page), 50);
        expect(got.ids, label).toEqual(bruteForce(filter));
        const inMemory = await pagesOf((page) => memory.queryLeads(supplierId, filter, page), 50);
        expect(inMemory.ids, `${label} (in memory)`).toEqual(got.ids);
      }
    }
    const all = await pagesOf(
      (page) => store.queryLeads(supplierId, filterOf({}, { partnerId: 'P01' }), page),
      500,
    );
    expect(all.ids).toEqual(expect.arrayContaining(own.map((l) => l.id)));
    // And a supplier's view of that partner has none of them.
    const supplier = await pagesOf(
      (page) => store.queryLeads(supplierId, filterOf({ partnerId: 'P01' }), page),
      500,
    );
    expect(supplier.ids.filter((id) => own.some((l) => l.id === id))).toEqual([]);
  });

  it('has a case where each index drives, and pages a filter of many leads fully with limit 7', async () => {
    const drivers = new Set(CASES.map((q) => planLeadQuery(filterOf(q)).driver.index));
    drivers.add(planLeadQuery(filterOf({ sort: 'updated' })).driver.index);
    expect([...drivers].sort()).toEqual(
      [
        'byConflict',
        'byCreated',
        'byEmail',
        'byPartner',
        'byPipeline',
        'bySource',
        'byStatus',
        'byUpdated',
        'none',
      ].sort(),
    );
    const filter = filterOf({ emailStatus: 'Opened,Clicked' });
    const got = await pagesOf((page) => store.queryLeads(supplierId, filter, page), 7);
    expect(got.ids).toEqual(bruteForce(filter));
    expect(got.ids.length).toBeGreaterThan(300);
  });

  it('neither skips nor repeats a lead while new leads are inserted between pages', async () => {
    const own = newId();
    const before = viewLeads(own, 300, 21);
    await putViewLeads(store, before);
    const filter = filterOf({ status: 'Pending,Accepted' });
    const expected = before
      .filter((l) => matchesFilter(l, filter))
      .sort(compareLeads(filter))
      .map((l) => l.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    let round = 0;
    do {
      const page = await store.queryLeads(own, filter, { limit: 20, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((l) => l.id));
      cursor = page.nextCursor ?? undefined;
      // New leads arrive while the supplier pages: created now, newer than any position.
      const fresh = viewLeads(own, 15, 100 + round++).map((l) => ({
        ...l,
        createdAt: new Date(Date.parse('2031-01-01T00:00:00.000Z') + round * 1000).toISOString(),
        updatedAt: '2031-01-01T00:00:00.000Z',
        distributionStatus: 'Pending' as const,
      }));
      await putViewLeads(store, fresh);
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expected);
  });

  it('follows a lead’s changes: a replace moves it between status partitions, a merge moves it in byUpdated', async () => {
    const own = newId();
    const [first, second] = viewLeads(own, 2, 31).map((l) => ({
      ...l,
      distributionStatus: 'Pending' as const,
      createdAt: '2030-01-01T00:00:00.000Z',
      updatedAt: '2030-01-01T00:00:00.000Z',
    }));
    if (!first || !second) throw new Error('two leads');
    await putViewLeads(store, [first, second]);
    const ids = async (query: Record<string, string>) =>
      (await store.queryLeads(own, filterOf(query), { limit: 10 })).items.map((l) => l.id);
    expect((await ids({ status: 'Pending' })).sort()).toEqual([first.id, second.id].sort());

    const accepted = { ...first, distributionStatus: 'Accepted' as const, version: first.version + 1 };
    expect(await store.replaceLead(first, accepted, [])).toBe('ok');
    expect(await ids({ status: 'Pending' })).toEqual([second.id]);
    expect(await ids({ status: 'Accepted' })).toEqual([first.id]);

    const at = '2030-02-01T00:00:00.000Z';
    await store.mergeLeadFields(second.id, {
      fields: { title: 'CTO' },
      customFields: {},
      history: { at, type: 'updated', actor: 'supplier', detail: {} },
      updatedAt: at,
    });
    expect(await ids({ sort: 'updated' })).toEqual([second.id, first.id]);
    expect(await ids({ dateField: 'updated', from: '2030-01-15' })).toEqual([second.id]);
  });

  it('keeps tenants apart: another supplier’s leads never show, a partner sees its own, a cursor is bound to supplier and filter', async () => {
    const all = await pagesOf((page) => store.queryLeads(supplierId, filterOf({}), page), 500);
    // Every lead the supplier sees, and none of the partners' own (unregistered, linked).
    const seen = leads.filter((l) => sharedWithSupplier(l));
    expect(seen.length).toBeLessThan(leads.length);
    expect(all.ids.sort()).toEqual(seen.map((l) => l.id).sort());

    const byId = new Map(leads.map((l) => [l.id, l]));
    const scoped = filterOf({ status: 'Accepted' }, { partnerId: 'P03' });
    const own = await pagesOf((page) => store.queryLeads(supplierId, scoped, page), 50);
    expect(own.ids.length).toBeGreaterThan(0);
    expect(own.ids.every((id) => byId.get(id)?.partnerId === 'P03')).toBe(true);
    // A partner asking for another partner's leads gets none.
    const other = filterOf({ partnerId: 'P04' }, { partnerId: 'P03' });
    expect((await store.queryLeads(supplierId, other, { limit: 50 })).items).toEqual([]);

    const filter = filterOf({ emailStatus: 'Sent' });
    const first = await store.queryLeads(supplierId, filter, { limit: 5 });
    const cursor = first.nextCursor ?? '';
    expect(cursor).not.toBe('');
    expect(cursor.length).toBeLessThan(2048);
    for (const reuse of [
      () => store.queryLeads(newId(), filter, { limit: 5, cursor }),
      () => store.queryLeads(supplierId, filterOf({ emailStatus: 'Opened' }), { limit: 5, cursor }),
      () =>
        store.queryLeads(supplierId, filterOf({ emailStatus: 'Sent', order: 'asc' }), { limit: 5, cursor }),
      () => store.queryLeads(supplierId, filter, { limit: 5, cursor: 'not-a-cursor' }),
    ]) {
      await expect(reuse()).rejects.toBeInstanceOf(ValidationError);
    }
    const inMemory = (await memory.queryLeads(supplierId, filter, { limit: 5 })).nextCursor ?? '';
    await expect(
      memory.queryLeads(supplierId, filterOf({ emailStatus: 'Opened' }), { limit: 5, cursor: inMemory }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(memory.queryLeads(newId(), filter, { limit: 5, cursor: inMemory })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});
