import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type Lead, type LoadChange, leadIdFor, newId, ValidationError } from '@leadrelay/core';
import { createDocumentClient, DynamoLeadStore, LEAD_SHARDS, leadShard } from '@leadrelay/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { localCredentials, localRegion } from '../support/dynamodb-local';
import { testTable } from '../support/store';

let store: DynamoLeadStore;
let endpoint: string;
let tableName: string;

beforeAll(async () => {
  const table = await testTable('leads');
  ({ endpoint, tableName } = table);
  store = new DynamoLeadStore(table.db, tableName);
});

/**
 * A store whose first `conflicts` transactions are cancelled with TransactionConflict
 * before they reach DynamoDB Local (which serialises transactions, so never reports
 * one itself). Counts the transaction attempts.
 */
function conflictingStore(conflicts: number) {
  const db = createDocumentClient({ endpoint, region: localRegion, credentials: localCredentials });
  const attempts = { count: 0 };
  db.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { TransactItems?: unknown[] };
      if (input.TransactItems && ++attempts.count <= conflicts) {
        throw new TransactionCanceledException({
          message: 'Transaction cancelled, please refer cancellation reasons for specific reasons',
          $metadata: {},
          CancellationReasons: input.TransactItems.map((_, i) => ({
            Code: i === 0 ? 'TransactionConflict' : 'None',
          })),
        });
      }
      return next(args);
    },
    { step: 'initialize', name: 'injectTransactionConflicts' },
  );
  return { store: new DynamoLeadStore(db, tableName), attempts };
}

const BASE = Date.parse('2025-03-01T09:00:00.000Z');
const at = (seconds: number) => new Date(BASE + seconds * 1000).toISOString();

/** A valid stored Lead; every required field set, id derived the way core derives it. */
function aLead(supplierId: string, email: string, overrides: Partial<Lead> = {}): Lead {
  const createdAt = overrides.createdAt ?? at(0);
  return {
    id: leadIdFor(supplierId, email),
    supplierId,
    type: 'distributed',
    email,
    firstName: 'Ada',
    company: 'Example Ltd',
    score: 50,
    source: 'API',
    customFields: { industry: 'Energy', seats: 12, trial: true, note: null },
    partnerId: null,
    partnerName: null,
    distributionStatus: 'Unassigned',
    emailStatus: 'NotSent',
    rerouteCount: 0,
    assignmentVersion: 0,
    previousPartnerIds: [],
    displayEmail: email,
    createdAt,
    updatedAt: createdAt,
    distributionStatusChangedAt: createdAt,
    history: [{ at: createdAt, type: 'created', actor: 'supplier', detail: { source: 'API' } }],
    version: 1,
    ...overrides,
  };
}

const pendingWith = (partnerId: string): Partial<Lead> => ({
  partnerId,
  partnerName: `Partner ${partnerId}`,
  distributionStatus: 'Pending',
  assignmentVersion: 1,
});

const load = (partnerId: string, delta: number, capacity: number | null = null): LoadChange => ({
  partnerId,
  delta,
  capacity,
});

async function loadOf(supplierId: string, partnerId: string): Promise<number | undefined> {
  return (await store.partnerLoads(supplierId, [partnerId])).get(partnerId);
}

/** `count` leads of one supplier, `email-<i>@<domain>`, created a second apart in index order. */
function manyLeads(supplierId: string, count: number, domain = 'example.com', overrides: Partial<Lead> = {}) {
  return Array.from({ length: count }, (_, i) =>
    aLead(supplierId, `email-${i}@${domain}`, { createdAt: at(i), ...overrides }),
  );
}

async function putAll(leads: readonly Lead[], size = 50): Promise<void> {
  for (let i = 0; i < leads.length; i += size) {
    expect(await store.putNewLeads(leads.slice(i, i + size), [])).toEqual({ ok: true });
  }
}

