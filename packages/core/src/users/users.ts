import { z } from 'zod';
import type { Clock } from '../clock';
import { EmailAddress } from '../email-address';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../errors';
import type { Page, PageQuery } from '../pages';
import type { Principal } from '../principal';
import type { TenantStore } from '../tenants/ports';
import { type AuthDeps, assertPartnerActive, authenticate } from '../tenants/tenants';

/**
 * People who sign in (the console): a person is an identity of the user pool (its
 * `sub`), and a member of one or more tenants (a supplier, or a partner at one
 * supplier) with a role there. API keys stay for integrators; a key acts as its
 * tenant's admin.
 */

/** A supplier or a partner at one supplier: what a person can be a member of. */
export type Tenant = Extract<Principal, { kind: 'supplier' | 'partner' }>;

export const UserRole = z
  .enum(['admin', 'member'], {
    error: (issue) =>
      issue.input === undefined
        ? 'is required'
        : `unknown role "${String(issue.input)}"; use admin or member`,
  })
  .describe('admin: also invites and removes the tenant’s users; member: everything else.');
export type UserRole = z.output<typeof UserRole>;

/** One person's membership of one tenant. */
export interface Membership {
  /** The person's id in the user pool (the token's `sub`). */
  userId: string;
  email: string;
  tenant: Tenant;
  role: UserRole;
  createdAt: string;
  /** Who invited them: `user:<id>` or the tenant's API key (`key`). */
  invitedBy: string;
}

/** The signed-in person a request comes from (none for an API key). */
export interface SignedInUser {
  id: string;
  email: string;
  role: UserRole;
}

/** Who calls: the tenant it acts for, and the person, when a token (not a key) authenticated it. */
export interface Caller {
  principal: Principal;
  user?: SignedInUser;
}

export const InviteUser = z
  .strictObject({
    email: EmailAddress.describe('Where the invitation goes; the person signs in with it.'),
    role: UserRole.default('member'),
  })
  .meta({ id: 'InviteUser' });
export type InviteUser = z.output<typeof InviteUser>;

/** What the API shows of a tenant's user. */
export interface UserView {
  id: string;
  email: string;
  role: UserRole;
  createdAt: string;
  invitedBy: string;
}

/** Storage of memberships; every write is conditional (the DynamoDB adapter in @leadrelay/store). */
export interface UserStore {
  /** Adds the membership unless the person is a member of that tenant already. */
  putMembership(membership: Membership): Promise<'created' | 'exists'>;
  getMembership(userId: string, tenant: Tenant): Promise<Membership | undefined>;
  /** All of a person's memberships, in a stable order (supplier, then partners, by id). */
  listMembershipsOf(userId: string): Promise<Membership[]>;
  /** A tenant's members by email. */
  listMembers(tenant: Tenant, page: PageQuery): Promise<Page<Membership>>;
  /** Removes the membership; false when there was none. */
  removeMembership(userId: string, tenant: Tenant): Promise<boolean>;
}

/** The user pool (Cognito in AWS, its emulator locally). */
export interface IdentityProvider {
  /**
   * The person of this email: created and invited (an email with a temporary password,
   * changed at the first sign-in) when the pool does not have them yet.
   */
  invite(email: string): Promise<{ userId: string; invited: boolean }>;
}

/** Checks a token's signature, issuer, audience and expiry; throws UnauthorizedError. */
export interface TokenVerifier {
  verify(token: string): Promise<{ userId: string; email: string }>;
}

export interface UserDeps {
  users: UserStore;
  identities: IdentityProvider;
  tenants: Pick<TenantStore, 'getSupplier' | 'getPartner'>;
  clock: Clock;
}

/**
 * The header a person sends to act for one of their tenants:
 * `supplier:<supplierId>` or `partner:<supplierId>:<partnerId>`. Without it a request
 * acts for their first membership (GET /v1/me lists them).
 */
export const TENANT_HEADER = 'x-lead-relay-tenant';

export function tenantRef(tenant: Tenant): string {
  return tenant.kind === 'supplier'
    ? `supplier:${tenant.supplierId}`
    : `partner:${tenant.supplierId}:${tenant.partnerId}`;
}

function sameTenant(a: Tenant, b: Tenant): boolean {
  return tenantRef(a) === tenantRef(b);
}

/** The tenant only (a principal may carry more in future; a membership stores exactly this). */
function tenantOf(principal: Tenant): Tenant {
  return principal.kind === 'supplier'
    ? { kind: 'supplier', supplierId: principal.supplierId }
    : { kind: 'partner', supplierId: principal.supplierId, partnerId: principal.partnerId };
}

/**
 * Who a token's person is, acting for the tenant the header names (or their first).
 * The memberships are read on every request, so a removed person's token stops
 * working at their next request, whatever its expiry.
 */
export async function authenticateUser(
  deps: Pick<UserDeps, 'users' | 'tenants'> & { verifier: TokenVerifier },
  token: string,
  chosen: string | undefined,
): Promise<Caller> {
  const person = await deps.verifier.verify(token);
  const memberships = await deps.users.listMembershipsOf(person.userId);
  if (memberships.length === 0) {
    throw new UnauthorizedError('You are not a user of any supplier or partner here (any more)');
  }
  const membership =
    chosen === undefined ? memberships[0] : memberships.find((m) => tenantRef(m.tenant) === chosen.trim());
  if (!membership) {
    throw new ForbiddenError(`You are not a user of ${chosen}`, [
      { path: TENANT_HEADER, message: `one of ${memberships.map((m) => tenantRef(m.tenant)).join(', ')}` },
    ]);
  }
  const { tenant } = membership;
  if (tenant.kind === 'partner') {
    await assertPartnerActive(deps.tenants, tenant, 'The partner you are a user of is gone');
  }
  return { principal: tenant, user: { id: person.userId, email: membership.email, role: membership.role } };
}

