/**
 * The counting sink: core's storage ports in memory (test/support's stores),
 * keeping counters instead of leads, so a run of 1,000,000 rows measures the
 * pipeline's own memory and not a database's. The lead store is the in-memory
 * one with `keepLeads: false`: leads are checked against the partners'
 * capacities and counted in their loads, then forgotten, so `getLeads` finds
 * nothing (a repeat of an email in a later chunk is "created" again, unlike on
 * DynamoDB). Tenants and rules (one supplier, 20 partners) are kept as they are.
 */
import type {
  HistoryEntry,
  Lead,
  LeadFieldChange,
  LeadStore,
  LoadChange,
  Page,
  PageQuery,
  PutLeadsResult,
  ReplaceLeadOptions,
  ReplaceLeadResult,
  Upload,
  UploadClaim,
  UploadEnd,
  UploadObject,
  UploadOutcome,
  UploadProgress,
  UploadRowErrors,
  UploadStore,
} from '@leadrelay/core';
import { MemoryLeadStore } from '../support/memory-leads';

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

  mergeLeadFields(leadId: string, change: LeadFieldChange): Promise<Lead | undefined> {
    this.counts.mergeLeadFieldsCalls++;
    return this.store.mergeLeadFields(leadId, change);
  }

  listLeads(supplierId: string, page: PageQuery): Promise<Page<Lead>> {
    return this.store.listLeads(supplierId, page);
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

  reserveSequence(supplierId: string, counter: string, count: number): Promise<number> {
    this.counts.sequenceReservations++;
    return this.store.reserveSequence(supplierId, counter, count);
  }
}

/**
 * Uploads in memory, with the DynamoDB store's conditions (status, lease, version),
 * so the pipeline runs its real course. Row errors are counted, never kept.
 */
export class CountingUploadStore implements UploadStore {
  private readonly uploads = new Map<string, Upload>();

  constructor(private readonly counts: SinkCounts) {}

  private key(supplierId: string, uploadId: string): string {
    return `${supplierId}#${uploadId}`;
  }

  private save(upload: Upload): Upload {
    this.counts.uploadWrites++;
    this.uploads.set(this.key(upload.supplierId, upload.id), upload);
    return upload;
  }

  async createUpload(upload: Upload): Promise<'created' | 'exists'> {
    if (this.uploads.has(this.key(upload.supplierId, upload.id))) return 'exists';
    this.save(upload);
    return 'created';
  }

  async getUpload(supplierId: string, uploadId: string): Promise<Upload | undefined> {
    return this.uploads.get(this.key(supplierId, uploadId));
  }

  async listUploads(supplierId: string): Promise<Page<Upload>> {
    return { items: [...this.uploads.values()].filter((u) => u.supplierId === supplierId), nextCursor: null };
  }

  async claimUpload(supplierId: string, uploadId: string, claim: UploadClaim): Promise<Upload | undefined> {
    const upload = this.uploads.get(this.key(supplierId, uploadId));
    if (!upload) return undefined;
    const startable =
      upload.status === 'received' ||
      (upload.status === 'awaiting-file' && claim.object !== undefined) ||
      (upload.status === 'processing' && (upload.leaseUntil ?? '') < claim.now);
    if (!startable) return undefined;
    return this.save({
      ...upload,
      status: 'processing',
      leaseUntil: claim.leaseUntil,
      ...(claim.object ? { object: claim.object } : {}),
      updatedAt: claim.now,
      version: upload.version + 1,
    });
  }

  async attachObject(
    supplierId: string,
    uploadId: string,
    object: UploadObject,
    now: string,
  ): Promise<Upload | undefined> {
    const upload = this.uploads.get(this.key(supplierId, uploadId));
    if (upload?.status !== 'awaiting-file' || upload.object) return undefined;
    return this.save({ ...upload, status: 'received', object, updatedAt: now, version: upload.version + 1 });
  }

  async addOtherVersion(
    supplierId: string,
    uploadId: string,
    otherUploadId: string,
    now: string,
  ): Promise<void> {
    const upload = this.uploads.get(this.key(supplierId, uploadId));
    if (!upload || upload.otherVersions?.includes(otherUploadId)) return;
    this.save({
      ...upload,
      otherVersions: [...(upload.otherVersions ?? []), otherUploadId],
      updatedAt: now,
      version: upload.version + 1,
    });
  }

  async listStalledUploads(now: string, limit: number): Promise<Upload[]> {
    return [...this.uploads.values()]
      .filter((u) => u.status === 'processing' && (u.leaseUntil ?? '') < now)
      .slice(0, limit);
  }

  private current(supplierId: string, uploadId: string, version: number): Upload | undefined {
    const upload = this.uploads.get(this.key(supplierId, uploadId));
    return upload?.status === 'processing' && upload.version === version ? upload : undefined;
  }

  async saveProgress(
    supplierId: string,
    uploadId: string,
    version: number,
    progress: UploadProgress,
  ): Promise<Upload | undefined> {
    const upload = this.current(supplierId, uploadId, version);
    if (!upload) return undefined;
    return this.save({
      ...upload,
      rows: progress.rows,
      checkpoint: progress.checkpoint,
      leaseUntil: progress.leaseUntil,
      routing: progress.routing,
      updatedAt: progress.now,
      version: version + 1,
    });
  }

  async releaseUpload(supplierId: string, uploadId: string, version: number, now: string): Promise<boolean> {
    const upload = this.current(supplierId, uploadId, version);
    if (!upload) return false;
    this.save({ ...upload, leaseUntil: now, updatedAt: now, version: version + 1 });
    return true;
  }

  async finishUpload(
    supplierId: string,
    uploadId: string,
    version: number,
    outcome: UploadOutcome,
    end: UploadEnd,
  ): Promise<Upload | undefined> {
    const upload = this.current(supplierId, uploadId, version);
    if (!upload) return undefined;
    const { leaseUntil: _lease, ...rest } = upload;
    return this.save({
      ...rest,
      status: outcome.status,
      ...(outcome.status === 'failed' ? { failure: outcome.failure } : {}),
      rows: end.rows,
      ...(end.routing ? { routing: end.routing } : {}),
      updatedAt: end.now,
      finishedAt: end.now,
      version: version + 1,
    });
  }

  async putRowErrors(
    _supplierId: string,
    _uploadId: string,
    rows: readonly UploadRowErrors[],
  ): Promise<void> {
    this.counts.rowErrorsWritten += rows.length;
  }

  async listRowErrors(): Promise<Page<UploadRowErrors>> {
    return { items: [], nextCursor: null };
  }
}
