/**
 * The key design of the single table, in one place.
 *
 * | entity             | PK                   | SK                         | GSI1PK / GSI1SK                     | access pattern                                   |
 * |--------------------|----------------------|----------------------------|-------------------------------------|--------------------------------------------------|
 * | Supplier           | SUP#<supplierId>     | SUPPLIER                   | SUPPLIERS / <createdAt>#<id>        | get a supplier; the operator lists suppliers     |
 * | Partner            | SUP#<supplierId>     | PARTNER#<partnerId>        | —                                   | get one; list a supplier's partners (oldest first) |
 * | PartnerName        | SUP#<supplierId>     | PARTNERNAME#<lower(name)>  | —                                   | a partner name is unique within its supplier     |
 * | ApiKey             | APIKEY#<sha256(key)> | APIKEY                     | KEYS#<principal> / <createdAt>      | authenticate a request; list a tenant's keys     |
 *
 * Every item carries `entity` (its type, used by stream filters) and `version`.
 * Keys describe themselves; ids are ULIDs so SK order is creation order.
 * GSI2 and GSI3 are reserved for the lead access patterns (by status, by partner).
 */
export const Keys = {
  supplier: (supplierId: string) => ({ PK: `SUP#${supplierId}`, SK: 'SUPPLIER' }),
  /** GSI1: every supplier, oldest first (operator view). */
  supplierIndex: (supplierId: string, createdAt: string) => ({
    GSI1PK: 'SUPPLIERS',
    GSI1SK: `${createdAt}#${supplierId}`,
  }),
  partner: (supplierId: string, partnerId: string) => ({
    PK: `SUP#${supplierId}`,
    SK: `PARTNER#${partnerId}`,
  }),
  /** Query prefix: a supplier's partners. */
  partnersOf: (supplierId: string) => ({ PK: `SUP#${supplierId}`, SKPrefix: 'PARTNER#' }),
  partnerName: (supplierId: string, name: string) => ({
    PK: `SUP#${supplierId}`,
    SK: `PARTNERNAME#${normaliseName(name)}`,
  }),
  apiKey: (keyHash: string) => ({ PK: `APIKEY#${keyHash}`, SK: 'APIKEY' }),
  /** GSI1: a principal's keys, oldest first (for listing and revoking). */
  apiKeyIndex: (principalId: string, createdAt: string) => ({
    GSI1PK: `KEYS#${principalId}`,
    GSI1SK: createdAt,
  }),
} as const;

/** Names compare case-insensitively and ignoring surrounding and repeated spaces. */
export function normaliseName(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

export const Entity = {
  supplier: 'Supplier',
  partner: 'Partner',
  partnerName: 'PartnerName',
  apiKey: 'ApiKey',
} as const;