describe('lead store on DynamoDB Local: new leads', () => {
  it('writes leads and their load change together and reads them back unchanged', async () => {
    const supplierId = newId();
    const a = aLead(supplierId, 'a@example.com', pendingWith('P1'));
    const b = aLead(supplierId, 'b@example.com', { ...pendingWith('P1'), title: 'CTO', score: 80 });

    const result = await store.putNewLeads([a, b], [load('P1', 2)]);

    expect(result).toEqual({ ok: true });
    expect(await store.getLead(a.id)).toEqual(a);
    expect(await store.getLead(b.id)).toEqual(b);
    expect(await loadOf(supplierId, 'P1')).toBe(2);
  });

  it('writes nothing of a call when one of its leads already exists', async () => {
    const supplierId = newId();
    const existing = aLead(supplierId, 'old@example.com', pendingWith('P1'));
    await store.putNewLeads([existing], [load('P1', 1)]);
    const fresh = aLead(supplierId, 'new@example.com', pendingWith('P1'));

    const result = await store.putNewLeads([fresh, { ...existing, firstName: 'Changed' }], [load('P1', 2)]);

    expect(result).toEqual({ ok: false, existingLeadIds: [existing.id], overCapacityPartnerIds: [] });
    expect(await store.getLead(fresh.id)).toBeUndefined();
    expect(await store.getLead(existing.id)).toEqual(existing);
    expect(await loadOf(supplierId, 'P1')).toBe(1);
  });

  it('refuses a load change that would pass the capacity and writes nothing of that call', async () => {
    const supplierId = newId();
    expect(await store.putNewLeads(manyLeads(supplierId, 4, 'four.com'), [load('P1', 4)])).toEqual({
      ok: true,
    });
    const [c, d] = manyLeads(supplierId, 2, 'more.com', pendingWith('P1')) as [Lead, Lead];

    const refused = await store.putNewLeads([c, d], [load('P1', 2, 5)]);

    expect(refused).toEqual({ ok: false, existingLeadIds: [], overCapacityPartnerIds: ['P1'] });
    expect(await store.getLead(c.id)).toBeUndefined();
    expect(await loadOf(supplierId, 'P1')).toBe(4);

    expect(await store.putNewLeads([c], [load('P1', 1, 5)])).toEqual({ ok: true });
    expect(await store.getLead(c.id)).toEqual(c);
    expect(await loadOf(supplierId, 'P1')).toBe(5);
  });

  it('checks the capacity of a partner that has no load item yet and reports every failing part', async () => {
    const supplierId = newId();
    const existing = aLead(supplierId, 'here@example.com');
    await store.putNewLeads([existing], []);
    const fresh = aLead(supplierId, 'fresh@example.com');

    const refused = await store.putNewLeads([existing, fresh], [load('P2', 3, 2), load('P3', 1, 5)]);

    expect(refused).toEqual({ ok: false, existingLeadIds: [existing.id], overCapacityPartnerIds: ['P2'] });
    expect(await store.partnerLoads(supplierId, ['P2', 'P3'])).toEqual(
      new Map([
        ['P2', 0],
        ['P3', 0],
      ]),
    );
    expect(await store.putNewLeads([fresh], [load('P2', 2, 2), load('P3', 1, 5)])).toEqual({ ok: true });
    expect(await store.partnerLoads(supplierId, ['P2', 'P3', 'P4'])).toEqual(
      new Map([
        ['P2', 2],
        ['P3', 1],
        ['P4', 0],
      ]),
    );
  });

  it('refuses a call of more than 100 items (a lead each, and load changes) before writing', async () => {
    const supplierId = newId();
    const leads = manyLeads(supplierId, 100, 'big.com');

    await expect(store.putNewLeads(leads, [load('P1', 50)])).rejects.toThrow(/at most 100/);
    expect(await store.getLead(leads[0]?.id ?? '')).toBeUndefined();
    expect(await store.putNewLeads(leads, [])).toEqual({ ok: true });
    expect((await store.getLeads(leads.map((l) => l.id))).size).toBe(100);
  });

  it('lets exactly one of 200 racing puts of the same lead win', async () => {
    const supplierId = newId();
    const lead = aLead(supplierId, 'race@example.com');

    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => store.putNewLeads([{ ...lead, score: i % 101 }], [])),
    );

    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual(
      Array.from({ length: 199 }, () => ({
        ok: false,
        existingLeadIds: [lead.id],
        overCapacityPartnerIds: [],
      })),
    );
    const winner = results.findIndex((r) => r.ok);
    expect((await store.getLead(lead.id))?.score).toBe(winner % 101);
  });

  it('never books a partner past its capacity under 50 racing leads', async () => {
    const supplierId = newId();
    const leads = manyLeads(supplierId, 50, 'busy.com', pendingWith('P1'));

    const results = await Promise.all(leads.map((lead) => store.putNewLeads([lead], [load('P1', 1, 20)])));

    expect(results.filter((r) => r.ok)).toHaveLength(20);
    expect(results.filter((r) => !r.ok)).toEqual(
      Array.from({ length: 30 }, () => ({ ok: false, existingLeadIds: [], overCapacityPartnerIds: ['P1'] })),
    );
    expect(await loadOf(supplierId, 'P1')).toBe(20);
    const written = await store.getLeads(leads.map((l) => l.id));
    expect([...written.keys()].sort()).toEqual(
      leads
        .filter((_, i) => results[i]?.ok)
        .map((l) => l.id)
        .sort(),
    );
  });
});

