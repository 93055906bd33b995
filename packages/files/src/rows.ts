import { boundRowErrors, LeadInput, parseInput, ValidationError } from '@leadrelay/core';
import { footerLine } from './footer';
import { formatCount } from './source';
import type { FileCheckpoint, FileLayout, RowError, RowResult } from './types';

const MAX_SHOWN_VALUE = 60;
/** Extra cells quoted in the message about cells past the last header; the rest are counted. */
const MAX_SHOWN_EXTRA = 5;

function shown(value: string): string {
  return JSON.stringify(value.length > MAX_SHOWN_VALUE ? `${value.slice(0, MAX_SHOWN_VALUE)}…` : value);
}

/** How a layout is read: its columns in reading order, and the first column of each lead field. */
interface Sources {
  /** Column indexes, mapped columns first: for a field several columns give, the first not empty wins. */
  order: number[];
  /** Per path (`email`, `customFields.Notes`): the first column that gives it, for errors about a missing value. */
  firstOf: Map<string, number>;
}

const sourcesCache = new WeakMap<FileLayout, Sources>();

function pathsOf(layout: FileLayout, index: number): string[] {
  const mapping = layout.columns[index];
  if (mapping?.kind === 'field') return [mapping.field];
  if (mapping?.kind === 'custom') return [`customFields.${mapping.name}`];
  if (mapping?.kind === 'fullName') return ['firstName', 'lastName'];
  return [];
}

function sourcesOf(layout: FileLayout): Sources {
  let sources = sourcesCache.get(layout);
  if (!sources) {
    const mapped = new Set(layout.mapped ?? []);
    const all = layout.columns.map((_, index) => index);
    const order = [...all.filter((i) => mapped.has(i)), ...all.filter((i) => !mapped.has(i))];
    const firstOf = new Map<string, number>();
    for (const index of order) {
      for (const path of pathsOf(layout, index)) if (!firstOf.has(path)) firstOf.set(path, index);
    }
    sources = { order, firstOf };
    sourcesCache.set(layout, sources);
  }
  return sources;
}

const SALUTATIONS = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'sir', 'madam']);

/**
 * A full name split into first and last: `Jane van der Berg` -> `Jane` / `van der Berg`
 * (the first word, and the rest, so particles stay with the last name); `Berg, Jane`
 * -> `Jane` / `Berg`; a leading salutation (`Dr.`, `Mrs`) is dropped; one word is a
 * first name.
 */
export function splitFullName(value: string): { firstName?: string; lastName?: string } {
  const comma = value.indexOf(',');
  if (comma > 0) {
    const last = value.slice(0, comma).trim();
    const first = value.slice(comma + 1).trim();
    if (last !== '' && first !== '' && !first.includes(',')) return { firstName: first, lastName: last };
  }
  const words = value
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '');
  while (words.length > 1 && SALUTATIONS.has((words[0] as string).replace(/\.$/, '').toLowerCase()))
    words.shift();
  const [first, ...rest] = words;
  if (first === undefined) return {};
  return rest.length === 0 ? { firstName: first } : { firstName: first, lastName: rest.join(' ') };
}

/** A zod message made plain for a person reading an upload report. */
function plainMessage(path: string, message: string, value: string | undefined): string {
  if (path === 'score')
    return `must be a whole number from 0 to 100${value === undefined ? '' : ` (got ${shown(value)})`}`;
  if (path === 'email' && value !== undefined) return `${message} (got ${shown(value)})`;
  return message;
}

/**
 * One data row to its result. Cells are read through the layout: lead fields into the
 * lead input (of several columns for one field, the first that is not empty), a full
 * name split into first and last, custom columns into `customFields`, the partner
 * column into `partner` (never `partnerId`: a file names its partner, the caller
 * resolves it). The input is validated by the core's `LeadInput`, and every problem
 * becomes a row error naming the header, as written in the file, of the column the
 * value came from. Values are trimmed; an empty cell is no value. A bad row that could
 * be a report footer line says so (`footer`): readLeadRows decides at the end.
 *
 * Returns undefined for a row whose cells are all empty: such a row is skipped silently
 * (no result, no error), as a spreadsheet's blank line is not a lead.
 *
 * `problems` are what the reader found past its row bounds (too many cells, a cell or
 * row too long): each is a row error, and `cellCount` is the row's true number of cells
 * when the reader kept only the first ones. The row's errors are bounded
 * (`boundRowErrors`), so a hostile row gives a short report.
 */
