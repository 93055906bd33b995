import { formatDeadline } from '@leadrelay/core';
import { describe, expect, it } from 'vitest';

const now = new Date('2026-11-23T10:00:00Z');
const later = (ms: number) => new Date(now.getTime() + ms);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('formatDeadline', () => {
  it('says minutes', () => {
    expect(formatDeadline(later(30 * MIN), now)).toBe('within 30 minutes — by Mon 23 Nov 2026, 10:30 UTC');
    expect(formatDeadline(later(1 * MIN), now)).toBe('within 1 minute — by Mon 23 Nov 2026, 10:01 UTC');
    expect(formatDeadline(later(10_000), now)).toMatch(/^within 1 minute — /);
  });

  it('says hours, with minutes when not whole', () => {
    expect(formatDeadline(later(5 * HOUR), now)).toBe('within 5 hours — by Mon 23 Nov 2026, 15:00 UTC');
    expect(formatDeadline(later(1 * HOUR), now)).toMatch(/^within 1 hour — /);
    expect(formatDeadline(later(90 * MIN), now)).toMatch(/^within 1 hour 30 minutes — /);
  });

  it('says days, with hours when not whole', () => {
    expect(formatDeadline(later(2 * DAY), now)).toBe('within 2 days — by Wed 25 Nov 2026, 10:00 UTC');
    expect(formatDeadline(later(DAY), now)).toMatch(/^within 1 day — /);
    expect(formatDeadline(later(36 * HOUR), now)).toMatch(/^within 1 day 12 hours — /);
  });

  it('does not round a deadline seconds away from 2 days down to 1 day', () => {
    expect(formatDeadline(later(2 * DAY - 5_000), now)).toMatch(/^within 2 days — /);
  });

  it('says "as soon as possible" once the deadline has passed', () => {
    expect(formatDeadline(later(-5 * MIN), now)).toBe('as soon as possible');
    expect(formatDeadline(now, now)).toBe('as soon as possible');
    expect(formatDeadline(new Date(Number.NaN), now)).toBe('as soon as possible');
  });

  it('shows the time in the given time zone', () => {
    expect(formatDeadline(later(2 * DAY), now, 'Europe/Berlin')).toBe(
      'within 2 days — by Wed 25 Nov 2026, 11:00 (Europe/Berlin)',
    );
    expect(formatDeadline(later(2 * DAY), now, 'America/New_York')).toBe(
      'within 2 days — by Wed 25 Nov 2026, 05:00 (America/New_York)',
    );
  });

  it('falls back to UTC for an unknown time zone', () => {
    expect(formatDeadline(later(2 * DAY), now, 'Not/AZone')).toBe(
      'within 2 days — by Wed 25 Nov 2026, 10:00 UTC',
    );
  });
});
