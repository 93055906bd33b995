import type {
  HistoryEntry,
  Lead,
  LeadFieldChange,
  LeadStore,
  LoadChange,
  Page,
  PutLeadsResult,
  ReplaceLeadResult,
} from '@leadrelay/core';

/**
 * Core's LeadStore in memory, with the DynamoDB store's semantics where the
 * tests lean on them: a new lead is put only if its id is free, a replace only
 * if the version is unchanged, load changes honour capacity and land with their
 * leads or not at all, and reserveSequences is an atomic ADD per counter. Every call first
 * awaits `pause` (a scheduler's turn), so concurrent intakes interleave their
 * reads, reservations and writes. No lead history pages, no sharded indexes:
 * the lists answer everything at once.
 */
export class MemoryLeadStore implements LeadStore {
  readonly leads = new Map<string, Lead>();
  readonly pending = new Map<string, number>();
  readonly counters = new Map<string, number>();
  /** reserveSequences calls (one write per chunk, whatever its pools). */
  reservations = 0;

  constructor(private readonly pause: () => Promise<void> = async () => {}) {}

  async getLead(leadId: string): Promise<Lead | undefined> {
    await this.pause();
    return this.leads.get(leadId);
  }

  async getLeads(leadIds: readonly string[]): Promise<Map<string, Lead>> {
    await this.pause();
    const found = new Map<string, Lead>();
    for (const id of leadIds) {
      const lead = this.leads.get(id);
      if (lead) found.set(id, lead);
    }
    return found;
  }

  async putNewLeads(leads: readonly Lead[], loads: readonly LoadChange[]): Promise<PutLeadsResult> {
    await this.pause();
    const existingLeadIds = leads.filter((l) => this.leads.has(l.id)).map((l) => l.id);
    const overCapacityPartnerIds = this.overCapacity(loads);
    if (existingLeadIds.length > 0 || overCapacityPartnerIds.length > 0) {
      return { ok: false, existingLeadIds, overCapacityPartnerIds };
    }
    for (const lead of leads) this.leads.set(lead.id, lead);
    this.applyLoads(loads);
    return { ok: true };
  }

  async replaceLead(previous: Lead, next: Lead, loads: readonly LoadChange[]): Promise<ReplaceLeadResult> {
    await this.pause();
    if (this.leads.get(previous.id)?.version !== previous.version) return 'stale';
    if (this.overCapacity(loads).length > 0) return 'over-capacity';
    this.leads.set(next.id, next);
    this.applyLoads(loads);
    return 'ok';
  }

  async mergeLeadFields(leadId: string, change: LeadFieldChange): Promise<Lead | undefined> {
    await this.pause();
    const lead = this.leads.get(leadId);
    if (!lead) return undefined;
    const merged: Lead = {
      ...lead,
      ...change.fields,
      customFields: { ...lead.customFields, ...change.customFields },
      history: [...lead.history, change.history],
      updatedAt: change.updatedAt,
      version: lead.version + 1,
    };
    this.leads.set(leadId, merged);
    return merged;
  }

  async listPartnerLeads(supplierId: string, partnerId: string): Promise<Page<Lead>> {
    const items = [...this.leads.values()].filter(
      (l) => l.supplierId === supplierId && l.partnerId === partnerId,
    );
    return { items, nextCursor: null };
  }

  /** The history the lead item carries (this store keeps no history items), newest first, in one page. */
  async listHistory(leadId: string): Promise<Page<HistoryEntry>> {
    return { items: [...(this.leads.get(leadId)?.history ?? [])].reverse(), nextCursor: null };
  }

  async listLeads(supplierId: string): Promise<Page<Lead>> {
    return { items: [...this.leads.values()].filter((l) => l.supplierId === supplierId), nextCursor: null };
  }

  async dueDeadlines(before: Date, limit: number): Promise<Lead[]> {
    await this.pause();
    return [...this.leads.values()]
      .filter(
        (l) =>
          l.partnerId !== null &&
          (l.distributionStatus === 'Pending' || l.distributionStatus === 'Rerouted') &&
          l.deadlineAt !== undefined &&
          l.rerouteFailure?.flaggedAt === undefined &&
          l.deadlineAt < before.toISOString(),
      )
      .sort((a, b) => String(a.deadlineAt).localeCompare(String(b.deadlineAt)))
      .slice(0, limit);
  }

  async recordRerouteFailure(
    leadId: string,
    expectedVersion: number,
    failure: NonNullable<Lead['rerouteFailure']>,
  ): Promise<Lead | undefined> {
    await this.pause();
    const lead = this.leads.get(leadId);
    if (lead?.version !== expectedVersion) return undefined;
    const marked = { ...lead, rerouteFailure: failure, version: lead.version + 1 };
    this.leads.set(leadId, marked);
    return marked;
  }

  async partnerLoads(_supplierId: string, partnerIds: readonly string[]): Promise<Map<string, number>> {
    await this.pause();
    return new Map(partnerIds.map((id) => [id, this.pending.get(id) ?? 0]));
  }

  async reserveSequences(
    supplierId: string,
    counts: ReadonlyMap<string, number>,
  ): Promise<Map<string, number>> {
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

  private overCapacity(loads: readonly LoadChange[]): string[] {
    return loads
      .filter(
        (l) =>
          l.delta > 0 && l.capacity !== null && (this.pending.get(l.partnerId) ?? 0) + l.delta > l.capacity,
      )
      .map((l) => l.partnerId);
  }

  private applyLoads(loads: readonly LoadChange[]): void {
    for (const l of loads) this.pending.set(l.partnerId, (this.pending.get(l.partnerId) ?? 0) + l.delta);
  }
}
