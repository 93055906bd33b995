import { Temporal } from 'temporal-polyfill';
import { z } from 'zod';

/**
 * Business hours: when a partner is open to act on a lead, in its own time zone,
 * and the arithmetic of deadlines counted in open minutes only.
 *
 * The rule, in the product's words: a lead's time to act runs only while the
 * partner is open (its days, from `start` to `end` local time, not on its
 * holidays); time before the next opening does not count. So a deadline always
 * lands inside open time or exactly when the partner closes, never at night.
 *
 * Wall-clock times are turned into instants by Temporal, so daylight saving is
 * the zone's own: a day may have 23 or 25 hours, and an opening time the clock
 * skips (02:30 on a spring-forward night) or shows twice (01:30 on a fall-back
 * night) means the first moment the clock reads that time or later, i.e. the
 * moment the clock jumps past it, or its first occurrence.
 */

export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
export const Weekday = z.enum(WEEKDAYS);
export type Weekday = z.output<typeof Weekday>;

/** Most holidays one set of hours lists: a year of them. */
export const MAX_HOLIDAYS = 366;

/** An IANA time zone this runtime knows ("Europe/London", "UTC"); offsets like "+05:30" are not zones. */
export function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const TimeZoneName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .refine(isTimeZone, {
    message: 'must be an IANA time zone like Europe/London or America/New_York',
    when: (payload) => payload.issues.length === 0,
  });

const OPENING = /^([01]\d|2[0-3]):([0-5]\d)$/;
const CLOSING = /^(([01]\d|2[0-3]):([0-5]\d)|24:00)$/;

export const OpeningTime = z.string().trim().regex(OPENING, 'must be a time HH:MM from 00:00 to 23:59');
export const ClosingTime = z.string().trim().regex(CLOSING, 'must be a time HH:MM from 00:01 to 24:00');

/** A calendar date YYYY-MM-DD that exists (no 2026-02-30). */
export const LocalDate = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine(
    (value) => {
      try {
        Temporal.PlainDate.from(value, { overflow: 'reject' });
        return true;
      } catch {
        return false;
      }
    },
    { message: 'must be a date that exists', when: (payload) => payload.issues.length === 0 },
  );

const fields = {
  timeZone: TimeZoneName.describe('IANA time zone the hours and holidays are in, e.g. America/New_York.'),
  days: z
    .array(Weekday)
    .min(1, 'must name at least one day')
    .max(7)
    .refine((days) => new Set(days).size === days.length, 'must not repeat a day')
    .describe('Open days, Mon to Sun.'),
  start: OpeningTime.describe('Opening time, HH:MM local time.'),
  end: ClosingTime.describe('Closing time, HH:MM local time, after start on the same day (24:00 allowed).'),
  holidays: z
    .array(LocalDate)
    .max(MAX_HOLIDAYS, `must list at most ${MAX_HOLIDAYS} dates`)
    .describe('Closed dates, YYYY-MM-DD in that time zone.'),
};

