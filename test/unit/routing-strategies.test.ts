import {
  compileRouting,
  memoryRoutingState,
  type RoutingPartner,
  type RoutingState,
  type RoutingStrategy,
  smoothWeightedCycle,
} from '@leadrelay/core';
import { afterEach, describe, expect, it, vi } from 'vitest';

function partner(id: string, fields: Partial<RoutingPartner> = {}): RoutingPartner {
  return { id, name: `Partner ${id}`, paused: false, capacity: null, weight: 1, domains: [], ...fields };
}

function poolRouting(pool: RoutingPartner[], strategy: RoutingStrategy) {
  return compileRouting({
    partners: pool,
    rules: {
      groups: [
        {
          name: 'Pool',
          conditions: [{ field: 'email', op: 'exists' }],
          assign: { partnerIds: pool.map((p) => p.id), strategy },
        },
      ],
    },
  });
}

/** Routes `n` leads, returning the chosen partner ids in order. */
function routeMany(
  routing: ReturnType<typeof poolRouting>,
  state: RoutingState,
  n: number,
): (string | null)[] {
  return Array.from(
    { length: n },
    (_, i) => routing.route({ email: `lead${i}@example.com` }, state).partnerId,
  );
}

function counts(ids: readonly (string | null)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) out[String(id)] = (out[String(id)] ?? 0) + 1;
  return out;
}

function longestRun(ids: readonly (string | null)[]): Record<string, number> {
  const out: Record<string, number> = {};
  let run = 0;
  ids.forEach((id, i) => {
    run = i > 0 && ids[i - 1] === id ? run + 1 : 1;
    out[String(id)] = Math.max(out[String(id)] ?? 0, run);
  });
  return out;
}

describe('round-robin', () => {
  it('shares 10,000 leads among 7 partners within one lead of each other', () => {
    const pool = ['A', 'B', 'C', 'D', 'E', 'F', 'G'].map((id) => partner(id));
    const result = counts(routeMany(poolRouting(pool, 'round-robin'), memoryRoutingState(), 10_000));
    const values = pool.map((p) => result[p.id] ?? 0);
    expect(values.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1);
    for (const value of values) expect(Math.abs(value - 10_000 / 7)).toBeLessThanOrEqual(1);
  });

  it('gives a partner paused mid-way no catch-up burst when it returns', () => {
    const pool = [partner('A'), partner('B'), partner('C')];
    const state = memoryRoutingState();
    const before = routeMany(poolRouting(pool, 'round-robin'), state, 3000);
    const paused = routeMany(
      poolRouting([pool[0], { ...partner('B'), paused: true }, pool[2]] as RoutingPartner[], 'round-robin'),
      state,
      3000,
    );
    const after = routeMany(poolRouting(pool, 'round-robin'), state, 3000);

    expect(counts(paused)).toEqual({ A: 1500, C: 1500 });
    // The bound: after unpausing, every partner (the returning one included) gets its equal share
    // within one lead, and across both transitions nobody gets more than two leads in a row.
    const afterCounts = counts(after);
    for (const id of ['A', 'B', 'C']) expect(Math.abs((afterCounts[id] ?? 0) - 1000)).toBeLessThanOrEqual(1);
    for (const run of Object.values(longestRun([...before, ...paused, ...after])))
      expect(run).toBeLessThanOrEqual(2);
    // And in every window of three consecutive leads after unpausing, each partner appears once.
    for (let i = 0; i + 3 <= after.length; i++) expect(new Set(after.slice(i, i + 3)).size).toBe(3);
  });

  it('gives the same decisions for the same leads and counters', () => {
    const pool = [partner('A'), partner('B', { capacity: 40 }), partner('C')];
    const once = routeMany(poolRouting(pool, 'round-robin'), memoryRoutingState(), 200);
    const twice = routeMany(poolRouting(pool, 'round-robin'), memoryRoutingState(), 200);
    expect(twice).toEqual(once);
  });
});

describe('weighted', () => {
  const pool = [partner('A', { weight: 1 }), partner('B', { weight: 2 }), partner('C', { weight: 7 })];

  it('gives each partner its share within 2% over 10,000 leads', () => {
    const result = counts(routeMany(poolRouting(pool, 'weighted'), memoryRoutingState(), 10_000));
    for (const p of pool)
      expect(Math.abs((result[p.id] ?? 0) / 10_000 - p.weight / 10)).toBeLessThanOrEqual(0.02);
    expect(result).toEqual({ A: 1000, B: 2000, C: 7000 });
  });

  it('interleaves: every 10 leads hold 1, 2 and 7, and runs stay short', () => {
    const ids = routeMany(poolRouting(pool, 'weighted'), memoryRoutingState(), 1000);
    for (let i = 0; i + 10 <= ids.length; i++)
      expect(counts(ids.slice(i, i + 10))).toEqual({ A: 1, B: 2, C: 7 });
    // No partner gets more than ceil(w / (W - w)) leads in a row: A 1, B 1, C 3.
    expect(longestRun(ids)).toEqual({ A: 1, B: 1, C: 3 });
  });

  it('builds the nginx smooth weighted cycle, reducing weights by their gcd', () => {
    expect([...smoothWeightedCycle([1, 2, 7])]).toEqual([2, 1, 2, 2, 0, 2, 2, 1, 2, 2]);
    expect([...smoothWeightedCycle([2, 4, 14])]).toEqual([2, 1, 2, 2, 0, 2, 2, 1, 2, 2]);
    expect([...smoothWeightedCycle([5])]).toEqual([0]);
  });

  it('shares among the eligible partners by weight when one is paused', () => {
    const without = [pool[0], pool[1], { ...(pool[2] as RoutingPartner), paused: true }] as RoutingPartner[];
    const result = counts(routeMany(poolRouting(without, 'weighted'), memoryRoutingState(), 300));
    expect(result).toEqual({ A: 100, B: 200 });
  });
});

