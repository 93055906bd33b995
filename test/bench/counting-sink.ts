/**
 * The counting sink: core's storage ports in memory, keeping counters instead of
 * leads, so a run of 1,000,000 rows measures the pipeline's own memory and not a
 * database's. Leads are never kept: `getLeads` answers an empty map (so a repeat
 * of an email in a later chunk is "created" again, unlike on DynamoDB) and
 * `putNewLeads` answers ok unless a partner's capacity would be passed. Partner
 * loads and sequence counters live in small maps (one entry per partner or pool);
 * tenants and rules (one supplier, 20 partners) are kept as they are.
 */
import {
  type ApiKeyRecord,
  ConflictError,
  type HistoryEntry,
  type Lead,
  type LeadFieldChange,
  type LeadStore,
  type LoadChange,
  NotFoundError,
  type Page,
  type PageQuery,
  type Partner,
  type PatchSupplierSettings,
  type Principal,
  type PutLeadsResult,
  type ReplaceLeadResult,
  type RulesKind,
  type RulesStore,
  type StoredRules,
  type Supplier,
  type TenantStore,
  type Upload,
  type UploadClaim,
  type UploadEnd,
  type UploadObject,
  type UploadOutcome,
  type UploadProgress,
  type UploadRowErrors,
  type UploadStore,
} from '@leadrelay/core';

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
  private readonly pending = new Map<string, number>();
  private readonly sequences = new Map<string, number>();

  async getLead(): Promise<Lead | undefined> {
    return undefined;
  }

  async getLeads(leadIds: readonly string[]): Promise<Map<string, Lead>> {
    this.counts.getLeadsCalls++;
    this.counts.leadIdsRead += leadIds.length;
    return new Map();
  }

  async putNewLeads(leads: readonly Lead[], loads: readonly LoadChange[]): Promise<PutLeadsResult> {
    this.counts.putNewLeadsCalls++;
    const over = loads.filter(
      (l) =>
        l.delta > 0 && l.capacity !== null && (this.pending.get(l.partnerId) ?? 0) + l.delta > l.capacity,
    );
    if (over.length > 0) {
      this.counts.overCapacityRefusals++;
      return { ok: false, existingLeadIds: [], overCapacityPartnerIds: over.map((l) => l.partnerId) };
    }
    for (const l of loads) this.pending.set(l.partnerId, (this.pending.get(l.partnerId) ?? 0) + l.delta);
    this.counts.leadsWritten += leads.length;
    this.counts.loadChangesWritten += loads.length;
    return { ok: true };
  }

  async replaceLead(_previous: Lead, _next: Lead, loads: readonly LoadChange[]): Promise<ReplaceLeadResult> {
    this.counts.replaceLeadCalls++;
    for (const l of loads) this.pending.set(l.partnerId, (this.pending.get(l.partnerId) ?? 0) + l.delta);
    return 'ok';
  }

  async mergeLeadFields(_leadId: string, _change: LeadFieldChange): Promise<Lead | undefined> {
    // Never reached: getLeads finds nothing, so no lead is ever updated.
    this.counts.mergeLeadFieldsCalls++;
    return undefined;
  }

  async listLeads(): Promise<Page<Lead>> {
    return { items: [], nextCursor: null };
  }

  async listHistory(): Promise<Page<HistoryEntry>> {
    return { items: [], nextCursor: null };
  }

  async listPartnerLeads(): Promise<Page<Lead>> {
    return { items: [], nextCursor: null };
  }

  async dueDeadlines(): Promise<Lead[]> {
    return [];
  }

  async recordRerouteFailure(): Promise<Lead | undefined> {
    // Never reached: the sink keeps no leads, so nothing is ever due.
    return undefined;
  }

  async partnerLoads(_supplierId: string, partnerIds: readonly string[]): Promise<Map<string, number>> {
    return new Map(partnerIds.map((id) => [id, this.pending.get(id) ?? 0]));
  }

  async reserveSequences(
    supplierId: string,
    counts: ReadonlyMap<string, number>,
  ): Promise<Map<string, number>> {
    this.counts.sequenceReservations++;
    const firsts = new Map<string, number>();
    for (const [counter, count] of counts) {
      const key = `${supplierId}#${counter}`;
      const first = this.sequences.get(key) ?? 0;
      this.sequences.set(key, first + count);
      firsts.set(counter, first);
    }
    return firsts;
  }
}

