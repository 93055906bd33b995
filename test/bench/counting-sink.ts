/**
 * The counting sink: core's storage ports in memory (test/support's stores),
 * keeping counters instead of leads, so a run of 1,000,000 rows measures the
 * pipeline's own memory and not a database's. The lead store is the in-memory
 * one with `keepLeads: false`: leads are checked against the partners'
 * capacities and counted in their loads, then forgotten, so `getLeads` finds
 * nothing (a repeat of an email in a later chunk is "created" again, unlike on
 * DynamoDB). Tenants and rules (one supplier, 20 partners) are kept as they are;
 * uploads too, their row errors only counted.
 */
import type {
  AliasedLeadWrite,
  AliasedLeadWriteResult,
  HistoryEntry,
  Lead,
  LeadFieldChange,
  LeadFilter,
  LeadStore,
  LoadChange,
  Page,
  PageQuery,
  PutLeadsResult,
  ReplaceLeadOptions,
  ReplaceLeadResult,
  Upload,
  UploadRowErrors,
} from '@leadrelay/core';
import { MemoryLeadStore } from '../support/memory-leads';
import { MemoryUploadStore } from '../support/memory-uploads';

/** What the counting sink counted. */
export interface SinkCounts {
  getLeadsCalls: number;
  leadIdsRead: number;
  putNewLeadsCalls: number;
  leadsWritten: number;
  loadChangesWritten: number;
  overCapacityRefusals: number;
  mergeLeadFieldsCalls: number;
  replaceLeadCalls: number;
  sequenceReservations: number;
  uploadWrites: number;
  rowErrorsWritten: number;
}

/** The in-memory LeadStore that forgets its leads, counting the calls the pipeline makes. */
export class CountingLeadStore implements LeadStore {
  readonly counts: SinkCounts = {
    getLeadsCalls: 0,
    leadIdsRead: 0,
    putNewLeadsCalls: 0,
    leadsWritten: 0,
    loadChangesWritten: 0,
    overCapacityRefusals: 0,
    mergeLeadFieldsCalls: 0,
    replaceLeadCalls: 0,
    sequenceReservations: 0,
    uploadWrites: 0,
    rowErrorsWritten: 0,
  };
  private readonly store = new MemoryLeadStore({ keepLeads: false });

  getLead(leadId: string): Promise<Lead | undefined> {
    return this.store.getLead(leadId);
  }

  writeAliased(write: AliasedLeadWrite): Promise<AliasedLeadWriteResult> {
    return this.store.writeAliased(write);
  }

  getLeads(leadIds: readonly string[]): Promise<Map<string, Lead>> {
    this.counts.getLeadsCalls++;
    this.counts.leadIdsRead += leadIds.length;
    return this.store.getLeads(leadIds);
  }

  async putNewLeads(leads: readonly Lead[], loads: readonly LoadChange[]): Promise<PutLeadsResult> {
    this.counts.putNewLeadsCalls++;
    const result = await this.store.putNewLeads(leads, loads);
    if (result.ok) {
      this.counts.leadsWritten += leads.length;
      this.counts.loadChangesWritten += loads.length;
    } else if (result.overCapacityPartnerIds.length > 0) {
      this.counts.overCapacityRefusals++;
    }
    return result;
  }

  replaceLead(
    previous: Lead,
    next: Lead,
    loads: readonly LoadChange[],
    options?: ReplaceLeadOptions,
  ): Promise<ReplaceLeadResult> {
    this.counts.replaceLeadCalls++;
    return this.store.replaceLead(previous, next, loads, options);
  }

  appendEvent(leadId: string, entry: HistoryEntry, eventId: string): Promise<'ok' | 'seen-before'> {
    return this.store.appendEvent(leadId, entry, eventId);
  }

  mergeLeadFields(leadId: string, change: LeadFieldChange): Promise<Lead | undefined> {
    this.counts.mergeLeadFieldsCalls++;
    return this.store.mergeLeadFields(leadId, change);
  }

  listLeads(supplierId: string, page: PageQuery): Promise<Page<Lead>> {
    return this.store.listLeads(supplierId, page);
  }
  queryLeads(supplierId: string, filter: LeadFilter, page: PageQuery): Promise<Page<Lead>> {
    return this.store.queryLeads(supplierId, filter, page);
  }

  listHistory(leadId: string, page: PageQuery): Promise<Page<HistoryEntry>> {
    return this.store.listHistory(leadId, page);
  }

  listPartnerLeads(supplierId: string, partnerId: string, page: PageQuery): Promise<Page<Lead>> {
    return this.store.listPartnerLeads(supplierId, partnerId, page);
  }

  dueDeadlines(before: Date, limit: number): Promise<Lead[]> {
    return this.store.dueDeadlines(before, limit);
  }

  recordRerouteFailure(
    leadId: string,
    expectedVersion: number,
    failure: NonNullable<Lead['rerouteFailure']>,
  ): Promise<Lead | undefined> {
    return this.store.recordRerouteFailure(leadId, expectedVersion, failure);
  }

  partnerLoads(supplierId: string, partnerIds: readonly string[]): Promise<Map<string, number>> {
    return this.store.partnerLoads(supplierId, partnerIds);
  }

  reserveSequences(supplierId: string, counts: ReadonlyMap<string, number>): Promise<Map<string, number>> {
    this.counts.sequenceReservations++;
    return this.store.reserveSequences(supplierId, counts);
  }
}

/**
 * The in-memory UploadStore (its conditions on status, lease and version), counting
 * its writes; row errors are counted, never kept.
 */
export class CountingUploadStore extends MemoryUploadStore {
  constructor(private readonly counts: SinkCounts) {
    super();
  }

  protected override put(upload: Upload): Upload {
    this.counts.uploadWrites++;
    return super.put(upload);
  }

  override async putRowErrors(
    _supplierId: string,
    _uploadId: string,
    rows: readonly UploadRowErrors[],
  ): Promise<void> {
    this.counts.rowErrorsWritten += rows.length;
  }

  override async listRowErrors(): Promise<Page<UploadRowErrors>> {
    return { items: [], nextCursor: null };
  }
}
