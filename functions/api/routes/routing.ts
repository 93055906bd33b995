import {
  type Clock,
  compileRouting,
  type LeadStore,
  memoryRoutingState,
  RoutingRules,
  type RulesStore,
  type TenantStore,
  Tenants,
  validateRules,
} from '@leadrelay/core';
import { z } from 'zod';
import { json } from '../http';
import { route } from '../router';
import { rulesPut } from '../rules-version';

export interface RoutingRouteDeps {
  rules: RulesStore;
  tenants: TenantStore;
  leads: LeadStore;
  clock: Clock;
}

const StoredRoutingRules = RoutingRules.extend({ version: z.int() });
const PREVIEW_MAX = 500;

/** Routing rules: read, replace (validated against the supplier's partners), and preview a draft. */
export function routingRoutes(deps: RoutingRouteDeps) {
  return [
    route({
      method: 'GET',
      path: '/v1/routing-rules',
      summary: 'The supplier’s routing rules (ordered groups; the first matching group decides)',
      tag: 'Routing',
      auth: ['supplier'],
      responses: { 200: { description: 'The rules and their version', schema: StoredRoutingRules } },
      handle: async ({ principal }) => {
        const stored = await deps.rules.getRules(principal.supplierId, 'routing');
        return json(200, {
          ...(stored ? RoutingRules.parse(stored.rules) : { groups: [] }),
          version: stored?.version ?? 0,
        });
      },
    }),
    route({
      method: 'PUT',
      path: '/v1/routing-rules',
      summary: 'Replace the routing rules; unknown partners, operators and empty groups are refused by name',
      tag: 'Routing',
      auth: ['supplier'],
      body: z.unknown(),
      responses: { 200: { description: 'The rules as stored', schema: StoredRoutingRules } },
      handle: async ({ principal, body, event }) => {
        const partners = await Tenants.listAllPartners({ store: deps.tenants }, principal.supplierId);
        const current = await deps.rules.getRules(principal.supplierId, 'routing');
        // A client that read a version may send it back (body `version` or If-Match) to refuse lost updates.
        const { draft, expected } = rulesPut(body, event, current?.version);
        const rules = validateRules(draft, partners);
        const version = await deps.rules.putRules(
          principal.supplierId,
          'routing',
          rules,
          expected,
          deps.clock.now().toISOString(),
        );
        return json(200, { ...rules, version });
      },
    }),
    route({
      method: 'POST',
      path: '/v1/routing-rules/preview',
      summary: `Run draft rules over the ${PREVIEW_MAX} most recent leads (or fewer) and show where each would go; changes nothing`,
      tag: 'Routing',
      auth: ['supplier'],
      body: z.unknown(),
      query: z.strictObject({ limit: z.coerce.number().int().min(1).max(PREVIEW_MAX).default(100) }),
      responses: { 200: { description: 'Where each lead would go, and totals per partner' } },
      handle: async ({ principal, body, query }) => {
        const partners = await Tenants.listAllPartners({ store: deps.tenants }, principal.supplierId);
        const rules = validateRules(body, partners);
        const compiled = compileRouting({ rules, partners });
        const { items: leads } = await deps.leads.listLeads(principal.supplierId, { limit: query.limit });
        const loads = await deps.leads.partnerLoads(
          principal.supplierId,
          partners.map((p) => p.id),
        );
        const state = memoryRoutingState(loads);
        const totals = new Map<string, number>();
        const items = leads.map((lead) => {
          const match = compiled.match({ ...lead, customFields: lead.customFields });
          const decision =
            match.path === 'error'
              ? {
                  partnerId: null,
                  partnerName: null,
                  path: 'none' as const,
                  explanation: match.message,
                  skipped: [],
                }
              : compiled.choose(match, state);
          const key = decision.partnerName ?? 'Unassigned';
          totals.set(key, (totals.get(key) ?? 0) + 1);
          return {
            leadId: lead.id,
            displayEmail: lead.displayEmail,
            current: {
              partnerId: lead.partnerId,
              partnerName: lead.partnerName,
              distributionStatus: lead.distributionStatus,
            },
            wouldGo: decision,
          };
        });
        return json(200, { items, totals: Object.fromEntries(totals) });
      },
    }),
  ];
}