describe('lead store on DynamoDB Local: transaction conflicts', () => {
  it('retries a transaction cancelled by conflicts until it goes through', async () => {
    const { store: retrying, attempts } = conflictingStore(4);
    const supplierId = newId();
    const lead = aLead(supplierId, 'conflict@example.com', pendingWith('P1'));

    expect(await retrying.putNewLeads([lead], [load('P1', 1, 5)])).toEqual({ ok: true });

    expect(attempts.count).toBe(5);
    expect(await store.getLead(lead.id)).toEqual(lead);
    expect(await loadOf(supplierId, 'P1')).toBe(1);
  });

  it('gives up after 10 attempts and throws the cancellation', async () => {
    const { store: retrying, attempts } = conflictingStore(Number.POSITIVE_INFINITY);
    const supplierId = newId();
    const lead = aLead(supplierId, 'stuck@example.com', pendingWith('P1'));

    await expect(retrying.putNewLeads([lead], [load('P1', 1)])).rejects.toBeInstanceOf(
      TransactionCanceledException,
    );

    expect(attempts.count).toBe(10);
    expect(await store.getLead(lead.id)).toBeUndefined();
  });
});

describe('lead store on DynamoDB Local: replacing a lead', () => {
  it('refuses a stale version and writes nothing', async () => {
    const supplierId = newId();
    const lead = aLead(supplierId, 'stale@example.com', pendingWith('P1'));
    await store.putNewLeads([lead], [load('P1', 1)]);
    const current = { ...lead, score: 70, version: 2 };
    expect(await store.replaceLead(lead, current, [])).toBe('ok');

    const fromStaleRead = { ...lead, distributionStatus: 'Accepted' as const, version: 2 };
    expect(await store.replaceLead(lead, fromStaleRead, [load('P1', -1)])).toBe('stale');
    expect(await store.replaceLead(lead, fromStaleRead, [])).toBe('stale');

    expect(await store.getLead(lead.id)).toEqual(current);
    expect(await loadOf(supplierId, 'P1')).toBe(1);
  });

  it('stores exactly the next lead the caller made and moves the load with it', async () => {
    const supplierId = newId();
    const lead = aLead(supplierId, 'move@example.com', pendingWith('P1'));
    await store.putNewLeads([lead], [load('P1', 1)]);
    const { firstName: _dropped, ...rest } = lead;
    const moved: Lead = {
      ...rest,
      ...pendingWith('P2'),
      distributionStatus: 'Rerouted',
      assignmentVersion: 2,
      rerouteCount: 1,
      previousPartnerIds: ['P1'],
      updatedAt: at(60),
      history: [
        ...lead.history,
        { at: at(60), type: 'rerouted', actor: 'system', detail: { from: 'P1', to: 'P2' } },
      ],
      version: 2,
    };

    expect(await store.replaceLead(lead, moved, [load('P1', -1), load('P2', 1, 1)])).toBe('ok');

    expect(await store.getLead(lead.id)).toEqual(moved);
    expect(await store.partnerLoads(supplierId, ['P1', 'P2'])).toEqual(
      new Map([
        ['P1', 0],
        ['P2', 1],
      ]),
    );
  });

  it('answers over-capacity when the new partner is full, and writes nothing', async () => {
    const supplierId = newId();
    const [lead, other] = manyLeads(supplierId, 2, 'full.com', pendingWith('P1')) as [Lead, Lead];
    await store.putNewLeads([lead], [load('P1', 1)]);
    await store.putNewLeads([{ ...other, ...pendingWith('P2') }], [load('P2', 1)]);
    const next = { ...lead, ...pendingWith('P2'), version: 2 };

    expect(await store.replaceLead(lead, next, [load('P1', -1), load('P2', 1, 1)])).toBe('over-capacity');

    expect(await store.getLead(lead.id)).toEqual(lead);
    expect(await store.partnerLoads(supplierId, ['P1', 'P2'])).toEqual(
      new Map([
        ['P1', 1],
        ['P2', 1],
      ]),
    );
  });
});

