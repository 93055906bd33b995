import {
  type ApiKeyRecord,
  ConflictError,
  changedMeanwhile,
  NotFoundError,
  normaliseName,
  type Page,
  type PageQuery,
  type Partner,
  type PatchSupplierSettings,
  type Principal,
  partnerNameTaken,
  type Supplier,
  SupplierSettings,
  type TenantStore,
  withPartnerDefaults,
} from '@leadrelay/core';
import { keyedPage } from './memory-pages';

const copy = <T>(value: T): T => structuredClone(value);

/** Which principal a key is of: its kind and ids. */
const principalId = (p: Principal) =>
  p.kind === 'partner'
    ? `partner/${p.partnerId}`
    : p.kind === 'supplier'
      ? `supplier/${p.supplierId}`
      : 'operator';

/** Settings pass through their schema on the way out, as the DynamoDB store answers them. */
function toSupplier(supplier: Supplier): Supplier {
  return { ...copy(supplier), settings: SupplierSettings.parse(supplier.settings ?? {}) };
}

const exists = (what: string) =>
  new ConflictError(`${what} exists already`, [{ path: 'id', message: 'taken' }]);

/**
 * Core's TenantStore in memory, with the DynamoDB store's conditions (the
 * contract suite, test/integration/store-contract.test.ts, runs the same checks
 * on both): a supplier, partner or key is created only when new, together with
 * what it comes with or not at all; a partner name is claimed per supplier by
 * its normalised form and the claim moves on a rename; a partner is replaced
 * only on an unchanged version; a revoke with `keep` only while that key is
 * active. Every call is atomic (no turn of the event loop inside), and stored
 * objects are copies, so a caller's later edits never reach the store.
 */
export class MemoryTenantStore implements TenantStore {
  private readonly suppliers = new Map<string, Supplier>();
  /** By `<supplierId>#<partnerId>`. */
  private readonly partners = new Map<string, Partner>();
  /** Partner name claims: `<supplierId>#<normalised name>` → partner id. */
  private readonly names = new Map<string, string>();
  /** Key records by hash, with the item's own version (the DynamoDB store answers it too). */
  private readonly keys = new Map<string, ApiKeyRecord & { version: number }>();

  async createSupplier(supplier: Supplier, key: ApiKeyRecord): Promise<void> {
    if (this.suppliers.has(supplier.id)) throw exists(`Supplier ${supplier.id}`);
    if (this.keys.has(key.keyHash)) throw exists('The API key');
    this.suppliers.set(supplier.id, copy(supplier));
    this.keys.set(key.keyHash, { version: 1, ...copy(key) });
  }

  async getSupplier(supplierId: string): Promise<Supplier | undefined> {
    const supplier = this.suppliers.get(supplierId);
    return supplier && toSupplier(supplier);
  }

