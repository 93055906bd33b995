import {
  type AliasedLeadWrite,
  type AliasedLeadWriteResult,
  type HistoryEntry,
  type Lead,
  type LeadFieldChange,
  type LeadFilter,
  type LeadStore,
  type LoadChange,
  leadDate,
  MAX_ENTRIES_ON_LEAD,
  matchesFilter,
  newId,
  newLeadsWrite,
  type Page,
  type PageQuery,
  type PutLeadsResult,
  type ReplaceLeadOptions,
  type ReplaceLeadResult,
  replaceLeadWrite,
} from '@leadrelay/core';
import { filterHash } from '@leadrelay/store';
import { keyedPage } from './memory-pages';

export interface MemoryLeadStoreOptions {
  /** Awaited first by every call (a scheduler's turn), so concurrent use cases interleave their reads and writes. */
  pause?: () => Promise<void>;
  /**
   * `false`: leads are checked (capacity) and counted in the partners' loads, then
   * forgotten, so a run of a million rows measures the pipeline's memory and not
   * this store's (the bench). Then nothing is ever found: a repeat of an email in
   * a later chunk is created again, unlike on DynamoDB.
   */
  keepLeads?: boolean;
}

/** One LeadHistory item: the entries one change appended, under the DynamoDB store's sort key. */
interface HistoryItem {
  key: string;
  entries: HistoryEntry[];
}

interface StoredLead {
  /** The lead item, as getLead answers it: its history is the entries in no history item. */
  item: Lead;
  history: HistoryItem[];
  /** Outside events applied to the lead (the LeadEvent items). */
  events: Set<string>;
}

const copy = <T>(value: T): T => structuredClone(value);

/** The lead as its item holds it: no undefined fields. */
function asItem(lead: Lead): Lead {
  return copy(Object.fromEntries(Object.entries(lead).filter(([, v]) => v !== undefined)) as Lead);
}

/** The key of a history item written with a lead's version, or of a merge (its own id): the DynamoDB store's SK. */
function historyKey(at: string, change: string): string {
  return `${at}#${change}`;
}
const versionChange = (version: number) => `v${String(version).padStart(10, '0')}`;

/** The GSI1 / GSI2 sort key: newest first is descending. */
const createdKey = (lead: Lead) => `${lead.createdAt}#${lead.id}`;

/** A lead with a partner who has not acted yet, not given up on by the sweep: in the deadline index. */
function waitsForDeadline(lead: Lead): boolean {
  return (
    lead.partnerId !== null &&
    (lead.distributionStatus === 'Pending' || lead.distributionStatus === 'Rerouted') &&
    lead.rerouteFailure?.flaggedAt === undefined &&
    lead.deadlineAt !== undefined
  );
}

/**
 * Core's LeadStore in memory, with the DynamoDB store's semantics (the contract
 * suite, test/integration/store-contract.test.ts, runs the same checks on both):
 * a new lead is put only if its id is free; a replace only on an unchanged
 * version and the history read (a merge's answer is stale), and an event applied
 * once (`seen-before` after); load changes honour
 * the capacity and land with their leads or not at all; a write of a shape no
 * store takes (core's newLeadsWrite, replaceLeadWrite) is refused before anything
 * is written; a new lead is one item with its first history entries, a change keeps
 * the latest entries on it and moves the older ones to history items, and the whole
 * history pages newest first; lists page newest first with cursors bound to their
 * list; reserveSequences is an atomic ADD per counter. Each call runs to its end without a turn of the event loop
 * after its `pause`, so it is as atomic as the transaction it stands for.
 */
export class MemoryLeadStore implements LeadStore {
  private readonly stored = new Map<string, StoredLead>();
  /** Pending counts by `<supplierId>#<partnerId>` (the PartnerLoad items). */
  private readonly pending = new Map<string, number>();
  /** Sequence counters by `<supplierId>#<counter>`. */
  readonly counters = new Map<string, number>();
  /** reserveSequences calls (one write per chunk, whatever its pools). */
  reservations = 0;
  private readonly pause: () => Promise<void>;
  private readonly keepLeads: boolean;

