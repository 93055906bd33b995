import { apiKeyPrefix, generateApiKey, hashApiKey, looksLikeTenantKey, sameKey } from '../api-keys';
import type { Clock } from '../clock';
import {
  ConflictError,
  type ErrorDetail,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
} from '../errors';
import { partnerHoursProblems } from '../hours/business-hours';
import { newId } from '../ids';
import type { Page, PageQuery } from '../pages';
import type { ApiKeyRecord, Principal } from '../principal';
import type { TenantStore } from './ports';
import { roleAddressWarnings } from './role-addresses';
import {
  type ApiKey,
  type CreatePartner,
  type CreateSupplier,
  type Partner,
  type PatchPartner,
  type PatchSupplierSettings,
  type PutPartnerSettings,
  type Supplier,
  SupplierSettings,
} from './schemas';

export interface TenantDeps {
  store: TenantStore;
  clock: Clock;
}

export interface AuthDeps {
  store: TenantStore;
  clock: Clock;
  /** The platform operator's key (from Secrets Manager in AWS, from .local locally). */
  operatorKey: () => Promise<string>;
}

/** `lastUsedAt` is recorded at most once an hour per key: a conditional write, not one per request. */
const LAST_USED_EVERY_MS = 3_600_000;

/**
 * Who is calling, from an `Authorization` header value.
 * Primary course: 1. read the bearer key 2. a supplier or partner key is looked up
 * by its hash on every request (no cache, so a revoke holds within the store's
 * read consistency, about a second); a revoked one is refused, and so is a
 * disabled partner's 3. its `lastUsedAt` is noted when over an hour old
 * 4. anything else is compared, in constant time, with the operator key.
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
  const { principal } = record;
  if (principal.kind === 'partner')
    await assertPartnerActive(deps.store, principal, 'The API key is not valid');
  await noteUse(deps, record);
  return principal;
}

/**
 * A partner principal may act while its partner exists (else a 401 with `gone`) and is not
 * disabled (a 403: its supplier can enable it again), whether a key or a person calls.
 */
export async function assertPartnerActive(
  store: Pick<TenantStore, 'getPartner'>,
  principal: Extract<Principal, { kind: 'partner' }>,
  gone: string,
): Promise<void> {
  const partner = await store.getPartner(principal.supplierId, principal.partnerId);
  if (!partner) throw new UnauthorizedError(gone);
  if (partner.disabled) {
    throw new ForbiddenError('This partner is disabled; its supplier can enable it again', [
      { path: 'authorization', message: 'the partner is disabled' },
    ]);
  }
}

/**
 * When this process last tried to note each key's use: a burst of requests with
 * one key makes one conditional write per process, not one failed condition per
 * request. Bounded, as a long-lived process sees many keys.
 */
const notedAt = new Map<string, number>();
const MAX_NOTED = 10_000;

async function noteUse(deps: AuthDeps, record: ApiKeyRecord): Promise<void> {
  const now = deps.clock.now();
  const staleBefore = new Date(now.getTime() - LAST_USED_EVERY_MS).toISOString();
  if (record.lastUsedAt && record.lastUsedAt >= staleBefore) return;
  const tried = notedAt.get(record.keyHash);
  if (tried !== undefined && tried >= now.getTime() - LAST_USED_EVERY_MS) return;
  if (notedAt.size >= MAX_NOTED) notedAt.clear();
  notedAt.set(record.keyHash, now.getTime());
  try {
    await deps.store.touchApiKey(record.keyHash, now.toISOString(), staleBefore);
  } catch {
    // Bookkeeping only: a throttled or failed note must never refuse a valid key.
  }
}

function newKey(
  kind: 'sup' | 'ptr',
  principal: Principal,
  now: string,
): { apiKey: string; record: ApiKeyRecord } {
  const apiKey = generateApiKey(kind);
  return {
    apiKey,
    record: {
      keyHash: hashApiKey(apiKey),
      id: newId(),
      prefix: apiKeyPrefix(apiKey),
      principal,
      createdAt: now,
    },
  };
}