  async updateSupplierSettings(
    supplierId: string,
    patch: PatchSupplierSettings,
    now: string,
  ): Promise<Supplier> {
    const supplier = this.suppliers.get(supplierId);
    if (!supplier) throw new NotFoundError(`Supplier ${supplierId} not found`);
    const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined && v !== null));
    const cleared = new Set(Object.entries(patch).flatMap(([k, v]) => (v === null ? [k] : [])));
    const kept = Object.fromEntries(Object.entries(supplier.settings).filter(([k]) => !cleared.has(k)));
    const next = {
      ...supplier,
      settings: { ...kept, ...copy(set) } as Supplier['settings'],
      updatedAt: now,
      version: supplier.version + 1,
    };
    this.suppliers.set(supplierId, next);
    return toSupplier(next);
  }

  async createPartner(partner: Partner, key: ApiKeyRecord): Promise<void> {
    const name = this.nameKey(partner.supplierId, partner.name);
    if (this.names.has(name)) throw partnerNameTaken(partner.name);
    if (this.partners.has(this.partnerKey(partner.supplierId, partner.id)))
      throw exists(`Partner ${partner.id}`);
    if (this.keys.has(key.keyHash)) throw exists('The API key');
    this.partners.set(this.partnerKey(partner.supplierId, partner.id), copy(partner));
    this.names.set(name, partner.id);
    this.keys.set(key.keyHash, { version: 1, ...copy(key) });
  }

  async getPartner(supplierId: string, partnerId: string): Promise<Partner | undefined> {
    const partner = this.partners.get(this.partnerKey(supplierId, partnerId));
    return partner && withPartnerDefaults(copy(partner));
  }

  async listPartners(supplierId: string, page: PageQuery): Promise<Page<Partner>> {
    const partners = [...this.partners.values()].filter((p) => p.supplierId === supplierId);
    return keyedPage(
      `partners/${supplierId}`,
      partners.map((p) => ({ key: p.id, value: withPartnerDefaults(copy(p)) })),
      page,
      'oldest-first',
    );
  }

  async replacePartner(previous: Partner, next: Partner): Promise<void> {
    const key = this.partnerKey(next.supplierId, next.id);
    const current = this.partners.get(key);
    const renamed = normaliseName(previous.name) !== normaliseName(next.name);
    if (renamed) {
      const claim = this.nameKey(next.supplierId, next.name);
      if (this.names.has(claim)) throw partnerNameTaken(next.name);
      if (current?.version !== previous.version) throw changedMeanwhile(`Partner ${next.id}`);
      const old = this.nameKey(previous.supplierId, previous.name);
      if (this.names.get(old) !== previous.id) throw changedMeanwhile(`The name of partner ${next.id}`);
      this.names.delete(old);
      this.names.set(claim, next.id);
    } else if (current?.version !== previous.version) {
      throw changedMeanwhile(`Partner ${next.id}`);
    }
    this.partners.set(key, copy(next));
  }

  async getApiKey(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const record = this.keys.get(keyHash);
    return record && copy(record);
  }

  async createApiKey(record: ApiKeyRecord): Promise<void> {
    if (this.keys.has(record.keyHash)) throw exists('The API key');
    this.keys.set(record.keyHash, { version: 1, ...copy(record) });
  }

  async listApiKeys(principal: Principal, page: PageQuery): Promise<Page<ApiKeyRecord>> {
    const id = principalId(principal);
    const keys = [...this.keys.values()].filter((k) => principalId(k.principal) === id);
    return keyedPage(
      `keys/${id}`,
      keys.map((k) => ({ key: `${k.createdAt}#${k.id}`, value: copy(k) })),
      page,
      'oldest-first',
    );
  }

  async revokeApiKey(keyHash: string, now: string, keep?: string): Promise<ApiKeyRecord> {
    const record = this.keys.get(keyHash);
    if (!record) throw new NotFoundError('API key not found');
    // Revoked by someone else first: the answer is the key as it is now.
    if (record.revokedAt !== undefined) return copy(record);
    if (keep !== undefined) {
      const kept = this.keys.get(keep);
      if (!kept || kept.revokedAt !== undefined) {
        throw new ConflictError('The key kept active was revoked or changed meanwhile', [
          { path: 'keyId', message: 'no other active key for sure' },
        ]);
      }
    }
    const next = { ...record, revokedAt: now, version: record.version + 1 };
    this.keys.set(keyHash, next);
    return copy(next);
  }

  async touchApiKey(keyHash: string, now: string, staleBefore: string): Promise<void> {
    const record = this.keys.get(keyHash);
    if (record && (record.lastUsedAt === undefined || record.lastUsedAt < staleBefore)) {
      this.keys.set(keyHash, { ...record, lastUsedAt: now });
    }
  }

  private partnerKey(supplierId: string, partnerId: string): string {
    return `${supplierId}#${partnerId}`;
  }

  private nameKey(supplierId: string, name: string): string {
    return `${supplierId}#${normaliseName(name)}`;
  }
}