function minutesOf(time: string): number {
  const [h, m] = time.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

export const BusinessHours = z
  .strictObject({ ...fields, holidays: fields.holidays.default([]) })
  .refine((h) => minutesOf(h.end) > minutesOf(h.start), {
    message: 'must be after start, on the same day',
    path: ['end'],
    when: (payload) => payload.issues.length === 0,
  })
  .meta({
    id: 'BusinessHours',
    description:
      'When a partner is open: deadlines count open minutes only. Example: {"timeZone": "Europe/London", "days": ["Mon","Tue","Wed","Thu","Fri"], "start": "09:00", "end": "17:00", "holidays": ["2026-12-25"]}',
  });
export type BusinessHours = z.output<typeof BusinessHours>;

/**
 * A partner's own hours over its supplier's: the fields it gives replace the
 * supplier's (one with only `timeZone` keeps the supplier's hours in its own zone).
 */
export const PartnerBusinessHours = z
  .strictObject({
    timeZone: fields.timeZone.optional(),
    days: fields.days.optional(),
    start: fields.start.optional(),
    end: fields.end.optional(),
    holidays: fields.holidays.optional(),
  })
  .meta({
    id: 'PartnerBusinessHours',
    description:
      'The partner’s hours: the fields given replace the supplier’s; without supplier hours all but holidays are required.',
  });
export type PartnerBusinessHours = z.output<typeof PartnerBusinessHours>;

/**
 * The hours a partner's deadlines count in: its own fields over the supplier's.
 * `undefined` when neither has hours, or when the merge is not a whole, valid set
 * (a partner override left incomplete after its supplier cleared its hours):
 * then deadlines are wall-clock time, as without hours.
 */
export function effectiveHours(
  supplier: BusinessHours | undefined,
  partner: PartnerBusinessHours | undefined,
): BusinessHours | undefined {
  if (!partner) return supplier;
  const given = Object.fromEntries(Object.entries(partner).filter(([, v]) => v !== undefined));
  const merged = BusinessHours.safeParse({ ...(supplier ?? {}), ...given });
  return merged.success ? merged.data : undefined;
}

/** The problems of a partner override with these supplier hours, by field (empty when it makes whole hours). */
export function partnerHoursProblems(
  supplier: BusinessHours | undefined,
  partner: PartnerBusinessHours,
): { path: string; message: string }[] {
  const given = Object.fromEntries(Object.entries(partner).filter(([, v]) => v !== undefined));
  const merged = BusinessHours.safeParse({ ...(supplier ?? {}), ...given });
  if (merged.success) return [];
  return merged.error.issues.map((issue) => {
    const field = String(issue.path[0] ?? '');
    const missing = issue.code === 'invalid_type' && !(field in given) && !supplier;
    return {
      path: ['businessHours', ...issue.path.map(String)].join('.'),
      message: missing
        ? 'is required: the supplier has no business hours to take it from'
        : field in given || !supplier
          ? issue.message
          : `${issue.message} (with the supplier’s ${field})`,
    };
  });
}

/** How far ahead (in days) a search for open time looks before it gives up. */
export const MAX_SEARCH_DAYS = 366 * 5;

/** Hours so sparse (or so many minutes asked) that the answer is more than {@link MAX_SEARCH_DAYS} days away. */
export class BusinessHoursUnreachable extends Error {
  override readonly name = 'BusinessHoursUnreachable';
}

const MINUTE_MS = 60_000;

/** Hours ready for arithmetic: days as ISO weekday numbers (1 = Monday), times in minutes. */
interface Compiled {
  timeZone: string;
  days: ReadonlySet<number>;
  start: number;
  end: number;
  holidays: ReadonlySet<string>;
}

const compiledCache = new WeakMap<BusinessHours, Compiled>();

function compile(hours: BusinessHours): Compiled {
  let compiled = compiledCache.get(hours);
  if (!compiled) {
    compiled = {
      timeZone: hours.timeZone,
      days: new Set(hours.days.map((d) => WEEKDAYS.indexOf(d) + 1)),
      start: minutesOf(hours.start),
      end: minutesOf(hours.end),
      holidays: new Set(hours.holidays),
    };
    compiledCache.set(hours, compiled);
  }
  return compiled;
}

function localDate(ms: number, timeZone: string): Temporal.PlainDate {
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(timeZone).toPlainDate();
}

/** The first instant the clock of `timeZone` reads `minutes` past midnight of `date`, or later. */
function wallInstant(date: Temporal.PlainDate, minutes: number, timeZone: string): number {
  if (minutes >= 1440) return date.add({ days: 1 }).toZonedDateTime({ timeZone }).epochMilliseconds;
  const wall = date.toPlainDateTime({ hour: Math.floor(minutes / 60), minute: minutes % 60 });
  const zoned = wall.toZonedDateTime(timeZone, { disambiguation: 'earlier' });
  if (Temporal.PlainDateTime.compare(zoned.toPlainDateTime(), wall) === 0) return zoned.epochMilliseconds;
  // Skipped by a clock change: the moment the clock jumps past it.
  return zoned.getTimeZoneTransition('next')?.epochMilliseconds ?? zoned.epochMilliseconds;
}

/** The open interval of one local date, [start, end) in epoch ms, or undefined when closed all day. */
function openOn(date: Temporal.PlainDate, hours: Compiled): { start: number; end: number } | undefined {
  if (!hours.days.has(date.dayOfWeek) || hours.holidays.has(date.toString())) return undefined;
  const start = wallInstant(date, hours.start, hours.timeZone);
  const end = wallInstant(date, hours.end, hours.timeZone);
  // A clock change can swallow a short window (opening 02:30, closing 03:00 on a spring-forward night).
  return end > start ? { start, end } : undefined;
}

function unreachable(what: string): BusinessHoursUnreachable {
  return new BusinessHoursUnreachable(
    `${what}: the business hours have no open time within ${MAX_SEARCH_DAYS} days`,
  );
}

/**
 * The instant at which `minutes` open minutes have passed, counting from `from`;
 * time before the next opening does not count. Lands inside open time or exactly
 * at a closing instant. With 0 minutes: `from` when open, else the next opening.
 */
export function addOpenMinutes(from: Date, minutes: number, hours: BusinessHours): Date {
  const h = compile(hours);
  let remaining = Math.max(0, minutes) * MINUTE_MS;
  const t = from.getTime();
  let date = localDate(t, h.timeZone);
  for (let i = 0; i < MAX_SEARCH_DAYS; i++, date = date.add({ days: 1 })) {
    const open = openOn(date, h);
    if (!open) continue;
    const begin = Math.max(open.start, t);
    if (begin >= open.end) continue;
    const available = open.end - begin;
    if (remaining <= available) return new Date(begin + remaining);
    remaining -= available;
  }
  throw unreachable(`${minutes} open minutes from ${from.toISOString()}`);
}

/**
 * The instant `minutes` open minutes before `deadline` (counting back through
 * open time only): when a reminder goes out before a deadline. With 0 minutes, `deadline`.
 */
export function subtractOpenMinutes(deadline: Date, minutes: number, hours: BusinessHours): Date {
  const h = compile(hours);
  let remaining = Math.max(0, minutes) * MINUTE_MS;
  const t = deadline.getTime();
  if (remaining === 0) return new Date(t);
  let date = localDate(t, h.timeZone);
  for (let i = 0; i < MAX_SEARCH_DAYS; i++, date = date.subtract({ days: 1 })) {
    const open = openOn(date, h);
    if (!open) continue;
    const finish = Math.min(open.end, t);
    if (finish <= open.start) continue;
    const available = finish - open.start;
    if (remaining <= available) return new Date(finish - remaining);
    remaining -= available;
  }
  throw unreachable(`${minutes} open minutes before ${deadline.toISOString()}`);
}

/** Open minutes (fractions included) between two instants; 0 when `b` is not after `a`. */
export function openMinutesBetween(a: Date, b: Date, hours: BusinessHours): number {
  const h = compile(hours);
  const [from, to] = [a.getTime(), b.getTime()];
  if (!(to > from)) return 0;
  let total = 0;
  const last = localDate(to, h.timeZone);
  for (let date = localDate(from, h.timeZone); Temporal.PlainDate.compare(date, last) <= 0; ) {
    const open = openOn(date, h);
    if (open) total += Math.max(0, Math.min(open.end, to) - Math.max(open.start, from));
    date = date.add({ days: 1 });
  }
  return total / MINUTE_MS;
}

/** Whether the partner is open at `at` (an opening instant is open, a closing instant is not). */
export function isOpen(at: Date, hours: BusinessHours): boolean {
  const h = compile(hours);
  const t = at.getTime();
  const open = openOn(localDate(t, h.timeZone), h);
  return open !== undefined && open.start <= t && t < open.end;
}
