import {
  AutoRegistration,
  type AutoRegistrationMatch,
  compileAutoRegistration,
  compileGroups,
  type ErrorDetail,
  IgnoredCompanies,
  ignoredCompanyOf,
  type RegistrationRules,
  type RoutableLead,
  ValidationError,
  validateRegistrationRules,
} from '@leadrelay/core';
import { describe, expect, it } from 'vitest';

type Condition = { field: string; op: string; value?: unknown };
const group = (name: string, ...conditions: Condition[]) => ({ name, conditions });

const rules = (...groups: ReturnType<typeof group>[]): RegistrationRules =>
  validateRegistrationRules({ groups });

/** Compiles `own` groups with no ignored companies and answers the match for one lead. */
function own(groups: RegistrationRules, lead: RoutableLead): AutoRegistrationMatch {
  return compileAutoRegistration({
    autoRegistration: { mode: 'own', groups: groups.groups },
    ignoredCompanies: [],
    supplierRules: { groups: [] },
  }).match(lead);
}

function detailsOf(input: unknown, prefix?: string): ErrorDetail[] {
  try {
    validateRegistrationRules(input, prefix);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).details;
  }
  throw new Error('expected a ValidationError');
}

describe('registration rule groups', () => {
  const set = rules(
    group(
      'German enterprise',
      { field: 'country', op: 'equals', value: 'Germany' },
      { field: 'score', op: 'gt', value: 70 },
    ),
    group('Any French', { field: 'country', op: 'equals', value: 'france' }),
    group('Catch-all Acme', { field: 'domain', op: 'equals', value: 'acme.com' }),
  );

  it('registers by the first group whose conditions all hold, and names it', () => {
    expect(own(set, { country: 'germany', score: 80, email: 'a@acme.com' })).toEqual({
      registers: true,
      group: 'German enterprise',
      groupIndex: 0,
      rules: 'own',
    });
  });

  it('needs every condition of a group (AND within)', () => {
    expect(own(set, { country: 'Germany', score: 70 })).toEqual({ registers: false, reason: 'no-match' });
  });

  it('tries later groups when earlier ones fail (OR across)', () => {
    expect(own(set, { country: 'Germany', score: 10, email: 'b@ACME.com' })).toMatchObject({
      registers: true,
      group: 'Catch-all Acme',
      groupIndex: 2,
    });
    expect(own(set, { country: ' FRANCE ' })).toMatchObject({ group: 'Any French', groupIndex: 1 });
  });

  it('reaches every operator of the routing engine', () => {
    const cases: [Condition, RoutableLead, RoutableLead][] = [
      [{ field: 'score', op: 'gt', value: 50 }, { score: 51 }, { score: 50 }],
      [{ field: 'score', op: 'gte', value: 50 }, { score: 50 }, { score: 49 }],
      [{ field: 'score', op: 'lt', value: 50 }, { score: 49 }, { score: 50 }],
      [{ field: 'score', op: 'lte', value: '50' }, { score: 50 }, { score: 51 }],
      [{ field: 'country', op: 'in', value: ['DE', 'AT'] }, { country: 'at' }, { country: 'CH' }],
      [{ field: 'country', op: 'notIn', value: ['DE', 'AT'] }, { country: 'CH' }, { country: 'de' }],
      [{ field: 'country', op: 'notEquals', value: 'DE' }, {}, { country: 'de' }],
      [{ field: 'title', op: 'contains', value: 'Chief' }, { title: 'chief of staff' }, { title: 'Manager' }],
      [{ field: 'title', op: 'startsWith', value: 'VP' }, { title: 'vp sales' }, { title: 'SVP' }],
      [{ field: 'phone', op: 'exists' }, { phone: '+49 1' }, { phone: '  ' }],
      [{ field: 'phone', op: 'notExists' }, {}, { phone: '+49 1' }],
      [
        { field: 'custom.Tier', op: 'equals', value: 'gold' },
        { customFields: { tier: 'Gold' } },
        { customFields: { Tier: 'silver' } },
      ],
      [
        { field: 'custom.seats', op: 'gte', value: 100 },
        { customFields: { seats: '250' } },
        { customFields: { seats: 99 } },
      ],
      [
        { field: 'domain', op: 'in', value: ['acme.com'] },
        { email: 'x@Acme.com' },
        { email: 'x@eu.acme.com' },
      ],
    ];
    for (const [condition, holds, fails] of cases) {
      const set = rules(group('only', condition));
      expect(own(set, holds), JSON.stringify([condition, holds])).toMatchObject({
        registers: true,
        group: 'only',
      });
      expect(own(set, fails), JSON.stringify([condition, fails])).toEqual({
        registers: false,
        reason: 'no-match',
      });
    }
  });

  it('compiles with the same engine as routing, first match wins', () => {
    const engine = compileGroups(set.groups);
    expect(engine.size).toBe(3);
    expect(engine.fields).toEqual(['country', 'score', 'domain']);
    expect(engine.firstMatch({ country: 'France', email: 'x@acme.com' })).toEqual({
      name: 'Any French',
      index: 1,
    });
    expect(engine.firstMatch({ country: 'Spain' })).toBeUndefined();
    expect(engine.firstIndex({ country: 'Spain' })).toBe(-1);
  });
});