/** One supplier's tenants in memory (a handful of items: the bench's supplier and partners). */
export class MemoryTenantStore implements TenantStore {
  private readonly suppliers = new Map<string, Supplier>();
  private readonly partners = new Map<string, Partner[]>();
  private readonly keys = new Map<string, ApiKeyRecord>();

  async createSupplier(supplier: Supplier, key: ApiKeyRecord): Promise<void> {
    this.suppliers.set(supplier.id, supplier);
    this.keys.set(key.keyHash, key);
  }

  async getSupplier(supplierId: string): Promise<Supplier | undefined> {
    return this.suppliers.get(supplierId);
  }

  async updateSupplierSettings(
    supplierId: string,
    patch: PatchSupplierSettings,
    now: string,
  ): Promise<Supplier> {
    const supplier = this.suppliers.get(supplierId);
    if (!supplier) throw new NotFoundError(`Supplier ${supplierId} not found`);
    const next = {
      ...supplier,
      settings: { ...supplier.settings, ...patch },
      updatedAt: now,
      version: supplier.version + 1,
    };
    this.suppliers.set(supplierId, next);
    return next;
  }

  async createPartner(partner: Partner, key: ApiKeyRecord): Promise<void> {
    const list = this.partners.get(partner.supplierId) ?? [];
    if (list.some((p) => p.name.toLowerCase() === partner.name.toLowerCase())) {
      throw new ConflictError(`A partner named ${partner.name} exists`, [
        { path: 'name', message: 'is taken' },
      ]);
    }
    list.push(partner);
    this.partners.set(partner.supplierId, list);
    this.keys.set(key.keyHash, key);
  }

  async getPartner(supplierId: string, partnerId: string): Promise<Partner | undefined> {
    return this.partners.get(supplierId)?.find((p) => p.id === partnerId);
  }

  async listPartners(supplierId: string, page: PageQuery): Promise<Page<Partner>> {
    const all = this.partners.get(supplierId) ?? [];
    const start = page.cursor ? Number(page.cursor) : 0;
    const items = all.slice(start, start + page.limit);
    const end = start + items.length;
    return { items, nextCursor: end < all.length ? String(end) : null };
  }

  async replacePartner(previous: Partner, next: Partner): Promise<void> {
    const list = this.partners.get(previous.supplierId) ?? [];
    const index = list.findIndex((p) => p.id === previous.id && p.version === previous.version);
    if (index < 0)
      throw new ConflictError('The partner changed meanwhile', [{ path: 'version', message: 'stale' }]);
    list[index] = next;
  }

  async getApiKey(keyHash: string): Promise<ApiKeyRecord | undefined> {
    return this.keys.get(keyHash);
  }

  async createApiKey(record: ApiKeyRecord): Promise<void> {
    this.keys.set(record.keyHash, record);
  }

  async listApiKeys(principal: Principal, page: PageQuery): Promise<Page<ApiKeyRecord>> {
    const same = JSON.stringify(principal);
    const items = [...this.keys.values()].filter((k) => JSON.stringify(k.principal) === same);
    return { items: items.slice(0, page.limit), nextCursor: null };
  }

  async revokeApiKey(keyHash: string, now: string): Promise<ApiKeyRecord> {
    const record = this.keys.get(keyHash);
    if (!record) throw new NotFoundError('API key not found');
    const next = { ...record, revokedAt: record.revokedAt ?? now };
    this.keys.set(keyHash, next);
    return next;
  }

  async touchApiKey(keyHash: string, now: string): Promise<void> {
    const record = this.keys.get(keyHash);
    if (record) this.keys.set(keyHash, { ...record, lastUsedAt: now });
  }
}

/** Rule sets in memory, versioned like the DynamoDB store. */
export class MemoryRulesStore implements RulesStore {
  private readonly sets = new Map<string, StoredRules>();

  async getRules(supplierId: string, kind: RulesKind): Promise<StoredRules | undefined> {
    return this.sets.get(`${supplierId}#${kind}`);
  }

  async putRules(
    supplierId: string,
    kind: RulesKind,
    rules: unknown,
    expectedVersion: number,
    now: string,
  ): Promise<number> {
    const key = `${supplierId}#${kind}`;
    const version = this.sets.get(key)?.version ?? 0;
    if (version !== expectedVersion) {
      throw new ConflictError('The rules changed meanwhile', [{ path: 'version', message: 'stale' }]);
    }
    this.sets.set(key, { rules, version: version + 1, updatedAt: now });
    return version + 1;
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