  constructor(options: MemoryLeadStoreOptions = {}) {
    this.pause = options.pause ?? (async () => {});
    this.keepLeads = options.keepLeads ?? true;
  }

  /**
   * Every lead with its whole history, oldest first (the lead item and its history
   * items): what a test inspects. A copy: a test puts leads with putNewLeads.
   */
  get leads(): ReadonlyMap<string, Lead> {
    return new Map(
      [...this.stored].map(([id, stored]) => [
        id,
        copy({
          ...stored.item,
          history: withLeadEntries(stored)
            .sort(byKey)
            .flatMap((h) => h.entries),
        }),
      ]),
    );
  }

  /** Email ids claimed by registered partner leads (the DynamoDB store's LeadAlias items): id → lead id. */
  private readonly aliases = new Map<string, string>();

  private item(leadId: string): Lead | undefined {
    return this.stored.get(this.aliases.get(leadId) ?? leadId)?.item;
  }

  async getLead(leadId: string): Promise<Lead | undefined> {
    await this.pause();
    const lead = this.item(leadId);
    return lead && copy(lead);
  }

  async getLeads(leadIds: readonly string[]): Promise<Map<string, Lead>> {
    await this.pause();
    const found = new Map<string, Lead>();
    for (const id of leadIds) {
      const lead = this.item(id);
      if (lead) found.set(id, copy(lead));
    }
    return found;
  }

  async writeAliased(write: AliasedLeadWrite): Promise<AliasedLeadWriteResult> {
    await this.pause();
    const fresh = (lead: Lead) => {
      const stored = this.stored.get(lead.id)?.item;
      return stored?.version === lead.version && stored.history.length === lead.history.length;
    };
    const ownFresh = write.previous ? fresh(write.previous) : !this.stored.has(write.next.id);
    if (!ownFresh || (write.linked && !fresh(write.linked.previous))) return 'stale';
    if ((write.releases ?? []).some((id) => this.aliases.get(id) !== write.next.id)) return 'stale';
    if ((write.claims ?? []).some((id) => this.stored.has(id) || this.aliases.has(id))) return 'claimed';
    if (write.previous) this.replaceNow(write.previous, write.next, []);
    else this.stored.set(write.next.id, { item: asItem(write.next), history: [], events: new Set() });
    if (write.linked) this.replaceNow(write.linked.previous, write.linked.next, []);
    for (const id of write.releases ?? []) this.aliases.delete(id);
    for (const id of write.claims ?? []) this.aliases.set(id, write.next.id);
    return 'ok';
  }

  async putNewLeads(leads: readonly Lead[], loads: readonly LoadChange[]): Promise<PutLeadsResult> {
    const changes = newLeadsWrite(leads, loads);
    await this.pause();
    if (leads.length + changes.length === 0) return { ok: true };
    const supplierId = this.loadsSupplier(leads, changes);
    const existingLeadIds = leads
      .filter((l) => this.stored.has(l.id) || this.aliases.has(l.id))
      .map((l) => l.id);
    const overCapacityPartnerIds = this.overCapacity(supplierId, changes);
    if (existingLeadIds.length > 0 || overCapacityPartnerIds.length > 0) {
      return { ok: false, existingLeadIds, overCapacityPartnerIds };
    }
    if (this.keepLeads) {
      // A new lead is one item holding its first history entries.
      for (const lead of leads)
        this.stored.set(lead.id, { item: asItem(lead), history: [], events: new Set() });
    }
    this.applyLoads(supplierId, changes);
    return { ok: true };
  }

  async replaceLead(
    previous: Lead,
    next: Lead,
    loads: readonly LoadChange[],
    options: ReplaceLeadOptions = {},
  ): Promise<ReplaceLeadResult> {
    replaceLeadWrite(previous, next, loads);
    await this.pause();
    return this.replaceNow(previous, next, loads, options);
  }

