import {
  accept,
  ConflictError,
  compileRouting,
  isRefusal,
  Lead,
  memoryRoutingState,
  PipelineBody,
  pipelineUpdate,
  RejectBody,
  type RoutingPartner,
  type RoutingRules,
  type RoutingState,
  refusalError,
  reject,
  rerouteDecision,
  rerouteExclusions,
  validateRules,
} from '@leadrelay/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CREATED, ok, testLead } from '../support/leads';

const now = new Date('2030-01-03T10:00:00.000Z');
const NOW = now.toISOString();

const lead = testLead;

const partner = { partnerId: 'P-A', actor: 'partner:P-A', via: 'email' as const, now };

describe('the lead builder', () => {
  it('builds leads the Lead schema accepts', () => {
    expect(() => Lead.parse(lead())).not.toThrow();
  });
});

describe('accept', () => {
  it('accepts a Pending lead for its partner: status, moment, history, version, load released', () => {
    const before = lead();
    const snapshot = structuredClone(before);
    const { next, loads } = ok(accept(before, { ...partner, assignmentVersion: 1 }));
    expect(next.distributionStatus).toBe('Accepted');
    expect(next.distributionStatusChangedAt).toBe(NOW);
    expect(next.updatedAt).toBe(NOW);
    expect(next.version).toBe(5);
    expect(next.assignmentVersion).toBe(1);
    expect(next.pipelineStatus).toBeUndefined();
    expect(next.history).toHaveLength(2);
    expect(next.history.at(-1)).toEqual({
      at: NOW,
      type: 'accepted',
      actor: 'partner:P-A',
      detail: { partnerId: 'P-A', partnerName: 'Alpha', via: 'email', assignmentVersion: 1 },
    });
    expect(loads).toEqual([{ partnerId: 'P-A', delta: -1, capacity: null }]);
    expect(before).toEqual(snapshot);
    expect(() => Lead.parse(next)).not.toThrow();
  });

  it('accepts a Rerouted lead (pending with its new partner) and releases that partner', () => {
    const rerouted = lead({
      distributionStatus: 'Rerouted',
      previousPartnerIds: ['P-B'],
      assignmentVersion: 2,
    });
    const { next, loads } = ok(accept(rerouted, { ...partner, via: 'api' }));
    expect(next.distributionStatus).toBe('Accepted');
    expect(next.history.at(-1)?.detail).toMatchObject({ via: 'api', assignmentVersion: 2 });
    expect(loads).toEqual([{ partnerId: 'P-A', delta: -1, capacity: null }]);
  });

  it('refuses another partner as not-yours', () => {
    expect(accept(lead(), { ...partner, partnerId: 'P-Z' })).toMatchObject({
      refused: 'not-yours',
      current: 'Pending',
    });
  });

  it('refuses an Unassigned lead as not-yours', () => {
    const result = accept(
      lead({ partnerId: null, partnerName: null, distributionStatus: 'Unassigned' }),
      partner,
    );
    expect(result).toMatchObject({ refused: 'not-yours', current: 'Unassigned' });
  });

  it('refuses a link of an earlier assignment version as stale', () => {
    expect(accept(lead({ assignmentVersion: 3 }), { ...partner, assignmentVersion: 2 })).toMatchObject({
      refused: 'stale',
      current: 'Pending',
    });
  });

  it('refuses the partner the lead was rerouted away from as stale ("moved")', () => {
    const moved = lead({
      partnerId: 'P-B',
      partnerName: 'Beta',
      previousPartnerIds: ['P-A'],
      assignmentVersion: 2,
    });
    expect(accept(moved, { ...partner, assignmentVersion: 1 })).toMatchObject({ refused: 'stale' });
    expect(accept(moved, { ...partner, via: 'api' })).toMatchObject({ refused: 'stale' });
  });

  it('tells the former partner only that the lead moved on: no state, no new partner, in the refusal or its 409', () => {
    const taken = lead({
      partnerId: 'P-B',
      partnerName: 'Beta',
      previousPartnerIds: ['P-A'],
      distributionStatus: 'Accepted',
      assignmentVersion: 2,
    });
    const refused = reject(taken, { ...partner, reason: 'late' });
    if (!isRefusal(refused)) throw new Error('expected a refusal');
    expect(refused).toMatchObject({ refused: 'stale', current: undefined });
    const error = refusalError(refused);
    expect(error).toBeInstanceOf(ConflictError);
    const told = JSON.stringify({ message: error.message, details: error.details, refused });
    expect(told).toMatch(/moved on/);
    expect(told).not.toMatch(/Accepted|Beta|P-B/);
  });

  it('refuses a lead already accepted or rejected as already-decided, with its status', () => {
    expect(accept(lead({ distributionStatus: 'Accepted' }), partner)).toMatchObject({
      refused: 'already-decided',
      current: 'Accepted',
    });
    expect(accept(lead({ distributionStatus: 'Rejected', rejectReason: 'no' }), partner)).toMatchObject({
      refused: 'already-decided',
      current: 'Rejected',
    });
  });

  it('refuses a second accept of the same lead (a double click)', () => {
    const { next } = ok(accept(lead(), partner));
    expect(accept(next, partner)).toMatchObject({ refused: 'already-decided', current: 'Accepted' });
  });

  it('refuses a lead of its partner in no decidable state as not-pending', () => {
    expect(accept(lead({ distributionStatus: 'Unassigned' }), partner)).toMatchObject({
      refused: 'not-pending',
      current: 'Unassigned',
    });
  });
});

