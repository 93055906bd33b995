import {
  cellKey,
  cleanReason,
  contributionDelta,
  contributionOf,
  countersOf,
  daysOf,
  type Lead,
  mergeDeltas,
  parseCellKey,
  reportRange,
  shapeReport,
  sourceGroup,
  ValidationError,
} from '@leadrelay/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testLead } from '../support/leads';

const range = { from: '2030-01-01', to: '2030-01-31' };
const lead = (id: string, overrides: Partial<Lead> = {}) => testLead({ id, ...overrides });
/** A lead's contribution, which a lead the supplier sees always has. */
const counted = (l: Lead) => {
  const c = contributionOf(l);
  if (!c) throw new Error(`lead ${l.id} contributes nothing`);
  return c;
};

describe('a lead’s contribution', () => {
  it('is one count on its creation day × partner, in the cell of its dimensions', () => {
    const c = counted(lead('L-1', { createdAt: '2030-01-05T23:59:59.999Z' }));
    expect(c).toEqual({
      day: '2030-01-05',
      partnerId: 'P-A',
      measures: { 'n|a|d|p|s|-|-|-': 1 },
    });
  });

  it('adds its opportunity value in the cell of its currency, and has no partner when unassigned', () => {
    const c = counted(
      lead('L-2', {
        partnerId: null,
        partnerName: null,
        distributionStatus: 'Unassigned',
        emailStatus: 'NotSent',
        pipelineStatus: 'Opportunity',
        opportunityValue: { amount: 1200.5, currency: 'EUR' },
      }),
    );
    expect(c.partnerId).toBe('-');
    expect(c.measures).toEqual({
      'n|a|d|u|n|y|-|EUR': 1,
      'v|a|d|u|n|y|-|EUR': 1200.5,
    });
  });

  it('is none for a partner’s own lead the supplier does not see, and counts once it is registered', () => {
    const own = lead('L-4', { type: 'registered', source: 'API', registration: { status: 'unregistered' } });
    expect(contributionOf(own)).toBeUndefined();
    expect(
      contributionOf({ ...own, registration: { status: 'linked', linkedLeadId: 'L-1' } }),
    ).toBeUndefined();
    const shared = contributionOf({
      ...own,
      source: 'Partner Registered',
      registration: { status: 'registered', by: 'hand' },
    });
    expect(shared?.measures).toEqual({ 'n|p|r|p|s|-|-|-': 1 });
    expect(countersOf([own, lead('L-5')]).map((c) => c.measures)).toEqual([{ 'n|a|d|p|s|-|-|-': 1 }]);
  });

  it('carries the reject reason only while the lead is Rejected, cleaned of the key separator', () => {
    const rejected = counted(
      lead('L-3', { distributionStatus: 'Rejected', rejectReason: '  not | our\nregion  ' }),
    );
    expect(Object.keys(rejected.measures)).toEqual(['n|a|d|r|s|-|not our region|-']);
    const cleared = counted(lead('L-3', { distributionStatus: 'Accepted', rejectReason: 'stale' }));
    expect(Object.keys(cleared.measures)).toEqual(['n|a|d|a|s|-|-|-']);
    expect(cleanReason(undefined)).toBe('(none)');
    expect(cleanReason('x'.repeat(500))).toHaveLength(80);
  });

  it('writes statuses and sources as stable one-letter codes, and a value without one as ~value', () => {
    const cell = {
      source: 'Locator',
      type: 'registered',
      distributionStatus: 'Rerouted',
      emailStatus: 'Failed',
      pipelineStatus: 'Nurture',
      reason: '-',
      currency: 'JPY',
    };
    expect(cellKey(cell)).toBe('l|r|o|f|n|-|JPY');
    expect(cellKey({ ...cell, source: 'Webinar' })).toBe('~Webinar|r|o|f|n|-|JPY');
    expect(parseCellKey('~Webinar|r|o|f|n|-|JPY')).toEqual({ ...cell, source: 'Webinar' });
    expect(() => parseCellKey('z|r|o|f|n|-|JPY')).toThrow(/source code/);
  });

  it('round-trips its cell key for any reason text', () => {
    fc.assert(
      fc.property(fc.string(), (reason) => {
        const cell = {
          source: 'CSV Upload',
          type: 'registered',
          distributionStatus: 'Rejected',
          emailStatus: 'Failed',
          pipelineStatus: '-',
          reason: cleanReason(reason),
          currency: 'USD',
        };
        expect(parseCellKey(cellKey(cell))).toEqual(cell);
      }),
    );
  });
});

