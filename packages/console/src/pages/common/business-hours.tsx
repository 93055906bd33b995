import type { Schemas } from '../../api/client';
import { detailsAt } from '../../ui/errors';
import { Field } from '../../ui/form';

/**
 * The business-hours fields of the settings screens (the supplier's and a
 * partner's): time zone, open days, opening and closing time, holidays. Errors
 * show at the field the API names (`businessHours.timeZone`, ...).
 */

export type BusinessHours = Schemas['BusinessHours'];
type Weekday = BusinessHours['days'][number];

export const WEEKDAYS: { day: Weekday; words: string }[] = [
  { day: 'Mon', words: 'Monday' },
  { day: 'Tue', words: 'Tuesday' },
  { day: 'Wed', words: 'Wednesday' },
  { day: 'Thu', words: 'Thursday' },
  { day: 'Fri', words: 'Friday' },
  { day: 'Sat', words: 'Saturday' },
  { day: 'Sun', words: 'Sunday' },
];

/** The zones this browser knows, for the datalist (UTC first: Intl leaves it out). */
const ZONES: string[] = (() => {
  try {
    return ['UTC', ...Intl.supportedValuesOf('timeZone')];
  } catch {
    return ['UTC'];
  }
})();

/** The browser's own zone: a sensible first choice. */
export const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export interface HoursDraft {
  timeZone: string;
  days: Weekday[];
  start: string;
  end: string;
  /** One date per line (or comma-separated). */
  holidays: string;
}

export function hoursDraft(hours: Partial<BusinessHours> | undefined): HoursDraft {
  return {
    timeZone: hours?.timeZone ?? browserZone(),
    days: hours?.days ?? ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'],
    start: hours?.start ?? '09:00',
    end: hours?.end ?? '17:00',
    holidays: (hours?.holidays ?? []).join('\n'),
  };
}

export const holidayList = (text: string): string[] =>
  text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);

/** The zone field: a text input with the known zones as suggestions. */
export function TimeZoneField(props: {
  value: string;
  label: string;
  hint: string;
  error: unknown;
  required?: boolean;
  onChange: (value: string) => void;
}) {
  return (
    <Field label={props.label} hint={props.hint} errors={detailsAt(props.error, 'businessHours.timeZone')}>
      {(id, d) => (
        <>
          <input
            id={id}
            list={`${id}-zones`}
            autoComplete="off"
            spellcheck={false}
            required={props.required}
            value={props.value}
            aria-describedby={d}
            onInput={(e) => props.onChange((e.currentTarget as HTMLInputElement).value)}
          />
          <datalist id={`${id}-zones`}>
            {ZONES.map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
        </>
      )}
    </Field>
  );
}

/** Days, opening and closing time, holidays (the time zone is its own field). */
export function OpeningFields(props: {
  draft: HoursDraft;
  error: unknown;
  onChange: (draft: HoursDraft) => void;
}) {
  const { draft, error } = props;
  const set = (patch: Partial<HoursDraft>) => props.onChange({ ...draft, ...patch });
  const dayErrors = detailsAt(error, 'businessHours.days');
  return (
    <>
      <fieldset class={dayErrors.length ? 'field-invalid' : undefined}>
        <legend>Open days</legend>
        {WEEKDAYS.map(({ day, words }) => (
          <label key={day} class="check">
            <input
              type="checkbox"
              checked={draft.days.includes(day)}
              onChange={(e) => {
                const on = (e.currentTarget as HTMLInputElement).checked;
                set({
                  days: WEEKDAYS.map((w) => w.day).filter((d) => (d === day ? on : draft.days.includes(d))),
                });
              }}
            />
            {words}
          </label>
        ))}
        {dayErrors.length ? <p class="field-error">{dayErrors.join('; ')}</p> : null}
      </fieldset>
      <Field label="Opens at" hint="Local time, HH:MM." errors={detailsAt(error, 'businessHours.start')}>
        {(id, d) => (
          <input
            id={id}
            type="time"
            required
            value={draft.start}
            aria-describedby={d}
            onInput={(e) => set({ start: (e.currentTarget as HTMLInputElement).value })}
          />
        )}
      </Field>
      <Field
        label="Closes at"
        hint="Local time, HH:MM, after the opening on the same day (24:00 for midnight)."
        errors={detailsAt(error, 'businessHours.end')}
      >
        {(id, d) => (
          <input
            id={id}
            required
            pattern="([01][0-9]|2[0-3]):[0-5][0-9]|24:00"
            inputMode="numeric"
            value={draft.end}
            aria-describedby={d}
            onInput={(e) => set({ end: (e.currentTarget as HTMLInputElement).value })}
          />
        )}
      </Field>
      <Field
        label="Holidays"
        hint="Closed dates in that time zone, one per line, YYYY-MM-DD (at most 366)."
        errors={detailsAt(error, 'businessHours.holidays')}
      >
        {(id, d) => (
          <textarea
            id={id}
            rows={4}
            value={draft.holidays}
            aria-describedby={d}
            onInput={(e) => set({ holidays: (e.currentTarget as HTMLTextAreaElement).value })}
          />
        )}
      </Field>
    </>
  );
}