describe('reject', () => {
  it('rejects with the trimmed reason: status, reason kept, history, load released', () => {
    const { next, loads } = ok(reject(lead(), { ...partner, reason: '  Outside our territory  ' }));
    expect(next.distributionStatus).toBe('Rejected');
    expect(next.rejectReason).toBe('Outside our territory');
    expect(next.distributionStatusChangedAt).toBe(NOW);
    expect(next.version).toBe(5);
    expect(next.history.at(-1)).toMatchObject({
      type: 'rejected',
      actor: 'partner:P-A',
      detail: { partnerId: 'P-A', via: 'email', reason: 'Outside our territory', assignmentVersion: 1 },
    });
    expect(loads).toEqual([{ partnerId: 'P-A', delta: -1, capacity: null }]);
    expect(() => Lead.parse(next)).not.toThrow();
  });

  it.each([
    ['empty', ''],
    ['blank', '   \n '],
    ['over 500 characters', 'x'.repeat(501)],
  ])('refuses a reason that is %s as invalid, naming the field', (_, reason) => {
    const result = reject(lead(), { ...partner, reason });
    expect(result).toMatchObject({ refused: 'invalid', current: 'Pending' });
    expect(isRefusal(result) && result.details.map((d) => d.path)).toEqual(['reason']);
  });

  it('takes a reason of exactly 500 characters', () => {
    expect(ok(reject(lead(), { ...partner, reason: 'y'.repeat(500) })).next.rejectReason).toHaveLength(500);
  });

  it('refuses another partner before looking at the reason', () => {
    expect(reject(lead(), { ...partner, partnerId: 'P-Z', reason: '' })).toMatchObject({
      refused: 'not-yours',
    });
  });

  it('refuses a stale link and an already decided lead', () => {
    expect(
      reject(lead({ assignmentVersion: 2 }), { ...partner, assignmentVersion: 1, reason: 'r' }),
    ).toMatchObject({ refused: 'stale' });
    const { next } = ok(accept(lead(), partner));
    expect(reject(next, { ...partner, reason: 'changed my mind' })).toMatchObject({
      refused: 'already-decided',
      current: 'Accepted',
    });
  });
});

