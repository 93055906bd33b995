import {
  compileRouting,
  evaluateCondition,
  memoryRoutingState,
  type RoutableLead,
  type RoutingPartner,
  type RoutingRules,
  type RoutingState,
  validateRules,
} from '@leadrelay/core';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../support/random';

function partner(id: string, name: string, fields: Partial<RoutingPartner> = {}): RoutingPartner {
  return { id, name, paused: false, capacity: null, weight: 1, domains: [], ...fields };
}

const northwind = partner('P-NORTH', 'Northwind Partners', { domains: ['northwind.example'] });
const globex = partner('P-GLOBEX', 'Globex', { domains: ['globex.example'] });
const initech = partner('P-INITECH', 'Initech');
const umbrella = partner('P-UMBRELLA', 'Umbrella Corp');
const partners = [northwind, globex, initech, umbrella];

const rules: RoutingRules = {
  groups: [
    {
      name: 'DACH enterprise',
      conditions: [
        { field: 'country', op: 'in', value: ['Germany', 'Austria', 'Switzerland'] },
        { field: 'score', op: 'gte', value: 80 },
      ],
      assign: { partnerIds: [globex.id, initech.id], strategy: 'round-robin' },
    },
    {
      name: 'DACH',
      conditions: [{ field: 'country', op: 'in', value: ['Germany', 'Austria', 'Switzerland'] }],
      assign: { partnerId: umbrella.id },
    },
    {
      name: 'Retail',
      conditions: [{ field: 'custom.industry', op: 'equals', value: 'retail' }],
      assign: { partnerId: initech.id },
    },
  ],
};

function compile(overrides: RoutingPartner[] = partners, rs: RoutingRules = rules) {
  return compileRouting({ rules: rs, partners: overrides });
}

const german = (score: number, extra: RoutableLead = {}): RoutableLead => ({
  email: `buyer${score}@acme.example`,
  country: 'Germany',
  score,
  ...extra,
});

describe('match: explicit partner', () => {
  it('finds the named partner by id', () => {
    expect(compile().match(german(90), { explicitPartner: 'P-GLOBEX' })).toEqual({
      path: 'explicit',
      partner: globex,
    });
  });

  it('finds the named partner by exact name, case-insensitively', () => {
    expect(compile().match(german(90), { explicitPartner: '  northwind PARTNERS ' })).toMatchObject({
      path: 'explicit',
      partner: { id: northwind.id },
    });
    expect(compile().match(german(90), { explicitPartner: 'Northwind' }).path).toBe('error');
  });

  it('gives an error for an unknown named partner instead of routing', () => {
    const routing = compile();
    const match = routing.match(german(90, { email: 'a@northwind.example' }), { explicitPartner: 'Hooli' });
    expect(match).toEqual({ path: 'error', field: 'partnerId', message: 'unknown partner "Hooli"' });
    expect(routing.choose(match, memoryRoutingState())).toMatchObject({ partnerId: null, path: 'error' });
  });

  it('assigns a paused or full named partner anyway, with a warning', () => {
    const paused = compile([{ ...globex, paused: true }, initech]);
    const decision = paused.route(german(90), memoryRoutingState(), { explicitPartner: 'Globex' });
    expect(decision).toMatchObject({ partnerId: globex.id, path: 'explicit', warning: 'Globex is paused' });
    expect(decision.explanation).toBe(
      'Assigned to Globex, the partner named for the lead, although Globex is paused',
    );

    const full = compile([{ ...globex, capacity: 2 }]);
    const state = memoryRoutingState(new Map([[globex.id, 2]]));
    expect(full.route(german(90), state, { explicitPartner: globex.id })).toMatchObject({
      partnerId: globex.id,
      warning: 'Globex is at capacity (2 of 2 pending)',
    });
    expect(state.pending(globex.id)).toBe(3);
  });

  it('ignores an excluded named partner and routes on (reroute)', () => {
    const decision = compile().route(german(50), memoryRoutingState(), {
      explicitPartner: 'Globex',
      exclude: new Set([globex.id]),
    });
    expect(decision).toMatchObject({
      partnerId: umbrella.id,
      path: 'rule',
      group: 'DACH',
      skipped: [{ partnerId: globex.id, partnerName: 'Globex', reason: 'excluded', role: 'explicit' }],
    });
  });
});

