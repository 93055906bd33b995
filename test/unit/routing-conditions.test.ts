import { evaluateCondition, type RoutableLead, RuleCondition } from '@leadrelay/core';
import { describe, expect, it } from 'vitest';

const lead: RoutableLead = {
  email: 'Ann.Smith@Sales.Northwind.Example',
  company: 'Northwind Traders',
  country: 'Germany',
  title: 'VP of Sales',
  postalCode: '10115',
  score: 72,
  source: 'CSV Upload',
  type: 'distributed',
  customFields: {
    Industry: 'Manufacturing',
    employees: '10',
    revenue: 2500000,
    partnerTier: null,
    enterprise: true,
    blank: '   ',
    signedUpAt: '2024-05-01T10:00:00Z',
    renewal: '2025-01-15',
  },
};

function holds(field: string, op: string, value?: unknown, on: RoutableLead = lead): boolean {
  return evaluateCondition(
    RuleCondition.parse(value === undefined ? { field, op } : { field, op, value }),
    on,
  );
}

describe('equals and notEquals', () => {
  it('compares text case-insensitively and trimmed', () => {
    expect(holds('country', 'equals', 'GERMANY')).toBe(true);
    expect(holds('country', 'equals', '  germany ')).toBe(true);
    expect(holds('country', 'equals', 'France')).toBe(false);
    expect(holds('country', 'notEquals', 'france')).toBe(true);
    expect(holds('country', 'notEquals', 'gErMaNy')).toBe(false);
  });

  it('compares numerically when both sides read as numbers', () => {
    expect(holds('score', 'equals', 72)).toBe(true);
    expect(holds('score', 'equals', '72.0')).toBe(true);
    expect(holds('custom.employees', 'equals', 10)).toBe(true);
    expect(holds('custom.revenue', 'equals', '2.5e6')).toBe(true);
    expect(holds('score', 'equals', 71)).toBe(false);
  });

  it('compares booleans as their text', () => {
    expect(holds('custom.enterprise', 'equals', true)).toBe(true);
    expect(holds('custom.enterprise', 'equals', 'TRUE')).toBe(true);
    expect(holds('custom.enterprise', 'equals', false)).toBe(false);
  });

  it('matches source and type', () => {
    expect(holds('source', 'equals', 'csv upload')).toBe(true);
    expect(holds('type', 'equals', 'Distributed')).toBe(true);
    expect(holds('type', 'equals', 'registered')).toBe(false);
  });
});

describe('in and notIn', () => {
  it('tests membership case-insensitively', () => {
    expect(holds('country', 'in', ['france', 'GERMANY'])).toBe(true);
    expect(holds('country', 'in', ['France', 'Spain'])).toBe(false);
    expect(holds('country', 'notIn', ['France', 'Spain'])).toBe(true);
    expect(holds('country', 'notIn', ['germany'])).toBe(false);
  });

  it('tests numeric membership numerically', () => {
    expect(holds('score', 'in', [50, '72'])).toBe(true);
    expect(holds('custom.employees', 'in', ['10.0'])).toBe(true);
    expect(holds('score', 'in', [50, 71])).toBe(false);
  });
});

describe('contains and startsWith', () => {
  it('finds text inside a value, case-insensitively', () => {
    expect(holds('title', 'contains', 'SALES')).toBe(true);
    expect(holds('title', 'contains', 'marketing')).toBe(false);
    expect(holds('custom.industry', 'contains', 'FACTUR')).toBe(true);
  });

  it('tests the start of a value, case-insensitively', () => {
    expect(holds('title', 'startsWith', 'vp')).toBe(true);
    expect(holds('title', 'startsWith', 'sales')).toBe(false);
    expect(holds('postalCode', 'startsWith', 10)).toBe(true);
  });
});

