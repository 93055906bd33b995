import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  compareLeads,
  indexLeadText,
  type Lead,
  type LeadFilter,
  leadGrams,
  matchesFilter,
  newId,
  queryKeywords,
  reindexSupplier,
  ValidationError,
} from '@leadrelay/core';
import { DynamoSearchStore, Entity, Keys, tokenWords } from '@leadrelay/store';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchIndexer } from '../../functions/aggregate/search';
import { type StreamPoller, startStreamPoller } from '../../packages/local/src/stream-poller';
import { localCredentials, localRegion } from '../support/dynamodb-local';
import { testLead } from '../support/leads';
import { seededRandom } from '../support/random';
import { testTable } from '../support/store';
import { waitFor } from '../support/wait';

/**
 * The token index on DynamoDB Local, from the table's real stream: leads written and
 * changed through the lead store, every Lead record the stream carried replayed into
 * the indexer (in order, again, shuffled), and searches compared with the brute
 * force (core matchesFilter + compareLeads over every lead).
 */

const FIRST = ['José', 'Jose', 'Zoë', 'Søren', 'Ada', 'Grace', 'Alan', 'Jo', 'Björn', 'Łukasz'];
const LAST = ['Müller', 'Mueller', 'Straße', 'Lovelace', 'Lovell', 'Hopper', 'Turing', 'Ødegaard', 'García'];
const COMPANY = ['Acme GmbH', 'Analytical Engines', 'Initech', 'Globex Corp', 'Umbrella'];
const TITLE = ['IT Director', 'CTO', 'Head of Procurement', 'Network Manager'];
const CITY = ['Zürich', 'München', 'Malmö', 'São Paulo', 'Kraków'];

let table: Awaited<ReturnType<typeof testTable>>;
let search: DynamoSearchStore;
let poller: StreamPoller;
let dir: string;
const records: DynamoDBRecord[] = [];
const SUPPLIER = 'S-search';
const OTHER = 'S-other';

function generated(i: number, supplierId: string, random: () => number): Lead {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const created = new Date(Date.UTC(2030, 0, 1) + i * 3_600_000).toISOString();
  const first = pick(FIRST);
  const last = pick(LAST);
  return testLead({
    id: newId(Date.UTC(2030, 0, 1) + i * 3_600_000),
    supplierId,
    email: `${first}.${last}.${i}@example.com`
      .normalize('NFKD')
      .replace(/[^\x20-\x7e]/g, '')
      .toLowerCase(),
    firstName: first,
    lastName: last,
    company: pick(COMPANY),
    title: pick(TITLE),
    city: pick(CITY),
    phone: `+49 30 ${String(1_000_000 + i)}`,
    customFields: { region: pick(['EMEA', 'AMER']), budget: 1000 * (1 + (i % 7)) },
    distributionStatus: pick(['Pending', 'Accepted', 'Rejected'] as const),
    createdAt: created,
    updatedAt: created,
    distributionStatusChangedAt: created,
    version: 1,
  });
}

/** Every lead as the table holds it now (the brute force's universe). */
async function allLeads(): Promise<Lead[]> {
  const ids: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await table.db.send(
      new ScanCommand({
        TableName: table.tableName,
        FilterExpression: 'entity = :e',
        ExpressionAttributeValues: { ':e': Entity.lead },
        ProjectionExpression: 'id',
        ExclusiveStartKey: start,
      }),
    );
    ids.push(...(page.Items ?? []).map((i) => String(i.id)));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return [...(await table.leads.getLeads(ids)).values()];
}