describe('moving a contribution', () => {
  const before = counted(lead('L-1'));
  const after = counted(
    lead('L-1', {
      partnerId: 'P-B',
      distributionStatus: 'Accepted',
      opportunityValue: { amount: 5, currency: 'USD' },
    }),
  );

  it('takes it off the old counter item and puts it on the new one', () => {
    expect(contributionDelta(before, after)).toEqual([
      { day: '2030-01-01', partnerId: 'P-A', add: { 'n|a|d|p|s|-|-|-': -1 } },
      {
        day: '2030-01-01',
        partnerId: 'P-B',
        add: { 'n|a|d|a|s|-|-|USD': 1, 'v|a|d|a|s|-|-|USD': 5 },
      },
    ]);
  });

  it('changes nothing when it stays, and everything when it is new or gone', () => {
    expect(contributionDelta(before, before)).toEqual([]);
    expect(contributionDelta(undefined, before)).toEqual([
      { day: '2030-01-01', partnerId: 'P-A', add: before.measures },
    ]);
    expect(contributionDelta(before, undefined)).toEqual([
      { day: '2030-01-01', partnerId: 'P-A', add: { 'n|a|d|p|s|-|-|-': -1 } },
    ]);
  });

  it('merges per counter item, dropping what cancels out', () => {
    const merged = mergeDeltas([
      ...contributionDelta(undefined, before),
      ...contributionDelta(before, after),
    ]);
    expect(merged).toEqual([
      {
        day: '2030-01-01',
        partnerId: 'P-B',
        add: { 'n|a|d|a|s|-|-|USD': 1, 'v|a|d|a|s|-|-|USD': 5 },
      },
    ]);
  });
});

describe('report shaping', () => {
  const leads: Lead[] = [
    lead('L-1'),
    lead('L-2', { createdAt: '2030-01-02T10:00:00.000Z' }),
    lead('L-3', { source: 'CSV Upload', emailStatus: 'Opened' }),
    lead('L-4', {
      partnerId: 'P-B',
      distributionStatus: 'Accepted',
      pipelineStatus: 'Opportunity',
      opportunityValue: { amount: 100.1, currency: 'EUR' },
    }),
    lead('L-5', {
      partnerId: 'P-B',
      distributionStatus: 'Accepted',
      pipelineStatus: 'Opportunity',
      opportunityValue: { amount: 200.2, currency: 'EUR' },
    }),
    lead('L-6', {
      partnerId: 'P-B',
      distributionStatus: 'Accepted',
      pipelineStatus: 'Opportunity',
      opportunityValue: { amount: 50, currency: 'USD' },
    }),
    lead('L-7', {
      type: 'registered',
      source: 'Partner Registered',
      partnerId: 'P-B',
      distributionStatus: 'Accepted',
      pipelineStatus: 'Contacted',
    }),
    lead('L-8', { distributionStatus: 'Rejected', rejectReason: 'Out of area' }),
    lead('L-9', {
      partnerId: null,
      partnerName: null,
      distributionStatus: 'Unassigned',
      emailStatus: 'NotSent',
    }),
    lead('L-10', { createdAt: '2030-02-01T00:00:00.000Z' }),
  ];
  const items = countersOf(leads);
  const names = new Map([
    ['P-A', 'Alpha'],
    ['P-B', 'Beta'],
  ]);

  it('lead-summary: every lead in range by source and type', () => {
    expect(shapeReport('lead-summary', range, items, names)).toEqual({
      report: 'lead-summary',
      ...range,
      rows: [
        { source: 'API', type: 'distributed', count: 7 },
        { source: 'CSV Upload', type: 'distributed', count: 1 },
        { source: 'Partner Registered', type: 'registered', count: 1 },
      ],
      totals: { count: 9 },
    });
  });

  it('distribution-summary: distributed leads, a row per currency, values never added across currencies', () => {
    const report = shapeReport('distribution-summary', range, items, names);
    expect(report.rows).toEqual([
      {
        partnerId: 'P-A',
        partnerName: 'Alpha',
        distributionStatus: 'Pending',
        emailStatus: 'Opened',
        count: 1,
        opportunityValue: null,
      },
      {
        partnerId: 'P-A',
        partnerName: 'Alpha',
        distributionStatus: 'Pending',
        emailStatus: 'Sent',
        count: 2,
        opportunityValue: null,
      },
      {
        partnerId: 'P-A',
        partnerName: 'Alpha',
        distributionStatus: 'Rejected',
        emailStatus: 'Sent',
        count: 1,
        opportunityValue: null,
      },
      {
        partnerId: 'P-B',
        partnerName: 'Beta',
        distributionStatus: 'Accepted',
        emailStatus: 'Sent',
        count: 2,
        opportunityValue: { amount: 300.3, currency: 'EUR' },
      },
      {
        partnerId: 'P-B',
        partnerName: 'Beta',
        distributionStatus: 'Accepted',
        emailStatus: 'Sent',
        count: 1,
        opportunityValue: { amount: 50, currency: 'USD' },
      },
      {
        partnerId: null,
        partnerName: null,
        distributionStatus: 'Unassigned',
        emailStatus: 'NotSent',
        count: 1,
        opportunityValue: null,
      },
    ]);
    expect(report.totals).toEqual({
      count: 8,
      opportunityValue: [
        { amount: 300.3, currency: 'EUR' },
        { amount: 50, currency: 'USD' },
      ],
    });
  });

  it('opportunity-overview: leads with a pipeline status by partner and status', () => {
    expect(shapeReport('opportunity-overview', range, items, names).rows).toEqual([
      {
        partnerId: 'P-B',
        partnerName: 'Beta',
        pipelineStatus: 'Contacted',
        count: 1,
        opportunityValue: null,
      },
      {
        partnerId: 'P-B',
        partnerName: 'Beta',
        pipelineStatus: 'Opportunity',
        count: 2,
        opportunityValue: { amount: 300.3, currency: 'EUR' },
      },
      {
        partnerId: 'P-B',
        partnerName: 'Beta',
        pipelineStatus: 'Opportunity',
        count: 1,
        opportunityValue: { amount: 50, currency: 'USD' },
      },
    ]);
  });

  it('opportunity-summary: opportunities by source group', () => {
    expect(shapeReport('opportunity-summary', range, items, names)).toMatchObject({
      rows: [
        { source: 'distributed', count: 2, opportunityValue: { amount: 300.3, currency: 'EUR' } },
        { source: 'distributed', count: 1, opportunityValue: { amount: 50, currency: 'USD' } },
      ],
      totals: { count: 3 },
    });
  });

  it('rejections: leads rejected now by partner, source and reason', () => {
    expect(shapeReport('rejections', range, items, names).rows).toEqual([
      { partnerId: 'P-A', partnerName: 'Alpha', source: 'API', reason: 'Out of area', count: 1 },
    ]);
  });

  it('reads only the days of the range, and shows a partner it does not know without a name', () => {
    const report = shapeReport('lead-summary', { from: '2030-01-02', to: '2030-02-01' }, items);
    expect(report.totals.count).toBe(2);
    expect(shapeReport('rejections', range, items).rows[0]?.partnerName).toBeNull();
  });

  it('reads a month roll-up for a month the range covers whole, and never with that month’s days', () => {
    const rollup = {
      day: '2030-01',
      partnerId: 'P-A',
      measures: { 'n|a|d|p|s|-|-|-': 4 },
    };
    expect(shapeReport('lead-summary', range, [rollup]).totals.count).toBe(4);
    expect(shapeReport('lead-summary', { from: '2030-01-02', to: '2030-01-31' }, [rollup]).totals.count).toBe(
      0,
    );
    expect(shapeReport('lead-summary', range, [...items, rollup]).totals.count).toBe(9);
  });

  it('leaves out rows that add up to zero', () => {
    const zeroed = items.map((i) => ({
      ...i,
      measures: Object.fromEntries(Object.keys(i.measures).map((k) => [k, 0])),
    }));
    expect(shapeReport('lead-summary', range, zeroed).rows).toEqual([]);
  });
});

