/**
 * Cell values as text, the way a person reads them in Excel: numbers without a
 * trailing `.0` and with at most 15 significant digits (Excel's precision), dates as
 * ISO dates, zero-padded numbers (`00000`, a US zip code format) padded.
 */

/** How a cell style shows a number. */
export interface NumberStyle {
  date?: 'date' | 'datetime' | 'time';
  /** Minimum digits for a format made only of zeros (`00000`). */
  pad?: number;
}

const BUILTIN_DATES: Record<number, NumberStyle['date']> = {
  14: 'date',
  15: 'date',
  16: 'date',
  17: 'date',
  18: 'time',
  19: 'time',
  20: 'time',
  21: 'time',
  22: 'datetime',
  45: 'time',
  46: 'time',
  47: 'time',
};
for (const id of [27, 28, 29, 30, 31, 34, 35, 36, 50, 51, 52, 53, 54, 57, 58]) BUILTIN_DATES[id] = 'date';
for (const id of [32, 33, 55, 56]) BUILTIN_DATES[id] = 'time';

/** The style of a number format: by its id for Excel's built-in formats, else by its code. */
export function numberStyle(numFmtId: number, formatCode: string | undefined): NumberStyle | undefined {
  if (formatCode === undefined) {
    const date = BUILTIN_DATES[numFmtId];
    return date ? { date } : undefined;
  }
  // The first section only (positive numbers); literals, escapes, colours and locales dropped.
  const code = formatCode
    .replace(/"[^"]*"/g, '')
    .replace(/\\./g, '')
    .replace(/_.|\*./g, '')
    .split(';')[0]
    ?.replace(/\[(?!h+\]|m+\]|s+\])[^\]]*\]/gi, '')
    .trim();
  if (!code) return undefined;
  if (/^0+$/.test(code)) return { pad: code.length };
  const hasDate = /[dy]/i.test(code) || (/m/i.test(code) && !/[hs]/i.test(code));
  const hasTime = /[hs]/i.test(code) || /AM\/PM|A\/P/i.test(code);
  if (hasDate && hasTime) return { date: 'datetime' };
  if (hasDate) return { date: 'date' };
  if (hasTime) return { date: 'time' };
  return undefined;
}

const DAY_MS = 86_400_000;

/** An Excel serial date (1900 or 1904 system) as an ISO date, date-time or time. */
export function excelDate(serial: number, kind: NonNullable<NumberStyle['date']>, date1904: boolean): string {
  // 1900 system: serial 1 is 1900-01-01, and Excel counts a 29 February 1900 that never was.
  const epoch = date1904
    ? Date.UTC(1904, 0, 1)
    : serial < 60
      ? Date.UTC(1899, 11, 31)
      : Date.UTC(1899, 11, 30);
  const ms = Math.round((epoch + serial * DAY_MS) / 1000) * 1000;
  const iso = new Date(ms).toISOString();
  const time = iso.slice(11, 19);
  if (kind === 'time' && serial < 1) return time;
  if (kind === 'date' || time === '00:00:00') return iso.slice(0, 10);
  return iso.slice(0, 19);
}

/** A number as text: at most 15 significant digits, no trailing zeros, padded if the style says so. */
export function numberText(value: number, style: NumberStyle | undefined): string {
  const text = String(Number(value.toPrecision(15)));
  if (style?.pad && Number.isInteger(value) && value >= 0) return text.padStart(style.pad, '0');
  return text;
}

/** OOXML escapes characters XML cannot hold as `_xHHHH_` (`_x000D_` is a carriage return). */
export function unescapeOoxml(text: string): string {
  if (!text.includes('_x')) return text;
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}