describe('match: account ownership', () => {
  it('routes an owned email domain to its owner', () => {
    expect(compile().match(german(90, { email: 'ann@Northwind.Example' }))).toMatchObject({
      path: 'ownership',
      partner: { id: northwind.id },
      via: 'domain',
      matched: 'northwind.example',
    });
  });

  it('routes a subdomain of an owned domain to its owner', () => {
    const match = compile().match(german(90, { email: 'ann@eu.sales.northwind.example' }));
    expect(match).toMatchObject({
      path: 'ownership',
      partner: { id: northwind.id },
      matched: 'northwind.example',
    });
    expect(compile().match(german(90, { email: 'ann@notnorthwind.example' })).path).toBe('rule');
  });

  it('prefers the most specific owned domain', () => {
    const eu = partner('P-EU', 'Northwind EU', { domains: ['eu.northwind.example'] });
    expect(compile([northwind, eu]).match({ email: 'ann@eu.northwind.example' })).toMatchObject({
      partner: { id: eu.id },
    });
  });

  it('routes a company named like a partner to that partner', () => {
    const match = compile().match(german(90, { company: ' initech ' }));
    expect(match).toMatchObject({ path: 'ownership', partner: { id: initech.id }, via: 'company' });
    const decision = compile().choose(match, memoryRoutingState());
    expect(decision.explanation).toBe('Account ownership (company "Initech") chose Initech');
  });

  it('skips a paused owner and falls through to the rules, recording why', () => {
    const decision = compile([{ ...northwind, paused: true }, globex, initech, umbrella]).route(
      german(50, { email: 'ann@northwind.example' }),
      memoryRoutingState(),
    );
    expect(decision).toMatchObject({
      partnerId: umbrella.id,
      path: 'rule',
      group: 'DACH',
      skipped: [{ partnerId: northwind.id, reason: 'paused', role: 'owner' }],
    });
    expect(decision.explanation).toBe(
      'Rule group "DACH" chose Umbrella Corp; skipped Northwind Partners (account owner, paused)',
    );
  });

  it('skips an owner at capacity and falls through to the rules', () => {
    const routing = compile([{ ...northwind, capacity: 1 }, globex, initech, umbrella]);
    const state = memoryRoutingState();
    const lead = german(90, { email: 'ann@northwind.example' });
    expect(routing.route(lead, state)).toMatchObject({ partnerId: northwind.id, path: 'ownership' });
    expect(routing.route(lead, state)).toMatchObject({
      partnerId: globex.id,
      path: 'rule',
      group: 'DACH enterprise',
      strategy: 'round-robin',
      skipped: [{ partnerId: northwind.id, reason: 'at capacity', role: 'owner' }],
    });
  });

  it('passes over an excluded owner', () => {
    const decision = compile().route(german(10, { email: 'ann@northwind.example' }), memoryRoutingState(), {
      exclude: new Set([northwind.id]),
    });
    expect(decision).toMatchObject({
      partnerId: umbrella.id,
      skipped: [{ partnerId: northwind.id, reason: 'excluded' }],
    });
  });
});

describe('match: rule groups', () => {
  it('lets the first matching group decide', () => {
    const routing = compile();
    expect(routing.match(german(90))).toMatchObject({
      path: 'rule',
      group: 'DACH enterprise',
      groupIndex: 0,
    });
    expect(routing.match(german(50))).toMatchObject({ path: 'rule', group: 'DACH', groupIndex: 1 });
    expect(routing.match(german(50, { customFields: { industry: 'Retail' } }))).toMatchObject({
      group: 'DACH',
    });
    expect(routing.match({ country: 'France', customFields: { industry: 'RETAIL' } })).toMatchObject({
      group: 'Retail',
      groupIndex: 2,
    });
  });

  it('needs every condition of a group to hold', () => {
    const routing = compile();
    // "DACH enterprise" needs a DACH country AND a score of 80 or more.
    expect(routing.match(german(79))).toMatchObject({ path: 'rule', group: 'DACH' });
    expect(routing.match({ country: 'France', score: 95 })).toEqual({ path: 'none', skipped: [] });
    expect(routing.match({ country: 'Austria', score: 80 })).toMatchObject({ group: 'DACH enterprise' });
  });

  it('leaves an unmatched lead Unassigned, saying so', () => {
    expect(compile().route({ country: 'France' }, memoryRoutingState())).toEqual({
      partnerId: null,
      partnerName: null,
      path: 'none',
      skipped: [],
      explanation: 'No named partner, account owner or rule group applied, so the lead stays Unassigned',
    });
  });

  it('leaves the lead Unassigned when a single-partner group’s partner is paused, without trying later groups', () => {
    const routing = compile([northwind, globex, initech, { ...umbrella, paused: true }]);
    const decision = routing.route(
      german(50, { customFields: { industry: 'retail' } }),
      memoryRoutingState(),
    );
    expect(decision).toEqual({
      partnerId: null,
      partnerName: null,
      path: 'rule',
      group: 'DACH',
      groupIndex: 1,
      skipped: [{ partnerId: umbrella.id, partnerName: 'Umbrella Corp', reason: 'paused' }],
      explanation:
        'Rule group "DACH" matched but its partner Umbrella Corp is paused, so the lead stays Unassigned',
    });
  });

  it('leaves the lead Unassigned when a single-partner group’s partner is full or excluded', () => {
    const routing = compile([northwind, globex, initech, { ...umbrella, capacity: 3 }]);
    const full = routing.route(german(50), memoryRoutingState(new Map([[umbrella.id, 3]])));
    expect(full).toMatchObject({
      partnerId: null,
      skipped: [{ partnerId: umbrella.id, reason: 'at capacity' }],
    });
    const excluded = routing.route(german(50), memoryRoutingState(), { exclude: new Set([umbrella.id]) });
    expect(excluded).toMatchObject({
      partnerId: null,
      skipped: [{ partnerId: umbrella.id, reason: 'excluded' }],
    });
  });

  it('leaves the lead Unassigned when a single-partner group names a deleted partner', () => {
    const decision = compile([northwind, globex, initech]).route(german(50), memoryRoutingState());
    expect(decision).toMatchObject({ partnerId: null, group: 'DACH' });
    expect(decision.explanation).toContain('its partner P-UMBRELLA no longer exists');
  });
});