/** A key acts as its tenant's admin; a person as their role says. */
export function assertAdmin(caller: Caller): Tenant {
  const { principal, user } = caller;
  if (principal.kind === 'operator') {
    throw new ForbiddenError('Users belong to a supplier or a partner; use its key or sign in as its admin', [
      { path: 'authorization', message: 'needs a supplier or partner' },
    ]);
  }
  if (user && user.role !== 'admin') {
    throw new ForbiddenError('Only an admin invites and removes users', [
      { path: 'authorization', message: `your role is ${user.role}` },
    ]);
  }
  return tenantOf(principal);
}

export function userView(membership: Membership): UserView {
  const { userId, email, role, createdAt, invitedBy } = membership;
  return { id: userId, email, role, createdAt, invitedBy };
}

/**
 * Invites a person to the caller's tenant (an admin, or its key): the pool creates and
 * emails them when it does not know them yet; a person it knows (a user of another
 * tenant) just gains this membership.
 */
export async function inviteUser(
  deps: UserDeps,
  caller: Caller,
  input: InviteUser,
): Promise<{ user: UserView; invited: boolean }> {
  const tenant = assertAdmin(caller);
  const { userId, invited } = await deps.identities.invite(input.email);
  const membership: Membership = {
    userId,
    email: input.email,
    tenant,
    role: input.role,
    createdAt: deps.clock.now().toISOString(),
    invitedBy: caller.user ? `user:${caller.user.id}` : 'key',
  };
  if ((await deps.users.putMembership(membership)) === 'exists') {
    throw new ConflictError(`${input.email} is a user here already`, [
      { path: 'email', message: 'already a user of this tenant' },
    ]);
  }
  return { user: userView(membership), invited };
}

export async function listUsers(deps: Pick<UserDeps, 'users'>, caller: Caller, page: PageQuery) {
  const tenant = assertAdmin(caller);
  const found = await deps.users.listMembers(tenant, page);
  return { items: found.items.map(userView), nextCursor: found.nextCursor };
}

/**
 * Removes a person from the caller's tenant; their tokens stop working here at their next
 * request (authenticateUser reads the memberships; the person stays in the pool, where
 * another tenant may have them). An admin cannot remove themselves (another admin, or a key, can).
 */
export async function removeUser(
  deps: Pick<UserDeps, 'users'>,
  caller: Caller,
  userId: string,
): Promise<void> {
  const tenant = assertAdmin(caller);
  if (caller.user?.id === userId) {
    throw new ValidationError('You cannot remove yourself; another admin can', [
      { path: 'id', message: 'is you' },
    ]);
  }
  if (!(await deps.users.removeMembership(userId, tenant))) {
    throw new NotFoundError(`User ${userId} not found`);
  }
}

/** The signed-in person, the tenant this request acts for, and every tenant they may choose. */
export async function me(deps: Pick<UserDeps, 'users' | 'tenants'>, caller: Caller) {
  const { principal, user } = caller;
  if (!user || principal.kind === 'operator') {
    throw new ForbiddenError('GET /v1/me is for people signed in; a key knows its tenant', [
      { path: 'authorization', message: 'needs a signed-in user’s token' },
    ]);
  }
  const memberships = await deps.users.listMembershipsOf(user.id);
  const tenants = await Promise.all(
    memberships.map(async (m) => {
      const supplier = await deps.tenants.getSupplier(m.tenant.supplierId);
      const partner =
        m.tenant.kind === 'partner'
          ? await deps.tenants.getPartner(m.tenant.supplierId, m.tenant.partnerId)
          : undefined;
      return {
        tenant: tenantRef(m.tenant),
        kind: m.tenant.kind,
        supplierId: m.tenant.supplierId,
        supplierName: supplier?.name ?? null,
        ...(m.tenant.kind === 'partner'
          ? { partnerId: m.tenant.partnerId, partnerName: partner?.name ?? null }
          : {}),
        role: m.role,
        current: sameTenant(m.tenant, tenantOf(principal)),
      };
    }),
  );
  return { user: { id: user.id, email: user.email }, tenants };
}

/** A JWT's shape (three base64url parts, a JSON header): never an API key's (`lr_…`, no dots). */
const JWT = /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/;

/**
 * Who calls, from the request's `Authorization` header: an API key (Tenants.authenticate),
 * or a signed-in person's ID token when a user pool is configured, acting for the tenant
 * `x-lead-relay-tenant` names.
 */
export async function authenticateRequest(
  deps: AuthDeps & { people?: Pick<UserDeps, 'users'> & { verifier: TokenVerifier } },
  headers: Record<string, string | undefined>,
): Promise<Caller> {
  const authorization = headers.authorization;
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (token !== undefined && JWT.test(token)) {
    if (!deps.people) throw new UnauthorizedError('Sign-in is not set up here; use an API key');
    return authenticateUser({ ...deps.people, tenants: deps.store }, token, headers[TENANT_HEADER]);
  }
  return { principal: await authenticate(deps, authorization) };
}
