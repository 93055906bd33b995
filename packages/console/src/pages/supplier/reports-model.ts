// The generated types themselves (not the client): this module is pure, and the unit tests import it.
import type { components } from '../../api/schema';
import { toCsv as rowsToCsv } from './csv';

/**
 * The reports screen's arithmetic, pure: date ranges, a report's long-form rows pivoted
 * into the numbers a chart and its table show (the same numbers, so the table is the
 * chart's accessible alternative), and each report's CSV built from its rows.
 */

type Schemas = components['schemas'];
export type Report = Schemas['Report'];
export type ReportName = Report['report'];
export type ReportRow = Report['rows'][number];
export type Money = Schemas['ReportMoney'];
export type OpportunityDetail = Schemas['OpportunityDetail'];
type View = Schemas['LeadView'];

export const REPORT_NAMES = {
  'lead-summary': true,
  'distribution-summary': true,
  'opportunity-overview': true,
  'opportunity-summary': true,
  rejections: true,
} satisfies Record<ReportName, true>;

/** The orders statuses read in (the lead's life), exhaustive over the API's enums. */
const DISTRIBUTION: Record<View['distributionStatus'], number> = {
  Unassigned: 0,
  Pending: 1,
  Rerouted: 2,
  Accepted: 3,
  Rejected: 4,
};
const EMAIL: Record<View['emailStatus'], number> = { NotSent: 0, Sent: 1, Opened: 2, Clicked: 3, Failed: 4 };
const PIPELINE: Record<NonNullable<View['pipelineStatus']>, number> = {
  Open: 0,
  Contacted: 1,
  Nurture: 2,
  Unqualified: 3,
  Opportunity: 4,
};
const byOrder = (order: Record<string, number>) =>
  Object.keys(order).sort((a, b) => (order[a] ?? 0) - (order[b] ?? 0));
export const DISTRIBUTION_STATUSES = byOrder(DISTRIBUTION);
export const EMAIL_STATUSES = byOrder(EMAIL);
export const PIPELINE_STATUSES = byOrder(PIPELINE);

// ---- ranges -------------------------------------------------------------------------

export interface Range {
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;

/** The last `days` days to `today` (YYYY-MM-DD, UTC, as the reports count days), today included. */
export function lastDays(days: number, today: Date = new Date()): Range {
  const to = today.toISOString().slice(0, 10);
  const from = new Date(Date.parse(`${to}T00:00:00.000Z`) - (days - 1) * DAY_MS).toISOString().slice(0, 10);
  return { from, to };
}

/** Which preset a range is (7, 30 or 90 days to today), if any. */
export function presetOf(
  range: Range,
  presets: readonly number[],
  today: Date = new Date(),
): number | undefined {
  return presets.find((days) => {
    const r = lastDays(days, today);
    return r.from === range.from && r.to === range.to;
  });
}

// ---- pivots -------------------------------------------------------------------------

/** Numbers by row and column: what a (stacked) bar chart draws and its table lists. */
export interface Pivot {
  rows: string[];
  cols: string[];
  cell(row: string, col: string): number;
  rowTotal(row: string): number;
  colTotal(col: string): number;
  total: number;
}

/**
 * Long-form items summed by a row and a column key. Rows keep their first-seen order unless
 * `sortRows` says otherwise (largest first); columns follow `colOrder`, then any others.
 */
export function pivot<T>(
  items: readonly T[],
  row: (item: T) => string,
  col: (item: T) => string,
  measure: (item: T) => number,
  options: { colOrder?: readonly string[]; sortRows?: 'total' } = {},
): Pivot {
  const cells = new Map<string, number>();
  const rowTotals = new Map<string, number>();
  const colTotals = new Map<string, number>();
  let total = 0;
  for (const item of items) {
    const r = row(item);
    const c = col(item);
    const v = measure(item);
    const key = JSON.stringify([r, c]);
    cells.set(key, (cells.get(key) ?? 0) + v);
    rowTotals.set(r, (rowTotals.get(r) ?? 0) + v);
    colTotals.set(c, (colTotals.get(c) ?? 0) + v);
    total += v;
  }
  const order = options.colOrder ?? [];
  const cols = [
    ...order.filter((c) => colTotals.has(c)),
    ...[...colTotals.keys()].filter((c) => !order.includes(c)),
  ];
  let rows = [...rowTotals.keys()];
  if (options.sortRows === 'total') {
    rows = rows.sort((a, b) => (rowTotals.get(b) ?? 0) - (rowTotals.get(a) ?? 0) || a.localeCompare(b));
  }
  return {
    rows,
    cols,
    cell: (r, c) => cells.get(JSON.stringify([r, c])) ?? 0,
    rowTotal: (r) => rowTotals.get(r) ?? 0,
    colTotal: (c) => colTotals.get(c) ?? 0,
    total,
  };
}

const text = (value: ReportRow[string] | undefined): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** A row's partner, in words: its name, else its id, else none (an Unassigned lead). */
export function partnerLabel(row: ReportRow): string {
  return text(row.partnerName) ?? (text(row.partnerId) ? `Partner ${row.partnerId}` : 'No partner');
}

export function dimension(row: ReportRow, name: string, none = 'None'): string {
  return text(row[name]) ?? none;
}

export function moneyOf(row: ReportRow): Money | undefined {
  const v = row.opportunityValue;
  return v !== null && typeof v === 'object' ? v : undefined;
}

/** Sums per currency (a row holds one currency), currencies in alphabetical order. */
export function sumMoney(values: readonly (Money | undefined)[]): Money[] {
  const sums = new Map<string, number>();
  for (const v of values) if (v) sums.set(v.currency, (sums.get(v.currency) ?? 0) + v.amount);
  return [...sums]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, amount]) => ({ currency, amount: Math.round(amount * 1e6) / 1e6 }));
}

