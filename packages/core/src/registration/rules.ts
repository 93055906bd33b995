import { z } from 'zod';
import { ValidationError } from '../errors';
import type { RoutableLead } from '../routing/conditions';
import { compileGroups } from '../routing/groups';
import {
  MAX_GROUP_CONDITIONS,
  MAX_RULE_GROUPS,
  RuleCondition,
  RuleGroup,
  uniqueGroupNames,
} from '../routing/rules';
import { emailDomain, normaliseName } from '../routing/values';
import { issuesToDetails } from '../validation';

/**
 * Registration rules: which of a partner's own leads are registered with (shared
 * with) the supplier on their own. The supplier keeps one rule set for all its
 * partners (`PUT /v1/registration-rules`); a partner chooses in its settings to
 * use those, its own groups, or none. Groups are routing's groups without
 * `assign`: the same conditions, fields and operators, compiled by the same
 * engine (routing/groups.ts), so a condition means the same thing in both.
 */

export const RegistrationGroup = z
  .strictObject({
    name: RuleGroup.shape.name,
    conditions: z
      .array(RuleCondition)
      .min(1, 'a group needs at least one condition')
      .max(MAX_GROUP_CONDITIONS, `a group has at most ${MAX_GROUP_CONDITIONS} conditions`)
      .describe('All must hold (AND).'),
  })
  .meta({
    id: 'RegistrationGroup',
    description: 'Registers a lead when all its conditions hold; the first matching group is recorded.',
  });
export type RegistrationGroup = z.output<typeof RegistrationGroup>;

const RegistrationGroups = z
  .array(RegistrationGroup)
  .max(MAX_RULE_GROUPS, `must have at most ${MAX_RULE_GROUPS} groups`)
  .superRefine(uniqueGroupNames, { when: (payload) => Array.isArray(payload.value) })
  .describe('OR across groups: a lead is registered when any group holds.');

export const RegistrationRules = z.strictObject({ groups: RegistrationGroups }).meta({
  id: 'RegistrationRules',
  description: 'Ordered groups: OR across groups (the first match is recorded), AND within a group.',
});
export type RegistrationRules = z.output<typeof RegistrationRules>;

/**
 * Validates registration rules: the shape, operators and their values, unique
 * group names (an `assign` is an unknown field here).
 *
 * @param prefix where the rules sit in the request, e.g. `autoRegistration`.
 * @returns the parsed rules (names trimmed).
 * @throws ValidationError whose details name every problem at once, e.g.
 *   `groups.2.conditions.0.op` (`autoRegistration.groups.2.conditions.0.op` with a prefix).
 */
export function validateRegistrationRules(input: unknown, prefix?: string): RegistrationRules {
  const result = RegistrationRules.safeParse(input);
  if (result.success) return result.data;
  const details = issuesToDetails(result.error.issues, prefix ? prefix.split('.') : []);
  const first = details[0];
  const summary = first ? `${first.path || prefix || 'rules'}: ${first.message}` : 'invalid input';
  throw new ValidationError(`Invalid registration rules: ${summary}`, details);
}

/** Off; the supplier's registration rules; or the partner's own groups. */
export const AutoRegistrationMode = z
  .enum(['off', 'supplier', 'own'], {
    error: (issue) =>
      issue.input === undefined
        ? 'is required'
        : `unknown mode "${String(issue.input)}"; use off, supplier or own`,
  })
  .describe('off: register by hand only; supplier: the supplier’s rules; own: the groups given here.');
export type AutoRegistrationMode = z.output<typeof AutoRegistrationMode>;

export const AutoRegistration = z
  .strictObject({
    mode: AutoRegistrationMode,
    groups: RegistrationGroups.default([]).describe(
      'The partner’s own groups, used in mode own (kept, unused, in the other modes).',
    ),
  })
  .meta({
    id: 'AutoRegistration',
    description: 'Registers the partner’s new and changed leads with the supplier when rules match.',
  });
export type AutoRegistration = z.output<typeof AutoRegistration>;

