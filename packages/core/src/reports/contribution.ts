import type {
  DistributionStatus,
  EmailStatus,
  Lead,
  LeadSource,
  LeadType,
  PipelineStatus,
} from '../leads/lead';
import { sharedWithSupplier } from '../leads/lead';

/**
 * What one lead adds to the report counters: its *contribution*. The counters are
 * kept per supplier × day (UTC date of createdAt) × partner, and inside that
 * counter item one numeric attribute per *cell*: the cell key encodes every other
 * dimension a report groups by, so each report is a grouping over cells.
 *
 * A cell key is `source|type|distributionStatus|emailStatus|pipelineStatus|reason|currency`:
 * - `pipelineStatus` is `-` when the lead has none;
 * - `reason` is the lead's reject reason while it is Rejected (cleaned, see
 *   {@link cleanReason}), else `-` (the rejections report reads it);
 * - `currency` is the opportunity value's currency, `-` when it has none: rows are
 *   per currency, so a count is split by currency too and values are never added
 *   across currencies.
 *
 * Measures: `n|<cell>` the count, `v|<cell>` the sum of the opportunity values
 * (only when the currency is not `-`).
 *
 * In the key, the five statuses and sources are written as one-letter codes
 * ({@link CELL_CODES}; `a|d|p|s|-|-|-` is an API lead, distributed, Pending, Sent): a
 * counter item holds one attribute per cell seen that month or day, so short names keep a
 * busy partner's month roll-up far from DynamoDB's 400 KB item limit (about 25 bytes a
 * cell instead of 60: ~3,000 distinct cells, with values, in ~150 KB). A value without a
 * code (none today: the tables below must name every value, the compiler checks) would be
 * written `~<value>`. Codes are stored data: never reuse or change one.
 */
export const NO_VALUE = '-';

/** The dimensions of one cell, in key order. */
export interface ReportCell {
  source: string;
  type: string;
  distributionStatus: string;
  emailStatus: string;
  pipelineStatus: string;
  reason: string;
  currency: string;
}

const CELL_FIELDS = [
  'source',
  'type',
  'distributionStatus',
  'emailStatus',
  'pipelineStatus',
  'reason',
  'currency',
] as const satisfies readonly (keyof ReportCell)[];

/** The counter attribute prefixes: a count, a value sum. */
export const COUNT_PREFIX = 'n|';
export const VALUE_PREFIX = 'v|';

/** Longest reject reason kept in a cell key (free text: a bounded key keeps a counter item small). */
export const MAX_REASON_LENGTH = 80;

/**
 * A reject reason as a cell holds it: `|` (the key separator) and control characters
 * become spaces, whitespace is collapsed, at most {@link MAX_REASON_LENGTH} characters;
 * an empty one is `(none)`.
 */
export function cleanReason(reason: string | undefined): string {
  const cleaned = [...(reason ?? '')]
    .map((ch) => (ch === '|' || (ch.codePointAt(0) ?? 0) < 0x20 || ch === '\u007f' ? ' ' : ch))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
  return cleaned === '' ? '(none)' : cleaned.slice(0, MAX_REASON_LENGTH);
}

/** The one-letter code of each value of the coded dimensions (stored in counter attribute names). */
export const CELL_CODES = {
  source: {
    API: 'a',
    'CSV Upload': 'c',
    Manual: 'm',
    'Partner Registered': 'p',
    'Auto Registered': 'r',
    Locator: 'l',
    Integration: 'i',
  } satisfies Record<LeadSource, string>,
  type: { distributed: 'd', registered: 'r' } satisfies Record<LeadType, string>,
  distributionStatus: {
    Unassigned: 'u',
    Pending: 'p',
    Accepted: 'a',
    Rejected: 'r',
    Rerouted: 'o',
  } satisfies Record<DistributionStatus, string>,
  emailStatus: { NotSent: 'n', Sent: 's', Opened: 'o', Clicked: 'c', Failed: 'f' } satisfies Record<
    EmailStatus,
    string
  >,
  pipelineStatus: {
    Open: 'o',
    Contacted: 'c',
    Nurture: 'n',
    Unqualified: 'u',
    Opportunity: 'y',
  } satisfies Record<PipelineStatus, string>,
} as const;
type CodedField = keyof typeof CELL_CODES;

const DECODE = Object.fromEntries(
  Object.entries(CELL_CODES).map(([field, codes]) => [
    field,
    new Map(Object.entries(codes).map(([value, code]) => [code, value])),
  ]),
) as Record<CodedField, Map<string, string>>;

function isCoded(field: keyof ReportCell): field is CodedField {
  return field in CELL_CODES;
}

function encode(field: keyof ReportCell, value: string): string {
  if (!isCoded(field) || value === NO_VALUE) return value;
  return (CELL_CODES[field] as Record<string, string>)[value] ?? `~${value}`;
}

function decode(field: keyof ReportCell, code: string): string {
  if (!isCoded(field) || code === NO_VALUE) return code;
  if (code.startsWith('~')) return code.slice(1);
  const value = DECODE[field].get(code);
  if (value === undefined) throw new Error(`Unknown ${field} code in a report cell: ${code}`);
  return value;
}

export function cellKey(cell: ReportCell): string {
  return CELL_FIELDS.map((f) => encode(f, cell[f])).join('|');
}

