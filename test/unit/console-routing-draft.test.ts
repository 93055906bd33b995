import { RoutingRules, RULE_CORE_FIELDS, RULE_OPS, validateRules } from '@leadrelay/core';
import { describe, expect, it } from 'vitest';
import {
  RULE_OPS as CONSOLE_OPS,
  locate,
  move,
  newGroup,
  RULE_FIELDS,
  sameRules,
  sentPath,
  shapeOf,
  toDraft,
  toRules,
} from '../../packages/console/src/pages/supplier/routing-draft';

const P1 = '01JPARTNER00000000000000P1';
const P2 = '01JPARTNER00000000000000P2';
const stored = {
  groups: [
    {
      name: 'Nordics',
      conditions: [
        { field: 'country', op: 'in' as const, value: ['SE', 'NO'] },
        { field: 'score', op: 'gte' as const, value: 70 },
      ],
      assign: { partnerId: P1 },
    },
    {
      name: 'Rest',
      conditions: [{ field: 'custom.tier', op: 'exists' as const }],
      assign: { partnerIds: [P1, P2], strategy: 'weighted' as const },
    },
  ],
};

describe('the routing rules editor’s draft', () => {
  it('offers exactly the fields and operators the rule engine accepts', () => {
    expect(Object.keys(RULE_FIELDS).sort()).toEqual([...RULE_CORE_FIELDS].sort());
    expect(Object.keys(CONSOLE_OPS).sort()).toEqual([...RULE_OPS].sort());
  });

  it('gives back the stored rules unchanged when nothing was edited', () => {
    const draft = toDraft(stored);
    expect(toRules(draft)).toEqual(stored);
    expect(sameRules(draft, stored)).toBe(true);
  });

  it('sends what was typed: a list split on commas and lines, one value trimmed, none for exists', () => {
    const draft = toDraft(stored);
    const [first] = draft.groups;
    if (!first?.conditions[0] || !first.conditions[1]) throw new Error('no draft');
    first.conditions[0].text = 'SE,\n NO , DK,,';
    // Another operator, the same text: the stored number stays a number.
    first.conditions[1] = { ...first.conditions[1], op: 'equals' };
    expect(toRules(draft).groups[0]?.conditions).toEqual([
      { field: 'country', op: 'in', value: ['SE', 'NO', 'DK'] },
      { field: 'score', op: 'equals', value: 70 },
    ]);
    first.conditions[1].text = '  80 ';
    expect(toRules(draft).groups[0]?.conditions[1]).toEqual({ field: 'score', op: 'equals', value: '80' });
    expect(sameRules(draft, stored)).toBe(false);
  });

  it('leaves an empty value out, so the API names the condition that needs one', () => {
    const group = newGroup('New');
    const rules = toRules({ groups: [group] });
    expect(rules.groups[0]?.conditions[0]).toEqual({ field: 'country', op: 'equals' });
    expect(() => validateRules(rules, [{ id: P1 }])).toThrow(
      expect.objectContaining({
        details: expect.arrayContaining([
          { path: 'groups.0.conditions.0.value', message: 'is required for equals' },
        ]),
      }),
    );
  });

  it('publishes a draft the API’s schema reads', () => {
    const draft = toDraft(stored);
    expect(RoutingRules.parse(toRules(draft))).toEqual(stored);
  });

  it('keeps an error on the control it named after the groups move', () => {
    const draft = toDraft(stored);
    const sent = shapeOf(draft);
    const [a, b] = draft.groups;
    if (!a || !b) throw new Error('no draft');
    const moved = { groups: move(draft.groups, 1, 0) };
    expect(moved.groups.map((g) => g.name)).toEqual(['Rest', 'Nordics']);
    // The API said groups.0.conditions.1.value about the draft as sent: Nordics' second condition.
    expect(locate(sent, 'groups.0.conditions.1.value')).toEqual({
      groupKey: a.key,
      conditionKey: a.conditions[1]?.key,
      part: 'value',
    });
    expect(sentPath(sent, a.key, a.conditions[1]?.key)).toBe('groups.0.conditions.1');
    expect(locate(sent, 'groups.1.assign.partnerIds.1')).toEqual({
      groupKey: b.key,
      part: 'assign.partnerIds.1',
    });
    expect(locate(sent, 'groups')).toEqual({ part: 'groups' });
  });

  it('moves an item to any place and clamps the ends', () => {
    expect(move(['a', 'b', 'c'], 0, 2)).toEqual(['b', 'c', 'a']);
    expect(move(['a', 'b', 'c'], 2, 0)).toEqual(['c', 'a', 'b']);
    expect(move(['a', 'b', 'c'], 1, 9)).toEqual(['a', 'c', 'b']);
  });
});