describe('choose: pools', () => {
  it('skips paused and full pool partners, recording each reason', () => {
    const pool = [
      partner('A', 'Alpha', { paused: true }),
      partner('B', 'Bravo', { capacity: 1 }),
      partner('C', 'Charlie'),
    ];
    const routing = compile(pool, {
      groups: [
        {
          name: 'EMEA enterprise',
          conditions: [{ field: 'country', op: 'exists' }],
          assign: { partnerIds: ['A', 'B', 'C'], strategy: 'round-robin' },
        },
      ],
    });
    const decision = routing.route({ country: 'DE' }, memoryRoutingState(new Map([['B', 1]])));
    expect(decision).toMatchObject({
      partnerId: 'C',
      partnerName: 'Charlie',
      strategy: 'round-robin',
      skipped: [
        { partnerId: 'A', partnerName: 'Alpha', reason: 'paused' },
        { partnerId: 'B', partnerName: 'Bravo', reason: 'at capacity' },
      ],
    });
    expect(decision.explanation).toBe(
      'Rule group "EMEA enterprise" (round-robin) chose Charlie; skipped Alpha (paused), Bravo (at capacity)',
    );
  });

  it('leaves the lead Unassigned when nobody in the pool is eligible', () => {
    const routing = compile(partners, {
      groups: [
        {
          name: 'Any',
          conditions: [{ field: 'country', op: 'exists' }],
          assign: { partnerIds: [globex.id, initech.id], strategy: 'weighted' },
        },
      ],
    });
    const decision = routing.route({ country: 'DE' }, memoryRoutingState(), {
      exclude: new Set([globex.id, initech.id]),
    });
    expect(decision).toMatchObject({ partnerId: null, path: 'rule', group: 'Any', strategy: 'weighted' });
    expect(decision.explanation).toBe(
      'Rule group "Any" (weighted) matched but no partner in its pool is eligible, so the lead stays Unassigned; skipped Globex (excluded), Initech (excluded)',
    );
  });

  it('respects capacity exactly across a chunk, counting its own assignments', () => {
    const pool = [partner('A', 'Alpha', { capacity: 5 }), partner('B', 'Bravo', { capacity: 3 })];
    const routing = compile(pool, {
      groups: [
        {
          name: 'All',
          conditions: [{ field: 'email', op: 'exists' }],
          assign: { partnerIds: ['A', 'B'], strategy: 'round-robin' },
        },
      ],
    });
    const state = memoryRoutingState(new Map([['A', 1]]));
    const decisions = Array.from({ length: 12 }, (_, i) =>
      routing.route({ email: `l${i}@x.example` }, state),
    );
    const count = (id: string | null) => decisions.filter((d) => d.partnerId === id).length;
    expect([count('A'), count('B'), count(null)]).toEqual([4, 3, 5]);
    expect([state.pending('A'), state.pending('B')]).toEqual([5, 3]);
    expect(decisions.at(-1)?.skipped.map((s) => s.reason)).toEqual(['at capacity', 'at capacity']);
  });
});

