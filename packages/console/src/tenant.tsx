import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Schemas } from './api/client';

export type Me = Schemas['Me'];
export type TenantInfo = Me['tenants'][number];

/** Who is signed in and which supplier or partner they act for, for every screen. */
export const TenantContext = createContext<{ me: Me; tenant: TenantInfo } | undefined>(undefined);

export function useTenant(): { me: Me; tenant: TenantInfo } {
  const value = useContext(TenantContext);
  if (!value) throw new Error('useTenant outside a signed-in console');
  return value;
}

export const tenantLabel = (t: TenantInfo): string =>
  t.kind === 'supplier'
    ? (t.supplierName ?? t.supplierId)
    : `${t.partnerName ?? t.partnerId} at ${t.supplierName ?? t.supplierId}`;
