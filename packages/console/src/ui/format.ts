/** Dates and times as the person's browser would show them, with the full UTC time on hover. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function day(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString(undefined, { dateStyle: 'medium' });
}

export function money(value: { amount: number; currency: string } | null | undefined): string {
  if (!value) return '';
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: value.currency }).format(
      value.amount,
    );
  } catch {
    return `${value.amount} ${value.currency}`;
  }
}

/** "in 3 h 20 min", "5 min ago": how long until (or since) a deadline. */
export function countdown(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '';
  const ms = new Date(iso).getTime() - now;
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const parts =
    days > 0 ? [`${days} d`, `${hours} h`] : hours > 0 ? [`${hours} h`, `${mins} min`] : [`${mins} min`];
  return ms >= 0 ? `in ${parts.join(' ')}` : `${parts.join(' ')} overdue`;
}

/** YYYY-MM-DD of a Date in UTC (the report and filter routes take dates). */
export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}
