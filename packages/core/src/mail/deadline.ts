/**
 * Time in words for emails: "within 2 days — by Wed 25 Nov 2026, 10:00 UTC".
 * Pure: the current time is always passed in.
 */

const MINUTE = 60_000;

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** A positive duration in words, largest units first, never rounded up past the real time by more than 30 s. */
function durationInWords(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / MINUTE));
  if (minutes < 60) return plural(minutes, 'minute');
  if (minutes < 24 * 60) {
    const [h, m] = [Math.floor(minutes / 60), minutes % 60];
    return m === 0 ? plural(h, 'hour') : `${plural(h, 'hour')} ${plural(m, 'minute')}`;
  }
  const [d, h] = [Math.floor(minutes / 1440), Math.floor((minutes % 1440) / 60)];
  return h === 0 ? plural(d, 'day') : `${plural(d, 'day')} ${plural(h, 'hour')}`;
}

function formatter(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
    timeZoneName: 'short',
  });
}

/**
 * A moment as "Wed 25 Nov 2026, 10:00 UTC", or in another IANA time zone, named
 * in full so that nobody has to decode an abbreviation: "Mon 7 Dec 2026, 16:30
 * (America/New_York)". An unknown zone falls back to UTC, still labelled correctly.
 */
export function formatDateTime(at: Date, timeZone = 'UTC'): string {
  let fmt: Intl.DateTimeFormat;
  let zone = timeZone;
  try {
    fmt = formatter(timeZone);
  } catch {
    fmt = formatter('UTC');
    zone = 'UTC';
  }
  // The name as given (ICU would answer Asia/Katmandu for Asia/Kathmandu); UTC's aliases read as UTC.
  if (fmt.resolvedOptions().timeZone === 'UTC') zone = 'UTC';
  const part = Object.fromEntries(fmt.formatToParts(at).map((p) => [p.type, p.value]));
  const when = `${part.weekday} ${part.day} ${part.month} ${part.year}, ${part.hour}:${part.minute}`;
  return zone === 'UTC' ? `${when} UTC` : `${when} (${zone})`;
}

/**
 * The deadline in words, to follow "Please respond": `within 2 days — by Wed 25
 * Nov 2026, 10:00 UTC` (minutes, hours and days as fits), or `as soon as
 * possible` once the deadline has passed.
 */
export function formatDeadline(deadline: Date, now: Date, timeZone?: string): string {
  const left = deadline.getTime() - now.getTime();
  if (!(left > 0)) return 'as soon as possible';
  return `within ${durationInWords(left)} — by ${formatDateTime(deadline, timeZone)}`;
}
