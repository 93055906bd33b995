import {
  type ApiKeyRecord,
  ConflictError,
  CreatePartner,
  type HistoryEntry,
  type Lead,
  type LeadStore,
  MAX_ENTRIES_ON_LEAD,
  MAX_LEAD_WRITE_ITEMS,
  NEW_LEAD_ITEMS,
  NotFoundError,
  newId,
  type Page,
  type Principal,
  type RulesStore,
  systemClock,
  type TenantStore,
  Tenants,
  type Upload,
  type UploadStore,
  ValidationError,
} from '@leadrelay/core';
import { DynamoUploadStore } from '@leadrelay/store';
import { describe, expect, it } from 'vitest';
import { testLead } from '../support/leads';
import { MemoryLeadStore } from '../support/memory-leads';
import { MemoryRulesStore } from '../support/memory-rules';
import { MemoryTenantStore } from '../support/memory-tenants';
import { MemoryUploadStore } from '../support/memory-uploads';
import { testTable } from '../support/store';

/**
 * One contract for each storage port, run against the in-memory stores the unit
 * tests use and the DynamoDB stores on DynamoDB Local: what the use cases lean
 * on (conditional creates, version checks, capacity, name claims, events applied
 * once, paging) must hold for both, or a unit test passes on a store that
 * production does not have.
 */
interface Stores {
  leads: LeadStore;
  tenants: TenantStore;
  rules: RulesStore;
  uploads: UploadStore;
}

const implementations: [string, () => Promise<Stores>][] = [
  [
    'in memory',
    async () => ({
      leads: new MemoryLeadStore(),
      tenants: new MemoryTenantStore(),
      rules: new MemoryRulesStore(),
      uploads: new MemoryUploadStore(),
    }),
  ],
  [
    'DynamoDB Local',
    async () => {
      const table = await testTable('contract');
      return { ...table, uploads: new DynamoUploadStore(table.db, table.tableName) };
    },
  ],
];

const at = (minute: number) =>
  new Date(Date.parse('2030-01-01T09:00:00.000Z') + minute * 60_000).toISOString();

/** A lead of its own supplier (unless given), so tests sharing a store never see each other's leads. */
function lead(overrides: Partial<Lead> = {}): Lead {
  return testLead({ id: newId(), supplierId: newId(), ...overrides });
}

const entry = (minute: number, type: string): HistoryEntry => ({
  at: at(minute),
  type,
  actor: 'system',
  detail: { minute },
});