describe('least-loaded', () => {
  it('picks the partner with the fewest pending leads', () => {
    const pool = [partner('A'), partner('B'), partner('C')];
    const state = memoryRoutingState(
      new Map([
        ['A', 5],
        ['B', 2],
        ['C', 4],
      ]),
    );
    const routing = poolRouting(pool, 'least-loaded');
    const first = routing.route({ email: 'x@example.com' }, state);
    expect(first).toMatchObject({ partnerId: 'B', strategy: 'least-loaded' });
    expect(first.explanation).toBe('Rule group "Pool" (least-loaded) chose Partner B (2 pending)');
    expect(routeMany(routing, state, 3)).toEqual(['B', 'B', 'C']);
    expect([state.pending('A'), state.pending('B'), state.pending('C')]).toEqual([5, 5, 5]);
  });

  it('spreads ties by rotating among the tied partners', () => {
    const pool = [partner('A'), partner('B'), partner('C')];
    // Pending counts that do not move (say, every lead is accepted at once): all tied, always.
    let seq = 0;
    const frozen: RoutingState = { sequence: () => seq++, pending: () => 0, assigned: () => {} };
    expect(routeMany(poolRouting(pool, 'least-loaded'), frozen, 9)).toEqual([
      'A',
      'B',
      'C',
      'A',
      'B',
      'C',
      'A',
      'B',
      'C',
    ]);
  });

  it('stays level over many leads', () => {
    const pool = ['A', 'B', 'C', 'D'].map((id) => partner(id));
    const state = memoryRoutingState(new Map([['A', 3]]));
    const result = counts(routeMany(poolRouting(pool, 'least-loaded'), state, 1001));
    expect(result).toEqual({ A: 248, B: 251, C: 251, D: 251 });
  });
});

describe('compiled once', () => {
  afterEach(() => vi.restoreAllMocks());

  const partners = [partner('A'), partner('B')];
  const routing = compileRouting({
    partners,
    rules: {
      groups: Array.from({ length: 50 }, (_, i) => ({
        name: `Group ${i}`,
        conditions: [
          { field: 'country' as const, op: 'in' as const, value: [`CoUnTrY-${i}`, `LaNd-${i}`] },
          { field: 'custom.Tier', op: 'equals' as const, value: `TiEr-${i % 5}` },
          { field: 'title', op: 'contains' as const, value: 'DiReCtOr' },
        ],
        assign: { partnerIds: ['A', 'B'], strategy: 'round-robin' as const },
      })),
    },
  });

  it('keeps rule operands lower-cased and parsed in the compiled groups', () => {
    const [inList, equals, contains] = routing.groups[7]?.conditions ?? [];
    expect(inList?.operand.texts).toEqual(new Set(['country-7', 'land-7']));
    expect(equals?.operand.text).toBe('tier-2');
    expect(contains?.operand.text).toBe('director');
    expect(routing.fields).toEqual(['country', 'custom.Tier', 'title']);
  });

  it('lower-cases no rule value while routing 10,000 leads, and each lead field at most once', () => {
    const leads = Array.from({ length: 10_000 }, (_, i) => ({
      email: `l${i}@example.com`,
      country: `COUNTRY-${i % 60}`,
      title: i % 3 === 0 ? 'Sales Director' : 'Engineer',
      customFields: { Tier: `TIER-${i % 5}` },
    }));
    const state = memoryRoutingState();
    const spy = vi.spyOn(String.prototype, 'toLowerCase');
    const routed = leads.map((lead) => routing.route(lead, state));
    const receivers = spy.mock.contexts.map(String);
    spy.mockRestore();

    expect(routed.filter((d) => d.partnerId !== null).length).toBeGreaterThan(0);
    const lowered = new Set(receivers);
    const ruleValues = routing.groups.flatMap((g) => [
      `CoUnTrY-${g.index}`,
      `LaNd-${g.index}`,
      `TiEr-${g.index % 5}`,
    ]);
    expect(ruleValues.filter((value) => lowered.has(value))).toEqual([]);
    expect(lowered.has('DiReCtOr')).toBe(false);
    // Per lead: each field the rules read, plus the email domain for ownership; never per condition.
    expect(receivers.length).toBeLessThanOrEqual(leads.length * (routing.fields.length + 1));
  });
});
