import { QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  accept,
  applyEmailEvent,
  changeLead,
  type HistoryEntry,
  LEAD_HISTORY_WINDOW,
  type Lead,
  leadIdFor,
  NOTIFICATION_TAGS,
  newId,
  parseSesEvent,
  pipelineUpdate,
  ValidationError,
} from '@leadrelay/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { rawLeadItem, testTable } from '../support/store';

/**
 * A lead's history on DynamoDB Local: a new lead is one item with its first
 * entries; the lead item stays small however many events its email gets, every
 * change moves what leaves the lead into history items in its own transaction, repeated Opens and Clicks count once
 * per assignment, and a redelivered SES event changes nothing.
 */

let table: Awaited<ReturnType<typeof testTable>>;

beforeAll(async () => {
  table = await testTable('history');
});

const clock = { now: () => new Date() };
const deps = () => ({ leads: table.leads, tenants: table.tenants, clock });

/** A Pending lead with a partner whose decide email went out (message `messageId`), stored as intake stores it. */
async function notifiedLead(messageId: string): Promise<Lead> {
  const supplierId = newId();
  const email = `${crypto.randomUUID()}@buyer.example`;
  const now = new Date().toISOString();
  const lead: Lead = {
    id: leadIdFor(supplierId, email),
    supplierId,
    type: 'distributed',
    email,
    firstName: 'Ada',
    score: 50,
    source: 'API',
    customFields: {},
    partnerId: 'P1',
    partnerName: 'Partner One',
    distributionStatus: 'Pending',
    emailStatus: 'Sent',
    rerouteCount: 0,
    assignmentVersion: 1,
    assignedAt: now,
    notified: { assignmentVersion: 1, attempt: 0, kind: 'decide', messageId, at: now },
    previousPartnerIds: [],
    displayEmail: email,
    history: [
      { at: now, type: 'created', actor: 'supplier', detail: { source: 'API' } },
      { at: now, type: 'routed', actor: 'system', detail: { partnerId: 'P1' } },
    ],
    createdAt: now,
    updatedAt: now,
    distributionStatusChangedAt: now,
    version: 1,
  };
  expect(await table.leads.putNewLeads([lead], [])).toEqual({ ok: true });
  return lead;
}

/** An SES event of the lead's email; `at` is the event's own time (SES's identity: message, type, time). */
function sesEvent(lead: Lead, messageId: string, eventType: 'Open' | 'Click' | 'Delivery', at: string) {
  return parseSesEvent({
    eventType,
    mail: {
      messageId,
      timestamp: lead.createdAt,
      tags: {
        [NOTIFICATION_TAGS.leadId]: [lead.id],
        [NOTIFICATION_TAGS.assignmentVersion]: [String(lead.assignmentVersion)],
        [NOTIFICATION_TAGS.attempt]: ['0'],
        [NOTIFICATION_TAGS.kind]: ['decide'],
      },
    },
    [eventType.charAt(0).toLowerCase() + eventType.slice(1)]: { timestamp: at },
  });
}

/** The lead item's size as stored (bytes of its attribute names and values, as DynamoDB counts them roughly). */
async function leadItemBytes(leadId: string): Promise<number> {
  return Buffer.byteLength(JSON.stringify(await rawLeadItem(table, leadId)));
}

async function wholeHistory(leadId: string, limit = 500): Promise<HistoryEntry[]> {
  const all: HistoryEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await table.leads.listHistory(leadId, { limit, ...(cursor ? { cursor } : {}) });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

/** Every item in the lead's partition, as stored. */
async function partitionItems(leadId: string) {
  const { Items = [] } = await table.client.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': { S: `LEAD#${leadId}` } },
    }),
  );
  return Items;
}

async function lead(id: string): Promise<Lead> {
  const found = await table.leads.getLead(id);
  if (!found) throw new Error(`no lead ${id}`);
  return found;
}