describe('refusalError', () => {
  it('maps not-yours to 404, invalid to 400 and the rest to 409 with the current state', () => {
    const notYours = accept(lead(), { ...partner, partnerId: 'P-Z' });
    const invalid = reject(lead(), { ...partner, reason: '' });
    const decided = accept(lead({ distributionStatus: 'Accepted' }), partner);
    if (!isRefusal(notYours) || !isRefusal(invalid) || !isRefusal(decided))
      throw new Error('expected refusals');
    expect(refusalError(notYours).code).toBe('not_found');
    expect(refusalError(invalid)).toMatchObject({ code: 'validation_failed', details: [{ path: 'reason' }] });
    expect(refusalError(decided)).toMatchObject({
      code: 'conflict',
      details: [{ path: 'distributionStatus', message: 'is Accepted' }],
    });
  });
});

describe('pipelineUpdate', () => {
  const accepted = (overrides: Partial<Lead> = {}) => lead({ distributionStatus: 'Accepted', ...overrides });
  const base = { partnerId: 'P-A', now };

  it('refuses a lead that is not accepted as not-accepted', () => {
    for (const status of ['Pending', 'Rerouted', 'Rejected', 'Unassigned'] as const) {
      expect(
        pipelineUpdate(lead({ distributionStatus: status }), { ...base, pipelineStatus: 'Open' }),
      ).toMatchObject({ refused: 'not-accepted', current: status });
    }
  });

  it('refuses another partner as not-yours', () => {
    expect(pipelineUpdate(accepted(), { ...base, partnerId: 'P-Z', pipelineStatus: 'Open' })).toMatchObject({
      refused: 'not-yours',
    });
  });

  it('sets the status and records the change', () => {
    const { next, loads } = ok(pipelineUpdate(accepted(), { ...base, pipelineStatus: 'Contacted' }));
    expect(next.pipelineStatus).toBe('Contacted');
    expect(next.version).toBe(5);
    expect(next.updatedAt).toBe(NOW);
    expect(next.distributionStatusChangedAt).toBe(CREATED);
    expect(loads).toEqual([]);
    expect(next.history.at(-1)).toEqual({
      at: NOW,
      type: 'pipeline',
      actor: 'partner:P-A',
      detail: { partnerId: 'P-A', changes: { pipelineStatus: { from: null, to: 'Contacted' } } },
    });
    expect(() => Lead.parse(next)).not.toThrow();
  });

  it('moves among the open statuses in any order', () => {
    let current = accepted();
    for (const status of ['Nurture', 'Open', 'Contacted', 'Nurture'] as const) {
      current = ok(pipelineUpdate(current, { ...base, pipelineStatus: status })).next;
      expect(current.pipelineStatus).toBe(status);
    }
  });

  it('sets and clears the sales rep', () => {
    const { next } = ok(pipelineUpdate(accepted(), { ...base, salesRepId: ' rep-7 ' }));
    expect(next.salesRepId).toBe('rep-7');
    const cleared = ok(pipelineUpdate(next, { ...base, salesRepId: null })).next;
    expect('salesRepId' in cleared).toBe(false);
    expect(cleared.history.at(-1)?.detail).toEqual({
      partnerId: 'P-A',
      changes: { salesRepId: { from: 'rep-7', to: null } },
    });
  });

  it('needs an opportunity value for an Opportunity', () => {
    const result = pipelineUpdate(accepted({ pipelineStatus: 'Contacted' }), {
      ...base,
      pipelineStatus: 'Opportunity',
    });
    expect(result).toMatchObject({ refused: 'invalid', details: [{ path: 'opportunityValue' }] });
  });

  it('closes the lead as an Opportunity with a value given with it, or already on the lead', () => {
    const withValue = ok(
      pipelineUpdate(accepted(), {
        ...base,
        pipelineStatus: 'Opportunity',
        opportunityValue: { amount: 12_500, currency: 'eur' },
      }),
    ).next;
    expect(withValue.pipelineStatus).toBe('Opportunity');
    expect(withValue.opportunityValue).toEqual({ amount: 12_500, currency: 'EUR' });
    expect(withValue.history.at(-1)?.detail).toMatchObject({ closed: true });

    const estimated = ok(
      pipelineUpdate(accepted(), { ...base, opportunityValue: { amount: 0, currency: 'USD' } }),
    ).next;
    expect(estimated.pipelineStatus).toBeUndefined();
    expect(
      ok(pipelineUpdate(estimated, { ...base, pipelineStatus: 'Opportunity' })).next.pipelineStatus,
    ).toBe('Opportunity');
  });

  it.each([
    ['a negative amount', { amount: -1, currency: 'EUR' }, 'opportunityValue.amount'],
    ['a currency that is not three letters', { amount: 10, currency: 'EURO' }, 'opportunityValue.currency'],
    ['a currency that is no ISO 4217 code', { amount: 10, currency: 'XYZ' }, 'opportunityValue.currency'],
    ['an amount that is no number', { amount: Number.NaN, currency: 'EUR' }, 'opportunityValue.amount'],
  ])('refuses %s as invalid', (_, opportunityValue, path) => {
    const result = pipelineUpdate(accepted(), { ...base, opportunityValue });
    expect(result).toMatchObject({ refused: 'invalid', details: [{ path }] });
  });

  it('refuses a change that names nothing', () => {
    expect(pipelineUpdate(accepted(), base)).toMatchObject({ refused: 'invalid' });
  });

  it.each(['Unqualified', 'Opportunity'] as const)(
    'refuses any further change after %s as closed',
    (closing) => {
      const closed = accepted({ pipelineStatus: closing, opportunityValue: { amount: 5, currency: 'GBP' } });
      expect(pipelineUpdate(closed, { ...base, pipelineStatus: 'Nurture' })).toMatchObject({
        refused: 'closed',
        current: 'Accepted',
      });
      expect(pipelineUpdate(closed, { ...base, salesRepId: 'rep-1' })).toMatchObject({ refused: 'closed' });
      expect(
        pipelineUpdate(closed, { ...base, opportunityValue: { amount: 6, currency: 'GBP' } }),
      ).toMatchObject({
        refused: 'closed',
      });
    },
  );

  it('answers the lead itself for a change that changes nothing, even when closed (a retried PATCH)', () => {
    const closed = accepted({ pipelineStatus: 'Unqualified', salesRepId: 'rep-1' });
    const result = ok(
      pipelineUpdate(closed, { ...base, pipelineStatus: 'Unqualified', salesRepId: 'rep-1' }),
    );
    expect(result.next).toBe(closed);
    expect(result.loads).toEqual([]);
  });

  it('closes the lead as Unqualified', () => {
    const { next } = ok(
      pipelineUpdate(accepted({ pipelineStatus: 'Nurture' }), { ...base, pipelineStatus: 'Unqualified' }),
    );
    expect(next.pipelineStatus).toBe('Unqualified');
    expect(next.history.at(-1)?.detail).toMatchObject({
      changes: { pipelineStatus: { from: 'Nurture', to: 'Unqualified' } },
      closed: true,
    });
  });
});

