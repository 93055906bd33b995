import { boundRowErrors, LeadInput, parseInput, ValidationError } from '@leadrelay/core';
import { formatCount } from './source';
import type { FileCheckpoint, FileLayout, RowError, RowResult } from './types';

const MAX_SHOWN_VALUE = 60;
/** Extra cells quoted in the message about cells past the last header; the rest are counted. */
const MAX_SHOWN_EXTRA = 5;

function shown(value: string): string {
  return JSON.stringify(value.length > MAX_SHOWN_VALUE ? `${value.slice(0, MAX_SHOWN_VALUE)}…` : value);
}

/** Where each lead field and custom field comes from: the header as written, and its cell index. */
interface Sources {
  byPath: Map<string, { header: string; index: number }>;
  emailHeader?: string;
}

const sourcesCache = new WeakMap<FileLayout, Sources>();

function sourcesOf(layout: FileLayout): Sources {
  let sources = sourcesCache.get(layout);
  if (!sources) {
    const byPath = new Map<string, { header: string; index: number }>();
    layout.columns.forEach((mapping, index) => {
      const header = layout.headers[index] ?? '';
      if (mapping.kind === 'field') byPath.set(mapping.field, { header, index });
      else if (mapping.kind === 'custom') byPath.set(`customFields.${mapping.name}`, { header, index });
    });
    sources = { byPath, emailHeader: byPath.get('email')?.header };
    sourcesCache.set(layout, sources);
  }
  return sources;
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
 * lead input, custom columns into `customFields`, the partner column into `partner`
 * (never `partnerId`: a file names its partner, the caller resolves it). The input is
 * validated by the core's `LeadInput`, and every problem becomes a row error naming the
 * column's header as written in the file. Values are trimmed; an empty cell is no value.
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
  let custom: Record<string, string> | undefined;
  let partner: string | undefined;
  const { columns } = layout;
  for (let i = 0; i < columns.length; i++) {
    const value = cells[i]?.trim();
    if (!value) continue;
    const mapping = columns[i];
    if (mapping?.kind === 'field') raw[mapping.field] = value;
    else if (mapping?.kind === 'custom') {
      custom ??= {};
      custom[mapping.name] = value;
    } else if (mapping?.kind === 'partner') partner = value;
  }
  if (custom) raw.customFields = custom;

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

  const { byPath, emailHeader } = sourcesOf(layout);
  let input: LeadInput | undefined;
  try {
    input = parseInput(LeadInput, raw, 'row');
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    for (const detail of error.details) {
      const source = byPath.get(detail.path);
      const value = source ? cells[source.index]?.trim() : undefined;
      errors.push({
        row,
        ...(source ? { column: source.header } : {}),
        message: plainMessage(detail.path, detail.message, value),
      });
    }
  }
  if (requireEmail && raw.email === undefined) {
    errors.push({ row, column: emailHeader ?? 'email', message: 'email is required for a distributed lead' });
  }
  if (errors.length > 0 || !input) {
    const bounded = boundRowErrors(errors).map((e) => ({ row, ...e }));
    return { row, ok: false, errors: bounded, checkpoint };
  }
  return partner === undefined
    ? { row, ok: true, input, checkpoint }
    : { row, ok: true, input, partner, checkpoint };
}