/** A key as its owner sees it: id, prefix and times; never the hash. */
export function keyView(record: ApiKeyRecord): ApiKey {
  return {
    id: record.id,
    prefix: record.prefix,
    createdAt: record.createdAt,
    ...(record.lastUsedAt ? { lastUsedAt: record.lastUsedAt } : {}),
    ...(record.revokedAt ? { revokedAt: record.revokedAt } : {}),
  };
}

/** Most active (unrevoked) keys one principal may hold: enough to rotate, few enough to keep track of. */
export const MAX_ACTIVE_KEYS = 10;
const REVOKE_ATTEMPTS = 3;

async function allKeys(deps: Pick<TenantDeps, 'store'>, principal: Principal): Promise<ApiKeyRecord[]> {
  const keys: ApiKeyRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.listApiKeys(principal, { limit: 500, ...(cursor ? { cursor } : {}) });
    keys.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return keys;
}

/** A supplier's or partner's keys, oldest first, revoked ones included (a key's history). */
export async function listKeys(
  deps: Pick<TenantDeps, 'store'>,
  principal: Principal,
  page: PageQuery,
): Promise<Page<ApiKey>> {
  const found = await deps.store.listApiKeys(principal, page);
  return { items: found.items.map(keyView), nextCursor: found.nextCursor };
}

/**
 * Issues another key for a supplier or partner (rotation: create the new key,
 * move to it, revoke the old one). The key is shown once, here.
 */
export async function createKey(
  deps: TenantDeps,
  principal: Principal,
): Promise<{ key: ApiKey; apiKey: string }> {
  if (principal.kind === 'operator') {
    throw new ForbiddenError('The operator key is a secret in Secrets Manager; rotate it there', [
      { path: 'authorization', message: 'needs a supplier or partner key' },
    ]);
  }
  const active = (await allKeys(deps, principal)).filter((k) => !k.revokedAt);
  if (active.length >= MAX_ACTIVE_KEYS) {
    throw new ConflictError(
      `At most ${MAX_ACTIVE_KEYS} active API keys; revoke one before creating another`,
      [{ path: 'keys', message: `${active.length} active keys` }],
    );
  }
  const { apiKey, record } = newKey(
    principal.kind === 'supplier' ? 'sup' : 'ptr',
    principal,
    deps.clock.now().toISOString(),
  );
  await deps.store.createApiKey(record);
  return { key: keyView(record), apiKey };
}

/**
 * Revokes one of a principal's keys: from then on it answers 401 (within about
 * a second). Revoking a revoked key answers it as it is. `keepOne` (a principal
 * revoking its own keys) refuses to revoke its last active key, which would lock
 * it out of the API: it creates a new key first. A supplier (for its partners)
 * and the operator (for suppliers) may revoke the last one, since they can issue
 * a new key at any time.
 */
export async function revokeKey(
  deps: TenantDeps,
  principal: Principal,
  keyId: string,
  options: { keepOne: boolean },
): Promise<ApiKey> {
  for (let attempt = 1; ; attempt++) {
    const keys = await allKeys(deps, principal);
    const record = keys.find((k) => k.id === keyId);
    if (!record) throw new NotFoundError(`API key ${keyId} not found`);
    if (record.revokedAt) return keyView(record);
    let keep: string | undefined;
    if (options.keepOne) {
      keep = keys.find((k) => !k.revokedAt && k.id !== keyId)?.keyHash;
      if (!keep) throw lastKey();
    }
    try {
      return keyView(await deps.store.revokeApiKey(record.keyHash, deps.clock.now().toISOString(), keep));
    } catch (error) {
      // The key kept was revoked meanwhile (a racing revoke): look again, this one may be the last now.
      if (!(error instanceof ConflictError) || !keep || attempt >= REVOKE_ATTEMPTS) throw error;
    }
  }
}