describe('auto-registration modes', () => {
  const supplierRules = rules(group('Supplier: US', { field: 'country', op: 'equals', value: 'US' }));
  const ownGroups = rules(group('Mine: big', { field: 'score', op: 'gte', value: 90 })).groups;
  const compiled = (mode: 'off' | 'supplier' | 'own', ignoredCompanies: string[] = []) =>
    compileAutoRegistration({
      autoRegistration: { mode, groups: ownGroups },
      ignoredCompanies,
      supplierRules,
    });

  it('registers nothing when off, whatever matches', () => {
    const off = compiled('off');
    expect(off.mode).toBe('off');
    expect(off.match({ country: 'US', score: 99 })).toEqual({ registers: false, reason: 'off' });
  });

  it("uses the supplier's rules in mode supplier, not the partner's own groups", () => {
    const supplier = compiled('supplier');
    expect(supplier.match({ country: 'us', score: 10 })).toEqual({
      registers: true,
      group: 'Supplier: US',
      groupIndex: 0,
      rules: 'supplier',
    });
    expect(supplier.match({ country: 'DE', score: 99 })).toEqual({ registers: false, reason: 'no-match' });
  });

  it("uses the partner's own groups in mode own, not the supplier's", () => {
    const mine = compiled('own');
    expect(mine.match({ country: 'DE', score: 95 })).toEqual({
      registers: true,
      group: 'Mine: big',
      groupIndex: 0,
      rules: 'own',
    });
    expect(mine.match({ country: 'US', score: 10 })).toEqual({ registers: false, reason: 'no-match' });
  });

  it('registers nothing in mode own without groups', () => {
    const empty = compileAutoRegistration({
      autoRegistration: { mode: 'own', groups: [] },
      ignoredCompanies: [],
      supplierRules,
    });
    expect(empty.match({ country: 'US', score: 99 })).toEqual({ registers: false, reason: 'no-match' });
  });

  it('never registers a lead of an ignored company, and names the entry', () => {
    const ignoring = compiled('supplier', ['  Globex   Corp ', 'initech.com']);
    expect(ignoring.match({ country: 'US', company: 'globex corp' })).toEqual({
      registers: false,
      reason: 'ignored',
      ignored: 'Globex   Corp',
    });
    expect(ignoring.match({ country: 'US', email: 'a@mail.initech.com' })).toEqual({
      registers: false,
      reason: 'ignored',
      ignored: 'initech.com',
    });
    expect(ignoring.match({ country: 'US', company: 'Globex', email: 'a@initech.co' })).toMatchObject({
      registers: true,
    });
  });
});

