import { type Clock, RegistrationRules, type RulesStore, validateRegistrationRules } from '@leadrelay/core';
import { z } from 'zod';
import { json } from '../http';
import { route } from '../router';
import { rulesPut } from '../rules-version';

export interface RegistrationRulesRouteDeps {
  rules: RulesStore;
  clock: Clock;
}

/** As routing's rules answer: the groups, and the version to send back. */
const StoredRegistrationRules = RegistrationRules.extend({
  version: z.int().describe('0 until the supplier first saves rules; send it back to refuse lost updates.'),
  updatedAt: z.iso.datetime().nullable().describe('When the rules were last saved; null before that.'),
}).meta({ id: 'StoredRegistrationRules' });

/**
 * The supplier's registration rules: the groups its partners' own leads are
 * registered by when a partner's auto-registration is in mode `supplier`.
 * Partners read them (to see what their leads are registered by); only the
 * supplier replaces them.
 */
export function registrationRulesRoutes(deps: RegistrationRulesRouteDeps) {
  return [
    route({
      method: 'GET',
      path: '/v1/registration-rules',
      summary: 'The supplier’s registration rules (a partner key reads its supplier’s)',
      tag: 'Registration',
      auth: ['supplier', 'partner'],
      responses: { 200: { description: 'The rules and their version', schema: StoredRegistrationRules } },
      handle: async ({ principal }) => {
        const stored = await deps.rules.getRules(principal.supplierId, 'registration');
        return json(200, {
          ...(stored ? RegistrationRules.parse(stored.rules) : { groups: [] }),
          version: stored?.version ?? 0,
          updatedAt: stored?.updatedAt ?? null,
        });
      },
    }),
    route({
      method: 'PUT',
      path: '/v1/registration-rules',
      summary:
        'Replace the registration rules (routing’s groups without assign); unknown fields, operators and empty groups are refused by path',
      tag: 'Registration',
      auth: ['supplier'],
      body: z.unknown(),
      responses: {
        200: { description: 'The rules as stored', schema: StoredRegistrationRules },
        400: { description: 'Invalid rules, every problem named by its path (`groups.2.conditions.0.op`)' },
        409: { description: 'The rules changed since the version sent' },
      },
      handle: async ({ principal, body, event }) => {
        const current = await deps.rules.getRules(principal.supplierId, 'registration');
        const { draft, expected } = rulesPut(body, event, current?.version);
        const rules = validateRegistrationRules(draft);
        const now = deps.clock.now().toISOString();
        const version = await deps.rules.putRules(principal.supplierId, 'registration', rules, expected, now);
        return json(200, { ...rules, version, updatedAt: now });
      },
    }),
  ];
}
