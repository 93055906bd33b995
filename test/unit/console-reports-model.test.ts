import { CSV_BOM as CORE_BOM } from '@leadrelay/core';
import { describe, expect, it } from 'vitest';
import {
  CSV_BOM,
  CSV_COLUMNS,
  csvFileName,
  lastDays,
  partnerLabel,
  pivot,
  presetOf,
  sumMoney,
  toCsv,
} from '../../packages/console/src/pages/supplier/reports-model';

const rows = [
  {
    partnerId: 'p1',
    partnerName: 'North',
    distributionStatus: 'Accepted',
    emailStatus: 'Sent',
    count: 3,
    opportunityValue: { amount: 100.5, currency: 'USD' },
  },
  {
    partnerId: 'p1',
    partnerName: 'North',
    distributionStatus: 'Rejected',
    emailStatus: 'Sent',
    count: 1,
    opportunityValue: null,
  },
  {
    partnerId: 'p2',
    partnerName: null,
    distributionStatus: 'Pending',
    emailStatus: 'Failed',
    count: 2,
    opportunityValue: { amount: 7, currency: 'EUR' },
  },
  {
    partnerId: null,
    partnerName: null,
    distributionStatus: 'Unassigned',
    emailStatus: 'NotSent',
    count: 5,
    opportunityValue: null,
  },
];

describe('the reports screen’s numbers', () => {
  it('counts the last n days to today, today included, and knows a preset range', () => {
    const today = new Date('2026-03-10T23:30:00Z');
    expect(lastDays(7, today)).toEqual({ from: '2026-03-04', to: '2026-03-10' });
    expect(lastDays(30, today)).toEqual({ from: '2026-02-09', to: '2026-03-10' });
    expect(presetOf({ from: '2026-02-09', to: '2026-03-10' }, [7, 30, 90], today)).toBe(30);
    expect(presetOf({ from: '2026-02-10', to: '2026-03-10' }, [7, 30, 90], today)).toBeUndefined();
  });

  it('pivots long-form rows by row and column, columns in the given order, totals equal to the rows’ sum', () => {
    const p = pivot(
      rows,
      partnerLabel,
      (r) => r.distributionStatus,
      (r) => r.count,
      {
        colOrder: ['Unassigned', 'Pending', 'Rerouted', 'Accepted', 'Rejected'],
        sortRows: 'total',
      },
    );
    expect(p.rows).toEqual(['No partner', 'North', 'Partner p2']);
    expect(p.cols).toEqual(['Unassigned', 'Pending', 'Accepted', 'Rejected']);
    expect(p.cell('North', 'Accepted')).toBe(3);
    expect(p.cell('North', 'Pending')).toBe(0);
    expect(p.rowTotal('North')).toBe(4);
    expect(p.colTotal('Unassigned')).toBe(5);
    expect(p.total).toBe(11);
  });

  it('sums money per currency', () => {
    expect(
      sumMoney([
        { amount: 0.1, currency: 'USD' },
        { amount: 0.2, currency: 'USD' },
        undefined,
        { amount: 5, currency: 'EUR' },
      ]),
    ).toEqual([
      { amount: 5, currency: 'EUR' },
      { amount: 0.3, currency: 'USD' },
    ]);
  });

  it('writes a report’s CSV from its rows: header, a line per row, value and currency apart', () => {
    const csv = toCsv(CSV_COLUMNS['distribution-summary'], rows);
    expect(csv.startsWith(CSV_BOM)).toBe(true);
    expect(csv.slice(1).split('\r\n')).toEqual([
      'partnerId,partnerName,distributionStatus,emailStatus,count,opportunityValue,currency',
      'p1,North,Accepted,Sent,3,100.5,USD',
      'p1,North,Rejected,Sent,1,,',
      'p2,,Pending,Failed,2,7,EUR',
      ',,Unassigned,NotSent,5,,',
      '',
    ]);
    expect(csvFileName('rejections', { from: '2026-01-01', to: '2026-01-31' })).toBe(
      'rejections-2026-01-01-to-2026-01-31.csv',
    );
  });

  it('quotes and disarms a report’s untrusted text (a reject reason) in its CSV', () => {
    const csv = toCsv(CSV_COLUMNS.rejections, [
      { partnerId: 'p1', partnerName: 'North, East', source: 'API', reason: '=HYPERLINK("x")', count: 1 },
    ]);
    expect(csv.slice(1).split('\r\n')[1]).toBe('p1,"North, East",API,"\'=HYPERLINK(""x"")",1');
    expect(CSV_BOM).toBe(CORE_BOM);
  });
});