describe('lead store on DynamoDB Local: reading leads', () => {
  it('gets 250 leads by id, leaving out the ones that do not exist', async () => {
    const supplierId = newId();
    const leads = manyLeads(supplierId, 200, 'batch.com');
    await putAll(leads);
    const missing = Array.from({ length: 50 }, (_, i) => leadIdFor(supplierId, `missing-${i}@batch.com`));
    const ids = [...leads.map((l) => l.id), ...missing].sort();

    const found = await store.getLeads(ids);

    expect(found.size).toBe(200);
    expect(found).toEqual(new Map(leads.map((l) => [l.id, l])));
    expect(await store.getLeads([])).toEqual(new Map());
  });

  it('spreads a supplier’s leads over the shards by a stable hash of the id', () => {
    const ids = Array.from({ length: 120 }, (_, i) => leadIdFor('SUP-SHARDS', `s-${i}@example.com`));
    const shards = ids.map(leadShard);
    expect(ids.map(leadShard)).toEqual(shards);
    expect(shards.every((s) => Number.isInteger(s) && s >= 0 && s < LEAD_SHARDS)).toBe(true);
    expect(new Set(shards).size).toBe(LEAD_SHARDS);
  });

  it('pages 120 leads newest first, each exactly once, and never another supplier’s', async () => {
    const supplierId = newId();
    const otherSupplierId = newId();
    // written in a shuffled order so that write order is not what the list reflects
    const leads = manyLeads(supplierId, 120, 'list.com');
    const shuffled = [...leads].sort((x, y) => (x.id < y.id ? -1 : 1));
    await putAll(shuffled);
    await putAll(manyLeads(otherSupplierId, 30, 'list.com').map((l) => ({ ...l, createdAt: at(1000) })));

    const pages: Lead[][] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listLeads(supplierId, { limit: 25, cursor });
      pages.push(page.items);
      cursor = page.nextCursor ?? undefined;
      expect(pages.length).toBeLessThan(10);
    } while (cursor);

    expect(pages.map((p) => p.length)).toEqual([25, 25, 25, 25, 20]);
    const listed = pages.flat();
    expect(listed.map((l) => l.id)).toEqual([...leads].reverse().map((l) => l.id));
    expect(listed.every((l) => l.supplierId === supplierId)).toBe(true);
    expect(listed[0]).toEqual(leads[119]);
  });

  it('keeps newest-first order when a shard stops at 1 MB before the page is full', async () => {
    const supplierId = newId();
    const bulky = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`field${i}`, 'x'.repeat(1000)]));
    const bigShard = leadShard(leadIdFor(supplierId, 'big-0@example.com'));
    const big: Lead[] = [];
    const small: Lead[] = [];
    for (let i = 0; big.length < 15 || small.length < 30; i++) {
      const id = leadIdFor(supplierId, `big-${i}@example.com`);
      if (leadShard(id) === bigShard && big.length < 15) {
        big.push(
          aLead(supplierId, `big-${i}@example.com`, { customFields: bulky, createdAt: at(200 + big.length) }),
        );
      } else if (leadShard(id) !== bigShard && small.length < 30) {
        small.push(aLead(supplierId, `big-${i}@example.com`, { createdAt: at(100 + small.length) }));
      }
    }
    await putAll(big, 5);
    await putAll(small);

    const listed: Lead[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listLeads(supplierId, { limit: 25, cursor });
      listed.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);

    const createdAt = listed.map((l) => l.createdAt);
    expect(createdAt).toEqual([...createdAt].sort().reverse());
    expect(new Set(createdAt).size).toBe(45);
  });

  it('refuses a cursor of another supplier, and one that is not a cursor', async () => {
    const a = newId();
    const b = newId();
    await putAll(manyLeads(a, 3, 'cursor.com'));
    await putAll(manyLeads(b, 3, 'cursor.com'));
    const first = await store.listLeads(a, { limit: 2 });
    expect(first.nextCursor).not.toBeNull();

    await expect(store.listLeads(b, { limit: 2, cursor: first.nextCursor ?? '' })).rejects.toBeInstanceOf(
      ValidationError,
    );
    for (const bad of ['not-a-cursor', Buffer.from('{"s":1}').toString('base64url'), '{}']) {
      await expect(store.listLeads(a, { limit: 2, cursor: bad })).rejects.toMatchObject({
        details: [{ path: 'cursor', message: 'not a cursor of this list' }],
      });
    }
    const second = await store.listLeads(a, { limit: 2, cursor: first.nextCursor ?? '' });
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
  });
});

