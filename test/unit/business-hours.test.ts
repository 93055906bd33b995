import {
  addOpenMinutes,
  BusinessHours,
  BusinessHoursUnreachable,
  isOpen,
  openMinutesBetween,
  subtractOpenMinutes,
  WEEKDAYS,
} from '@leadrelay/core';
import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';

/**
 * Deadlines in business hours: the open-minute arithmetic as properties over
 * random instants, zones (DST of 1 h and of 30 min, offsets of :30 and :45) and
 * hours, and as the examples users are shown.
 */

const ZONES = [
  'America/New_York',
  'Europe/London',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'UTC',
] as const;

const hours = (fields: Partial<BusinessHours> & Pick<BusinessHours, 'timeZone'>): BusinessHours =>
  BusinessHours.parse({ days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], start: '09:00', end: '17:00', ...fields });

/** A wall-clock time in a zone, as an instant. */
const at = (local: string, timeZone: string): Date =>
  new Date(Temporal.PlainDateTime.from(local).toZonedDateTime(timeZone).epochMilliseconds);

const local = (instant: Date, timeZone: string): string =>
  Temporal.Instant.fromEpochMilliseconds(instant.getTime())
    .toZonedDateTimeISO(timeZone)
    .toPlainDateTime()
    .toString({ smallestUnit: 'minute' });

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** Random hours: a zone, some days, a window (to 24:00, on the quarter hour and off it), holidays near `from`. */
const arbitraryCase = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    days: fc.subarray([...WEEKDAYS], { minLength: 1 }),
    start: fc.integer({ min: 0, max: 1380 }),
    length: fc.integer({ min: 60, max: 1440 }),
    from: fc.date({
      min: new Date('2024-01-01T00:00:00Z'),
      max: new Date('2030-12-31T00:00:00Z'),
      noInvalidDate: true,
    }),
    holidayOffsets: fc.uniqueArray(fc.integer({ min: -2, max: 60 }), { maxLength: 15 }),
  })
  .map(({ timeZone, days, start, length, from, holidayOffsets }) => {
    const end = Math.min(1440, start + length);
    const day = Temporal.Instant.fromEpochMilliseconds(from.getTime())
      .toZonedDateTimeISO(timeZone)
      .toPlainDate();
    const holidays = holidayOffsets.map((n) => day.add({ days: n }).toString());
    return {
      from,
      hours: BusinessHours.parse({ timeZone, days, start: hhmm(start), end: hhmm(end), holidays }),
    };
  });

const minutes = fc.integer({ min: 0, max: 6000 });