/** Every token item, as `PK|SK|words` (a test's view of the whole index; the product never scans). */
async function tokenItems(): Promise<string[]> {
  const found: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await table.db.send(
      new ScanCommand({
        TableName: table.tableName,
        FilterExpression: 'entity = :e',
        ExpressionAttributeValues: { ':e': Entity.leadToken },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) found.push(`${item.PK}|${item.SK}|${item.words}`);
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return found.sort();
}

/** What the token items must be: every lead's grams as it is now. */
function expectedTokens(leads: readonly Lead[]): string[] {
  return leads
    .flatMap((lead) =>
      [...leadGrams(lead)].map(([gram, words]) => {
        const key = Keys.leadToken(lead.supplierId, gram, lead.createdAt, lead.id);
        return `${key.PK}|${key.SK}|${tokenWords(words)}`;
      }),
    )
    .sort();
}

/** Deletes every token item and token state (a fresh index for a replay). */
async function clearIndex(): Promise<void> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await table.db.send(
      new ScanCommand({
        TableName: table.tableName,
        FilterExpression: 'entity IN (:t, :s)',
        ExpressionAttributeValues: { ':t': Entity.leadToken, ':s': Entity.leadTokens },
        ProjectionExpression: 'PK, SK',
        ExclusiveStartKey: start,
      }),
    );
    const keys = page.Items ?? [];
    for (let i = 0; i < keys.length; i += 25) {
      await table.db.send(
        new BatchWriteCommand({
          RequestItems: {
            [table.tableName]: keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } })),
          },
        }),
      );
    }
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
}

/** Replays records in batches of `size` through the function the aggregate consumer calls. */
async function replay(list: readonly DynamoDBRecord[], size = 100): Promise<void> {
  const index = searchIndexer(search);
  for (let i = 0; i < list.length; i += size) {
    const { batchItemFailures, errors } = await index(list.slice(i, i + size));
    expect(errors).toEqual([]);
    expect(batchItemFailures).toEqual([]);
  }
}

function shuffled<T>(list: readonly T[], random: () => number): T[] {
  const copy = [...list];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

const filterOf = (q: string, extra: Partial<LeadFilter> = {}): LeadFilter => ({
  dateField: 'created',
  sort: 'created',
  order: 'desc',
  keywords: queryKeywords(q),
  ...extra,
});

/** Every page of a search, with `limit`. */
async function searchAll(supplierId: string, filter: LeadFilter, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await search.searchLeads(supplierId, filter, { limit, ...(cursor && { cursor }) });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((l) => l.id));
    if (page.nextCursor === null) return ids;
    cursor = page.nextCursor;
  }
  throw new Error('too many pages');
}

function bruteForce(leads: readonly Lead[], supplierId: string, filter: LeadFilter): string[] {
  return leads
    .filter((l) => l.supplierId === supplierId && matchesFilter(l, filter))
    .sort(compareLeads(filter))
    .map((l) => l.id);
}

async function change(id: string, edit: (lead: Lead) => Partial<Lead>): Promise<void> {
  const previous = await table.leads.getLead(id);
  if (!previous) throw new Error(`no lead ${id}`);
  const at = new Date(Date.parse(previous.updatedAt) + 60_000).toISOString();
  const next = { ...previous, ...edit(previous), updatedAt: at, version: previous.version + 1 };
  expect(await table.leads.replaceLead(previous, next, [])).toBe('ok');
}

let universe: Lead[];
let renamed: Lead;

beforeAll(async () => {
  table = await testTable('search', { stream: true });
  search = new DynamoSearchStore(table.db, table.tableName);
  dir = await mkdtemp(join(tmpdir(), 'search-stream-'));
  poller = startStreamPoller({
    endpoint: table.endpoint,
    region: localRegion,
    credentials: localCredentials,
    tableName: table.tableName,
    dataDir: dir,
    pollIntervalMs: 50,
    consumers: [
      {
        name: 'recorder',
        filter: (r) => r.dynamodb?.NewImage?.entity?.S === Entity.lead,
        invoke: async (event) => {
          records.push(...event.Records);
        },
      },
    ],
  });
  const random = seededRandom(11);
  const mine = Array.from({ length: 240 }, (_, i) => generated(i, SUPPLIER, random));
  const theirs = Array.from({ length: 40 }, (_, i) => generated(i, OTHER, random));
  for (const batch of [mine, theirs]) {
    for (let i = 0; i < batch.length; i += 25) {
      expect(await table.leads.putNewLeads(batch.slice(i, i + 25), [])).toEqual({ ok: true });
    }
  }
  // Status changes (no text change), text changes, a merge, a lead renamed twice.
  for (const lead of mine.slice(0, 60)) await change(lead.id, () => ({ distributionStatus: 'Accepted' }));
  for (const lead of mine.slice(30, 50)) await change(lead.id, (l) => ({ company: `${l.company} Holding` }));
  const first = mine[0] as Lead;
  await change(first.id, () => ({ firstName: 'Quentin', lastName: 'Zyxwv' }));
  await change(first.id, () => ({ distributionStatus: 'Rejected' }));
  await change(first.id, () => ({ firstName: 'Quirinus', lastName: 'Xylophon' }));
  await table.leads.mergeLeadFields((mine[1] as Lead).id, {
    fields: { title: 'Chief Ørnithologist' },
    customFields: { hobby: 'Façade restoration' },
    updatedAt: '2031-01-01T00:00:00.000Z',
    history: { at: '2031-01-01T00:00:00.000Z', type: 'updated', actor: 'supplier', detail: {} },
  });
  const changes = 60 + 20 + 3 + 1;
  await waitFor(() => records.length >= mine.length + theirs.length + changes, 'every lead record', 60_000);
  universe = await allLeads();
  renamed = universe.find((l) => l.id === first.id) as Lead;
  await replay(records);
});