// ---- CSV ----------------------------------------------------------------------------

/** A column of a report's CSV: its header and how a row fills it. */
export interface CsvColumn<T> {
  name: string;
  value: (row: T) => string | number | null | undefined;
}

const field = (name: string): CsvColumn<ReportRow> => ({
  name,
  value: (row) => {
    const v = row[name];
    return typeof v === 'object' ? undefined : v;
  },
});
const amount: CsvColumn<ReportRow> = { name: 'opportunityValue', value: (row) => moneyOf(row)?.amount };
const currency: CsvColumn<ReportRow> = { name: 'currency', value: (row) => moneyOf(row)?.currency };

/** Each report's columns: its dimensions, then count, then value and currency where it has them. */
export const CSV_COLUMNS: Record<ReportName, CsvColumn<ReportRow>[]> = {
  'lead-summary': ['source', 'type', 'count'].map(field),
  'distribution-summary': [
    ...['partnerId', 'partnerName', 'distributionStatus', 'emailStatus', 'count'].map(field),
    amount,
    currency,
  ],
  'opportunity-overview': [
    ...['partnerId', 'partnerName', 'pipelineStatus', 'count'].map(field),
    amount,
    currency,
  ],
  'opportunity-summary': [...['source', 'count'].map(field), amount, currency],
  rejections: ['partnerId', 'partnerName', 'source', 'reason', 'count'].map(field),
};

export const DETAIL_COLUMNS: CsvColumn<OpportunityDetail>[] = [
  { name: 'id', value: (d) => d.id },
  { name: 'createdAt', value: (d) => d.createdAt },
  { name: 'displayEmail', value: (d) => d.displayEmail },
  { name: 'company', value: (d) => d.company },
  { name: 'partnerId', value: (d) => d.partnerId },
  { name: 'partnerName', value: (d) => d.partnerName },
  { name: 'salesRepId', value: (d) => d.salesRepId },
  { name: 'pipelineStatus', value: (d) => d.pipelineStatus },
  { name: 'distributionStatus', value: (d) => d.distributionStatus },
  { name: 'opportunityValue', value: (d) => d.opportunityValue?.amount },
  { name: 'currency', value: (d) => d.opportunityValue?.currency },
];

/** UTF-8's byte order mark, first in the file, so Excel reads partner names and reasons as UTF-8 (as the leads export). */
export const CSV_BOM = '\uFEFF';

/** A whole CSV file: the header row, then a line per row (cells quoted and disarmed by ./csv). */
export function toCsv<T>(columns: readonly CsvColumn<T>[], rows: readonly T[]): string {
  return (
    CSV_BOM + rowsToCsv([columns.map((c) => c.name), ...rows.map((r) => columns.map((c) => c.value(r)))])
  );
}

export function csvFileName(name: string, range: Range): string {
  return `${name}-${range.from}-to-${range.to}.csv`;
}