describe('two-step routing of a chunk', () => {
  it('takes one sequence number per lead a pool takes, and none for the others', () => {
    const routing = compile([{ ...northwind, capacity: 10 }, globex, initech, umbrella]);
    const leads: RoutableLead[] = [
      german(90),
      german(95),
      german(50),
      { country: 'France' },
      german(99, { email: 'x@northwind.example' }),
      german(85),
    ];
    const matches = leads.map((lead) => routing.match(lead));

    // A caller-side state handing out 100, 101, ...
    const taken: number[] = [];
    let next = 100;
    const state: RoutingState = {
      sequence: (group) => {
        expect(group).toBe('DACH enterprise');
        taken.push(next);
        return next++;
      },
      pending: () => 0,
      assigned: () => {},
    };
    const decisions = matches.map((match) => routing.choose(match, state));
    expect(decisions.map((d) => d.partnerId)).toEqual([
      globex.id,
      initech.id,
      umbrella.id,
      null,
      northwind.id,
      globex.id,
    ]);
    // The owner with a capacity had room: its lead took no number, so the pool's numbers stay contiguous.
    expect(taken).toEqual([100, 101, 102]);
    expect(decisions.map((d) => d.sequence)).toEqual([100, 101, undefined, undefined, undefined, 102]);
  });

  it('takes no sequence number when nobody in the pool is eligible', () => {
    const full = [globex, initech, umbrella].map((p) => ({ ...p, paused: true }));
    const routing = compile([northwind, ...full]);
    let taken = 0;
    const state: RoutingState = {
      sequence: () => taken++,
      pending: () => 0,
      assigned: () => {},
    };
    expect(routing.route(german(90), state).partnerId).toBeNull();
    expect(taken).toBe(0);
  });

  it('validates then compiles rules that name partners by id', () => {
    const input = JSON.parse(JSON.stringify(rules));
    const routing = compileRouting({ rules: validateRules(input, partners), partners });
    expect(routing.route(german(90), memoryRoutingState()).partnerId).toBe(globex.id);
  });
});

describe('the compiled matcher', () => {
  it('picks the same group as a plain in-order scan of every condition', () => {
    const rand = seededRandom(7);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
    const countries = ['Germany', 'FRANCE', 'spain', '10', '7.0'];
    const tiers = ['Gold', 'silver', '3', 'BRONZE'];
    const condition = (): RoutingRules['groups'][number]['conditions'][number] =>
      pick([
        () => ({ field: 'country', op: 'equals' as const, value: pick(countries) }),
        () => ({ field: 'country', op: 'in' as const, value: [pick(countries), pick(countries)] }),
        () => ({ field: 'custom.tier', op: 'in' as const, value: [pick(tiers), 3] }),
        () => ({ field: 'custom.tier', op: 'notEquals' as const, value: pick(tiers) }),
        () => ({ field: 'score', op: 'gte' as const, value: Math.floor(rand() * 100) }),
        () => ({ field: 'country', op: 'notExists' as const }),
      ])();
    const randomRules: RoutingRules = {
      groups: Array.from({ length: 60 }, (_, i) => ({
        name: `g${i}`,
        conditions: Array.from({ length: 1 + Math.floor(rand() * 3) }, condition),
        assign: { partnerId: globex.id },
      })),
    };
    const routing = compileRouting({ rules: randomRules, partners });
    for (let n = 0; n < 2000; n++) {
      const lead: RoutableLead = {
        country: rand() < 0.2 ? undefined : pick(['germany', 'France ', 'SPAIN', 'Italy', '10.0', '7']),
        score: Math.floor(rand() * 100),
        customFields: rand() < 0.3 ? {} : { tier: pick(['gold', 'Silver', 3, '3', 'platinum', null]) },
      };
      const expected = randomRules.groups.findIndex((g) =>
        g.conditions.every((c) => evaluateCondition(c, lead)),
      );
      const match = routing.match(lead);
      expect(match.path === 'rule' ? match.groupIndex : -1).toBe(expected);
    }
  });
});

describe('a disabled partner', () => {
  // A disabled partner's links and keys are refused, so routing must not hand it leads it cannot act on.
  it('is skipped in a pool and as an account owner, saying why', () => {
    const routing = compile([northwind, { ...globex, disabled: true }, initech, umbrella]);
    const state = memoryRoutingState();
    for (let i = 0; i < 4; i++) {
      expect(routing.route(german(90), state)).toMatchObject({
        partnerId: initech.id,
        skipped: [{ partnerId: globex.id, reason: 'disabled' }],
      });
    }
    const owned = compile([{ ...northwind, disabled: true }, globex, initech, umbrella]).route(
      german(50, { email: 'cio@northwind.example' }),
      memoryRoutingState(),
    );
    expect(owned.partnerId).toBe(umbrella.id);
    expect(owned.skipped).toContainEqual(
      expect.objectContaining({ partnerId: northwind.id, reason: 'disabled' }),
    );
  });

  it('named for a lead is assigned with a warning, like a paused one', () => {
    const decision = compile([{ ...globex, disabled: true }]).route(german(90), memoryRoutingState(), {
      explicitPartner: 'Globex',
    });
    expect(decision).toMatchObject({
      partnerId: globex.id,
      warning: expect.stringContaining('Globex is disabled'),
    });
  });
});
