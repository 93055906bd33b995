import type { Page, PageQuery } from '../pages';
import type { ApiKeyRecord } from '../principal';
import type { Partner, PatchSupplierSettings, Supplier } from './schemas';

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
}
