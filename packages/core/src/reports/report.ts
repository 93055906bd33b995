import { z } from 'zod';
import { ValidationError } from '../errors';
import {
  COUNT_PREFIX,
  type CounterItem,
  isMonthRollup,
  NO_VALUE,
  parseCellKey,
  type ReportCell,
  VALUE_PREFIX,
} from './contribution';

/**
 * The reports: each a grouping of the counter cells (contribution.ts) over a range
 * of creation days, answered in long form: one row per combination of the report's
 * dimensions (and currency) that is not zero.
 *
 * What each counts (the counters hold every lead's *current* state):
 * - lead-summary: every lead created in the range, by source and type;
 * - distribution-summary: the distributed leads (type distributed), by partner
 *   (none: Unassigned), distribution status and email status, with their opportunity value;
 * - opportunity-overview: the leads with a pipeline status, by partner and pipeline status;
 * - opportunity-summary: the leads whose pipeline status is Opportunity, by source group
 *   ({@link sourceGroup});
 * - rejections: the leads Rejected now (a rejected lead that is rerouted or reassigned
 *   leaves this report: the counters follow the lead's state, not its history), by
 *   partner, source and reason.
 */
export const REPORT_NAMES = [
  'lead-summary',
  'distribution-summary',
  'opportunity-overview',
  'opportunity-summary',
  'rejections',
] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

export const SOURCE_GROUPS = [
  'distributed',
  'partner-registered',
  'auto-registered',
  'api-integration',
] as const;
export type SourceGroup = (typeof SOURCE_GROUPS)[number];

/**
 * opportunity-summary's sources:
 * - `api-integration`: source Integration (a lead or opportunity a CRM or other integration
 *   recorded, whatever its type);
 * - `partner-registered`: source Partner Registered;
 * - `auto-registered`: source Auto Registered;
 * - `distributed`: every other source of a distributed lead (API, CSV Upload, Manual, Locator:
 *   the supplier's leads it distributes). A registered lead with another source (not written
 *   today) counts as partner-registered.
 */
export function sourceGroup(cell: Pick<ReportCell, 'source' | 'type'>): SourceGroup {
  if (cell.source === 'Integration') return 'api-integration';
  if (cell.source === 'Partner Registered') return 'partner-registered';
  if (cell.source === 'Auto Registered') return 'auto-registered';
  return cell.type === 'registered' ? 'partner-registered' : 'distributed';
}

/** A money amount: a currency and the sum in it. */
export interface ReportMoney {
  amount: number;
  currency: string;
}

export interface ReportRow {
  [dimension: string]: string | number | null | ReportMoney;
  count: number;
}

export interface Report {
  report: ReportName;
  from: string;
  to: string;
  rows: ReportRow[];
  totals: { count: number; opportunityValue?: ReportMoney[] };
}

/** The longest range a report reads, in days (both ends included). */
export const MAX_REPORT_DAYS = 366;
/** The range when none is given: the last 30 days, today included. */
export const DEFAULT_REPORT_DAYS = 30;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

function isDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const t = Date.parse(`${value}T00:00:00.000Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === value;
}

export const ReportQuery = z.strictObject({
  from: z
    .string()
    .optional()
    .describe('First day of the range (YYYY-MM-DD, UTC), included; default 29 days before to'),
  to: z.string().optional().describe('Last day of the range (YYYY-MM-DD, UTC), included; default today'),
});
export type ReportQuery = z.output<typeof ReportQuery>;

export interface ReportRange {
  from: string;
  to: string;
}

/**
 * The range of a report's query: `from`/`to` dates (YYYY-MM-DD, UTC, both included);
 * `to` defaults to today, `from` to 29 days before `to`. A bad date, from after to,
 * or more than {@link MAX_REPORT_DAYS} days is a 400 naming the field.
 */
export function reportRange(query: ReportQuery, now: Date): ReportRange {
  for (const field of ['from', 'to'] as const) {
    const value = query[field];
    if (value !== undefined && !isDate(value)) {
      throw new ValidationError(`Invalid ${field}: expected a date YYYY-MM-DD`, [
        { path: field, message: 'must be a date YYYY-MM-DD' },
      ]);
    }
  }
  const to = query.to ?? now.toISOString().slice(0, 10);
  const from =
    query.from ??
    new Date(Date.parse(`${to}T00:00:00.000Z`) - (DEFAULT_REPORT_DAYS - 1) * DAY_MS)
      .toISOString()
      .slice(0, 10);
  if (from > to) {
    throw new ValidationError('Invalid range: from is after to', [
      { path: 'from', message: 'must not be after to' },
    ]);
  }
  if (daysOf({ from, to }).length > MAX_REPORT_DAYS) {
    throw new ValidationError(`Invalid range: at most ${MAX_REPORT_DAYS} days`, [
      { path: 'from', message: `the range from..to must be at most ${MAX_REPORT_DAYS} days` },
    ]);
  }
  return { from, to };
}

/** Every day of a range, oldest first. */
export function daysOf(range: ReportRange): string[] {
  const days: string[] = [];
  const end = Date.parse(`${range.to}T00:00:00.000Z`);
  for (let t = Date.parse(`${range.from}T00:00:00.000Z`); t <= end; t += DAY_MS) {
    days.push(new Date(t).toISOString().slice(0, 10));
    if (days.length > MAX_REPORT_DAYS + 1) break;
  }
  return days;
}

/** The last day of a month (YYYY-MM). */
export function lastDayOf(month: string): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(year, m, 0)).toISOString().slice(0, 10);
}

/** Whether a month (YYYY-MM) lies wholly inside the range. */
export function monthInRange(month: string, range: ReportRange): boolean {
  return range.from <= `${month}-01` && lastDayOf(month) <= range.to;
}

/** A day counter in the range, or a month roll-up whose month the range covers whole. */
function inRange(item: CounterItem, range: ReportRange): boolean {
  return isMonthRollup(item) ? monthInRange(item.day, range) : item.day >= range.from && item.day <= range.to;
}

/**
 * Counter items that count every lead once: day items, and month roll-ups only for months
 * with no day item among them (a store reads one or the other per month).
 */
function measuredItems(items: readonly CounterItem[], range: ReportRange): CounterItem[] {
  const monthsWithDays = new Set(items.filter((i) => !isMonthRollup(i)).map((i) => i.day.slice(0, 7)));
  return items.filter((i) => inRange(i, range) && !(isMonthRollup(i) && monthsWithDays.has(i.day)));
}

/** A measured cell: its dimensions, partner, count and value sum. */
interface MeasuredCell extends ReportCell {
  partnerId: string;
  count: number;
  value: number;
}

/** The cells of counter items, measured (count and value read from `n|` / `v|`). */
function measuredCells(items: readonly CounterItem[], range: ReportRange): MeasuredCell[] {
  const cells: MeasuredCell[] = [];
  for (const item of measuredItems(items, range)) {
    for (const [attr, count] of Object.entries(item.measures)) {
      if (!attr.startsWith(COUNT_PREFIX) || count === 0) continue;
      const key = attr.slice(COUNT_PREFIX.length);
      const value = item.measures[`${VALUE_PREFIX}${key}`] ?? 0;
      cells.push({ ...parseCellKey(key), partnerId: item.partnerId, count, value });
    }
  }
  return cells;
}

interface ReportSpec {
  /** Which cells the report counts. */
  keeps: (cell: MeasuredCell) => boolean;
  /** The row's dimensions (partnerName is filled in from partnerId). */
  dimensions: (cell: MeasuredCell) => Record<string, string | null>;
  /** Whether rows carry opportunityValue (and so are split by currency). */
  valued: boolean;
}

const partner = (c: MeasuredCell) => ({ partnerId: c.partnerId === NO_VALUE ? null : c.partnerId });

const SPECS: Record<ReportName, ReportSpec> = {
  'lead-summary': {
    keeps: () => true,
    dimensions: (c) => ({ source: c.source, type: c.type }),
    valued: false,
  },
  'distribution-summary': {
    keeps: (c) => c.type === 'distributed',
    dimensions: (c) => ({
      ...partner(c),
      partnerName: null,
      distributionStatus: c.distributionStatus,
      emailStatus: c.emailStatus,
    }),
    valued: true,
  },
  'opportunity-overview': {
    keeps: (c) => c.pipelineStatus !== NO_VALUE,
    dimensions: (c) => ({ ...partner(c), partnerName: null, pipelineStatus: c.pipelineStatus }),
    valued: true,
  },
  'opportunity-summary': {
    keeps: (c) => c.pipelineStatus === 'Opportunity',
    dimensions: (c) => ({ source: sourceGroup(c) }),
    valued: true,
  },
  rejections: {
    keeps: (c) => c.distributionStatus === 'Rejected',
    dimensions: (c) => ({ ...partner(c), partnerName: null, source: c.source, reason: c.reason }),
    valued: false,
  },
};

/** Sums as the API shows them: rounded to 6 decimals (money has fewer; float noise goes). */
function roundAmount(amount: number): number {
  return Math.round(amount * 1e6) / 1e6;
}

function compareRows(a: { sortKey: string }, b: { sortKey: string }): number {
  return a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0;
}

/**
 * A report from counter items: the cells in range that the report counts, grouped
 * by its dimensions (and currency, when it carries values), zero rows left out,
 * sorted by the dimensions; totals per currency. `partnerNames` names the partners
 * (a partner it does not know keeps a null name).
 */
export function shapeReport(
  name: ReportName,
  range: ReportRange,
  items: readonly CounterItem[],
  partnerNames: ReadonlyMap<string, string> = new Map(),
): Report {
  const spec = SPECS[name];
  const groups = new Map<
    string,
    { dims: Record<string, string | null>; currency: string; count: number; value: number }
  >();
  for (const cell of measuredCells(items, range)) {
    if (!spec.keeps(cell)) continue;
    const dims = spec.dimensions(cell);
    const currency = spec.valued ? cell.currency : NO_VALUE;
    const key = JSON.stringify([dims, currency]);
    const group = groups.get(key) ?? { dims, currency, count: 0, value: 0 };
    group.count += cell.count;
    group.value += cell.value;
    groups.set(key, group);
  }
  const totalValues = new Map<string, number>();
  let totalCount = 0;
  const rows = [...groups.values()]
    .filter((g) => g.count !== 0)
    .map((g) => {
      totalCount += g.count;
      const row: ReportRow = { ...g.dims, count: g.count };
      if ('partnerName' in g.dims)
        row.partnerName = g.dims.partnerId ? (partnerNames.get(g.dims.partnerId) ?? null) : null;
      if (spec.valued) {
        if (g.currency === NO_VALUE) row.opportunityValue = null;
        else {
          row.opportunityValue = { amount: roundAmount(g.value), currency: g.currency };
          totalValues.set(g.currency, (totalValues.get(g.currency) ?? 0) + g.value);
        }
      }
      return { row, sortKey: JSON.stringify([...Object.values(g.dims), g.currency]) };
    })
    .sort(compareRows)
    .map(({ row }) => row);
  const totals: Report['totals'] = { count: totalCount };
  if (spec.valued) {
    totals.opportunityValue = [...totalValues]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([currency, amount]) => ({ amount: roundAmount(amount), currency }));
  }
  return { report: name, from: range.from, to: range.to, rows, totals };
}
