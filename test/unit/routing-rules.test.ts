import { type ErrorDetail, RoutingRules, ValidationError, validateRules } from '@leadrelay/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const partners = [{ id: '01JPARTNERNORTHWIND0000000' }, { id: '01JPARTNERGLOBEX000000000' }];
const [NORTHWIND, GLOBEX] = ['01JPARTNERNORTHWIND0000000', '01JPARTNERGLOBEX000000000'];

const group = (name: string, overrides: Record<string, unknown> = {}) => ({
  name,
  conditions: [{ field: 'country', op: 'equals', value: 'Germany' }],
  assign: { partnerId: NORTHWIND },
  ...overrides,
});

function detailsOf(input: unknown): ErrorDetail[] {
  try {
    validateRules(input, partners);
  } catch (error) {
    if (error instanceof ValidationError) return error.details;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('validateRules', () => {
  it('returns the parsed rules, trimmed', () => {
    const rules = validateRules(
      {
        groups: [
          group(' DACH '),
          {
            name: 'Enterprise',
            conditions: [
              { field: 'score', op: 'gte', value: 80 },
              { field: 'custom.Industry', op: 'in', value: ['Manufacturing', 'Retail'] },
              { field: 'domain', op: 'exists' },
            ],
            assign: { partnerIds: [NORTHWIND, GLOBEX], strategy: 'weighted' },
          },
        ],
      },
      partners,
    );
    expect(rules.groups.map((g) => g.name)).toEqual(['DACH', 'Enterprise']);
    expect(rules.groups[1]?.assign).toEqual({ partnerIds: [NORTHWIND, GLOBEX], strategy: 'weighted' });
  });

  it('names the group and condition of an unknown operator', () => {
    const input = {
      groups: [
        group('a'),
        group('b'),
        group('c'),
        group('d', {
          conditions: [
            { field: 'country', op: 'equals', value: 'x' },
            { field: 'company', op: 'like', value: 'x' },
          ],
        }),
      ],
    };
    expect(detailsOf(input)).toEqual([
      { path: 'groups.3.conditions.1.op', message: 'unknown operator "like"' },
    ]);
  });

  it('names the group and position of an unknown partner', () => {
    const input = {
      groups: [
        group('a'),
        group('b', { assign: { partnerId: '01JNOBODY' } }),
        group('c', { assign: { partnerIds: ['01JGONE', NORTHWIND], strategy: 'round-robin' } }),
      ],
    };
    expect(detailsOf(input)).toEqual([
      { path: 'groups.1.assign.partnerId', message: 'unknown partner 01JNOBODY' },
      { path: 'groups.2.assign.partnerIds.0', message: 'unknown partner 01JGONE' },
    ]);
  });

  it('refuses a group without conditions', () => {
    expect(detailsOf({ groups: [group('a', { conditions: [] })] })).toEqual([
      { path: 'groups.0.conditions', message: 'a group needs at least one condition' },
    ]);
  });

  it('refuses an order operator whose value is neither a number nor a date', () => {
    expect(
      detailsOf({
        groups: [
          group('a', {
            conditions: [
              { field: 'score', op: 'gt', value: 'high' },
              { field: 'score', op: 'lt', value: true },
              { field: 'score', op: 'gte', value: '12' },
              { field: 'custom.since', op: 'lte', value: '2024-02-30' },
              { field: 'custom.since', op: 'lte', value: '2024-02-29T10:00:00Z' },
            ],
          }),
        ],
      }),
    ).toEqual([
      { path: 'groups.0.conditions.0.value', message: 'must be a number or an ISO-8601 date for gt' },
      { path: 'groups.0.conditions.1.value', message: 'must be a number or an ISO-8601 date for lt' },
      { path: 'groups.0.conditions.3.value', message: 'must be a number or an ISO-8601 date for lte' },
    ]);
  });

  it('wants a non-empty list for in and notIn, one value for the others, none for exists', () => {
    expect(
      detailsOf({
        groups: [
          group('a', {
            conditions: [
              { field: 'country', op: 'in', value: 'Germany' },
              { field: 'country', op: 'notIn', value: [] },
              { field: 'country', op: 'equals', value: ['Germany'] },
              { field: 'country', op: 'equals' },
              { field: 'country', op: 'exists', value: 'x' },
              { field: 'country', op: 'contains', value: '  ' },
              { field: 'country', op: 'startsWith', value: false },
            ],
          }),
        ],
      }),
    ).toEqual([
      { path: 'groups.0.conditions.0.value', message: 'must be a non-empty list for in' },
      { path: 'groups.0.conditions.1.value', message: 'must be a non-empty list for notIn' },
      { path: 'groups.0.conditions.2.value', message: 'must be a single value for equals, not a list' },
      { path: 'groups.0.conditions.3.value', message: 'is required for equals' },
      { path: 'groups.0.conditions.4.value', message: 'must be left out for exists' },
      { path: 'groups.0.conditions.5.value', message: 'must not be empty for contains' },
      { path: 'groups.0.conditions.6.value', message: 'must be text for startsWith' },
    ]);
  });

  it('refuses unknown fields, keeping custom.<name> open', () => {
    const details = detailsOf({
      groups: [
        group('a', {
          conditions: [
            { field: 'region', op: 'equals', value: 'x' },
            { field: 'custom.Region', op: 'equals', value: 'x' },
            { field: 'custom.', op: 'equals', value: 'x' },
          ],
        }),
      ],
    });
    expect(details.map((d) => d.path)).toEqual([
      'groups.0.conditions.0.field',
      'groups.0.conditions.2.field',
    ]);
    expect(details[0]?.message).toMatch(
      /^unknown field "region"; use a lead field \(email, .*domain\) or custom\.<name>$/,
    );
  });

  it('refuses group names that repeat, ignoring case and spaces', () => {
    expect(detailsOf({ groups: [group('EMEA  Enterprise'), group('b'), group('emea enterprise ')] })).toEqual(
      [{ path: 'groups.2.name', message: 'repeats the name of group 0' }],
    );
  });

  it('reports every problem at once, group by group, name before conditions before assign', () => {
    const details = detailsOf({
      groups: [
        group('x', { assign: { partnerIds: [NORTHWIND], strategy: 'random' } }),
        group('x', { conditions: [{ field: 'country', op: 'like', value: 1 }] }),
      ],
    });
    expect(details).toEqual([
      { path: 'groups.0.assign.strategy', message: 'unknown strategy "random"' },
      { path: 'groups.1.name', message: 'repeats the name of group 0' },
      { path: 'groups.1.conditions.0.op', message: 'unknown operator "like"' },
    ]);
  });

  it('explains an assign that is neither one partner nor a pool', () => {
    expect(detailsOf({ groups: [group('a', { assign: {} })] })).toEqual([
      { path: 'groups.0.assign', message: 'give either partnerId, or partnerIds with a strategy' },
    ]);
    expect(detailsOf({ groups: [group('a', { assign: { partnerIds: [NORTHWIND, NORTHWIND] } })] })).toEqual([
      { path: 'groups.0.assign.partnerIds.1', message: `repeats partner ${NORTHWIND}` },
      { path: 'groups.0.assign.strategy', message: 'is required' },
    ]);
  });

  it('refuses unknown keys at every level', () => {
    expect(
      detailsOf({
        groups: [group('a', { priority: 1, conditions: [{ field: 'country', op: 'exists', negate: true }] })],
        version: 2,
      }),
    ).toEqual([
      { path: 'version', message: 'unknown field' },
      { path: 'groups.0.conditions.0.negate', message: 'unknown field' },
      { path: 'groups.0.priority', message: 'unknown field' },
    ]);
  });

  it('caps the rule set at 500 groups and a group at 50 conditions', () => {
    const many = Array.from({ length: 501 }, (_, i) => group(`g${i}`));
    expect(detailsOf({ groups: many })).toEqual([
      { path: 'groups', message: 'must have at most 500 groups' },
    ]);
    expect(() => validateRules({ groups: many.slice(0, 500) }, partners)).not.toThrow();
    const conditions = Array.from({ length: 51 }, () => ({ field: 'country', op: 'exists' }));
    expect(detailsOf({ groups: [group('a', { conditions })] })).toEqual([
      { path: 'groups.0.conditions', message: 'a group has at most 50 conditions' },
    ]);
  });
});

describe('the RoutingRules schema', () => {
  it('names its parts for the OpenAPI document', () => {
    const schema = z.toJSONSchema(RoutingRules) as { $defs?: Record<string, unknown> };
    expect(Object.keys(schema.$defs ?? {})).toEqual(expect.arrayContaining(['RuleGroup', 'RuleCondition']));
    expect(z.globalRegistry.get(RoutingRules)?.id).toBe('RoutingRules');
  });
});
