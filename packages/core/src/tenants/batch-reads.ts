import type { TenantStore } from './ports';

type TenantReads = Pick<TenantStore, 'getSupplier' | 'getPartner'>;

/** One read per key: later and concurrent callers share the first read's promise; a failed read is not kept. */
function once<V>(reads: Map<string, Promise<V>>, key: string, read: () => Promise<V>): Promise<V> {
  const known = reads.get(key);
  if (known) return known;
  const pending = read();
  reads.set(key, pending);
  pending.catch(() => reads.delete(key));
  return pending;
}

/**
 * The tenant store for one batch of work (a stream batch): each supplier and each
 * partner is read once, however many of the batch's leads ask for it, and every other
 * method is the store's own. The reads are as fresh as the batch: make one per batch,
 * never one for the life of a process.
 */
export function batchTenantReads<T extends TenantReads>(tenants: T): T {
  const suppliers = new Map<string, ReturnType<TenantReads['getSupplier']>>();
  const partners = new Map<string, ReturnType<TenantReads['getPartner']>>();
  const reads: TenantReads = {
    getSupplier: (supplierId) => once(suppliers, supplierId, () => tenants.getSupplier(supplierId)),
    getPartner: (supplierId, partnerId) =>
      once(partners, `${supplierId}\u0000${partnerId}`, () => tenants.getPartner(supplierId, partnerId)),
  };
  // The store's other methods through the prototype chain, with the store's own state as `this`.
  return Object.assign(Object.create(tenants) as T, reads);
}
