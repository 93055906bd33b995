import { ApiKey, PageQuery, type Principal, type TenantDeps, Tenants, Users } from '@leadrelay/core';
import { z } from 'zod';
import { json } from '../http';
import { type Route, route } from '../router';

const KeyAnswer = z.object({ key: ApiKey });
const KeyCreated = KeyAnswer.extend({
  apiKey: z.string().describe('The key itself: shown once, here; only its hash is stored.'),
});
const KeyPage = z.object({ items: z.array(ApiKey), nextCursor: z.string().nullable() });
const responses = {
  list: { 200: { description: 'A page of keys, oldest first, revoked ones included', schema: KeyPage } },
  create: {
    201: { description: 'Created', schema: KeyCreated },
    409: { description: 'Already at the most active keys' },
  },
  revoke: {
    200: { description: 'The key, revoked (revoking it again answers the same)', schema: KeyAnswer },
    404: { description: 'No such key of this principal' },
  },
};

/**
 * API keys: every supplier and partner
 * lists, creates and revokes its own; a supplier does the same for its partners,
 * the operator for suppliers. Keys are shown once and answered only as id and
 * prefix afterwards. A revoked key answers 401 from its next request on.
 */
export function keyRoutes(deps: TenantDeps) {
  const partnerOf = async (supplierId: string, partnerId: string): Promise<Principal> => {
    // Another supplier's partner is a 404, as is a partner that does not exist.
    await Tenants.getPartner(deps, supplierId, partnerId);
    return { kind: 'partner', supplierId, partnerId };
  };
  const supplier = async (supplierId: string): Promise<Principal> => {
    await Tenants.getSupplier(deps, supplierId);
    return { kind: 'supplier', supplierId };
  };
  // A key can do whatever its tenant can: only an admin (or a key) manages them.
  return [
    route({
      method: 'GET',
      path: '/v1/keys',
      summary: 'List the caller’s own API keys',
      tag: 'Keys',
      auth: ['supplier', 'partner'],
      query: PageQuery,
      responses: responses.list,
      handle: async ({ principal, query }) => json(200, await Tenants.listKeys(deps, principal, query)),
    }),
    route({
      method: 'POST',
      path: '/v1/keys',
      summary: 'Create another API key for the caller (rotation: create, switch, revoke the old one)',
      tag: 'Keys',
      auth: ['supplier', 'partner'],
      responses: responses.create,
      handle: async ({ principal }) => json(201, await Tenants.createKey(deps, principal)),
    }),
    route({
      method: 'DELETE',
      path: '/v1/keys/{keyId}',
      summary:
        'Revoke one of the caller’s own keys. The key in use may be revoked (this request still completes); the last active key may not.',
      tag: 'Keys',
      auth: ['supplier', 'partner'],
      responses: {
        ...responses.revoke,
        409: { description: 'The caller’s last active key: create a new one first' },
      },
      handle: async ({ principal, params }) =>
        json(200, { key: await Tenants.revokeKey(deps, principal, params.keyId ?? '', { keepOne: true }) }),
    }),
    route({
      method: 'GET',
      path: '/v1/partners/{id}/keys',
      summary: 'List a partner’s API keys',
      tag: 'Keys',
      auth: ['supplier'],
      query: PageQuery,
      responses: responses.list,
      handle: async ({ principal, params, query }) =>
        json(
          200,
          await Tenants.listKeys(deps, await partnerOf(principal.supplierId, params.id ?? ''), query),
        ),
    }),
    route({
      method: 'POST',
      path: '/v1/partners/{id}/keys',
      summary: 'Create another API key for a partner',
      tag: 'Keys',
      auth: ['supplier'],
      responses: responses.create,
      handle: async ({ principal, params }) =>
        json(201, await Tenants.createKey(deps, await partnerOf(principal.supplierId, params.id ?? ''))),
    }),
    route({
      method: 'DELETE',
      path: '/v1/partners/{id}/keys/{keyId}',
      summary: 'Revoke a partner’s API key (even its last: the supplier can create another)',
      tag: 'Keys',
      auth: ['supplier'],
      responses: responses.revoke,
      handle: async ({ principal, params }) => {
        const owner = await partnerOf(principal.supplierId, params.id ?? '');
        return json(200, {
          key: await Tenants.revokeKey(deps, owner, params.keyId ?? '', { keepOne: false }),
        });
      },
    }),
    route({
      method: 'GET',
      path: '/v1/admin/suppliers/{id}/keys',
      summary: 'List a supplier’s API keys',
      tag: 'Keys',
      auth: ['operator'],
      query: PageQuery,
      responses: responses.list,
      handle: async ({ params, query }) =>
        json(200, await Tenants.listKeys(deps, await supplier(params.id ?? ''), query)),
    }),
    route({
      method: 'POST',
      path: '/v1/admin/suppliers/{id}/keys',
      summary: 'Create another API key for a supplier',
      tag: 'Keys',
      auth: ['operator'],
      responses: responses.create,
      handle: async ({ params }) => json(201, await Tenants.createKey(deps, await supplier(params.id ?? ''))),
    }),
    route({
      method: 'DELETE',
      path: '/v1/admin/suppliers/{id}/keys/{keyId}',
      summary: 'Revoke a supplier’s API key (even its last: the operator can create another)',
      tag: 'Keys',
      auth: ['operator'],
      responses: responses.revoke,
      handle: async ({ params }) => {
        const owner = await supplier(params.id ?? '');
        return json(200, {
          key: await Tenants.revokeKey(deps, owner, params.keyId ?? '', { keepOne: false }),
        });
      },
    }),
  ].map(adminOnly);
}

/** The route, refused to a signed-in member (an API key or an admin passes). */
function adminOnly(spec: Route): Route {
  return {
    ...spec,
    handle: async (ctx) => {
      if (ctx.principal && ctx.principal.kind !== 'operator' && ctx.user) {
        Users.assertAdmin({ principal: ctx.principal, user: ctx.user });
      }
      return spec.handle(ctx);
    },
  };
}