describe('open-minute arithmetic, for any hours and any instant', () => {
  it('never puts a deadline inside closed hours: open, or exactly at a closing instant', () => {
    fc.assert(
      fc.property(arbitraryCase, minutes, ({ from, hours }, m) => {
        const deadline = addOpenMinutes(from, m, hours);
        const closing = !isOpen(deadline, hours) && isOpen(new Date(deadline.getTime() - 1), hours);
        expect(isOpen(deadline, hours) || closing).toBe(true);
        if (m === 0) expect(isOpen(deadline, hours)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('counts exactly the minutes asked between the start and the deadline', () => {
    fc.assert(
      fc.property(arbitraryCase, minutes, ({ from, hours }, m) => {
        const deadline = addOpenMinutes(from, m, hours);
        expect(deadline.getTime()).toBeGreaterThanOrEqual(from.getTime());
        expect(openMinutesBetween(from, deadline, hours)).toBe(m);
      }),
      { numRuns: 300 },
    );
  });

  it('is monotonic in the minutes', () => {
    fc.assert(
      fc.property(arbitraryCase, minutes, minutes, ({ from, hours }, a, b) => {
        const [less, more] = a <= b ? [a, b] : [b, a];
        expect(addOpenMinutes(from, less, hours).getTime()).toBeLessThanOrEqual(
          addOpenMinutes(from, more, hours).getTime(),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('counts back what it counted forward: a reminder k open minutes before the deadline', () => {
    fc.assert(
      fc.property(arbitraryCase, minutes, fc.integer({ min: 1, max: 6000 }), ({ from, hours }, m, k) => {
        const deadline = addOpenMinutes(from, m, hours);
        const before = Math.min(k, m);
        const reminder = subtractOpenMinutes(deadline, before, hours);
        expect(reminder.getTime()).toBeLessThanOrEqual(deadline.getTime());
        expect(openMinutesBetween(reminder, deadline, hours)).toBe(before);
        expect(openMinutesBetween(from, reminder, hours)).toBe(m - before);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the worked examples', () => {
  const ny = 'America/New_York';
  const week = hours({ timeZone: ny });

  it('a lead sent on Friday at 16:30 with 8 hours to act is due on Monday at 16:30 (30 min Friday, 7 h 30 Monday)', () => {
    const friday = at('2026-12-04T16:30', ny);
    const deadline = addOpenMinutes(friday, 8 * 60, week);
    expect(local(deadline, ny)).toBe('2026-12-07T16:30');
    expect(openMinutesBetween(friday, deadline, week)).toBe(480);
  });

  it('with Monday a holiday, the same lead is due on Tuesday at 16:30', () => {
    const deadline = addOpenMinutes(
      at('2026-12-04T16:30', ny),
      8 * 60,
      hours({ timeZone: ny, holidays: ['2026-12-07'] }),
    );
    expect(local(deadline, ny)).toBe('2026-12-08T16:30');
  });

  it('does not count the time before the opening, nor the night', () => {
    expect(local(addOpenMinutes(at('2026-12-07T07:00', ny), 60, week), ny)).toBe('2026-12-07T10:00');
    expect(local(addOpenMinutes(at('2026-12-07T18:00', ny), 60, week), ny)).toBe('2026-12-08T10:00');
    expect(local(addOpenMinutes(at('2026-12-05T12:00', ny), 60, week), ny)).toBe('2026-12-07T10:00');
  });

  it('lands exactly at the closing instant when the minutes end there', () => {
    const deadline = addOpenMinutes(at('2026-12-07T09:00', ny), 480, week);
    expect(local(deadline, ny)).toBe('2026-12-07T17:00');
    expect(isOpen(deadline, week)).toBe(false);
    expect(isOpen(at('2026-12-07T09:00', ny), week)).toBe(true);
  });

  it('allows 24:00 as a closing time: open to midnight', () => {
    const late = hours({ timeZone: 'UTC', start: '20:00', end: '24:00' });
    expect(addOpenMinutes(new Date('2026-12-07T23:00:00Z'), 90, late).toISOString()).toBe(
      '2026-12-08T20:30:00.000Z',
    );
  });

  it('takes a reminder from open minutes: 120 before a Monday 10:00 deadline is Friday 16:00', () => {
    const reminder = subtractOpenMinutes(at('2026-12-07T10:00', ny), 120, week);
    expect(local(reminder, ny)).toBe('2026-12-04T16:00');
  });
});

describe('clock changes', () => {
  const allDay = (timeZone: string) => hours({ timeZone, days: [...WEEKDAYS], start: '00:00', end: '24:00' });
  const dayLength = (date: string, timeZone: string) => {
    const day = Temporal.PlainDate.from(date);
    const from = new Date(day.toZonedDateTime({ timeZone }).epochMilliseconds);
    const to = new Date(day.add({ days: 1 }).toZonedDateTime({ timeZone }).epochMilliseconds);
    return openMinutesBetween(from, to, allDay(timeZone));
  };

  it('counts a 23-hour spring-forward day and a 25-hour fall-back day (US)', () => {
    expect(dayLength('2026-03-08', 'America/New_York')).toBe(23 * 60);
    expect(dayLength('2026-11-01', 'America/New_York')).toBe(25 * 60);
    expect(dayLength('2026-03-09', 'America/New_York')).toBe(24 * 60);
  });

  it('counts the European changes, on their own dates', () => {
    expect(dayLength('2026-03-29', 'Europe/London')).toBe(23 * 60);
    expect(dayLength('2026-10-25', 'Europe/London')).toBe(25 * 60);
    expect(dayLength('2026-03-08', 'Europe/London')).toBe(24 * 60);
  });

  it('counts Lord Howe’s half-hour changes', () => {
    expect(dayLength('2026-10-04', 'Australia/Lord_Howe')).toBe(23.5 * 60);
    expect(dayLength('2026-04-05', 'Australia/Lord_Howe')).toBe(24.5 * 60);
  });

  it('opens when the clock jumps past an opening time it skips (02:30 on the US spring-forward night)', () => {
    const early = hours({ timeZone: 'America/New_York', days: ['Sun'], start: '02:30', end: '06:00' });
    const opening = addOpenMinutes(new Date('2026-03-08T00:00:00Z'), 0, early);
    expect(opening.toISOString()).toBe('2026-03-08T07:00:00.000Z');
    expect(local(opening, 'America/New_York')).toBe('2026-03-08T03:00');
    expect(openMinutesBetween(opening, at('2026-03-08T06:00', 'America/New_York'), early)).toBe(180);
  });

  it('opens at the first of an opening time the clock shows twice (01:30 on the US fall-back night)', () => {
    const early = hours({ timeZone: 'America/New_York', days: ['Sun'], start: '01:30', end: '03:00' });
    const opening = addOpenMinutes(new Date('2026-11-01T00:00:00Z'), 0, early);
    expect(opening.toISOString()).toBe('2026-11-01T05:30:00.000Z');
    // 01:30 EDT to 03:00 EST: two and a half hours of real time.
    expect(addOpenMinutes(opening, 150, early).toISOString()).toBe('2026-11-01T08:00:00.000Z');
  });

  it('keeps the offsets of :30 and :45 zones', () => {
    expect(
      addOpenMinutes(new Date('2026-12-07T00:00:00Z'), 0, hours({ timeZone: 'Asia/Kolkata' })).toISOString(),
    ).toBe('2026-12-07T03:30:00.000Z');
    expect(
      addOpenMinutes(
        new Date('2026-12-07T00:00:00Z'),
        0,
        hours({ timeZone: 'Asia/Kathmandu' }),
      ).toISOString(),
    ).toBe('2026-12-07T03:15:00.000Z');
  });
});

describe('hours that never open', () => {
  it('gives up with a clear error instead of searching forever', () => {
    const mondays = Array.from({ length: 366 }, (_, i) =>
      Temporal.PlainDate.from('2026-12-07').add({ weeks: i }).toString(),
    );
    const rare = hours({ timeZone: 'UTC', days: ['Mon'], holidays: mondays });
    expect(() => addOpenMinutes(new Date('2026-12-05T00:00:00Z'), 60, rare)).toThrow(
      BusinessHoursUnreachable,
    );
    expect(() => addOpenMinutes(new Date('2026-12-05T00:00:00Z'), 60, rare)).toThrow(/no open time within/);
  });
});
