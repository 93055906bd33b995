// TEMPORARY STUB: replaced by the rules helper's module at merge (same interface).
import { z } from 'zod';
import { evaluateCondition, type RoutableLead } from '../routing/conditions';
import { RuleCondition } from '../routing/rules';
import { emailDomain, normaliseName } from '../routing/values';

export const RegistrationGroup = z.strictObject({
  name: z.string().trim().min(1).max(200),
  conditions: z.array(RuleCondition).min(1).max(50),
});
export type RegistrationGroup = z.output<typeof RegistrationGroup>;
export const RegistrationRules = z.strictObject({ groups: z.array(RegistrationGroup).max(500) });
export type RegistrationRules = z.output<typeof RegistrationRules>;
export const AutoRegistrationMode = z.enum(['off', 'supplier', 'own']);
export type AutoRegistrationMode = z.output<typeof AutoRegistrationMode>;
export const AutoRegistration = z.strictObject({
  mode: AutoRegistrationMode,
  groups: z.array(RegistrationGroup),
});
export type AutoRegistration = z.output<typeof AutoRegistration>;
export const IgnoredCompanies = z.array(z.string().trim().min(1).max(255)).max(1000);

export function ignoredCompanyOf(lead: RoutableLead, ignored: readonly string[]): string | undefined {
  const company = lead.company ? normaliseName(lead.company) : undefined;
  const domain = emailDomain(lead.email ?? undefined);
  return ignored.find((entry) => {
    const e = entry.trim().toLowerCase();
    return (
      normaliseName(entry) === company || (domain !== undefined && (domain === e || domain.endsWith(`.${e}`)))
    );
  });
}

export type AutoRegistrationMatch =
  | { registers: true; group: string; groupIndex: number; rules: 'supplier' | 'own' }
  | { registers: false; reason: 'off' | 'ignored' | 'no-match'; ignored?: string };
export interface CompiledRegistration {
  readonly mode: AutoRegistrationMode;
  match(lead: RoutableLead): AutoRegistrationMatch;
}

export function compileAutoRegistration(input: {
  autoRegistration: AutoRegistration;
  ignoredCompanies: readonly string[];
  supplierRules: RegistrationRules;
}): CompiledRegistration {
  const { mode } = input.autoRegistration;
  const groups = mode === 'own' ? input.autoRegistration.groups : input.supplierRules.groups;
  return {
    mode,
    match(lead) {
      if (mode === 'off') return { registers: false, reason: 'off' };
      const ignored = ignoredCompanyOf(lead, input.ignoredCompanies);
      if (ignored) return { registers: false, reason: 'ignored', ignored };
      const index = groups.findIndex((g) => g.conditions.every((c) => evaluateCondition(c, lead)));
      const group = groups[index];
      return group
        ? { registers: true, group: group.name, groupIndex: index, rules: mode }
        : { registers: false, reason: 'no-match' };
    },
  };
}