describe('exists and notExists', () => {
  it('calls a value present when it is set and not blank', () => {
    expect(holds('company', 'exists')).toBe(true);
    expect(holds('city', 'exists')).toBe(false);
    expect(holds('custom.partnerTier', 'exists')).toBe(false);
    expect(holds('custom.blank', 'exists')).toBe(false);
    expect(holds('custom.enterprise', 'exists')).toBe(true);
  });

  it('is the exact complement of exists', () => {
    expect(holds('company', 'notExists')).toBe(false);
    expect(holds('city', 'notExists')).toBe(true);
    expect(holds('custom.blank', 'notExists')).toBe(true);
  });
});

describe('gt, gte, lt and lte', () => {
  it('compares numbers numerically, so "10" is greater than "9"', () => {
    expect(holds('custom.employees', 'gt', '9')).toBe(true);
    expect(holds('custom.employees', 'gt', 9)).toBe(true);
    expect(holds('custom.employees', 'lt', '9')).toBe(false);
    expect(holds('score', 'gte', 72)).toBe(true);
    expect(holds('score', 'gt', 72)).toBe(false);
    expect(holds('score', 'lte', 72)).toBe(true);
    expect(holds('score', 'lt', 72)).toBe(false);
    expect(holds('custom.revenue', 'gt', 1_000_000)).toBe(true);
  });

  it('compares ISO dates and date-times as times', () => {
    expect(holds('custom.signedUpAt', 'gt', '2024-05-01')).toBe(true);
    expect(holds('custom.signedUpAt', 'lt', '2024-05-01T11:00:00Z')).toBe(true);
    expect(holds('custom.signedUpAt', 'lt', '2024-05-01T11:00:00+02:00')).toBe(false);
    expect(holds('custom.renewal', 'gte', '2025-01-15')).toBe(true);
    expect(holds('custom.renewal', 'gt', '2025-01-15')).toBe(false);
    expect(holds('custom.renewal', 'lte', '2024-12-31T23:59:59Z')).toBe(false);
  });

  it('fails when the lead value does not read like the operand', () => {
    expect(holds('country', 'gt', 5)).toBe(false);
    expect(holds('country', 'lt', '2030-01-01')).toBe(false);
    expect(holds('custom.employees', 'lt', '2030-01-01')).toBe(false);
  });
});

describe('the domain field', () => {
  it('is the email domain, lower-cased', () => {
    expect(holds('domain', 'equals', 'sales.northwind.example')).toBe(true);
    expect(holds('domain', 'contains', 'NORTHWIND')).toBe(true);
    expect(holds('domain', 'exists', undefined, { company: 'No Email Ltd' })).toBe(false);
  });
});

describe('custom fields', () => {
  it('reads custom.<name> by exact name, then case-insensitively', () => {
    expect(holds('custom.Industry', 'equals', 'manufacturing')).toBe(true);
    expect(holds('custom.INDUSTRY', 'equals', 'manufacturing')).toBe(true);
    expect(holds('custom.sector', 'equals', 'manufacturing')).toBe(false);
  });
});

describe('a missing field', () => {
  const bare: RoutableLead = { email: 'x@y.example' };

  it('fails every test but notEquals, notIn and notExists', () => {
    const failing: [string, unknown][] = [
      ['equals', 'x'],
      ['in', ['x']],
      ['contains', 'x'],
      ['startsWith', 'x'],
      ['exists', undefined],
      ['gt', 0],
      ['gte', 0],
      ['lt', 100],
      ['lte', '2030-01-01'],
    ];
    for (const [op, value] of failing) {
      expect({ op, result: holds('country', op, value, bare) }).toEqual({ op, result: false });
      expect({ op, result: holds('custom.tier', op, value, bare) }).toEqual({ op, result: false });
    }
    expect(holds('country', 'notEquals', 'x', bare)).toBe(true);
    expect(holds('country', 'notIn', ['x'], bare)).toBe(true);
    expect(holds('country', 'notExists', undefined, bare)).toBe(true);
    expect(holds('score', 'lt', 100, bare)).toBe(false);
  });
});