export const MAX_IGNORED_COMPANIES = 1000;

export const IgnoredCompanies = z
  .array(z.string().trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters'))
  .max(MAX_IGNORED_COMPANIES, `must list at most ${MAX_IGNORED_COMPANIES} companies`)
  .describe(
    'Company names (case and spaces ignored) or email domains (`acme.com` also covers `eu.acme.com`) whose leads are never auto-registered.',
  );
export type IgnoredCompanies = z.output<typeof IgnoredCompanies>;

/** Ignored companies prepared once: names normalised, domains lower-cased, each mapped back to the entry as given. */
function compileIgnored(entries: readonly string[]): (lead: RoutableLead) => string | undefined {
  if (entries.length === 0) return () => undefined;
  const byName = new Map<string, string>();
  const byDomain = new Map<string, string>();
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === '') continue;
    const name = normaliseName(entry);
    if (!byName.has(name)) byName.set(name, entry);
    // An entry with no space and a dot may be a domain too; "@acme.com" is read as acme.com.
    const domain = entry.replace(/^@/, '').toLowerCase();
    if (domain.includes('.') && !/\s/.test(domain) && !byDomain.has(domain)) byDomain.set(domain, entry);
  }
  return (lead) => {
    if (lead.company) {
      const hit = byName.get(normaliseName(lead.company));
      if (hit !== undefined) return hit;
    }
    let candidate = emailDomain(lead.email);
    // The email's domain, then each parent that still has a dot: eu.acme.com, acme.com (never plain "com").
    while (candidate?.includes('.')) {
      const hit = byDomain.get(candidate);
      if (hit !== undefined) return hit;
      candidate = candidate.slice(candidate.indexOf('.') + 1);
    }
    return undefined;
  };
}

/**
 * The ignoredCompanies entry that matches the lead, or undefined:
 * case-insensitive on the company name (trimmed, spaces collapsed, as routing's
 * company ownership) and on the email domain (the entry `acme.com` matches
 * `a@acme.com` and `a@eu.acme.com`).
 */
export function ignoredCompanyOf(
  lead: RoutableLead,
  ignoredCompanies: readonly string[],
): string | undefined {
  return compileIgnored(ignoredCompanies)(lead);
}

export type AutoRegistrationMatch =
  | { registers: true; group: string; groupIndex: number; rules: 'supplier' | 'own' }
  | { registers: false; reason: 'off' | 'ignored' | 'no-match'; ignored?: string };

/** A partner's auto-registration, compiled: whether one lead is registered, and by which group. */
export interface CompiledRegistration {
  readonly mode: AutoRegistrationMode;
  match(lead: RoutableLead): AutoRegistrationMatch;
}

/**
 * Compiles a partner's auto-registration once per request or batch (inputs
 * already validated). `supplierRules` are used for mode 'supplier',
 * `autoRegistration.groups` for 'own'; in mode 'off' nothing registers. A lead
 * of an ignored company is never registered, whatever the rules say.
 */
export function compileAutoRegistration(input: {
  autoRegistration: AutoRegistration;
  ignoredCompanies: readonly string[];
  supplierRules: RegistrationRules;
}): CompiledRegistration {
  const { mode } = input.autoRegistration;
  if (mode === 'off') return { mode, match: () => ({ registers: false, reason: 'off' }) };
  const rules = mode === 'supplier' ? 'supplier' : 'own';
  const engine = compileGroups(
    mode === 'supplier' ? input.supplierRules.groups : input.autoRegistration.groups,
  );
  const ignoredOf = compileIgnored(input.ignoredCompanies);
  return {
    mode,
    match(lead) {
      const ignored = ignoredOf(lead);
      if (ignored !== undefined) return { registers: false, reason: 'ignored', ignored };
      const hit = engine.firstMatch(lead);
      return hit
        ? { registers: true, group: hit.name, groupIndex: hit.index, rules }
        : { registers: false, reason: 'no-match' };
    },
  };
}
