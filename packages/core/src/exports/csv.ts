import type { Lead } from '../leads/lead';
import { type Column, columnValue, SEED_COLUMNS } from '../leads/query';

/**
 * The export's CSV: RFC 4180 (comma, CRLF line ends, a field quoted when it holds a
 * comma, a quote or a line break, quotes doubled), UTF-8 with a byte order mark so
 * Excel opens it as UTF-8, and a header row of the column names.
 *
 * Lead data is untrusted: a text cell that begins with `=`, `+`, `-`, `@`, a tab or a
 * carriage return would be read by a spreadsheet as a formula (OWASP "CSV
 * injection"). Such a cell is neutralised: a single quote before it, and the field
 * quoted. Numbers we render ourselves (a score, a count of days) are left as they are:
 * a spreadsheet reads `-3` as minus three, not as a formula.
 */

/** U+FEFF, which UTF-8 writes as EF BB BF: the first thing of every export. */
export const CSV_BOM = '\uFEFF';
/** RFC 4180's line end. */
export const CSV_EOL = '\r\n';

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** A value as a cell shows it, readable: `1200 EUR`, `Bounce: mailbox full`, lists joined by `; `. */
export function cellText(value: unknown): { text: string; ours: boolean } {
  if (value === undefined || value === null) return { text: '', ours: true };
  if (typeof value === 'number') return { text: Number.isFinite(value) ? String(value) : '', ours: true };
  if (typeof value === 'boolean') return { text: value ? 'true' : 'false', ours: true };
  if (typeof value === 'string') return { text: value, ours: false };
  if (Array.isArray(value)) return { text: value.map((v) => cellText(v).text).join('; '), ours: false };
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    // opportunityValue {amount, currency}
    if (typeof o.amount === 'number' && typeof o.currency === 'string') {
      return { text: `${o.amount} ${o.currency}`, ours: false };
    }
    // emailFailure {type, reason}
    if (typeof o.type === 'string' && typeof o.reason === 'string') {
      return { text: `${o.type}: ${o.reason}`, ours: false };
    }
    return { text: JSON.stringify(value), ours: false };
  }
  return { text: String(value), ours: false };
}

/** One field: neutralised when it could be a formula, quoted when RFC 4180 (or the neutralising) says so. */
export function csvField(value: unknown): string {
  const { text, ours } = cellText(value);
  if (!ours && FORMULA_START.test(text)) return `"'${text.replaceAll('"', '""')}"`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One line of fields, with its line end. */
export function csvLine(values: readonly unknown[]): string {
  return values.map(csvField).join(',') + CSV_EOL;
}

/**
 * The columns of an export, in order: `id`, the seed's columns, then the chosen ones
 * (each once) — the keys of the list's rows (leadRow), so an export shows what the
 * list shows.
 */
export function exportColumns(chosen: readonly Column[] = []): Column[] {
  return [...new Set<Column>(['id', ...SEED_COLUMNS, ...chosen])];
}

/** The header row (the column names), after the byte order mark: the start of the file. */
export function csvHeader(columns: readonly Column[]): string {
  return CSV_BOM + csvLine(columns);
}

/** The lines of some leads, in their order. */
export function csvRows(leads: readonly Lead[], columns: readonly Column[], now: Date): string {
  let text = '';
  for (const lead of leads) text += csvLine(columns.map((c) => columnValue(lead, c, now)));
  return text;
}