afterAll(async () => {
  await poller?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the token index, from the stream', () => {
  it('holds exactly the grams of every lead’s newest text', async () => {
    expect(await tokenItems()).toEqual(expectedTokens(universe));
  });

  it('stays exactly that when the whole stream is replayed again, twice, and shuffled onto a fresh index', async () => {
    const expected = expectedTokens(universe);
    await replay(records);
    await replay(records, 7);
    expect(await tokenItems()).toEqual(expected);
    const random = seededRandom(5);
    await clearIndex();
    await replay(shuffled(records, random), 13);
    await replay(shuffled(records, random), 100);
    expect(await tokenItems()).toEqual(expected);
  });

  it('is rebuilt from the leads themselves (the backfill), also over an index already there', async () => {
    const expected = expectedTokens(universe);
    await clearIndex();
    const first = await reindexSupplier(table.leads, search, SUPPLIER, 37);
    expect(first).toEqual({ leads: 240, applied: 240 });
    expect(await reindexSupplier(table.leads, search, OTHER)).toEqual({ leads: 40, applied: 40 });
    expect(await tokenItems()).toEqual(expected);
    expect(await reindexSupplier(table.leads, search, SUPPLIER)).toEqual({ leads: 240, applied: 0 });
    expect(await tokenItems()).toEqual(expected);
  });

  it('reads and writes nothing for a record whose text did not change', async () => {
    const status = records.find((r) => {
      const o = r.dynamodb?.OldImage;
      const n = r.dynamodb?.NewImage;
      return o && n && o.distributionStatus?.S !== n.distributionStatus?.S && o.company?.S === n.company?.S;
    });
    expect(status).toBeDefined();
    const calls: string[] = [];
    const counting = new Proxy(search, {
      get: (target, name, receiver) => {
        const value = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(String(name));
          return value.apply(target, args);
        };
      },
    });
    await searchIndexer(counting)([status as DynamoDBRecord]);
    expect(calls).toEqual([]);
  });

  it('converges when two versions of one lead are applied at once (the lost race repairs itself)', async () => {
    const lead = universe.find((l) => l.supplierId === SUPPLIER && l.id !== renamed.id) as Lead;
    for (let round = 0; round < 3; round++) {
      const current = (await table.leads.getLead(lead.id)) as Lead;
      const older = { ...current, lastName: `Older${round}`, version: current.version + 1 };
      const newer = { ...current, lastName: `Newest${round}`, version: current.version + 2 };
      // The table holds the newest version, as it would when both records are in flight.
      expect(await table.leads.replaceLead(current, { ...current, version: current.version + 1 }, [])).toBe(
        'ok',
      );
      const middle = (await table.leads.getLead(lead.id)) as Lead;
      expect(await table.leads.replaceLead(middle, newer, [])).toBe('ok');
      const results = await Promise.all([
        indexLeadText(search, { old: current, lead: older }),
        indexLeadText(search, { old: current, lead: newer }),
        indexLeadText(search, { old: current, lead: older }),
      ]);
      expect(results).toContain('applied');
      const now = (await table.leads.getLead(lead.id)) as Lead;
      const mine = (await tokenItems()).filter((t) => t.includes(`#${lead.id}|`));
      expect(mine).toEqual(expectedTokens([now]));
    }
    universe = await allLeads();
  });
});

