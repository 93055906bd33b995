/**
 * Value parsing shared by rule validation, compilation and evaluation. Pure and
 * deterministic: no locale, no local time zone.
 */

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

/** A finite number written plainly ("10", "-2.5", "1e3"); undefined for anything else ("", "1,000", "0x10"). */
export function parseNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (!NUMBER.test(trimmed)) return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : undefined;
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[t ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Milliseconds since the epoch of an ISO-8601 date (`2024-05-01`, midnight UTC)
 * or date-time (`2024-05-01T10:30`, `...Z`, `...+02:00`); undefined otherwise.
 * A date-time without a zone is read as UTC, never as the machine's local time.
 */
export function parseIsoTime(text: string): number | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = ''] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1) return undefined;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const maxDay = month === 2 && !leap ? 28 : (DAYS_IN_MONTH[month - 1] ?? 31);
  if (day > maxDay || hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = frac === '' ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  let offsetMinutes = 0;
  if (zone !== '' && zone.toLowerCase() !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = sign * (oh * 60 + om);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

export { normaliseName } from '../tenants/names';

/** The domain of an email address, lower-cased; undefined without an `@`. */
export function emailDomain(email: string | null | undefined): string | undefined {
  if (!email) return undefined;
  const at = email.lastIndexOf('@');
  if (at < 0 || at === email.length - 1) return undefined;
  return (
    email
      .slice(at + 1)
      .trim()
      .toLowerCase() || undefined
  );
}

/** A raw lead value as a condition sees it. */
export type RawValue = string | number | boolean | null | undefined;

/**
 * One lead field, normalised once per lead: lower-cased text, and its number and
 * time parsed on first use. A missing value is absent, null, or blank text.
 */
export class FieldValue {
  readonly present: boolean;
  readonly text: string;
  private readonly raw: RawValue;
  private parsedNumber: number | undefined | null = null;
  private parsedTime: number | undefined | null = null;

  constructor(raw: RawValue) {
    this.raw = raw;
    if (raw === null || raw === undefined) {
      this.present = false;
      this.text = '';
    } else if (typeof raw === 'string') {
      this.text = raw.trim().toLowerCase();
      this.present = this.text !== '';
    } else {
      this.text = String(raw);
      this.present = true;
    }
  }

  /** The value as a finite number, when it is one or reads as one. */
  get number(): number | undefined {
    if (this.parsedNumber === null) {
      this.parsedNumber =
        typeof this.raw === 'number'
          ? Number.isFinite(this.raw)
            ? this.raw
            : undefined
          : typeof this.raw === 'string'
            ? parseNumber(this.text)
            : undefined;
    }
    return this.parsedNumber;
  }

  /** The value as epoch milliseconds, when it reads as an ISO-8601 date or date-time. */
  get time(): number | undefined {
    if (this.parsedTime === null) {
      this.parsedTime = typeof this.raw === 'string' ? parseIsoTime(this.text) : undefined;
    }
    return this.parsedTime;
  }
}