export function parseCellKey(key: string): ReportCell {
  const parts = key.split('|');
  if (parts.length !== CELL_FIELDS.length) throw new Error(`Not a report cell key: ${key}`);
  return Object.fromEntries(
    CELL_FIELDS.map((f, i) => [f, decode(f, parts[i] ?? '')]),
  ) as unknown as ReportCell;
}

/** A lead's place in the counters: which counter item, and what it adds to which attributes. */
export interface Contribution {
  /** UTC date of createdAt, YYYY-MM-DD. */
  day: string;
  /** The lead's partner, `-` when it has none. */
  partnerId: string;
  /** Counter attribute → what the lead adds (`n|<cell>`: 1; `v|<cell>`: the amount). */
  measures: Record<string, number>;
}

/**
 * The lead's contribution to the report counters; none for a partner's own lead the
 * supplier does not see (unregistered, or linked to the supplier's lead of its email).
 */
export function contributionOf(lead: Lead): Contribution | undefined {
  if (!sharedWithSupplier(lead)) return undefined;
  const cell: ReportCell = {
    source: lead.source,
    type: lead.type,
    distributionStatus: lead.distributionStatus,
    emailStatus: lead.emailStatus,
    pipelineStatus: lead.pipelineStatus ?? NO_VALUE,
    reason: lead.distributionStatus === 'Rejected' ? cleanReason(lead.rejectReason) : NO_VALUE,
    currency: lead.opportunityValue?.currency ?? NO_VALUE,
  };
  const key = cellKey(cell);
  const measures: Record<string, number> = { [`${COUNT_PREFIX}${key}`]: 1 };
  if (lead.opportunityValue !== undefined) measures[`${VALUE_PREFIX}${key}`] = lead.opportunityValue.amount;
  return { day: lead.createdAt.slice(0, 10), partnerId: lead.partnerId ?? NO_VALUE, measures };
}

/**
 * One counter item's address: a day (YYYY-MM-DD) × partner, or a month's roll-up
 * (YYYY-MM) × partner, which holds the sum of that month's days: a range that covers a
 * whole month reads its roll-ups instead of its days.
 */
export interface CounterAddress {
  day: string;
  partnerId: string;
}

/** Whether a counter address is a month's roll-up (YYYY-MM) rather than a day. */
export function isMonthRollup(address: Pick<CounterAddress, 'day'>): boolean {
  return address.day.length === 7;
}

/** The deltas with their months' roll-ups added (the same change, on the month × partner item). */
export function withMonthRollups(deltas: readonly CounterDelta[]): CounterDelta[] {
  return mergeDeltas(deltas.flatMap((d) => [d, { ...d, day: d.day.slice(0, 7) }]));
}

/** A counter item's changes: attribute → amount to ADD (negative: taken away). */
export interface CounterDelta extends CounterAddress {
  add: Record<string, number>;
}

function addressKey(a: CounterAddress): string {
  return `${a.day}/${a.partnerId}`;
}

/**
 * What moving a lead from `before` to `after` (either absent: none yet, or gone)
 * changes on the counters: its measures leave the old item and arrive on the new
 * one; an attribute whose change sums to zero is left out, and an item with no
 * change at all.
 */
export function contributionDelta(
  before: Contribution | undefined,
  after: Contribution | undefined,
): CounterDelta[] {
  const deltas = new Map<string, CounterDelta>();
  const add = (c: Contribution, sign: 1 | -1) => {
    const key = addressKey(c);
    const delta = deltas.get(key) ?? { day: c.day, partnerId: c.partnerId, add: {} };
    for (const [attr, amount] of Object.entries(c.measures)) {
      delta.add[attr] = (delta.add[attr] ?? 0) + sign * amount;
    }
    deltas.set(key, delta);
  };
  if (before) add(before, -1);
  if (after) add(after, 1);
  return [...deltas.values()]
    .map((d) => ({ ...d, add: Object.fromEntries(Object.entries(d.add).filter(([, v]) => v !== 0)) }))
    .filter((d) => Object.keys(d.add).length > 0);
}

/** Several deltas as one per counter item (a transaction may touch an item once). */
export function mergeDeltas(deltas: readonly CounterDelta[]): CounterDelta[] {
  const merged = new Map<string, CounterDelta>();
  for (const d of deltas) {
    const key = addressKey(d);
    const into = merged.get(key) ?? { day: d.day, partnerId: d.partnerId, add: {} };
    for (const [attr, amount] of Object.entries(d.add)) into.add[attr] = (into.add[attr] ?? 0) + amount;
    merged.set(key, into);
  }
  return [...merged.values()]
    .map((d) => ({ ...d, add: Object.fromEntries(Object.entries(d.add).filter(([, v]) => v !== 0)) }))
    .filter((d) => Object.keys(d.add).length > 0);
}

/** A counter item as read: its address and its attributes' values. */
export interface CounterItem extends CounterAddress {
  measures: Record<string, number>;
}

/** The counters a set of leads adds up to (the recomputation the rebuild and the tests compare with). */
export function countersOf(leads: Iterable<Lead>): CounterItem[] {
  const items = new Map<string, CounterItem>();
  for (const lead of leads) {
    const c = contributionOf(lead);
    if (!c) continue;
    const key = addressKey(c);
    const item = items.get(key) ?? { day: c.day, partnerId: c.partnerId, measures: {} };
    for (const [attr, amount] of Object.entries(c.measures)) {
      item.measures[attr] = (item.measures[attr] ?? 0) + amount;
    }
    items.set(key, item);
  }
  return [...items.values()];
}