describe('lead store on DynamoDB Local: sequences', () => {
  const reserve = async (supplierId: string, counter: string, count: number) =>
    (await store.reserveSequences(supplierId, new Map([[counter, count]]))).get(counter);

  it('hands 20 racing reservations of 5 disjoint blocks covering 0..99', async () => {
    const supplierId = newId();

    const starts = await Promise.all(Array.from({ length: 20 }, () => reserve(supplierId, 'routing:g1', 5)));

    expect([...starts].sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual(
      Array.from({ length: 20 }, (_, i) => i * 5),
    );
    expect(await reserve(supplierId, 'routing:g1', 1)).toBe(100);
    expect(await reserve(supplierId, 'routing:g2', 3)).toBe(0);
    expect(await reserve(newId(), 'routing:g1', 1)).toBe(0);
  });

  it('reserves for many counters in one call, each atomically, against racing calls of overlapping counters', async () => {
    const supplierId = newId();
    // 40 counters spread over every shard item; each call takes 1..3 of some of them.
    const counters = Array.from({ length: 40 }, (_, i) => `rr:group ${i}`);
    const calls = Array.from({ length: 30 }, (_, call) => {
      const picked = counters.filter((_, i) => (i + call) % 3 !== 0);
      return new Map(picked.map((c, i) => [c, 1 + ((call + i) % 3)]));
    });

    const answers = await Promise.all(calls.map((counts) => store.reserveSequences(supplierId, counts)));

    for (const counter of counters) {
      // Every call's block of this counter, in the order of its first number: back to back from 0.
      const blocks = calls
        .map((counts, i) => ({ first: answers[i]?.get(counter), count: counts.get(counter) }))
        .filter((b): b is { first: number; count: number } => b.count !== undefined && b.first !== undefined)
        .sort((x, y) => x.first - y.first);
      expect(blocks.length).toBe(calls.filter((counts) => counts.has(counter)).length);
      let next = 0;
      for (const block of blocks) {
        expect(block.first).toBe(next);
        next += block.count;
      }
      expect(await reserve(supplierId, counter, 1)).toBe(next);
    }
  });

  it('refuses a block that is not a positive whole number, naming the counter', async () => {
    await expect(store.reserveSequences(newId(), new Map([['rr:g', 0]]))).rejects.toThrow(/rr:g/);
  });
});

describe('lead store on DynamoDB Local: reroute failures', () => {
  it('records a failure only on the version read, and a flag takes the lead out of the deadline index for good', async () => {
    const supplierId = newId();
    const deadlineAt = at(-3600);
    const lead = aLead(supplierId, 'stuck-sweep@example.com', { ...pendingWith('P1'), deadlineAt });
    await putAll([lead]);
    const due = async () => (await store.dueDeadlines(new Date(BASE), 500)).map((l) => l.id);
    expect(await due()).toContain(lead.id);

    expect(
      await store.recordRerouteFailure(lead.id, lead.version + 1, { count: 1, error: 'x', at: at(1) }),
    ).toBe(undefined);
    const counted = await store.recordRerouteFailure(lead.id, lead.version, {
      count: 1,
      error: 'x',
      at: at(1),
    });
    expect(counted).toMatchObject({ version: lead.version + 1, rerouteFailure: { count: 1, error: 'x' } });
    expect(await due()).toContain(lead.id);

    const flaggedAt = at(2);
    const flagged = await store.recordRerouteFailure(lead.id, lead.version + 1, {
      count: 3,
      error: 'x',
      at: flaggedAt,
      flaggedAt,
    });
    expect(flagged?.rerouteFailure).toEqual({ count: 3, error: 'x', at: flaggedAt, flaggedAt });
    expect(await due()).not.toContain(lead.id);

    // A later write of the whole lead (an email event, say) keeps it out; a new assignment's write brings it back.
    const opened = { ...(flagged as Lead), emailStatus: 'Opened' as const, version: lead.version + 3 };
    expect(await store.replaceLead(flagged as Lead, opened, [])).toBe('ok');
    expect(await due()).not.toContain(lead.id);
    const { rerouteFailure: _cleared, ...reassigned } = {
      ...opened,
      partnerId: 'P2',
      version: opened.version + 1,
    };
    expect(await store.replaceLead(opened, reassigned, [])).toBe('ok');
    expect(await due()).toContain(lead.id);
  });
});