describe('searchLeads', () => {
  it('finds by prefix and by whole word, ignoring case and accents', async () => {
    const ids = (q: string) => searchAll(SUPPLIER, filterOf(q), 50);
    const jose = await ids('jose');
    expect(jose.length).toBeGreaterThan(0);
    expect(jose).toEqual(bruteForce(universe, SUPPLIER, filterOf('jose')));
    expect(await ids('JOSÉ')).toEqual(jose);
    expect(await ids('müller')).toEqual(await ids('MULLER'));
    expect(await ids('strasse')).toEqual(bruteForce(universe, SUPPLIER, filterOf('straße')));
    expect((await ids('strasse')).length).toBeGreaterThan(0);
    expect(await ids('odegaard')).toEqual(bruteForce(universe, SUPPLIER, filterOf('Ødegaard')));
    // Prefixes of 4-5 characters (the 3-gram partition, post-filtered) and of 7+ (the 6-gram one).
    for (const q of [
      'lovel',
      'love',
      'lovelace',
      'lovell',
      'analyt',
      'analytical',
      'zuri',
      'ornith',
      'facade',
    ]) {
      const found = await ids(q);
      expect(found, q).toEqual(bruteForce(universe, SUPPLIER, filterOf(q)));
      expect(found.length, q).toBeGreaterThan(0);
    }
    // A whole word of 1-2 characters: "IT Director", "Jo"; not a prefix.
    expect(await ids('it')).toEqual(bruteForce(universe, SUPPLIER, filterOf('it')));
    expect((await ids('it')).length).toBeGreaterThan(0);
    expect(await ids('jo')).toEqual(bruteForce(universe, SUPPLIER, filterOf('jo')));
    expect(await ids('ze')).toEqual([]);
    // Phone digits, joined.
    const phone = universe.find((l) => l.supplierId === SUPPLIER)?.phone as string;
    expect(await ids(phone.replace(/\D/g, '').slice(2))).toEqual(
      bruteForce(universe, SUPPLIER, filterOf(phone)),
    );
  });

  it('ANDs keywords, and pages with a cursor (limit 1, 3, 7, 50), identical to the brute force', async () => {
    const queries = [
      'jose acme',
      'lov it',
      'müller zürich emea',
      'grace director',
      'ada',
      'example',
      'holding',
    ];
    for (const q of queries) {
      const expected = bruteForce(universe, SUPPLIER, filterOf(q));
      expect(expected.length, q).toBeGreaterThan(0);
      for (const limit of [1, 3, 7, 50])
        expect(await searchAll(SUPPLIER, filterOf(q), limit), q).toEqual(expected);
    }
  });

  it('applies every other filter to the fetched leads, both orders, created ranges, sort by updated', async () => {
    const filters: LeadFilter[] = [
      filterOf('example', { statuses: ['Accepted'] }),
      filterOf('example', { order: 'asc' }),
      filterOf('lov', { from: '2030-01-03T00:00:00.000Z', to: '2030-01-06T23:59:59.999Z' }),
      filterOf('lov', { order: 'asc', from: '2030-01-05T00:00:00.000Z' }),
      filterOf('ada', { dateField: 'updated', from: '2030-01-02T00:00:00.000Z' }),
      filterOf('jose', { sort: 'updated' }),
      filterOf('jose', { sort: 'updated', order: 'asc', statuses: ['Accepted', 'Rejected'] }),
      filterOf('example', { types: ['registered'] }),
    ];
    for (const filter of filters) {
      const expected = bruteForce(universe, SUPPLIER, filter);
      for (const limit of [4, 50])
        expect(await searchAll(SUPPLIER, filter, limit), JSON.stringify(filter)).toEqual(expected);
    }
  });

  it('finds a renamed lead by its new name only', async () => {
    expect(await searchAll(SUPPLIER, filterOf('xylophon'), 50)).toEqual([renamed.id]);
    expect(await searchAll(SUPPLIER, filterOf('quirinus'), 50)).toEqual([renamed.id]);
    expect(await searchAll(SUPPLIER, filterOf('zyxwv'), 50)).toEqual([]);
    expect(await searchAll(SUPPLIER, filterOf('quentin'), 50)).toEqual([]);
  });

  it('keeps to the supplier: another supplier’s leads never appear, its cursor and another filter’s are a 400', async () => {
    const mine = await searchAll(SUPPLIER, filterOf('example'), 50);
    const theirs = await searchAll(OTHER, filterOf('example'), 50);
    expect(theirs.length).toBe(40);
    expect(mine.filter((id) => theirs.includes(id))).toEqual([]);
    const page = await search.searchLeads(SUPPLIER, filterOf('example'), { limit: 5 });
    const cursor = page.nextCursor as string;
    await expect(search.searchLeads(OTHER, filterOf('example'), { limit: 5, cursor })).rejects.toThrow(
      ValidationError,
    );
    await expect(search.searchLeads(SUPPLIER, filterOf('exam'), { limit: 5, cursor })).rejects.toThrow(
      ValidationError,
    );
    await expect(
      search.searchLeads(SUPPLIER, filterOf('example'), { limit: 5, cursor: 'bm9wZQ' }),
    ).rejects.toThrow(ValidationError);
  });

  it('misses no lead and repeats none while leads are inserted between pages', async () => {
    const filter = filterOf('example');
    const before = bruteForce(universe, SUPPLIER, filter);
    const random = seededRandom(99);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let n = 0; ; n++) {
      const page = await search.searchLeads(SUPPLIER, filter, { limit: 9, ...(cursor && { cursor }) });
      seen.push(...page.items.map((l) => l.id));
      // A newer lead (created after every one), indexed before the next page.
      const fresh = generated(10_000 + n, SUPPLIER, random);
      expect(await table.leads.putNewLeads([fresh], [])).toEqual({ ok: true });
      await indexLeadText(search, { lead: fresh });
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(before);
  });
});