/** Every item of a list, page after page, following the cursors. */
async function allPages<T>(list: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | undefined;
  do {
    const page = await list(cursor);
    pages.push(page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && pages.length < 100);
  return pages;
}

function apiKey(principal: Principal, createdAt: string): ApiKeyRecord {
  return { keyHash: newId().toLowerCase(), id: newId(), prefix: 'lr_test', principal, createdAt };
}

/** A file dropped into the inbox, not started yet. */
function anUpload(overrides: Partial<Upload> = {}): Upload {
  const supplierId = overrides.supplierId ?? newId();
  return {
    id: newId(),
    supplierId,
    key: `inbox/${supplierId}/leads.csv`,
    fileName: 'leads.csv',
    origin: 'drop',
    routing: { mode: 'rules' },
    status: 'received',
    rows: { total: 0, created: 0, updated: 0, rejected: 0 },
    object: { size: 120, eTag: 'etag-1' },
    createdAt: at(0),
    updatedAt: at(0),
    version: 1,
    ...overrides,
  };
}

function storeContract(name: string, make: () => Promise<Stores>) {
  describe(`lead store contract (${name})`, () => {
    it('puts new leads with their loads; a change keeps the latest history entries on the lead, and the whole history pages', async () => {
      const { leads } = await make();
      const history = [entry(0, 'created'), entry(1, 'routed'), entry(2, 'accepted')];
      const a = lead({ history, customFields: { seats: 12, trial: true, note: null } });
      const b = lead({ supplierId: a.supplierId });
      const written = await leads.putNewLeads([a, b], [{ partnerId: 'P-A', delta: 2, capacity: 5 }]);
      expect(written).toEqual({ ok: true });
      expect(await leads.getLead(a.id)).toEqual(a);
      expect((await leads.getLeads([a.id, b.id, 'nobody'])).size).toBe(2);
      expect(await leads.partnerLoads(a.supplierId, ['P-A', 'P-B'])).toEqual(
        new Map([
          ['P-A', 2],
          ['P-B', 0],
        ]),
      );
      const pages = await allPages((cursor) => leads.listHistory(a.id, { limit: 2, cursor }));
      expect(pages.flat()).toEqual([...history].reverse());

      const longer = [...history, entry(3, 'pipeline'), entry(3, 'email.queued'), entry(4, 'email.Open')];
      const changed = { ...a, history: longer, version: a.version + 1 };
      expect(await leads.replaceLead(a, changed, [])).toBe('ok');
      expect(await leads.getLead(a.id)).toEqual({ ...changed, history: longer.slice(-2) });
      for (const limit of [1, 2, 4, 50]) {
        const all = await allPages((cursor) => leads.listHistory(a.id, { limit, cursor }));
        expect(all.flat()).toEqual([...longer].reverse());
      }
    });

    it('writes nothing of a put when one of its leads exists, or a partner would pass its capacity', async () => {
      const { leads } = await make();
      const known = lead();
      await leads.putNewLeads([known], []);
      const fresh = lead({ supplierId: known.supplierId });
      const taken = await leads.putNewLeads(
        [fresh, { ...known, firstName: 'Changed' }],
        [{ partnerId: 'P-A', delta: 2, capacity: null }],
      );
      expect(taken).toEqual({ ok: false, existingLeadIds: [known.id], overCapacityPartnerIds: [] });

      await leads.putNewLeads(
        [lead({ supplierId: known.supplierId })],
        [{ partnerId: 'P-B', delta: 1, capacity: 2 }],
      );
      const full = await leads.putNewLeads(
        [fresh],
        [
          { partnerId: 'P-B', delta: 2, capacity: 2 },
          { partnerId: 'P-C', delta: 3, capacity: 2 },
          { partnerId: 'P-D', delta: 1, capacity: 1 },
        ],
      );
      expect(full).toEqual({ ok: false, existingLeadIds: [], overCapacityPartnerIds: ['P-B', 'P-C'] });
      expect(await leads.getLead(fresh.id)).toBeUndefined();
      expect((await leads.getLead(known.id))?.firstName).toBe(known.firstName);
      expect(await leads.partnerLoads(known.supplierId, ['P-A', 'P-B', 'P-C', 'P-D'])).toEqual(
        new Map([
          ['P-A', 0],
          ['P-B', 1],
          ['P-C', 0],
          ['P-D', 0],
        ]),
      );
    });

    it('refuses a put too big for one transaction, or naming a lead twice, before writing anything', async () => {
      const { leads } = await make();
      const supplierId = newId();
      // One more item than a transaction holds: the leads (NEW_LEAD_ITEMS each) and a load change.
      const many = Array.from({ length: MAX_LEAD_WRITE_ITEMS / NEW_LEAD_ITEMS }, () => lead({ supplierId }));
      await expect(
        leads.putNewLeads(many, [{ partnerId: 'P-A', delta: many.length, capacity: null }]),
      ).rejects.toThrow(/at most 100 items/);
      const one = lead({ supplierId });
      await expect(leads.putNewLeads([one, one], [])).rejects.toThrow(/distinct/);
      expect(await leads.getLeads([one.id, ...many.map((l) => l.id)])).toEqual(new Map());
      expect(await leads.partnerLoads(supplierId, ['P-A'])).toEqual(new Map([['P-A', 0]]));
    });

    it('lets exactly one of 30 racing puts of the same lead win, and books a partner no further than its capacity', async () => {
      const { leads } = await make();
      const same = lead();
      const racing = await Promise.all(Array.from({ length: 30 }, () => leads.putNewLeads([same], [])));
      expect(racing.filter((r) => r.ok)).toHaveLength(1);

      const supplierId = newId();
      const booked = await Promise.all(
        Array.from({ length: 20 }, () =>
          leads.putNewLeads([lead({ supplierId })], [{ partnerId: 'P-A', delta: 1, capacity: 7 }]),
        ),
      );
      expect(booked.filter((r) => r.ok)).toHaveLength(7);
      expect(await leads.partnerLoads(supplierId, ['P-A'])).toEqual(new Map([['P-A', 7]]));
    });

    it('replaces a lead only on the version read, moving its loads within the capacity', async () => {
      const { leads } = await make();
      const first = lead({ partnerId: 'P-A', distributionStatus: 'Pending' });
      await leads.putNewLeads([first], [{ partnerId: 'P-A', delta: 1, capacity: null }]);
      const read = (await leads.getLead(first.id)) as Lead;
      const moved: Lead = {
        ...read,
        partnerId: 'P-B',
        partnerName: 'Beta',
        history: [...read.history, entry(5, 'rerouted')],
        version: read.version + 1,
      };
      const toB = [
        { partnerId: 'P-A', delta: -1, capacity: null },
        { partnerId: 'P-B', delta: 1, capacity: 1 },
      ];
      expect(await leads.replaceLead(read, moved, toB)).toBe('ok');
      expect(await leads.getLead(first.id)).toEqual(moved);
      expect(await leads.partnerLoads(first.supplierId, ['P-A', 'P-B'])).toEqual(
        new Map([
          ['P-A', 0],
          ['P-B', 1],
        ]),
      );

      // The version read is gone: nothing of the stale change is written.
      const stale = { ...moved, firstName: 'Stale', version: moved.version + 1 };
      expect(await leads.replaceLead(read, stale, [])).toBe('stale');
      expect(await leads.replaceLead(read, stale, toB)).toBe('stale');
      expect(await leads.getLead(first.id)).toEqual(moved);

      // P-B is full: the move to it writes neither the lead nor the loads.
      const other = lead({ supplierId: first.supplierId, partnerId: null, distributionStatus: 'Unassigned' });
      await leads.putNewLeads([other], []);
      const assigned = { ...other, partnerId: 'P-B', version: other.version + 1 };
      expect(await leads.replaceLead(other, assigned, [{ partnerId: 'P-B', delta: 1, capacity: 1 }])).toBe(
        'over-capacity',
      );
      expect(await leads.getLead(other.id)).toEqual(other);
      expect(await leads.partnerLoads(first.supplierId, ['P-B'])).toEqual(new Map([['P-B', 1]]));

      const missing = lead();
      expect(await leads.replaceLead(missing, { ...missing, version: missing.version + 1 }, [])).toBe(
        'stale',
      );
      expect(await leads.getLead(missing.id)).toBeUndefined();
    });

    it('applies an outside event once: the same event again is seen-before and writes nothing', async () => {
      const { leads } = await make();
      const first = lead();
      await leads.putNewLeads([first], []);
      const opened = {
        ...first,
        emailStatus: 'Opened' as const,
        history: [...first.history, entry(3, 'email.Open')],
        version: first.version + 1,
      };
      expect(await leads.replaceLead(first, opened, [], { event: 'm-1/Open/t1' })).toBe('ok');
      const again = {
        ...opened,
        history: [...opened.history, entry(4, 'email.Open')],
        version: opened.version + 1,
      };
      expect(await leads.replaceLead(opened, again, [], { event: 'm-1/Open/t1' })).toBe('seen-before');
      // Also when the copy that lost carries the version it read before the first landed.
      expect(await leads.replaceLead(first, opened, [], { event: 'm-1/Open/t1' })).toBe('seen-before');
      expect(await leads.getLead(first.id)).toEqual({ ...opened, history: opened.history.slice(-2) });
      const pages = await allPages((cursor) => leads.listHistory(first.id, { limit: 50, cursor }));
      expect(pages.flat().map((h) => h.type)).toEqual(['email.Open', 'created']);
      expect(await leads.replaceLead(opened, again, [], { event: 'm-1/Click/t2' })).toBe('ok');
    });

    it('appends an outside event that changes nothing else beside the lead, once, sharing the record of applied events', async () => {
      const { leads } = await make();
      const first = lead();
      await leads.putNewLeads([first], []);
      const delivered = entry(3, 'email.Delivery');
      const racing = await Promise.all([
        leads.appendEvent(first.id, delivered, 'm-1/Delivery/t1'),
        leads.appendEvent(first.id, delivered, 'm-1/Delivery/t1'),
      ]);
      expect([...racing].sort()).toEqual(['ok', 'seen-before']);
      // The lead item is as it was; the entry is in its history, once.
      expect(await leads.getLead(first.id)).toEqual(first);
      const pages = await allPages((cursor) => leads.listHistory(first.id, { limit: 50, cursor }));
      expect(pages.flat().map((h) => h.type)).toEqual(['email.Delivery', 'created']);
      // An event applied one way is seen-before the other way too.
      const opened = {
        ...first,
        history: [...first.history, entry(4, 'email.Open')],
        version: first.version + 1,
      };
      expect(await leads.replaceLead(first, opened, [], { event: 'm-1/Delivery/t1' })).toBe('seen-before');
      expect(await leads.replaceLead(first, opened, [], { event: 'm-1/Open/t2' })).toBe('ok');
      expect(await leads.appendEvent(first.id, entry(5, 'email.Open'), 'm-1/Open/t2')).toBe('seen-before');
    });

    it('merges a duplicate’s fields in one atomic update: all racing merges land, each in the history', async () => {
      const { leads } = await make();
      const first = lead({ customFields: { seats: 12, note: null } });
      await leads.putNewLeads([first], []);
      const merges = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          leads.mergeLeadFields(first.id, {
            fields: { company: `Company ${i}` },
            customFields: { [`field${i}`]: i },
            history: entry(10 + i, 'updated'),
            updatedAt: at(10 + i),
          }),
        ),
      );
      expect(merges.every((m) => m?.history.at(-1)?.type === 'updated')).toBe(true);
      const merged = (await leads.getLead(first.id)) as Lead;
      expect(merged.version).toBe(first.version + 10);
      expect(merged.customFields).toMatchObject({ seats: 12, note: null, field0: 0, field9: 9 });
      expect(merged.company).toMatch(/^Company \d$/);
      // The merges' entries join the lead's own, and the answer is the lead as it is now.
      expect(merged.history.map((h) => h.type)).toEqual([
        'created',
        ...Array.from({ length: 10 }, () => 'updated'),
      ]);
      const pages = await allPages((cursor) => leads.listHistory(first.id, { limit: 4, cursor }));
      expect(pages.flat().map((h) => h.type)).toEqual([
        ...Array.from({ length: 10 }, () => 'updated'),
        'created',
      ]);
      expect(
        await leads.mergeLeadFields('nobody', {
          fields: {},
          customFields: {},
          history: entry(1, 'updated'),
          updatedAt: at(1),
        }),
      ).toBeUndefined();
    });

    it('gives the merges of a lead merged past MAX_ENTRIES_ON_LEAD times items of their own; the answer then is not the lead as read', async () => {
      const { leads } = await make();
      const first = lead();
      await leads.putNewLeads([first], []);
      let answer: Lead | undefined;
      for (let i = 0; i < MAX_ENTRIES_ON_LEAD + 3; i++) {
        answer = await leads.mergeLeadFields(first.id, {
          fields: { company: `Company ${i}` },
          customFields: {},
          history: entry(10 + i, 'updated'),
          updatedAt: at(10 + i),
        });
      }
      const stored = (await leads.getLead(first.id)) as Lead;
      expect(stored.history).toHaveLength(MAX_ENTRIES_ON_LEAD);
      expect(stored).toMatchObject({
        company: `Company ${MAX_ENTRIES_ON_LEAD + 2}`,
        version: first.version + MAX_ENTRIES_ON_LEAD + 3,
      });
      expect(answer?.history.at(-1)).toEqual(entry(10 + MAX_ENTRIES_ON_LEAD + 2, 'updated'));
      const all = await allPages((cursor) => leads.listHistory(first.id, { limit: 7, cursor }));
      expect(all.flat().map((h) => h.at)).toEqual(
        [
          ...first.history,
          ...Array.from({ length: MAX_ENTRIES_ON_LEAD + 3 }, (_, i) => entry(10 + i, 'updated')),
        ]
          .map((h) => h.at)
          .reverse(),
      );
      // The answer carries an entry that lives in an item of its own: a replace on it is stale.
      const replaced = { ...(answer as Lead), version: stored.version + 1 };
      expect(await leads.replaceLead(answer as Lead, replaced, [])).toBe('stale');
      // The lead as read replaces, and its next change moves the surplus off the lead.
      const next = {
        ...stored,
        history: [...stored.history, entry(50, 'accepted')],
        version: stored.version + 1,
      };
      expect(await leads.replaceLead(stored, next, [])).toBe('ok');
      expect((await leads.getLead(first.id))?.history).toHaveLength(2);
      const after = await allPages((cursor) => leads.listHistory(first.id, { limit: 50, cursor }));
      expect(after.flat()).toHaveLength(first.history.length + MAX_ENTRIES_ON_LEAD + 3 + 1);
    });

    it('pages a supplier’s and a partner’s leads newest first, each once, with cursors bound to their list', async () => {
      const { leads } = await make();
      const supplierId = newId();
      const mine = Array.from({ length: 23 }, (_, i) =>
        lead({ supplierId, createdAt: at(i), partnerId: i % 2 === 0 ? 'P-A' : 'P-B' }),
      );
      await leads.putNewLeads(mine.slice(0, 20), []);
      await leads.putNewLeads(mine.slice(20), []);
      await leads.putNewLeads([lead({ createdAt: at(30), partnerId: 'P-A' })], []);

      const pages = await allPages((cursor) => leads.listLeads(supplierId, { limit: 5, cursor }));
      expect(pages.flat().map((l) => l.id)).toEqual([...mine].reverse().map((l) => l.id));
      expect(pages.every((p) => p.length <= 5)).toBe(true);
      const partner = await allPages((cursor) =>
        leads.listPartnerLeads(supplierId, 'P-A', { limit: 4, cursor }),
      );
      expect(partner.flat().map((l) => l.id)).toEqual(
        mine
          .filter((l) => l.partnerId === 'P-A')
          .reverse()
          .map((l) => l.id),
      );

      const first = await leads.listLeads(supplierId, { limit: 5 });
      const cursor = first.nextCursor ?? undefined;
      expect(cursor).toBeDefined();
      await expect(leads.listLeads(newId(), { limit: 5, cursor })).rejects.toBeInstanceOf(ValidationError);
      await expect(leads.listPartnerLeads(supplierId, 'P-A', { limit: 5, cursor })).rejects.toBeInstanceOf(
        ValidationError,
      );
      await expect(leads.listLeads(supplierId, { limit: 5, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(
        ValidationError,
      );
    });

    it('answers waiting leads whose deadline passed, oldest first, and a flagged reroute failure takes one out', async () => {
      const { leads } = await make();
      // Deadlines in 1999: no other test of the shared table has one that early.
      const deadline = (minute: number) => new Date(Date.parse('1999-06-01T00:00:00.000Z') + minute * 60_000);
      const supplierId = newId();
      const waiting = (minute: number, overrides: Partial<Lead> = {}) =>
        lead({ supplierId, deadlineAt: deadline(minute).toISOString(), ...overrides });
      const late = waiting(3);
      const early = waiting(1, { distributionStatus: 'Rerouted' });
      const onTheDot = waiting(5);
      const notYet = waiting(6);
      const decided = waiting(0, { distributionStatus: 'Accepted' });
      const unassigned = waiting(0, { partnerId: null, partnerName: null, distributionStatus: 'Unassigned' });
      await leads.putNewLeads([late, early, onTheDot, notYet, decided, unassigned], []);

      const due = await leads.dueDeadlines(deadline(5), 10);
      expect(due.map((l) => l.id)).toEqual([early.id, late.id, onTheDot.id]);
      expect((await leads.dueDeadlines(deadline(5), 2)).map((l) => l.id)).toEqual([early.id, late.id]);

      const failure = { count: 1, error: 'no partner to take it', at: at(0) };
      expect(await leads.recordRerouteFailure(early.id, early.version + 1, failure)).toBeUndefined();
      const noted = await leads.recordRerouteFailure(early.id, early.version, failure);
      expect(noted).toMatchObject({ rerouteFailure: failure, version: early.version + 1 });
      expect((await leads.dueDeadlines(deadline(5), 10)).map((l) => l.id)).toEqual([
        early.id,
        late.id,
        onTheDot.id,
      ]);
      const flagged = { ...failure, count: 5, flaggedAt: at(1) };
      expect(await leads.recordRerouteFailure(early.id, early.version + 1, flagged)).toMatchObject({
        rerouteFailure: flagged,
      });
      expect((await leads.dueDeadlines(deadline(5), 10)).map((l) => l.id)).toEqual([late.id, onTheDot.id]);
      expect(await leads.recordRerouteFailure('nobody', 1, failure)).toBeUndefined();
    });

    it('hands racing reservations disjoint blocks of each counter, and refuses an empty one', async () => {
      const { leads } = await make();
      const supplierId = newId();
      const counts = new Map([
        ['pool:A', 3],
        ['pool:B', 2],
      ]);
      const firsts = await Promise.all(
        Array.from({ length: 10 }, () => leads.reserveSequences(supplierId, counts)),
      );
      const of = (counter: string) => firsts.map((f) => f.get(counter) ?? -1).sort((a, b) => a - b);
      expect(of('pool:A')).toEqual(Array.from({ length: 10 }, (_, i) => i * 3));
      expect(of('pool:B')).toEqual(Array.from({ length: 10 }, (_, i) => i * 2));
      expect(await leads.reserveSequences(newId(), new Map([['pool:A', 1]]))).toEqual(
        new Map([['pool:A', 0]]),
      );
      await expect(leads.reserveSequences(supplierId, new Map([['pool:A', 0]]))).rejects.toThrow(
        /positive integer/,
      );
    });
  });

  describe(`tenant store contract (${name})`, () => {
    const partnerInput = (partnerName: string) => CreatePartner.parse({ name: partnerName });

    it('creates a supplier with its key, both or neither, and sets settings atomically', async () => {
      const { tenants } = await make();
      const deps = { store: tenants, clock: systemClock };
      const { supplier } = await Tenants.createSupplier(deps, { name: 'Acme' });
      expect(await tenants.getSupplier(supplier.id)).toEqual(supplier);

      const again = apiKey({ kind: 'supplier', supplierId: supplier.id }, at(1));
      await expect(tenants.createSupplier({ ...supplier, name: 'Other' }, again)).rejects.toThrow();
      expect(await tenants.getApiKey(again.keyHash)).toBeUndefined();
      expect((await tenants.getSupplier(supplier.id))?.name).toBe('Acme');

      const updated = await tenants.updateSupplierSettings(supplier.id, { rerouteAfterMinutes: 90 }, at(2));
      expect(updated).toEqual({
        ...supplier,
        settings: { ...supplier.settings, rerouteAfterMinutes: 90 },
        updatedAt: at(2),
        version: supplier.version + 1,
      });
      expect(await tenants.getSupplier(supplier.id)).toEqual(updated);
      await expect(
        tenants.updateSupplierSettings(newId(), { rerouteAfterMinutes: 5 }, at(2)),
      ).rejects.toBeInstanceOf(NotFoundError);
    });

    it('claims a partner name per supplier, by its normalised form, and writes nothing of a refused create', async () => {
      const { tenants } = await make();
      const deps = { store: tenants, clock: systemClock };
      const { supplier } = await Tenants.createSupplier(deps, { name: 'Names' });
      const { partner } = await Tenants.createPartner(deps, supplier.id, partnerInput('Alpha Partners'));
      expect(await tenants.getPartner(supplier.id, partner.id)).toEqual(partner);

      const clash = { ...partner, id: newId(), name: '  alpha   PARTNERS ' };
      const key = apiKey({ kind: 'partner', supplierId: supplier.id, partnerId: clash.id }, at(1));
      const refused = await tenants.createPartner(clash, key).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ConflictError);
      expect((refused as ConflictError).details).toEqual([expect.objectContaining({ path: 'name' })]);
      expect(await tenants.getPartner(supplier.id, clash.id)).toBeUndefined();
      expect(await tenants.getApiKey(key.keyHash)).toBeUndefined();

      const { supplier: other } = await Tenants.createSupplier(deps, { name: 'Other' });
      await expect(
        Tenants.createPartner(deps, other.id, partnerInput('Alpha Partners')),
      ).resolves.toBeDefined();

      const racing = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          Tenants.createPartner(deps, supplier.id, partnerInput(i % 2 ? 'Same Name' : 'same  name')),
        ),
      );
      expect(racing.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });

    it('replaces a partner only on the version read, and moves the name claim on a rename', async () => {
      const { tenants } = await make();
      const deps = { store: tenants, clock: systemClock };
      const { supplier } = await Tenants.createSupplier(deps, { name: 'Renames' });
      const { partner: alpha } = await Tenants.createPartner(deps, supplier.id, partnerInput('Alpha'));
      await Tenants.createPartner(deps, supplier.id, partnerInput('Beta'));

      const renamed = { ...alpha, name: 'Gamma', version: alpha.version + 1, updatedAt: at(1) };
      await tenants.replacePartner(alpha, renamed);
      expect(await tenants.getPartner(supplier.id, alpha.id)).toEqual(renamed);
      // The old name is free again, the new one is taken.
      await expect(Tenants.createPartner(deps, supplier.id, partnerInput('alpha'))).resolves.toBeDefined();
      await expect(Tenants.createPartner(deps, supplier.id, partnerInput('GAMMA'))).rejects.toBeInstanceOf(
        ConflictError,
      );

      const stale = await tenants
        .replacePartner(alpha, { ...alpha, weight: 9, version: alpha.version + 1 })
        .catch((e: unknown) => e);
      expect(stale).toBeInstanceOf(ConflictError);
      expect((stale as ConflictError).details).toEqual([expect.objectContaining({ path: 'version' })]);
      const onTaken = await tenants
        .replacePartner(renamed, { ...renamed, name: 'beta', version: renamed.version + 1 })
        .catch((e: unknown) => e);
      expect((onTaken as ConflictError).details).toEqual([expect.objectContaining({ path: 'name' })]);
      expect(await tenants.getPartner(supplier.id, alpha.id)).toEqual(renamed);
    });

    it('pages a supplier’s partners oldest first, with cursors bound to the supplier', async () => {
      const { tenants } = await make();
      const deps = { store: tenants, clock: systemClock };
      const { supplier } = await Tenants.createSupplier(deps, { name: 'Many' });
      const made = [];
      for (let i = 0; i < 7; i++)
        made.push((await Tenants.createPartner(deps, supplier.id, partnerInput(`P${i}`))).partner);
      const pages = await allPages((cursor) => tenants.listPartners(supplier.id, { limit: 3, cursor }));
      expect(pages.flat()).toEqual(made);
      const cursor = (await tenants.listPartners(supplier.id, { limit: 3 })).nextCursor ?? undefined;
      await expect(tenants.listPartners(newId(), { limit: 3, cursor })).rejects.toBeInstanceOf(
        ValidationError,
      );
    });

    it('keeps API keys by hash: created once, listed per principal, revoked once, kept-active checked, touched when stale', async () => {
      const { tenants } = await make();
      const principal: Principal = { kind: 'supplier', supplierId: newId() };
      const first = apiKey(principal, at(1));
      const second = apiKey(principal, at(2));
      await tenants.createApiKey(first);
      await tenants.createApiKey(second);
      await tenants.createApiKey(apiKey({ kind: 'supplier', supplierId: newId() }, at(0)));
      await expect(tenants.createApiKey({ ...first, id: newId() })).rejects.toThrow();
      expect(await tenants.getApiKey(first.keyHash)).toMatchObject(first);

      const listed = await allPages((cursor) => tenants.listApiKeys(principal, { limit: 1, cursor }));
      expect(listed.flat().map((k) => k.id)).toEqual([first.id, second.id]);

      const revoked = await tenants.revokeApiKey(first.keyHash, at(3), second.keyHash);
      expect(revoked).toMatchObject({ ...first, revokedAt: at(3) });
      // Revoked already: the key as it is, the first revoke's time kept.
      expect(await tenants.revokeApiKey(first.keyHash, at(4))).toMatchObject({ revokedAt: at(3) });
      // The key to keep is revoked: refused, nothing written.
      const refused = await tenants
        .revokeApiKey(second.keyHash, at(5), first.keyHash)
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ConflictError);
      expect((await tenants.getApiKey(second.keyHash))?.revokedAt).toBeUndefined();
      await expect(tenants.revokeApiKey('unknown', at(5))).rejects.toBeInstanceOf(NotFoundError);

      await tenants.touchApiKey(second.keyHash, at(10), at(9));
      await tenants.touchApiKey(second.keyHash, at(11), at(9));
      expect((await tenants.getApiKey(second.keyHash))?.lastUsedAt).toBe(at(10));
      await tenants.touchApiKey(second.keyHash, at(80), at(70));
      expect((await tenants.getApiKey(second.keyHash))?.lastUsedAt).toBe(at(80));
      await expect(tenants.touchApiKey('unknown', at(1), at(0))).resolves.toBeUndefined();
      expect(await tenants.getApiKey('unknown')).toBeUndefined();
    });
  });

  describe(`upload store contract (${name})`, () => {
    const rows = { total: 10, created: 8, updated: 1, rejected: 1 };

    it('creates an upload once, and claims it only when startable: received, or processing with its lease over', async () => {
      const { uploads } = await make();
      const upload = anUpload();
      expect(await uploads.createUpload(upload)).toBe('created');
      expect(await uploads.createUpload({ ...upload, fileName: 'other.csv' })).toBe('exists');
      expect((await uploads.getUpload(upload.supplierId, upload.id))?.fileName).toBe('leads.csv');

      const claimed = await uploads.claimUpload(upload.supplierId, upload.id, {
        now: at(1),
        leaseUntil: at(6),
      });
      expect(claimed).toMatchObject({ status: 'processing', leaseUntil: at(6) });
      expect(claimed?.version).toBeGreaterThan(upload.version);
      // A live run holds it; once its lease is over another run may resume it.
      expect(
        await uploads.claimUpload(upload.supplierId, upload.id, { now: at(2), leaseUntil: at(7) }),
      ).toBeUndefined();
      const resumed = await uploads.claimUpload(upload.supplierId, upload.id, {
        now: at(7),
        leaseUntil: at(12),
      });
      expect(resumed).toMatchObject({ status: 'processing', leaseUntil: at(12) });
      expect(resumed?.version).toBeGreaterThan(claimed?.version ?? 0);
      expect(
        await uploads.claimUpload(upload.supplierId, 'unknown', { now: at(7), leaseUntil: at(12) }),
      ).toBeUndefined();
    });

    it('lets a run write only at the version it holds: one taken over writes nothing', async () => {
      const { uploads } = await make();
      const upload = anUpload();
      await uploads.createUpload(upload);
      const first = (await uploads.claimUpload(upload.supplierId, upload.id, {
        now: at(1),
        leaseUntil: at(2),
      })) as Upload;
      const second = (await uploads.claimUpload(upload.supplierId, upload.id, {
        now: at(3),
        leaseUntil: at(8),
      })) as Upload;
      const progress = {
        rows,
        checkpoint: { row: 10 },
        leaseUntil: at(9),
        routing: upload.routing,
        now: at(4),
      };

      expect(
        await uploads.saveProgress(upload.supplierId, upload.id, first.version, progress),
      ).toBeUndefined();
      expect(await uploads.releaseUpload(upload.supplierId, upload.id, first.version, at(4))).toBe(false);
      const saved = await uploads.saveProgress(upload.supplierId, upload.id, second.version, progress);
      expect(saved).toMatchObject({ status: 'processing', rows, checkpoint: { row: 10 } });
      expect(
        await uploads.finishUpload(
          upload.supplierId,
          upload.id,
          second.version,
          { status: 'done' },
          { rows, now: at(5) },
        ),
      ).toBeUndefined();
      const done = await uploads.finishUpload(
        upload.supplierId,
        upload.id,
        saved?.version ?? 0,
        { status: 'done' },
        { rows, now: at(5) },
      );
      expect(done).toMatchObject({ status: 'done', rows, finishedAt: at(5) });
      expect(done?.leaseUntil).toBeUndefined();
      expect(
        await uploads.claimUpload(upload.supplierId, upload.id, { now: at(20), leaseUntil: at(25) }),
      ).toBeUndefined();
      expect(await uploads.getUpload(upload.supplierId, upload.id)).toEqual(done);
    });

    it('binds an API upload’s object once, and starts an awaiting-file upload only with its object', async () => {
      const { uploads } = await make();
      const { object: _none, ...waiting } = anUpload({ status: 'awaiting-file', origin: 'api' });
      await uploads.createUpload(waiting);
      expect(
        await uploads.claimUpload(waiting.supplierId, waiting.id, { now: at(1), leaseUntil: at(5) }),
      ).toBeUndefined();
      const object = { size: 99, eTag: 'etag-2' };
      expect(await uploads.attachObject(waiting.supplierId, waiting.id, object, at(1))).toMatchObject({
        status: 'received',
        object,
      });
      expect(
        await uploads.attachObject(waiting.supplierId, waiting.id, { size: 1, eTag: 'etag-3' }, at(2)),
      ).toBeUndefined();
      expect((await uploads.getUpload(waiting.supplierId, waiting.id))?.object).toEqual(object);
    });

    it('pages a supplier’s uploads newest first and an upload’s rejected rows in row order', async () => {
      const { uploads } = await make();
      const supplierId = newId();
      const made = Array.from({ length: 5 }, (_, i) =>
        anUpload({ supplierId, createdAt: at(i), updatedAt: at(i) }),
      );
      for (const upload of made) await uploads.createUpload(upload);
      await uploads.createUpload(anUpload());
      const pages = await allPages((cursor) => uploads.listUploads(supplierId, { limit: 2, cursor }));
      expect(pages.flat().map((u) => u.id)).toEqual([...made].reverse().map((u) => u.id));

      const [upload] = made as [Upload];
      const errors = [7, 2, 30].map((row) => ({ row, errors: [{ column: 'Email', message: `row ${row}` }] }));
      await uploads.putRowErrors(supplierId, upload.id, errors);
      await uploads.putRowErrors(supplierId, upload.id, [{ row: 2, errors: [{ message: 'again' }] }]);
      const rowPages = await allPages((cursor) =>
        uploads.listRowErrors(supplierId, upload.id, { limit: 2, cursor }),
      );
      expect(rowPages.flat().map((r) => [r.row, r.errors[0]?.message])).toEqual([
        [2, 'again'],
        [7, 'row 7'],
        [30, 'row 30'],
      ]);
    });
  });

  describe(`rules store contract (${name})`, () => {
    it('puts rules only on the version read, per supplier and kind', async () => {
      const { rules } = await make();
      const supplierId = newId();
      expect(await rules.getRules(supplierId, 'routing')).toBeUndefined();
      expect(await rules.putRules(supplierId, 'routing', { groups: [] }, 0, at(0))).toBe(1);
      const conflict = await rules
        .putRules(supplierId, 'routing', { groups: [1] }, 0, at(1))
        .catch((e: unknown) => e);
      expect(conflict).toBeInstanceOf(ConflictError);
      expect((conflict as ConflictError).details).toEqual([expect.objectContaining({ path: 'version' })]);
      expect(await rules.putRules(supplierId, 'routing', { groups: [2] }, 1, at(2))).toBe(2);
      await expect(rules.putRules(supplierId, 'routing', { groups: [3] }, 1, at(3))).rejects.toBeInstanceOf(
        ConflictError,
      );
      expect(await rules.getRules(supplierId, 'routing')).toEqual({
        rules: { groups: [2] },
        version: 2,
        updatedAt: at(2),
      });
      expect(await rules.putRules(supplierId, 'registration', { fields: [] }, 0, at(4))).toBe(1);
      await expect(rules.putRules(newId(), 'routing', {}, 3, at(5))).rejects.toBeInstanceOf(ConflictError);
    });
  });
}

for (const [name, make] of implementations) storeContract(name, make);