describe('opportunity-summary source groups', () => {
  it.each([
    ['API', 'distributed', 'distributed'],
    ['CSV Upload', 'distributed', 'distributed'],
    ['Manual', 'distributed', 'distributed'],
    ['Locator', 'distributed', 'distributed'],
    ['Integration', 'distributed', 'api-integration'],
    ['Integration', 'registered', 'api-integration'],
    ['Partner Registered', 'registered', 'partner-registered'],
    ['Auto Registered', 'registered', 'auto-registered'],
  ])('%s (%s) is %s', (source, type, group) => {
    expect(sourceGroup({ source, type })).toBe(group);
  });
});

describe('report ranges', () => {
  const now = new Date('2030-03-10T12:00:00.000Z');

  it('default to the last 30 days, today included', () => {
    expect(reportRange({}, now)).toEqual({ from: '2030-02-09', to: '2030-03-10' });
    expect(daysOf(reportRange({}, now))).toHaveLength(30);
    expect(reportRange({ to: '2030-01-31' }, now)).toEqual({ from: '2030-01-02', to: '2030-01-31' });
  });

  it('take up to 366 days, both ends included', () => {
    expect(daysOf(reportRange({ from: '2028-01-01', to: '2028-12-31' }, now))).toHaveLength(366);
  });

  const refused = (query: { from?: string; to?: string }) => {
    try {
      reportRange(query, now);
    } catch (error) {
      return error instanceof ValidationError ? error.details.map((d) => d.path) : ['not a 400'];
    }
    return [];
  };

  it('refuse a bad date, naming the field', () => {
    expect(refused({ from: '2030-02-30' })).toEqual(['from']);
    expect(refused({ to: 'yesterday' })).toEqual(['to']);
    expect(refused({ from: '2030-1-1' })).toEqual(['from']);
  });

  it('refuse from after to, and more than 366 days', () => {
    expect(refused({ from: '2030-03-02', to: '2030-03-01' })).toEqual(['from']);
    expect(refused({ from: '2028-01-01', to: '2029-01-01' })).toEqual(['from']);
  });
});
