import {
  type Clock,
  compileRouting,
  type LeadStore,
  memoryRoutingState,
  ROUTING_STRATEGIES,
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

/** As registration's rules answer: the groups, the version to send back, and when and by whom they were saved. */
const StoredRoutingRules = RoutingRules.extend({
  version: z.int().describe('0 until the supplier first saves rules; send it back to refuse lost updates.'),
  updatedAt: z.iso.datetime().nullable().describe('When the rules were last saved; null before that.'),
  updatedBy: z
    .string()
    .nullable()
    .describe('The email of the person who last saved them; null when an API key did (or before that).'),
}).meta({ id: 'StoredRoutingRules' });
const PREVIEW_MAX = 500;

const RoutingSkip = z.object({
  partnerId: z.string(),
  partnerName: z.string(),
  reason: z.enum(['paused', 'at capacity', 'excluded', 'disabled']),
  role: z.enum(['explicit', 'owner']).optional(),
});

/** Where one lead would go under the draft (core's RoutingDecision), beside where it is now. */
const PreviewItem = z
  .object({
    leadId: z.string(),
    displayEmail: z.string(),
    current: z.object({
      partnerId: z.string().nullable(),
      partnerName: z.string().nullable(),
      distributionStatus: z.string(),
    }),
    wouldGo: z.object({
      partnerId: z.string().nullable(),
      partnerName: z.string().nullable(),
      path: z
        .enum(['explicit', 'ownership', 'rule', 'none', 'error'])
        .describe('What decided: account ownership, a rule group, or none (Unassigned).'),
      group: z.string().optional().describe('The rule group that matched (path rule).'),
      groupIndex: z.int().optional(),
      strategy: z.enum(ROUTING_STRATEGIES).optional(),
      sequence: z.int().optional(),
      via: z.enum(['domain', 'company']).optional(),
      skipped: z.array(RoutingSkip).describe('Partners passed over, and why.'),
      warning: z.string().optional(),
      explanation: z.string().describe('One sentence: why the lead would go there.'),
    }),
  })
  .meta({ id: 'RoutingPreviewItem' });

const RoutingPreview = z
  .object({
    items: z.array(PreviewItem).describe('The most recent leads, newest first.'),
    totals: z.record(z.string(), z.int()).describe('Leads per partner name (Unassigned: none).'),
  })
  .meta({ id: 'RoutingPreview' });

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
          updatedAt: stored?.updatedAt ?? null,
          updatedBy: stored?.updatedBy ?? null,
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
      responses: {
        200: { description: 'The rules as stored', schema: StoredRoutingRules },
        400: { description: 'Invalid rules, every problem named by its path (`groups.2.conditions.0.op`)' },
        409: { description: 'The rules changed since the version sent' },
      },
      handle: async ({ principal, user, body, event }) => {
        const partners = await Tenants.listAllPartners({ store: deps.tenants }, principal.supplierId);
        const current = await deps.rules.getRules(principal.supplierId, 'routing');
        // A client that read a version may send it back (body `version` or If-Match) to refuse lost updates.
        const { draft, expected } = rulesPut(body, event, current?.version);
        const rules = validateRules(draft, partners);
        const now = deps.clock.now().toISOString();
        const version = await deps.rules.putRules(
          principal.supplierId,
          'routing',
          rules,
          expected,
          now,
          user?.email,
        );
        return json(200, { ...rules, version, updatedAt: now, updatedBy: user?.email ?? null });
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
      responses: {
        200: { description: 'Where each lead would go, and totals per partner', schema: RoutingPreview },
        400: { description: 'Invalid draft rules, every problem named by its path, as the PUT names them' },
      },
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
