import {
  boundRowErrors,
  type HeaderMappingStore,
  type Page,
  type PageQuery,
  type RememberedMapping,
  type Upload,
  type UploadClaim,
  type UploadEnd,
  type UploadObject,
  type UploadOutcome,
  type UploadProgress,
  type UploadRowErrors,
  type UploadStore,
} from '@leadrelay/core';

/** Mirrors packages/store/src/upload-store.ts: other versions noted on one upload, a run's last error kept. */
const MAX_OTHER_VERSIONS = 50;
const MAX_LAST_ERROR = 500;

/**
 * Core's UploadStore in memory, with the DynamoDB store's conditional writes
 * (packages/store/src/upload-store.ts), so the ingest use case runs its real course:
 * a claim only of a `received` upload (or `awaiting-file` when the claim names the
 * object) or of a `processing` one whose lease has ended, each claim counting an
 * attempt; progress, a release and the end of a run only at the version the run
 * holds (a run that was taken over writes nothing); an object bound once. Every call
 * first awaits `pause` (a scheduler's turn), so concurrent runs interleave; every
 * answer is a copy, as a read from the table would be.
 */
export class MemoryUploadStore implements UploadStore {
  private readonly uploads = new Map<string, Upload>();
  private readonly rowErrors = new Map<string, Map<number, UploadRowErrors>>();

  constructor(private readonly pause: () => Promise<void> = async () => {}) {}

  private key(supplierId: string, uploadId: string): string {
    return `${supplierId}#${uploadId}`;
  }

  private stored(supplierId: string, uploadId: string): Upload | undefined {
    return this.uploads.get(this.key(supplierId, uploadId));
  }

  /** Every write of an upload comes through here (a counting store, such as the bench's, overrides it). */
  protected put(upload: Upload): Upload {
    const copy = structuredClone(upload);
    this.uploads.set(this.key(upload.supplierId, upload.id), copy);
    return structuredClone(copy);
  }

  /** The upload if it is `processing` at `version` (the condition of every write a run makes). */
  private held(supplierId: string, uploadId: string, version: number): Upload | undefined {
    const upload = this.stored(supplierId, uploadId);
    return upload?.status === 'processing' && upload.version === version ? upload : undefined;
  }

  async createUpload(upload: Upload): Promise<'created' | 'exists'> {
    await this.pause();
    if (this.stored(upload.supplierId, upload.id)) return 'exists';
    this.put(upload);
    return 'created';
  }

  async getUpload(supplierId: string, uploadId: string): Promise<Upload | undefined> {
    await this.pause();
    const upload = this.stored(supplierId, uploadId);
    return upload && structuredClone(upload);
  }

  async listUploads(supplierId: string, page: PageQuery): Promise<Page<Upload>> {
    await this.pause();
    const all = [...this.uploads.values()]
      .filter((u) => u.supplierId === supplierId)
      .sort((a, b) => `${b.createdAt}#${b.id}`.localeCompare(`${a.createdAt}#${a.id}`));
    return paged(
      all.map((u) => structuredClone(u)),
      page,
    );
  }

  async claimUpload(supplierId: string, uploadId: string, claim: UploadClaim): Promise<Upload | undefined> {
    await this.pause();
    const upload = this.stored(supplierId, uploadId);
    if (!upload) return undefined;
    const startable =
      upload.status === 'received' ||
      (upload.status === 'awaiting-file' && claim.object !== undefined) ||
      (upload.status === 'processing' && (upload.leaseUntil === undefined || upload.leaseUntil <= claim.now));
    if (!startable) return undefined;
    return this.put({
      ...upload,
      status: 'processing',
      leaseUntil: claim.leaseUntil,
      updatedAt: claim.now,
      ...(claim.object && !upload.object ? { object: claim.object } : {}),
      version: upload.version + 1,
      attempts: (upload.attempts ?? 0) + 1,
    });
  }

  async attachObject(
    supplierId: string,
    uploadId: string,
    object: UploadObject,
    now: string,
  ): Promise<Upload | undefined> {
    await this.pause();
    const upload = this.stored(supplierId, uploadId);
    if (upload?.status !== 'awaiting-file' || upload.object) return undefined;
    return this.put({ ...upload, status: 'received', object, updatedAt: now, version: upload.version + 1 });
  }

  async addOtherVersion(
    supplierId: string,
    uploadId: string,
    otherUploadId: string,
    now: string,
  ): Promise<void> {
    await this.pause();
    const upload = this.stored(supplierId, uploadId);
    const others = upload?.otherVersions ?? [];
    if (!upload || others.includes(otherUploadId) || others.length >= MAX_OTHER_VERSIONS) return;
    this.put({
      ...upload,
      otherVersions: [...others, otherUploadId],
      updatedAt: now,
      version: upload.version + 1,
    });
  }

