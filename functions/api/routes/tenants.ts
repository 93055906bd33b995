import {
  CreatePartner,
  CreateSupplier,
  type ErrorDetail,
  PageQuery,
  Partner,
  PartnerSettings,
  PatchPartner,
  PatchSupplierSettings,
  PutPartnerSettings,
  roleAddressWarnings,
  Supplier,
  SupplierSettings,
  type TenantDeps,
  Tenants,
} from '@leadrelay/core';
import { z } from 'zod';
import { json } from '../http';
import { route } from '../router';

const Warnings = z
  .array(z.object({ path: z.string(), message: z.string() }))
  .describe('Accepted, but worth a look (e.g. role addresses among the lead owners).');
const PartnerAnswer = z.object({ partner: Partner, warnings: Warnings });
const PartnerCreated = PartnerAnswer.extend({ apiKey: z.string().describe('Shown once; store it now.') });
const PartnerPage = z.object({ items: z.array(Partner), nextCursor: z.string().nullable() });

const warned = (warnings: ErrorDetail[]) => ({ warnings });
const SettingsAnswer = z.object({ settings: PartnerSettings, warnings: Warnings });

/** The part of a partner's record the partner manages. */
function partnerSettings(partner: Partner): PartnerSettings {
  return {
    autoAccept: partner.autoAccept,
    leadOwners: partner.leadOwners,
    salesReps: partner.salesReps ?? [],
    autoRegistration: partner.autoRegistration,
    ignoredCompanies: partner.ignoredCompanies,
    ...(partner.businessHours ? { businessHours: partner.businessHours } : {}),
  };
}

/** Platform and tenant routes: the operator's suppliers, a supplier's settings and partners. */
export function tenantRoutes(deps: TenantDeps) {
  return [
    route({
      method: 'POST',
      path: '/v1/admin/suppliers',
      summary: 'Create a supplier and its first API key',
      tag: 'Platform',
      auth: ['operator'],
      body: CreateSupplier,
      responses: {
        201: { description: 'Created', schema: z.object({ supplier: Supplier, apiKey: z.string() }) },
      },
      handle: async ({ body }) => json(201, await Tenants.createSupplier(deps, body)),
    }),
    route({
      method: 'GET',
      path: '/v1/settings',
      summary: 'Read the supplier’s settings',
      tag: 'Settings',
      auth: ['supplier'],
      responses: { 200: { description: 'The settings', schema: z.object({ settings: SupplierSettings }) } },
      handle: async ({ principal }) => {
        const supplier = await Tenants.getSupplier(deps, principal.supplierId);
        return json(200, { settings: supplier.settings });
      },
    }),
    route({
      method: 'PATCH',
      path: '/v1/settings',
      summary: 'Change some of the supplier’s settings',
      tag: 'Settings',
      auth: ['supplier'],
      body: PatchSupplierSettings,
      responses: {
        200: {
          description: 'The settings after the change',
          schema: z.object({ settings: SupplierSettings }),
        },
      },
      handle: async ({ principal, body }) => {
        const supplier = await Tenants.updateSettings(deps, principal.supplierId, body);
        return json(200, { settings: supplier.settings });
      },
    }),
    route({
      method: 'POST',
      path: '/v1/partners',
      summary: 'Add a partner and issue its API key',
      tag: 'Partners',
      auth: ['supplier'],
      body: CreatePartner,
      responses: { 201: { description: 'Created', schema: PartnerCreated } },
      handle: async ({ principal, body }) => {
        const { partner, apiKey, warnings } = await Tenants.createPartner(deps, principal.supplierId, body);
        return json(201, { partner, apiKey, ...warned(warnings) });
      },
    }),
    route({
      method: 'GET',
      path: '/v1/partners',
      summary: 'List the supplier’s partners, oldest first',
      tag: 'Partners',
      auth: ['supplier'],
      query: PageQuery,
      responses: { 200: { description: 'A page of partners', schema: PartnerPage } },
      handle: async ({ principal, query }) =>
        json(200, await Tenants.listPartners(deps, principal.supplierId, query)),
    }),
    route({
      method: 'GET',
      path: '/v1/partners/{id}',
      summary: 'Read one partner (with the warnings its lead owners would get on a write)',
      tag: 'Partners',
      auth: ['supplier'],
      responses: { 200: { description: 'The partner', schema: PartnerAnswer } },
      handle: async ({ principal, params }) => {
        const partner = await Tenants.getPartner(deps, principal.supplierId, params.id ?? '');
        return json(200, { partner, ...warned(roleAddressWarnings(partner.leadOwners)) });
      },
    }),
    route({
      method: 'PATCH',
      path: '/v1/partners/{id}',
      summary: 'Change some fields of a partner',
      tag: 'Partners',
      auth: ['supplier'],
      body: PatchPartner,
      responses: { 200: { description: 'The partner after the change', schema: PartnerAnswer } },
      handle: async ({ principal, params, body }) => {
        const id = params.id ?? '';
        const { partner, warnings } = await Tenants.updatePartner(deps, principal.supplierId, id, body);
        return json(200, { partner, ...warned(warnings) });
      },
    }),
    route({
      method: 'GET',
      path: '/v1/partner/settings',
      summary:
        'The partner’s own settings: auto-accept, default lead owners, sales reps, auto-registration, ignored companies',
      tag: 'Partner',
      auth: ['partner'],
      responses: { 200: { description: 'The settings', schema: SettingsAnswer } },
      handle: async ({ principal }) => {
        const partner = await Tenants.getPartner(deps, principal.supplierId, principal.partnerId);
        return json(200, { settings: partnerSettings(partner), warnings: [] });
      },
    }),
    route({
      method: 'PUT',
      path: '/v1/partner/settings',
      summary: 'Replace some of the partner’s own settings (those left out stay as they are)',
      tag: 'Partner',
      auth: ['partner'],
      body: PutPartnerSettings,
      responses: {
        200: { description: 'The settings after the change', schema: SettingsAnswer },
        400: { description: 'An invalid setting, named by its path' },
      },
      handle: async ({ principal, body }) => {
        const { partner, warnings } = await Tenants.updatePartnerSettings(
          deps,
          principal.supplierId,
          principal.partnerId,
          body,
        );
        return json(200, { settings: partnerSettings(partner), ...warned(warnings) });
      },
    }),
  ];
}