const lastKey = () =>
  new ConflictError('This is the last active API key; create a new one (POST /v1/keys) before revoking it', [
    { path: 'keyId', message: 'the last active key' },
  ]);

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
    autoRegistration: { mode: 'off', groups: [] },
    ignoredCompanies: [],
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
 * Replaces a partner by `change(previous)`. A concurrent change is retried on the
 * fresh copy (a change names only what it changes, so re-applying it is safe).
 */
async function changePartner(
  deps: TenantDeps,
  supplierId: string,
  partnerId: string,
  change: (previous: Partner) => Partial<Partner>,
): Promise<Partner> {
  for (let attempt = 1; ; attempt++) {
    const previous = await getPartner(deps, supplierId, partnerId);
    const merged: Partner = {
      ...previous,
      ...change(previous),
      updatedAt: deps.clock.now().toISOString(),
      version: previous.version + 1,
    };
    // A change that names a field as undefined clears it (an optional setting set to null).
    const next = Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as Partner;
    try {
      await deps.store.replacePartner(previous, next);
      return next;
    } catch (error) {
      const concurrent = error instanceof ConflictError && error.details.some((d) => d.path === 'version');
      if (!concurrent || attempt >= PATCH_ATTEMPTS) throw error;
    }
  }
}

/** Changes the named fields of a partner (the supplier's `PATCH /v1/partners/{id}`). */
export async function updatePartner(
  deps: TenantDeps,
  supplierId: string,
  partnerId: string,
  patch: PatchPartner,
): Promise<PartnerResult> {
  const partner = await changePartner(deps, supplierId, partnerId, () => ({
    ...patch,
    ...(patch.domains ? { domains: [...new Set(patch.domains)] } : {}),
  }));
  return { partner, warnings: roleAddressWarnings(patch.leadOwners ?? []) };
}

/**
 * Changes the settings a partner manages itself (`PUT /v1/partner/settings`);
 * those left out stay as they are, and so do its own registration groups when
 * `autoRegistration` names only a mode. Mode `own` without groups is accepted
 * with a warning: it registers nothing until a group is added.
 *
 * `businessHours` (null clears them) are the partner's fields over its
 * supplier's hours: together they must make whole, valid hours, so without
 * supplier hours every field but `holidays` is required; a problem names the
 * field (`businessHours.start`). The supplier may change its hours later: a
 * partner whose override no longer makes whole hours counts wall-clock time.
 */
export async function updatePartnerSettings(
  deps: TenantDeps,
  supplierId: string,
  partnerId: string,
  settings: PutPartnerSettings,
): Promise<PartnerResult> {
  const { autoRegistration, businessHours, ...rest } = settings;
  if (businessHours) {
    const supplier = await getSupplier(deps, supplierId);
    const problems = partnerHoursProblems(supplier.settings.businessHours, businessHours);
    if (problems.length > 0) {
      throw new ValidationError(
        `Invalid business hours: ${problems[0]?.path}: ${problems[0]?.message}`,
        problems,
      );
    }
  }
  const set = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as Partial<Partner>;
  const partner = await changePartner(deps, supplierId, partnerId, (previous) => ({
    ...set,
    ...(businessHours === null ? { businessHours: undefined } : businessHours ? { businessHours } : {}),
    ...(autoRegistration
      ? {
          autoRegistration: {
            mode: autoRegistration.mode,
            groups: autoRegistration.groups ?? previous.autoRegistration.groups,
          },
        }
      : {}),
  }));
  const warnings = roleAddressWarnings(settings.leadOwners ?? []);
  if (partner.autoRegistration.mode === 'own' && partner.autoRegistration.groups.length === 0) {
    warnings.push({ path: 'autoRegistration.groups', message: 'registers nothing until you add a group' });
  }
  return { partner, warnings };
}