  /** replaceLead after its pause: synchronous, so a write of several leads is atomic. */
  private replaceNow(
    previous: Lead,
    next: Lead,
    loads: readonly LoadChange[],
    options: ReplaceLeadOptions = {},
  ): ReplaceLeadResult {
    const { kept, evicted, changes } = replaceLeadWrite(previous, next, loads);
    const stored = this.stored.get(previous.id);
    if (options.event !== undefined && stored?.events.has(options.event)) return 'seen-before';
    // The entries on the item are part of what was read: a merge's answer (its entry is in an item of its own) is stale.
    if (stored?.item.version !== previous.version || stored.item.history.length !== previous.history.length) {
      return 'stale';
    }
    if (this.overCapacity(next.supplierId, changes).length > 0) return 'over-capacity';
    stored.item = asItem({ ...next, history: kept });
    evicted.forEach((entries, i) => {
      const change = `${versionChange(next.version)}${evicted.length > 1 ? `-${String(i).padStart(2, '0')}` : ''}`;
      stored.history.push({ key: historyKey(entries[0]?.at ?? '', change), entries: copy(entries) });
    });
    if (options.event !== undefined) stored.events.add(options.event);
    this.applyLoads(next.supplierId, changes);
    return 'ok';
  }

  async appendEvent(leadId: string, entry: HistoryEntry, eventId: string): Promise<'ok' | 'seen-before'> {
    await this.pause();
    const stored = this.stored.get(leadId);
    if (!stored || stored.events.has(eventId)) return 'seen-before';
    stored.events.add(eventId);
    stored.history.push({ key: historyKey(entry.at, `e${eventId}`), entries: [copy(entry)] });
    return 'ok';
  }

  async mergeLeadFields(leadId: string, change: LeadFieldChange): Promise<Lead | undefined> {
    await this.pause();
    const stored = this.stored.get(leadId);
    if (!stored) return undefined;
    const lead = stored.item;
    const onLead = lead.history.length < MAX_ENTRIES_ON_LEAD;
    stored.item = {
      ...lead,
      ...copy(change.fields),
      customFields: { ...lead.customFields, ...copy(change.customFields) },
      // The entry joins the lead's own; a lead merged this often with no change between gets an item of its own.
      history: onLead ? [...lead.history, copy(change.history)] : lead.history,
      updatedAt: change.updatedAt,
      version: lead.version + 1,
    };
    if (onLead) return copy(stored.item);
    stored.history.push({
      key: historyKey(change.history.at, `m${newId()}`),
      entries: [copy(change.history)],
    });
    return copy({ ...stored.item, history: [...stored.item.history, change.history] });
  }

  async listHistory(leadId: string, page: PageQuery): Promise<Page<HistoryEntry>> {
    await this.pause();
    const stored = this.stored.get(leadId);
    const entries = (stored ? withLeadEntries(stored) : []).flatMap(({ key, entries }) =>
      entries.map((entry, i) => ({ key: `${key}#${String(i).padStart(4, '0')}`, value: entry })),
    );
    return keyedPage(`history/${leadId}`, entries, page);
  }

  async listPartnerLeads(supplierId: string, partnerId: string, page: PageQuery): Promise<Page<Lead>> {
    await this.pause();
    const leads = this.items().filter((l) => l.supplierId === supplierId && l.partnerId === partnerId);
    return keyedPage(
      `partner/${supplierId}/${partnerId}`,
      leads.map((l) => ({ key: createdKey(l), value: l })),
      page,
    );
  }

  async listLeads(supplierId: string, page: PageQuery): Promise<Page<Lead>> {
    await this.pause();
    const leads = this.items().filter((l) => l.supplierId === supplierId);
    return keyedPage(
      `leads/${supplierId}`,
      leads.map((l) => ({ key: createdKey(l), value: l })),
      page,
    );
  }