describe('lead history on DynamoDB Local', () => {
  // Opens arrive one at a time (each a conditional write on the lead), so this applies 300 rather
  // than the ~1,500 that once pushed the item past 400 KB: what it asserts is that the item does
  // not grow with them. Before history had items of its own, each distinct Open added ~250 bytes.
  it('takes 300 distinct Opens on one lead without the lead item growing, then the accept still succeeds', async () => {
    const messageId = `msg-${crypto.randomUUID()}`;
    const created = await notifiedLead(messageId);
    const base = Date.now();
    const opens = 300;
    const applyOpen = async (i: number) =>
      expect(
        await applyEmailEvent(deps(), sesEvent(created, messageId, 'Open', new Date(base + i).toISOString())),
      ).toBe('applied');
    for (let i = 0; i < 10; i++) await applyOpen(i);
    const bytesAfterTen = await leadItemBytes(created.id);
    for (let i = 10; i < opens; i++) await applyOpen(i);
    // Only the count's digits may grow; 290 more entries on the item would be ~70 KB.
    expect((await leadItemBytes(created.id)) - bytesAfterTen).toBeLessThan(100);
    // A redelivered Open (one of the first, long out of the lead's latest entries) counts nothing.
    expect(
      await applyEmailEvent(deps(), sesEvent(created, messageId, 'Open', new Date(base + 1).toISOString())),
    ).toBe('seen-before');

    const opened = await lead(created.id);
    expect(opened).toMatchObject({
      emailStatus: 'Opened',
      emailReads: { assignmentVersion: 1, opens, clicks: 0 },
    });
    expect(opened.history.length).toBeLessThanOrEqual(LEAD_HISTORY_WINDOW);
    const accepted = await changeLead(table.leads, created.id, (l) =>
      accept(l, { partnerId: 'P1', actor: 'partner:P1', via: 'api', now: new Date() }),
    );
    expect(accepted).toMatchObject({ changed: true, lead: { distributionStatus: 'Accepted' } });
    // A lead item of a few KB, whatever its email's history.
    expect(await leadItemBytes(created.id)).toBeLessThan(8_000);

    const history = await wholeHistory(created.id);
    expect(history.map((h) => h.type)).toEqual(['accepted', 'email.Open', 'routed', 'created']);
  }, 120_000);

  it('records a racing redelivery of one event once, and counts repeats once each', async () => {
    const messageId = `msg-${crypto.randomUUID()}`;
    const created = await notifiedLead(messageId);
    const first = sesEvent(created, messageId, 'Click', '2026-01-01T10:00:00.000Z');
    const second = sesEvent(created, messageId, 'Click', '2026-01-01T10:00:01.000Z');

    const outcomes = await Promise.all([
      ...Array.from({ length: 4 }, () => applyEmailEvent(deps(), first)),
      ...Array.from({ length: 4 }, () => applyEmailEvent(deps(), second)),
    ]);

    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(2);
    expect(outcomes.filter((o) => o === 'seen-before')).toHaveLength(6);
    const after = await lead(created.id);
    expect(after).toMatchObject({ emailStatus: 'Clicked', emailReads: { clicks: 2, opens: 0 } });
    expect((await wholeHistory(created.id)).filter((h) => h.type === 'email.Click')).toHaveLength(1);
  });

  it('counts the Opens of each assignment apart', async () => {
    const messageId = `msg-${crypto.randomUUID()}`;
    const created = await notifiedLead(messageId);
    await applyEmailEvent(deps(), sesEvent(created, messageId, 'Open', '2026-01-01T10:00:00.000Z'));
    // Rerouted by hand: a new assignment, its own email and its own counts.
    const moved = await changeLead(table.leads, created.id, (l) => ({
      next: {
        ...l,
        partnerId: 'P2',
        assignmentVersion: 2,
        notified: { assignmentVersion: 2, attempt: 0, kind: 'decide', messageId: 'm2', at: l.updatedAt },
        history: [
          ...l.history,
          { at: new Date().toISOString(), type: 'assigned', actor: 'supplier', detail: {} },
        ],
        version: l.version + 1,
      },
      loads: [],
    }));
    expect(moved).toMatchObject({ changed: true });
    const second = { ...created, assignmentVersion: 2 };
    await applyEmailEvent(deps(), sesEvent(second, 'm2', 'Open', '2026-01-01T11:00:00.000Z'));
    await applyEmailEvent(deps(), sesEvent(second, 'm2', 'Open', '2026-01-01T11:00:01.000Z'));

    expect((await lead(created.id)).emailReads).toEqual({ assignmentVersion: 2, opens: 2, clicks: 0 });
    expect((await wholeHistory(created.id)).filter((h) => h.type === 'email.Open')).toHaveLength(2);
  });

  it('writes neither the lead nor its history item when a change loses the race', async () => {
    const messageId = `msg-${crypto.randomUUID()}`;
    const created = await notifiedLead(messageId);
    const now = new Date();
    const acceptIt = accept(created, { partnerId: 'P1', actor: 'partner:P1', via: 'api', now });
    if (!('next' in acceptIt)) throw new Error('accept refused');
    const other = {
      ...created,
      version: created.version + 1,
      history: [...created.history, entry('noted', now)],
    };

    expect(await table.leads.replaceLead(created, other, [])).toBe('ok');
    expect(await table.leads.replaceLead(created, acceptIt.next, [])).toBe('stale');

    expect((await wholeHistory(created.id)).map((h) => h.type)).toEqual(['noted', 'routed', 'created']);
    expect((await lead(created.id)).distributionStatus).toBe('Pending');
  });

  it('pages the whole history newest first, each entry once, with merges and intake entries, at any page size', async () => {
    const messageId = `msg-${crypto.randomUUID()}`;
    const created = await notifiedLead(messageId);
    const base = Date.parse(created.createdAt);
    for (let i = 1; i <= 7; i++) {
      const outcome = await changeLead(table.leads, created.id, (l) => ({
        next: {
          ...l,
          // Two entries in one change land in one history item: pages may split it.
          history: [
            ...l.history,
            entry(`step-${i}a`, new Date(base + i * 1000)),
            entry(`step-${i}b`, new Date(base + i * 1000)),
          ],
          version: l.version + 1,
        },
        loads: [],
      }));
      expect(outcome).toMatchObject({ changed: true });
    }
    await table.leads.mergeLeadFields(created.id, {
      fields: { company: 'Merged Ltd' },
      customFields: {},
      history: entry('updated', new Date(base + 10_000)),
      updatedAt: new Date(base + 10_000).toISOString(),
    });
    const expected = [
      'updated',
      ...Array.from({ length: 7 }, (_, i) => [`step-${7 - i}b`, `step-${7 - i}a`]).flat(),
      'routed',
      'created',
    ];

    for (const limit of [1, 2, 3, 5, 17, 18, 500]) {
      expect((await wholeHistory(created.id, limit)).map((h) => h.type)).toEqual(expected);
    }
    expect((await lead(created.id)).company).toBe('Merged Ltd');
  });

  it("refuses another lead's cursor and one that is not a cursor", async () => {
    const one = await notifiedLead('m-one');
    const two = await notifiedLead('m-two');
    const page = await table.leads.listHistory(one.id, { limit: 1 });
    expect(page.nextCursor).not.toBeNull();

    await expect(
      table.leads.listHistory(two.id, { limit: 1, cursor: page.nextCursor ?? '' }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      table.leads.listHistory(one.id, { limit: 1, cursor: 'not-a-cursor' }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('writes a new lead as one item holding its first entries, and lists them', async () => {
    const created = await notifiedLead(`msg-${crypto.randomUUID()}`);

    expect((await partitionItems(created.id)).map((i) => i.entity?.S)).toEqual(['Lead']);
    expect((await wholeHistory(created.id, 1)).map((h) => h.type)).toEqual(['routed', 'created']);
  });

  it('appends a merge’s entry to the lead in one write; a change built on its answer moves it off in order', async () => {
    const created = await notifiedLead(`msg-${crypto.randomUUID()}`);
    const at = new Date(Date.parse(created.createdAt) + 1000);
    const merged = await table.leads.mergeLeadFields(created.id, {
      fields: { company: 'Merged Ltd' },
      customFields: {},
      history: entry('updated', at),
      updatedAt: at.toISOString(),
    });
    if (!merged) throw new Error('merge found no lead');

    expect(merged.history.map((h) => h.type)).toEqual(['created', 'routed', 'updated']);
    expect((await partitionItems(created.id)).map((i) => i.entity?.S)).toEqual(['Lead']);
    const noted = {
      ...merged,
      version: merged.version + 1,
      history: [...merged.history, entry('noted', new Date(at.getTime() + 1000))],
    };
    expect(await table.leads.replaceLead(merged, noted, [])).toBe('ok');
    expect((await lead(created.id)).history.map((h) => h.type)).toEqual(['updated', 'noted']);
    expect((await wholeHistory(created.id, 1)).map((h) => h.type)).toEqual([
      'noted',
      'updated',
      'routed',
      'created',
    ]);
  });

  it('gives the merges past 20 entries on an unchanged lead items of their own, and refuses a change built on such an answer', async () => {
    const created = await notifiedLead(`msg-${crypto.randomUUID()}`);
    const base = Date.parse(created.createdAt);
    const merge = (i: number) =>
      table.leads.mergeLeadFields(created.id, {
        fields: { company: `Merged ${i}` },
        customFields: {},
        history: entry(`merge-${i}`, new Date(base + i * 1000)),
        updatedAt: new Date(base + i * 1000).toISOString(),
      });
    for (let i = 1; i <= 17; i++) await merge(i);
    // The lead's two first entries and 18 merges fill the lead; the 19th has an item of its own.
    const onItem = await merge(18);
    const ownItem = await merge(19);
    if (!onItem || !ownItem) throw new Error('merge found no lead');

    expect(onItem.history).toHaveLength(20);
    expect((await lead(created.id)).history).toHaveLength(20);
    expect(ownItem.history.at(-1)?.type).toBe('merge-19');
    expect((await partitionItems(created.id)).map((i) => i.entity?.S).sort()).toEqual([
      'Lead',
      'LeadHistory',
    ]);
    const expected = [...Array.from({ length: 19 }, (_, i) => `merge-${19 - i}`), 'routed', 'created'];
    expect((await wholeHistory(created.id, 3)).map((h) => h.type)).toEqual(expected);

    // The answer carries merge-19, which is not among the entries on the lead: stale, and nothing written twice.
    const noted = {
      ...ownItem,
      version: ownItem.version + 1,
      history: [...ownItem.history, entry('noted', new Date(base + 30_000))],
    };
    expect(await table.leads.replaceLead(ownItem, noted, [])).toBe('stale');
    const fresh = await lead(created.id);
    expect(
      await table.leads.replaceLead(
        fresh,
        {
          ...fresh,
          version: fresh.version + 1,
          history: [...fresh.history, entry('noted', new Date(base + 30_000))],
        },
        [],
      ),
    ).toBe('ok');
    expect((await wholeHistory(created.id, 7)).map((h) => h.type)).toEqual(['noted', ...expected]);
    expect((await lead(created.id)).history).toHaveLength(2);
  });

  it('keeps a merge between the entries a change moves off the lead, by time', async () => {
    const created = await notifiedLead(`msg-${crypto.randomUUID()}`);
    const base = Date.parse(created.createdAt);
    const step = (types: string[], ms: number) =>
      changeLead(table.leads, created.id, (l) => ({
        next: {
          ...l,
          version: l.version + 1,
          history: [...l.history, ...types.map((t) => entry(t, new Date(base + ms)))],
        },
        loads: [],
      }));
    expect(await step(['a'], 1000)).toMatchObject({ changed: true });
    expect(await step(['b'], 3000)).toMatchObject({ changed: true });
    await table.leads.mergeLeadFields(created.id, {
      fields: { company: 'Merged Ltd' },
      customFields: {},
      history: entry('updated', new Date(base + 2000)),
      updatedAt: new Date(base + 2000).toISOString(),
    });
    // Two entries at once move both of the lead's own (a at 1 s, b at 3 s) into history items.
    expect(await step(['c', 'd'], 9000)).toMatchObject({ changed: true });

    for (const limit of [1, 2, 3, 10]) {
      expect((await wholeHistory(created.id, limit)).map((h) => h.type)).toEqual([
        'd',
        'c',
        'b',
        'updated',
        'a',
        'routed',
        'created',
      ]);
    }
    expect((await lead(created.id)).history.map((h) => h.type)).toEqual(['c', 'd']);
  });

  it('keeps every history item in the lead’s own partition, apart from the lead', async () => {
    const messageId = `msg-${crypto.randomUUID()}`;
    const created = await notifiedLead(messageId);
    await applyEmailEvent(deps(), sesEvent(created, messageId, 'Delivery', '2026-01-01T10:00:00.000Z'));
    const pipeline = await changeLead(table.leads, created.id, (l) => {
      const accepted = accept(l, { partnerId: 'P1', actor: 'partner:P1', via: 'api', now: new Date() });
      if (!('next' in accepted)) return accepted;
      return pipelineUpdate(accepted.next, {
        partnerId: 'P1',
        actor: 'partner:P1',
        now: new Date(),
        pipelineStatus: 'Contacted',
      });
    });
    expect(pipeline).toMatchObject({ changed: true });

    const kinds = (await partitionItems(created.id)).map((i) => i.entity?.S).sort();
    // The Delivery after the Send changes nothing of the lead: its entry is an item of its own at once.
    expect(kinds).toEqual(['Lead', 'LeadEvent', 'LeadHistory', 'LeadHistory']);
  });
});

function entry(type: string, at: Date): HistoryEntry {
  return { at: at.toISOString(), type, actor: 'system', detail: {} };
}
