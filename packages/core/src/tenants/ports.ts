import { ConflictError } from '../errors';
import type { Page, PageQuery } from '../pages';
import type { ApiKeyRecord, Principal } from '../principal';
import type { Partner, PatchSupplierSettings, Supplier } from './schemas';

/** What every TenantStore throws for a partner name another partner of the supplier holds. */
export function partnerNameTaken(name: string): ConflictError {
  return new ConflictError(`A partner named "${name}" already exists for this supplier`, [
    { path: 'name', message: 'already used by another partner of this supplier' },
  ]);
}

/** What every TenantStore throws for a replace of a version that is no longer the stored one. */
export function changedMeanwhile(what: string): ConflictError {
  return new ConflictError(`${what} was changed by someone else meanwhile; read it again and retry`, [
    { path: 'version', message: 'stale version' },
  ]);
}

/**
 * What the tenant use cases need from storage. The DynamoDB adapter
 * (@leadrelay/store) implements it; every write is conditional.
 */
export interface TenantStore {
  /** Creates the supplier and its first key together; both or neither. */
  createSupplier(supplier: Supplier, key: ApiKeyRecord): Promise<void>;
  getSupplier(supplierId: string): Promise<Supplier | undefined>;
  /** Sets the named settings atomically; throws NotFoundError when the supplier is gone. */
  updateSupplierSettings(supplierId: string, patch: PatchSupplierSettings, now: string): Promise<Supplier>;
  /** Creates the partner, claims its name within the supplier, and stores its key; throws ConflictError on a taken name. */
  createPartner(partner: Partner, key: ApiKeyRecord): Promise<void>;
  getPartner(supplierId: string, partnerId: string): Promise<Partner | undefined>;
  /** Oldest first (ids are ULIDs). */
  listPartners(supplierId: string, page: PageQuery): Promise<Page<Partner>>;
  /**
   * Replaces `previous` with `next` if nobody changed it meanwhile (same version),
   * moving the name claim when the name changed. Throws ConflictError on a taken
   * name or a concurrent change.
   */
  replacePartner(previous: Partner, next: Partner): Promise<void>;
  getApiKey(keyHash: string): Promise<ApiKeyRecord | undefined>;
  /** Stores a new key of an existing principal (conditional on a new hash). */
  createApiKey(record: ApiKeyRecord): Promise<void>;
  /** A principal's keys, oldest first, revoked ones included. */
  listApiKeys(principal: Principal, page: PageQuery): Promise<Page<ApiKeyRecord>>;
  /**
   * Sets `revokedAt` unless it is set already (then answers the key as it is).
   * With `keep`, only while that other key of the same principal is still active,
   * in one transaction, so two racing revokes cannot leave a principal without a
   * working key: ConflictError when it is not. NotFoundError for no such key.
   */
  revokeApiKey(keyHash: string, now: string, keep?: string): Promise<ApiKeyRecord>;
  /** Records `lastUsedAt = now` when it is unset or before `staleBefore`, and does nothing otherwise. */
  touchApiKey(keyHash: string, now: string, staleBefore: string): Promise<void>;
}
