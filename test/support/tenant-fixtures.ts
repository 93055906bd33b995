import {
  type ApiKeyRecord,
  CreatePartner,
  type Partner,
  type Supplier,
  SupplierSettings,
  type TenantStore,
} from '@leadrelay/core';
import { CREATED } from './leads';

/**
 * The tenants of test/support/leads.ts's testLead: supplier S-1 (Acme Supply)
 * and its partners, for use cases run over an in-memory TenantStore.
 */

/** A partner of S-1 with one lead owner (`owner@<id>.example`); override what a test is about. */
export function testPartner(id: string, overrides: Partial<Partner> = {}): Partner {
  return {
    ...CreatePartner.parse({ name: id, leadOwners: [{ email: `owner@${id.toLowerCase()}.example` }] }),
    id,
    supplierId: 'S-1',
    createdAt: CREATED,
    updatedAt: CREATED,
    version: 1,
    autoRegistration: { mode: 'off', groups: [] },
    ignoredCompanies: [],
    ...overrides,
  };
}

function keyOf(principal: ApiKeyRecord['principal'], hash: string): ApiKeyRecord {
  return { keyHash: hash, id: `K-${hash}`, prefix: 'lr_test', principal, createdAt: CREATED };
}

/** Supplier S-1 in the store. */
export async function addTestSupplier(tenants: Pick<TenantStore, 'createSupplier'>): Promise<Supplier> {
  const supplier: Supplier = {
    id: 'S-1',
    name: 'Acme Supply',
    settings: SupplierSettings.parse({}),
    createdAt: CREATED,
    updatedAt: CREATED,
    version: 1,
  };
  await tenants.createSupplier(supplier, keyOf({ kind: 'supplier', supplierId: 'S-1' }, 'S-1'));
  return supplier;
}

/** A partner in the store, with its key. */
export async function addTestPartner(
  tenants: Pick<TenantStore, 'createPartner'>,
  partner: Partner,
): Promise<Partner> {
  const principal = { kind: 'partner' as const, supplierId: partner.supplierId, partnerId: partner.id };
  await tenants.createPartner(partner, keyOf(principal, partner.id));
  return partner;
}