describe('a removed lead', () => {
  it('loses its token items, and no replay of an older record brings them back', async () => {
    const lead = generated(20_000, SUPPLIER, seededRandom(3));
    expect(await table.leads.putNewLeads([lead], [])).toEqual({ ok: true });
    expect(await indexLeadText(search, { lead })).toBe('applied');
    expect((await tokenItems()).filter((t) => t.includes(`#${lead.id}|`))).toEqual(expectedTokens([lead]));
    await table.db.send(
      new BatchWriteCommand({
        RequestItems: { [table.tableName]: [{ DeleteRequest: { Key: Keys.lead(lead.id) } }] },
      }),
    );
    expect(await indexLeadText(search, { old: lead })).toBe('applied');
    expect(await indexLeadText(search, { lead })).toBe('stale');
    expect(await indexLeadText(search, { old: lead })).toBe('stale');
    expect((await tokenItems()).filter((t) => t.includes(`#${lead.id}|`))).toEqual([]);
  });
});

describe('a partner’s own lead', () => {
  it('has no token items until it is registered, then those of its text', async () => {
    const base = generated(20_001, SUPPLIER, seededRandom(4));
    const own = {
      ...base,
      type: 'registered' as const,
      source: 'API' as const,
      registration: { status: 'unregistered' as const },
    };
    expect(await table.leads.putNewLeads([own], [])).toEqual({ ok: true });
    expect(await indexLeadText(search, { lead: own })).toBe('ignored');
    const linked = { ...own, registration: { status: 'linked' as const, linkedLeadId: 'L-x' }, version: 2 };
    expect(await indexLeadText(search, { old: own, lead: linked })).toBe('ignored');
    expect((await tokenItems()).filter((t) => t.includes(`#${own.id}|`))).toEqual([]);

    // Registered with the same text: the words did not change, the supplier's view of them did.
    const registered = {
      ...own,
      source: 'Partner Registered' as const,
      registration: { status: 'registered' as const, by: 'hand' as const },
      version: 2,
    };
    expect(await indexLeadText(search, { old: own, lead: registered })).toBe('applied');
    expect((await tokenItems()).filter((t) => t.includes(`#${own.id}|`))).toEqual(
      expectedTokens([registered]),
    );
  });
});
