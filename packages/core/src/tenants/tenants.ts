import { generateApiKey, hashApiKey, looksLikeTenantKey, sameKey } from '../api-keys';
import type { Clock } from '../clock';
import { ConflictError, type ErrorDetail, NotFoundError, UnauthorizedError } from '../errors';
import { newId } from '../ids';
import type { Page, PageQuery } from '../pages';
import type { ApiKeyRecord, Principal } from '../principal';
import type { TenantStore } from './ports';
import { roleAddressWarnings } from './role-addresses';
import {
  type CreatePartner,
  type CreateSupplier,
  type Partner,
  type PatchPartner,
  type PatchSupplierSettings,
  type Supplier,
  SupplierSettings,
} from './schemas';

export interface TenantDeps {
  store: TenantStore;
  clock: Clock;
}

export interface AuthDeps {
  store: TenantStore;
  /** The platform operator's key (from Secrets Manager in AWS, from .local locally). */
  operatorKey: () => Promise<string>;
}

/**
 * Who is calling, from an `Authorization` header value.
 * Primary course: 1. read the bearer key 2. a supplier or partner key is looked up
 * by its hash; a revoked one is refused 3. anything else is compared, in constant
 * time, with the operator key.
 */
export async function authenticate(deps: AuthDeps, authorization: string | undefined): Promise<Principal> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) {
    throw new UnauthorizedError('Send your API key as "Authorization: Bearer <apiKey>"');
  }
  const key = match[1];
  if (!looksLikeTenantKey(key)) {
    // The operator key is whatever its secret holds (CDK generates it), so it has no fixed shape.
    if (sameKey(key, await deps.operatorKey())) return { kind: 'operator' };
    throw new UnauthorizedError('The API key is not valid');
  }
  const record = await deps.store.getApiKey(hashApiKey(key));
  if (!record || record.revokedAt) throw new UnauthorizedError('The API key is not valid');
  return record.principal;
}

function newKey(
  kind: 'sup' | 'ptr',
  principal: Principal,
  now: string,
): { apiKey: string; record: ApiKeyRecord } {
  const apiKey = generateApiKey(kind);
  return { apiKey, record: { keyHash: hashApiKey(apiKey), principal, createdAt: now } };
}

/** Creates a supplier with default settings and its first API key (shown once). */
export async function createSupplier(
  deps: TenantDeps,
  input: CreateSupplier,
): Promise<{ supplier: Supplier; apiKey: string }> {
  const now = deps.clock.now().toISOString();
  const supplier: Supplier = {
    id: newId(),
    name: input.name,
    settings: SupplierSettings.parse({}),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  const { apiKey, record } = newKey('sup', { kind: 'supplier', supplierId: supplier.id }, now);
  await deps.store.createSupplier(supplier, record);
  return { supplier, apiKey };
}

export async function getSupplier(deps: Pick<TenantDeps, 'store'>, supplierId: string): Promise<Supplier> {
  const supplier = await deps.store.getSupplier(supplierId);
  if (!supplier) throw new NotFoundError(`Supplier ${supplierId} not found`);
  return supplier;
}

/** Changes only the settings named in the patch, atomically. */
export async function updateSettings(
  deps: TenantDeps,
  supplierId: string,
  patch: PatchSupplierSettings,
): Promise<Supplier> {
  return deps.store.updateSupplierSettings(supplierId, patch, deps.clock.now().toISOString());
}

export interface PartnerResult {
  partner: Partner;
  /** Accepted but worth a look, e.g. role addresses among the lead owners. */
  warnings: ErrorDetail[];
}

/**
 * Adds a partner to a supplier and issues the partner's API key (shown once).
 * The name is unique within the supplier, case-insensitively.
 */
export async function createPartner(
  deps: TenantDeps,
  supplierId: string,
  input: CreatePartner,
): Promise<PartnerResult & { apiKey: string }> {
  await getSupplier(deps, supplierId);
  const now = deps.clock.now().toISOString();
  const partner: Partner = {
    id: newId(),
    supplierId,
    ...input,
    domains: [...new Set(input.domains)],
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  const { apiKey, record } = newKey('ptr', { kind: 'partner', supplierId, partnerId: partner.id }, now);
  await deps.store.createPartner(partner, record);
  return { partner, apiKey, warnings: roleAddressWarnings(partner.leadOwners) };
}

export async function getPartner(
  deps: Pick<TenantDeps, 'store'>,
  supplierId: string,
  partnerId: string,
): Promise<Partner> {
  const partner = await deps.store.getPartner(supplierId, partnerId);
  if (!partner) throw new NotFoundError(`Partner ${partnerId} not found`);
  return partner;
}

export function listPartners(
  deps: Pick<TenantDeps, 'store'>,
  supplierId: string,
  page: PageQuery,
): Promise<Page<Partner>> {
  return deps.store.listPartners(supplierId, page);
}

/** Every partner of the supplier, paged through (routing compiles against all of them). */
export async function listAllPartners(
  deps: Pick<TenantDeps, 'store'>,
  supplierId: string,
): Promise<Partner[]> {
  const partners: Partner[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.listPartners(supplierId, { limit: 500, ...(cursor ? { cursor } : {}) });
    partners.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return partners;
}

const PATCH_ATTEMPTS = 3;

/**
 * Changes the named fields of a partner. A concurrent change is retried on the
 * fresh copy (a patch names only what it changes, so re-applying it is safe).
 */
export async function updatePartner(
  deps: TenantDeps,
  supplierId: string,
  partnerId: string,
  patch: PatchPartner,
): Promise<PartnerResult> {
  for (let attempt = 1; ; attempt++) {
    const previous = await getPartner(deps, supplierId, partnerId);
    const next: Partner = {
      ...previous,
      ...patch,
      ...(patch.domains ? { domains: [...new Set(patch.domains)] } : {}),
      updatedAt: deps.clock.now().toISOString(),
      version: previous.version + 1,
    };
    try {
      await deps.store.replacePartner(previous, next);
      return { partner: next, warnings: roleAddressWarnings(patch.leadOwners ?? []) };
    } catch (error) {
      const concurrent = error instanceof ConflictError && error.details.some((d) => d.path === 'version');
      if (!concurrent || attempt >= PATCH_ATTEMPTS) throw error;
    }
  }
}