  async listStalledUploads(now: string, limit: number): Promise<Upload[]> {
    await this.pause();
    // The index entry a processing upload has: its lease (or, never claimed, when it changed).
    const entry = (u: Upload) => `${u.leaseUntil ?? u.updatedAt}#${u.supplierId}#${u.id}`;
    return [...this.uploads.values()]
      .filter((u) => u.status === 'processing' && entry(u) < now)
      .sort((a, b) => entry(a).localeCompare(entry(b)))
      .slice(0, limit)
      .map((u) => structuredClone(u));
  }

  async saveProgress(
    supplierId: string,
    uploadId: string,
    version: number,
    progress: UploadProgress,
  ): Promise<Upload | undefined> {
    await this.pause();
    const upload = this.held(supplierId, uploadId, version);
    if (!upload) return undefined;
    const { lastError: _lastError, ...rest } = upload;
    return this.put({
      ...rest,
      rows: progress.rows,
      checkpoint: progress.checkpoint,
      leaseUntil: progress.leaseUntil,
      routing: progress.routing,
      updatedAt: progress.now,
      ...readNotes(progress),
      // Progress saved: the runs count again from here, this one being the first.
      attempts: 1,
      version: version + 1,
    });
  }

  async releaseUpload(
    supplierId: string,
    uploadId: string,
    version: number,
    now: string,
    error?: string,
  ): Promise<boolean> {
    await this.pause();
    const upload = this.held(supplierId, uploadId, version);
    if (!upload) return false;
    this.put({
      ...upload,
      leaseUntil: now,
      updatedAt: now,
      ...(error === undefined ? {} : { lastError: error.slice(0, MAX_LAST_ERROR) }),
      version: version + 1,
    });
    return true;
  }

  async finishUpload(
    supplierId: string,
    uploadId: string,
    version: number,
    outcome: UploadOutcome,
    end: UploadEnd,
  ): Promise<Upload | undefined> {
    await this.pause();
    const upload = this.held(supplierId, uploadId, version);
    if (!upload) return undefined;
    const {
      leaseUntil: _leaseUntil,
      checkpoint: _checkpoint,
      attempts: _attempts,
      lastError: _lastError,
      ...rest
    } = upload;
    return this.put({
      ...rest,
      status: outcome.status,
      ...(outcome.status === 'failed' ? { failure: outcome.failure } : {}),
      rows: end.rows,
      ...(end.routing ? { routing: end.routing } : {}),
      ...readNotes(end),
      updatedAt: end.now,
      finishedAt: end.now,
      version: version + 1,
    });
  }

  async putRowErrors(supplierId: string, uploadId: string, rows: readonly UploadRowErrors[]): Promise<void> {
    await this.pause();
    const key = this.key(supplierId, uploadId);
    const stored = this.rowErrors.get(key) ?? new Map<number, UploadRowErrors>();
    for (const r of rows) stored.set(r.row, { row: r.row, errors: boundRowErrors(r.errors) });
    this.rowErrors.set(key, stored);
  }

  async listRowErrors(supplierId: string, uploadId: string, page: PageQuery): Promise<Page<UploadRowErrors>> {
    await this.pause();
    const stored = this.rowErrors.get(this.key(supplierId, uploadId)) ?? new Map();
    const all = [...stored.values()].sort((a, b) => a.row - b.row);
    return paged(
      all.map((r) => structuredClone(r)),
      page,
    );
  }
}

/** The SET of what a run learnt about the file: the mapping it reads with, and its notes when it has any. */
function readNotes(input: Pick<UploadEnd, 'mappingApplied' | 'notes'>): Partial<Upload> {
  return {
    ...(input.mappingApplied ? { mappingApplied: input.mappingApplied } : {}),
    ...(input.notes && input.notes.length > 0 ? { notes: input.notes } : {}),
  };
}

/** One page of a sorted list; the cursor is the offset of the next item. */
function paged<T>(all: readonly T[], page: PageQuery): Page<T> {
  const start = page.cursor ? Number(page.cursor) : 0;
  const items = all.slice(start, start + page.limit);
  const end = start + items.length;
  return { items, nextCursor: end < all.length ? String(end) : null };
}

/**
 * Core's HeaderMappingStore in memory, as the DynamoDB store keeps it: one mapping per
 * supplier and header row, a put kept unless a newer upload gave one already.
 */
export class MemoryHeaderMappingStore implements HeaderMappingStore {
  private readonly mappings = new Map<string, RememberedMapping>();

  async putHeaderMapping(mapping: RememberedMapping): Promise<void> {
    const key = `${mapping.supplierId}#${mapping.headerHash}`;
    const known = this.mappings.get(key);
    if (known && known.learntAt > mapping.learntAt) return;
    this.mappings.set(key, structuredClone(mapping));
  }

  async getHeaderMapping(supplierId: string, headerHash: string): Promise<RememberedMapping | undefined> {
    const known = this.mappings.get(`${supplierId}#${headerHash}`);
    return known && structuredClone(known);
  }

  async listHeaderMappings(supplierId: string): Promise<RememberedMapping[]> {
    return [...this.mappings.values()]
      .filter((m) => m.supplierId === supplierId)
      .map((m) => structuredClone(m));
  }
}