export function toRowResult(
  cells: readonly string[],
  row: number,
  layout: FileLayout,
  requireEmail: boolean,
  checkpoint: FileCheckpoint,
  problems: readonly string[] = [],
  cellCount = cells.length,
): RowResult | undefined {
  if (problems.length === 0 && cells.every((c) => c.trim() === '')) return undefined;
  const errors: RowError[] = problems.map((message) => ({ row, message }));
  const raw: Record<string, unknown> = {};
  let fullName: string | undefined;
  let custom: Record<string, string> | undefined;
  let partner: string | undefined;
  const { columns, headers } = layout;
  const { order, firstOf } = sourcesOf(layout);
  for (const i of order) {
    const value = cells[i]?.trim();
    if (!value) continue;
    const mapping = columns[i];
    if (mapping?.kind === 'field') {
      raw[mapping.field] ??= value;
    } else if (mapping?.kind === 'custom') {
      custom ??= {};
      custom[mapping.name] = value;
    } else if (mapping?.kind === 'fullName') fullName ??= value;
    else if (mapping?.kind === 'partner') partner = value;
  }
  if (custom) raw.customFields = custom;
  if (fullName) {
    for (const [path, part] of Object.entries(splitFullName(fullName))) raw[path] = part;
  }

  if (cells.length > columns.length) {
    const shownExtra: string[] = [];
    let extra = 0;
    for (let i = columns.length; i < cells.length; i++) {
      const cell = cells[i] as string;
      if (cell.trim() === '') continue;
      if (++extra <= MAX_SHOWN_EXTRA) shownExtra.push(shown(cell));
    }
    if (extra > 0) {
      const more = extra > MAX_SHOWN_EXTRA ? `, and ${formatCount(extra - MAX_SHOWN_EXTRA)} more` : '';
      errors.push({
        row,
        message: `the row has ${formatCount(cellCount)} cells but the header names ${columns.length} columns; cells past the last header were not read (${shownExtra.join(', ')}${more})`,
      });
    }
  }

  // Only a bad row needs to know where a value came from: the first column of its path that is not empty.
  const sourceOf = (path: string): number | undefined =>
    order.find((i) => cells[i]?.trim() && pathsOf(layout, i).includes(path)) ??
    (path.startsWith('customFields.') ? firstOf.get(path) : undefined);
  let input: LeadInput | undefined;
  try {
    input = parseInput(LeadInput, raw, 'row');
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    for (const detail of error.details) {
      const index = sourceOf(detail.path);
      const value = index === undefined ? undefined : cells[index]?.trim();
      const header = index === undefined ? undefined : headers[index];
      errors.push({
        row,
        ...(header === undefined ? {} : { column: header }),
        message: plainMessage(detail.path, detail.message, value),
      });
    }
  }
  if (requireEmail && raw.email === undefined) {
    const emailIndex = firstOf.get('email');
    const column = emailIndex === undefined ? 'email' : (headers[emailIndex] ?? 'email');
    errors.push({ row, column, message: 'email is required for a distributed lead' });
  }
  if (errors.length > 0 || !input) {
    const bounded = boundRowErrors(errors).map((e) => ({ row, ...e }));
    const footer = footerLine(cells);
    return footer
      ? { row, ok: false, errors: bounded, checkpoint, footer }
      : { row, ok: false, errors: bounded, checkpoint };
  }
  return partner === undefined
    ? { row, ok: true, input, checkpoint }
    : { row, ok: true, input, partner, checkpoint };
}
