import { InviteUser, PageQuery, type UserDeps, UserRole, Users } from '@leadrelay/core';
import { z } from 'zod';
import { json } from '../http';
import { route } from '../router';

const User = z
  .object({
    id: z.string().describe('The person’s id in the user pool (the token’s sub).'),
    email: z.string(),
    role: UserRole,
    createdAt: z.iso.datetime(),
    invitedBy: z.string().describe('`user:<id>` of the admin who invited them, or `key` (an API key).'),
  })
  .meta({ id: 'User' });

const Me = z
  .object({
    user: z.object({ id: z.string(), email: z.string() }),
    tenants: z.array(
      z.object({
        tenant: z.string().describe('What to send as x-lead-relay-tenant to act for it.'),
        kind: z.enum(['supplier', 'partner']),
        supplierId: z.string(),
        supplierName: z.string().nullable(),
        partnerId: z.string().optional(),
        partnerName: z.string().nullable().optional(),
        role: UserRole,
        current: z.boolean().describe('The tenant this request acted for.'),
      }),
    ),
  })
  .meta({ id: 'Me' });

/**
 * People: a supplier's or a partner's admin (or its API key) invites, lists and removes
 * the tenant's users; a signed-in person reads who they are and which tenants they may
 * act for (the x-lead-relay-tenant header chooses; without it, the first).
 */
export function userRoutes(deps: UserDeps) {
  return [
    route({
      method: 'GET',
      path: '/v1/me',
      summary: 'The signed-in person and the tenants they may act for',
      tag: 'Users',
      auth: ['supplier', 'partner'],
      responses: {
        200: { description: 'Who you are', schema: Me },
        403: { description: 'An API key (it has no person)' },
      },
      handle: async ({ principal, user }) =>
        json(200, await Users.me(deps, { principal, ...(user ? { user } : {}) })),
    }),
    route({
      method: 'POST',
      path: '/v1/users',
      summary: 'Invite a person to the caller’s supplier or partner (the pool emails a temporary password)',
      tag: 'Users',
      auth: ['supplier', 'partner'],
      body: InviteUser,
      responses: {
        201: {
          description: 'The user; `invited`: false when the person had an account already (a user elsewhere)',
          schema: z.object({ user: User, invited: z.boolean() }),
        },
        403: { description: 'A member, not an admin' },
        409: { description: 'A user here already' },
      },
      handle: async ({ principal, user, body }) =>
        json(201, await Users.inviteUser(deps, { principal, ...(user ? { user } : {}) }, body)),
    }),
    route({
      method: 'GET',
      path: '/v1/users',
      summary: 'The caller’s supplier’s or partner’s users, by email',
      tag: 'Users',
      auth: ['supplier', 'partner'],
      query: PageQuery,
      responses: {
        200: {
          description: 'A page of users',
          schema: z.object({ items: z.array(User), nextCursor: z.string().nullable() }),
        },
        403: { description: 'A member, not an admin' },
      },
      handle: async ({ principal, user, query }) =>
        json(200, await Users.listUsers(deps, { principal, ...(user ? { user } : {}) }, query)),
    }),
    route({
      method: 'DELETE',
      path: '/v1/users/{id}',
      summary: 'Remove a user: their token stops working here at their next request',
      tag: 'Users',
      auth: ['supplier', 'partner'],
      responses: {
        204: { description: 'Removed' },
        400: { description: 'Yourself' },
        403: { description: 'A member, not an admin' },
        404: { description: 'No such user here' },
      },
      handle: async ({ principal, user, params }) => {
        await Users.removeUser(deps, { principal, ...(user ? { user } : {}) }, params.id ?? '');
        return json(204, null);
      },
    }),
  ];
}