describe('ignoredCompanyOf', () => {
  const ignored = ['Acme Inc', 'globex.com', '@initech.com'];

  it('matches the company name ignoring case and spaces', () => {
    expect(ignoredCompanyOf({ company: '  ACME   inc ' }, ignored)).toBe('Acme Inc');
  });

  it('matches the email domain and its subdomains, case-insensitively', () => {
    expect(ignoredCompanyOf({ email: 'a@globex.com' }, ignored)).toBe('globex.com');
    expect(ignoredCompanyOf({ email: 'a@EU.Globex.COM' }, ignored)).toBe('globex.com');
    expect(ignoredCompanyOf({ email: 'a@initech.com' }, ignored)).toBe('@initech.com');
  });

  it('matches a company named like a domain entry', () => {
    expect(ignoredCompanyOf({ company: 'Globex.com' }, ignored)).toBe('globex.com');
  });

  it('answers undefined for a lead that matches no entry', () => {
    expect(ignoredCompanyOf({ company: 'Acme', email: 'a@notglobex.com' }, ignored)).toBeUndefined();
    expect(ignoredCompanyOf({ company: 'Acme Incorporated', email: 'a@globex.co' }, ignored)).toBeUndefined();
    expect(ignoredCompanyOf({}, ignored)).toBeUndefined();
    expect(ignoredCompanyOf({ company: 'Acme Inc' }, [])).toBeUndefined();
  });

  it('does not read a name entry as a domain', () => {
    expect(ignoredCompanyOf({ email: 'a@acme inc' }, ['Acme Inc'])).toBeUndefined();
  });
});

describe('validateRegistrationRules', () => {
  it('answers the parsed rules, names trimmed', () => {
    expect(rules(group('  a  ', { field: 'country', op: 'exists' }))).toEqual({
      groups: [{ name: 'a', conditions: [{ field: 'country', op: 'exists' }] }],
    });
  });

  it('names every problem at once by its path', () => {
    const input = {
      groups: [
        group('a', { field: 'country', op: 'equals', value: 'x' }),
        group('b', { field: 'country', op: 'like', value: 'x' }, { field: 'nope', op: 'exists' }),
        group('c', { field: 'score', op: 'gt', value: 'high' }),
        { name: 'd', conditions: [] },
      ],
    };
    expect(detailsOf(input)).toEqual([
      { path: 'groups.1.conditions.0.op', message: 'unknown operator "like"' },
      {
        path: 'groups.1.conditions.1.field',
        message: expect.stringContaining('unknown field "nope"'),
      },
      { path: 'groups.2.conditions.0.value', message: 'must be a number or an ISO-8601 date for gt' },
      { path: 'groups.3.conditions', message: 'a group needs at least one condition' },
    ]);
  });

  it('refuses an assign as an unknown field', () => {
    const input = {
      groups: [{ ...group('a', { field: 'country', op: 'exists' }), assign: { partnerId: 'p1' } }],
    };
    expect(detailsOf(input)).toEqual([{ path: 'groups.0.assign', message: 'unknown field' }]);
  });

  it('refuses a repeated group name, case and spaces ignored', () => {
    const input = {
      groups: [
        group('Big  deals', { field: 'score', op: 'gt', value: 1 }),
        group('big deals', { field: 'score', op: 'gt', value: 2 }),
      ],
    };
    expect(detailsOf(input)).toEqual([{ path: 'groups.1.name', message: 'repeats the name of group 0' }]);
  });

  it('puts the prefix before every path, and in the message', () => {
    const input = { groups: [group('a', { field: 'country', op: 'like', value: 'x' })] };
    expect(detailsOf(input, 'autoRegistration')).toEqual([
      { path: 'autoRegistration.groups.0.conditions.0.op', message: 'unknown operator "like"' },
    ]);
    expect(() => validateRegistrationRules(input, 'autoRegistration')).toThrow(
      'Invalid registration rules: autoRegistration.groups.0.conditions.0.op: unknown operator "like"',
    );
  });

  it('refuses a body that is not rules', () => {
    expect(detailsOf({ rules: [] })).toEqual([
      { path: 'groups', message: expect.any(String) },
      { path: 'rules', message: 'unknown field' },
    ]);
  });
});

describe('the settings schemas', () => {
  it('default auto-registration groups to none', () => {
    expect(AutoRegistration.parse({ mode: 'supplier' })).toEqual({ mode: 'supplier', groups: [] });
  });

  it('refuse an unknown mode', () => {
    const result = AutoRegistration.safeParse({ mode: 'auto' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('unknown mode "auto"; use off, supplier or own');
  });

  it('trim ignored companies and refuse empty ones', () => {
    expect(IgnoredCompanies.parse([' Acme '])).toEqual(['Acme']);
    expect(IgnoredCompanies.safeParse(['  ']).success).toBe(false);
    expect(IgnoredCompanies.safeParse(Array.from({ length: 1001 }, (_, i) => `c${i}`)).success).toBe(false);
  });
});