describe('API bodies', () => {
  it('RejectBody needs a reason, trims it, and refuses unknown fields', () => {
    expect(RejectBody.parse({ reason: '  no capacity ' })).toEqual({ reason: 'no capacity' });
    expect(RejectBody.safeParse({}).success).toBe(false);
    expect(RejectBody.safeParse({ reason: ' ' }).success).toBe(false);
    expect(RejectBody.safeParse({ reason: 'x', extra: 1 }).success).toBe(false);
  });

  it('PipelineBody takes any of its three fields, upper-cases the currency, and refuses unknown or no fields', () => {
    expect(PipelineBody.parse({ opportunityValue: { amount: 3, currency: 'chf' } })).toEqual({
      opportunityValue: { amount: 3, currency: 'CHF' },
    });
    expect(PipelineBody.parse({ salesRepId: null })).toEqual({ salesRepId: null });
    expect(PipelineBody.safeParse({}).success).toBe(false);
    expect(PipelineBody.safeParse({ pipelineStatus: 'Won' }).success).toBe(false);
    expect(PipelineBody.safeParse({ pipelineStatus: 'Open', partnerId: 'P-B' }).success).toBe(false);
    expect(PipelineBody.safeParse({ opportunityValue: { amount: 1, currency: 'USD', x: 1 } }).success).toBe(
      false,
    );
  });

  it('names both schemas for the OpenAPI document', () => {
    expect(z.globalRegistry.get(RejectBody)?.id).toBe('RejectBody');
    expect(z.globalRegistry.get(PipelineBody)?.id).toBe('PipelineBody');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Reroute

type TestPartner = RoutingPartner & { autoAccept: boolean };
function p(id: string, fields: Partial<TestPartner> = {}): TestPartner {
  return {
    id,
    name: `Partner ${id}`,
    paused: false,
    capacity: null,
    weight: 1,
    domains: [],
    autoAccept: false,
    ...fields,
  };
}
const A = p('P-A');
const B = p('P-B');
const C = p('P-C', { capacity: 10 });
const D = p('P-D');
const E = p('P-E');
const F = p('P-F');
const PARTNERS = [A, B, C, D, E, F];

const RULES: RoutingRules = {
  groups: [
    {
      name: 'DACH pool',
      conditions: [{ field: 'country', op: 'in', value: ['Germany', 'Austria'] }],
      assign: { partnerIds: ['P-A', 'P-B', 'P-C'], strategy: 'round-robin' },
    },
    {
      name: 'Retail',
      conditions: [{ field: 'custom.industry', op: 'equals', value: 'retail' }],
      assign: { partnerId: 'P-D' },
    },
    {
      name: 'Everyone else',
      conditions: [{ field: 'email', op: 'exists' }],
      assign: { partnerIds: ['P-E', 'P-F'], strategy: 'least-loaded' },
    },
  ],
};

function compiled(partners: readonly RoutingPartner[] = PARTNERS, rules: RoutingRules = RULES) {
  return compileRouting({ rules: validateRules(rules, partners), partners });
}

/** A routing state that counts which group sequences were taken. */
function countingState(pending: Record<string, number> = {}, start = 0) {
  const inner = memoryRoutingState(new Map(Object.entries(pending)));
  const taken: string[] = [];
  const state: RoutingState = {
    sequence(group) {
      taken.push(group);
      return inner.sequence(group) + start;
    },
    pending: (id) => inner.pending(id),
    assigned: (id) => inner.assigned(id),
  };
  return { state, taken };
}

const settings = { maxReroutes: 3 };
/** A DACH lead with Alpha from the DACH pool. */
const dach = (overrides: Partial<Lead> = {}) => lead({ routingGroup: 'DACH pool', ...overrides });

describe('rerouteDecision', () => {
  it('moves the lead to the next pool partner: Rerouted, count + 1, new version, loads moved', () => {
    const { state } = countingState();
    const result = ok(
      rerouteDecision(dach({ previousPartnerIds: ['P-B'] }), { compiled: compiled(), state, settings, now }),
    );
    const { next, loads } = result;
    expect(result.outcome).toBe('rerouted');
    expect(next.partnerId).toBe('P-C');
    expect(next.partnerName).toBe('Partner P-C');
    expect(next.distributionStatus).toBe('Rerouted');
    expect(next.rerouteCount).toBe(1);
    expect(next.assignmentVersion).toBe(2);
    expect(next.emailStatus).toBe('NotSent');
    expect(next.previousPartnerIds).toEqual(['P-B', 'P-A']);
    expect(next.routingGroup).toBe('DACH pool');
    expect(next.distributionStatusChangedAt).toBe(NOW);
    expect(next.version).toBe(5);
    expect(loads).toEqual([
      { partnerId: 'P-A', delta: -1, capacity: null },
      { partnerId: 'P-C', delta: 1, capacity: 10 },
    ]);
    expect(next.history.at(-1)).toMatchObject({
      at: NOW,
      type: 'rerouted',
      actor: 'system',
      detail: {
        trigger: 'deadline',
        fromPartnerId: 'P-A',
        partnerId: 'P-C',
        group: 'DACH pool',
        rerouteCount: 1,
        assignmentVersion: 2,
      },
    });
    expect(() => Lead.parse(next)).not.toThrow();
  });

  it('never picks the current or a previous partner, whatever the rotation', () => {
    for (let start = 0; start < 6; start++) {
      const { state } = countingState({}, start);
      const result = ok(
        rerouteDecision(dach({ previousPartnerIds: ['P-B'] }), {
          compiled: compiled(),
          state,
          settings,
          now,
        }),
      );
      expect(result.next.partnerId).toBe('P-C');
    }
    expect([...rerouteExclusions(dach({ previousPartnerIds: ['P-B'] }))].sort()).toEqual(['P-A', 'P-B']);
  });

  it('tries the pool the lead came from first, even when its fields now match another group', () => {
    const { state } = countingState();
    const retail = dach({ country: 'United States', customFields: { industry: 'retail' } });
    const result = ok(rerouteDecision(retail, { compiled: compiled(), state, settings, now }));
    expect(['P-B', 'P-C']).toContain(result.next.partnerId);
    expect(result.next.routingGroup).toBe('DACH pool');
  });

  it('routes through the rules again when the pool has nobody left, excluding partners that had the lead', () => {
    const { state, taken } = countingState();
    const retail = dach({
      customFields: { industry: 'retail' },
      country: 'France',
      previousPartnerIds: ['P-B', 'P-C'],
    });
    const result = ok(rerouteDecision(retail, { compiled: compiled(), state, settings, now }));
    expect(result.next.partnerId).toBe('P-D');
    expect(result.next.routingGroup).toBe('Retail');
    expect(result.next.history.at(-1)?.detail).toMatchObject({
      partnerId: 'P-D',
      group: 'Retail',
      tried: [{ group: 'DACH pool', partnerId: null }],
    });
    // The pool that could not take the lead takes no number (Retail is a single partner).
    expect(taken).toEqual([]);
  });

  it('skips paused and full pool partners as routing does, saying why', () => {
    const { state } = countingState({ 'P-C': 10 });
    const partners = [A, p('P-B', { paused: true }), C, D, E, F];
    const result = ok(rerouteDecision(dach(), { compiled: compiled(partners), state, settings, now }));
    // Alpha had it, Beta is paused, Gamma is full; the rules send a DACH lead back to the same pool: nobody is left.
    expect(result).toMatchObject({ outcome: 'unassigned', reason: 'no-eligible-partner' });
    const tried = result.next.history.at(-1)?.detail.tried as { skipped: unknown[] }[];
    expect(tried[0]?.skipped).toEqual([
      { partnerId: 'P-A', partnerName: 'Partner P-A', reason: 'excluded' },
      { partnerId: 'P-B', partnerName: 'Partner P-B', reason: 'paused' },
      { partnerId: 'P-C', partnerName: 'Partner P-C', reason: 'at capacity' },
    ]);
  });

  it('falls through to a later group of the rules when the origin pool is exhausted', () => {
    const { state } = countingState();
    const french = dach({ country: 'France', previousPartnerIds: ['P-B', 'P-C'] });
    const result = ok(rerouteDecision(french, { compiled: compiled(), state, settings, now }));
    expect(['P-E', 'P-F']).toContain(result.next.partnerId);
    expect(result.next.routingGroup).toBe('Everyone else');
  });

  it('routes by ownership when the rules run again, before the rule groups', () => {
    const { state } = countingState();
    const owner = p('P-O', { domains: ['acme.example'] });
    const partners = [...PARTNERS, owner];
    const result = ok(
      rerouteDecision(lead({ previousPartnerIds: [] }), {
        compiled: compiled(partners),
        state,
        settings,
        now,
      }),
    );
    expect(result.next.partnerId).toBe('P-O');
    expect(result.decision?.path).toBe('ownership');
  });

  it('makes the lead Unassigned with the reason once maxReroutes is reached', () => {
    const { state, taken } = countingState();
    const worn = dach({ distributionStatus: 'Rerouted', rerouteCount: 3, assignmentVersion: 4 });
    const result = ok(rerouteDecision(worn, { compiled: compiled(), state, settings, now }));
    expect(result.outcome).toBe('unassigned');
    expect(result.reason).toBe('max-reroutes');
    expect(result.next.distributionStatus).toBe('Unassigned');
    expect(result.next.partnerId).toBeNull();
    expect(result.next.rerouteCount).toBe(3);
    expect(result.next.previousPartnerIds).toEqual(['P-A']);
    expect(result.loads).toEqual([{ partnerId: 'P-A', delta: -1, capacity: null }]);
    const entry = result.next.history.at(-1);
    expect(entry).toMatchObject({ type: 'unassigned', detail: { reason: 'max-reroutes', maxReroutes: 3 } });
    expect(String(entry?.detail.explanation)).toContain('rerouted 3 times');
    expect(taken).toEqual([]);
    expect(() => Lead.parse(result.next)).not.toThrow();
  });

  it('with maxReroutes 0 makes the first missed deadline Unassigned', () => {
    const { state } = countingState();
    const result = ok(
      rerouteDecision(dach(), { compiled: compiled(), state, settings: { maxReroutes: 0 }, now }),
    );
    expect(result).toMatchObject({ outcome: 'unassigned', reason: 'max-reroutes' });
  });

  it('makes the lead Unassigned with every attempt explained when nobody is eligible', () => {
    const { state, taken } = countingState();
    const exhausted = dach({ previousPartnerIds: ['P-B', 'P-C'] });
    const result = ok(rerouteDecision(exhausted, { compiled: compiled(), state, settings, now }));
    expect(result.outcome).toBe('unassigned');
    expect(result.reason).toBe('no-eligible-partner');
    expect(result.next.distributionStatus).toBe('Unassigned');
    expect(result.loads).toEqual([{ partnerId: 'P-A', delta: -1, capacity: null }]);
    const detail = result.next.history.at(-1)?.detail;
    expect(detail).toMatchObject({ reason: 'no-eligible-partner', tried: [{ group: 'DACH pool' }] });
    expect(String(detail?.explanation)).toMatch(/no eligible partner/);
    // The rules match the same pool again: it is not tried twice, and a pool with nobody eligible takes no number.
    expect(taken).toEqual([]);
    expect(detail?.tried).toHaveLength(1);
  });

  it('keeps a Rerouted lead holding capacity: the old partner released, the new one charged', () => {
    const { state } = countingState();
    const once = dach({
      partnerId: 'P-B',
      partnerName: 'Partner P-B',
      distributionStatus: 'Rerouted',
      distributionStatusChangedAt: '2030-01-02T00:00:00.000Z',
      previousPartnerIds: ['P-A'],
      rerouteCount: 1,
      assignmentVersion: 2,
    });
    const result = ok(rerouteDecision(once, { compiled: compiled(), state, settings, now }));
    expect(result.next).toMatchObject({ partnerId: 'P-C', distributionStatus: 'Rerouted', rerouteCount: 2 });
    expect(result.next.assignmentVersion).toBe(3);
    expect(result.next.previousPartnerIds).toEqual(['P-A', 'P-B']);
    expect(result.next.distributionStatusChangedAt).toBe('2030-01-02T00:00:00.000Z');
    expect(result.loads).toEqual([
      { partnerId: 'P-B', delta: -1, capacity: null },
      { partnerId: 'P-C', delta: 1, capacity: 10 },
    ]);
  });

  it('accepts at once for an auto-accept partner: Accepted, no load charged', () => {
    const { state } = countingState();
    const partners = [A, B, p('P-C', { autoAccept: true }), D, E, F];
    const result = ok(
      rerouteDecision(dach({ previousPartnerIds: ['P-B'] }), {
        compiled: compiled(partners),
        state,
        settings,
        now,
      }),
    );
    expect(result.outcome).toBe('accepted');
    expect(result.next.distributionStatus).toBe('Accepted');
    expect(result.next.rerouteCount).toBe(1);
    expect(result.next.emailStatus).toBe('NotSent');
    expect(result.loads).toEqual([{ partnerId: 'P-A', delta: -1, capacity: null }]);
    expect(result.next.history.slice(-2).map((h) => h.type)).toEqual(['rerouted', 'accepted']);
  });

  it('refuses a stale schedule, a decided lead and an Unassigned lead', () => {
    const input = { compiled: compiled(), state: countingState().state, settings, now };
    expect(rerouteDecision(dach({ assignmentVersion: 2 }), { ...input, assignmentVersion: 1 })).toMatchObject(
      {
        refused: 'stale',
      },
    );
    expect(rerouteDecision(dach({ distributionStatus: 'Accepted' }), input)).toMatchObject({
      refused: 'already-decided',
      current: 'Accepted',
    });
    expect(rerouteDecision(dach({ distributionStatus: 'Rejected' }), input)).toMatchObject({
      refused: 'already-decided',
    });
    expect(
      rerouteDecision(dach({ distributionStatus: 'Unassigned', partnerId: null, partnerName: null }), input),
    ).toMatchObject({ refused: 'not-pending' });
    expect(rerouteDecision(dach(), { ...input, trigger: 'rejected' })).toMatchObject({
      refused: 'not-pending',
    });
  });

  it('reroutes a rejected lead at once (rerouteRejected): one write releases the old partner once', () => {
    const { state } = countingState();
    const rejected = ok(reject(dach(), { ...partner, reason: 'not ours' }));
    const rerouted = ok(
      rerouteDecision(rejected.next, { compiled: compiled(), state, settings, now, trigger: 'rejected' }),
    );
    expect(rerouted.next.distributionStatus).toBe('Rerouted');
    expect(rerouted.next.previousPartnerIds).toEqual(['P-A']);
    expect(rerouted.next.rejectReason).toBeUndefined();
    expect(rerouted.next.version).toBe(6);
    expect(rerouted.next.history.map((h) => h.type)).toEqual(['created', 'rejected', 'rerouted']);
    const loads = [...rejected.loads, ...rerouted.loads];
    expect(loads.filter((l) => l.partnerId === 'P-A').reduce((sum, l) => sum + l.delta, 0)).toBe(-1);
    expect(loads.filter((l) => l.delta > 0)).toHaveLength(1);
    expect(rerouted.next.history.at(-1)?.detail).toMatchObject({ trigger: 'rejected' });
  });

  it('takes one sequence number, from the pool that takes the lead, or none', () => {
    const cases = [
      dach(),
      dach({ previousPartnerIds: ['P-B', 'P-C'], country: 'France' }),
      lead({ country: 'Spain' }),
    ];
    for (const l of cases) {
      const { state, taken } = countingState();
      const decided = rerouteDecision(l, { compiled: compiled(), state, settings, now });
      const group = 'decision' in decided ? decided.decision?.group : undefined;
      const pool = compiled().groups.find((g) => g.name === group && g.strategy !== undefined);
      expect(taken).toEqual(pool ? [pool.name] : []);
    }
  });
});