  /** The view by brute force: core's matchesFilter and compareLeads' key, a cursor bound to supplier and filter. */
  async queryLeads(supplierId: string, filter: LeadFilter, page: PageQuery): Promise<Page<Lead>> {
    await this.pause();
    const leads = this.items().filter((l) => l.supplierId === supplierId && matchesFilter(l, filter));
    return keyedPage(
      `view/${supplierId}/${filterHash(filter)}`,
      leads.map((l) => ({ key: `${leadDate(l, filter.sort)}#${l.id}`, value: l })),
      page,
      filter.order === 'asc' ? 'oldest-first' : 'newest-first',
    );
  }

  async dueDeadlines(before: Date, limit: number): Promise<Lead[]> {
    await this.pause();
    // The DynamoDB store's condition on the index's sort key: `<deadlineAt>#<leadId>` < `<before>#~`.
    const upper = `${before.toISOString()}#~`;
    return this.items()
      .filter(waitsForDeadline)
      .map((lead) => ({ key: `${lead.deadlineAt}#${lead.id}`, lead }))
      .filter(({ key }) => key < upper)
      .sort((a, b) => a.key.localeCompare(b.key))
      .slice(0, limit)
      .map(({ lead }) => lead);
  }

  async recordRerouteFailure(
    leadId: string,
    expectedVersion: number,
    failure: NonNullable<Lead['rerouteFailure']>,
  ): Promise<Lead | undefined> {
    await this.pause();
    const stored = this.stored.get(leadId);
    if (stored?.item.version !== expectedVersion) return undefined;
    stored.item = { ...stored.item, rerouteFailure: copy(failure), version: expectedVersion + 1 };
    return copy(stored.item);
  }

  async partnerLoads(supplierId: string, partnerIds: readonly string[]): Promise<Map<string, number>> {
    await this.pause();
    return new Map(partnerIds.map((id) => [id, this.pending.get(`${supplierId}#${id}`) ?? 0]));
  }

  async reserveSequences(
    supplierId: string,
    counts: ReadonlyMap<string, number>,
  ): Promise<Map<string, number>> {
    for (const [counter, count] of counts) {
      if (!Number.isInteger(count) || count < 1) {
        throw new Error(`count must be a positive integer, got ${count} for ${counter}`);
      }
    }
    await this.pause();
    this.reservations++;
    const firsts = new Map<string, number>();
    for (const [counter, count] of counts) {
      const key = `${supplierId}#${counter}`;
      const first = this.counters.get(key) ?? 0;
      this.counters.set(key, first + count);
      firsts.set(counter, first);
    }
    return firsts;
  }

  /** Copies of the lead items. */
  private items(): Lead[] {
    return [...this.stored.values()].map(({ item }) => copy(item));
  }

  /** The supplier whose partners the load changes move: that of the leads, exactly one. */
  private loadsSupplier(leads: readonly Lead[], changes: readonly LoadChange[]): string {
    const suppliers = new Set(leads.map((l) => l.supplierId));
    const [supplierId] = suppliers;
    if (changes.length > 0 && (suppliers.size !== 1 || supplierId === undefined)) {
      throw new Error(
        "Load changes need the leads of exactly one supplier (the loads are that supplier's partners)",
      );
    }
    return supplierId ?? '';
  }

  private overCapacity(supplierId: string, changes: readonly LoadChange[]): string[] {
    return changes
      .filter(
        (c) =>
          c.delta > 0 &&
          c.capacity !== null &&
          (this.pending.get(`${supplierId}#${c.partnerId}`) ?? 0) + c.delta > c.capacity,
      )
      .map((c) => c.partnerId);
  }

  private applyLoads(supplierId: string, changes: readonly LoadChange[]): void {
    for (const c of changes) {
      const key = `${supplierId}#${c.partnerId}`;
      this.pending.set(key, (this.pending.get(key) ?? 0) + c.delta);
    }
  }
}

/** The history items, with the entries on the lead item as one-entry items of their own (as listHistory merges them). */
function withLeadEntries({ item, history }: StoredLead): HistoryItem[] {
  const onLead = item.history.map((entry, i) => ({
    key: historyKey(entry.at, `w${String(i).padStart(3, '0')}`),
    entries: [entry],
  }));
  return [...history, ...onLead];
}

const byKey = (a: HistoryItem, b: HistoryItem) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
