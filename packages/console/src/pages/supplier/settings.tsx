import { useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../../api/client';
import { useTenant } from '../../tenant';
import { useAction, useLoad } from '../../ui/data';
import { detailsAt, ErrorNote, Outcome } from '../../ui/errors';
import { Field, PageTitle } from '../../ui/form';
import {
  type HoursDraft,
  holidayList,
  hoursDraft,
  OpeningFields,
  TimeZoneField,
} from '../common/business-hours';
import { KeysPanel } from './keys-panel';
import './intake.css';

type Settings = Schemas['SupplierSettings'];
type Patch = Schemas['PatchSupplierSettingsInput'];

const SETTING_WORDS: Record<keyof Patch, string> = {
  rerouteAfterMinutes: 'reroute time',
  maxReroutes: 'most reroutes',
  rerouteRejected: 'reroute rejected leads',
  defaultLeadScore: 'default lead score',
  reopenClosedDuplicates: 'route closed duplicates again',
  businessHours: 'business hours',
  remindBeforeMinutes: 'reminder',
  escalationEmail: 'escalation email',
};

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** Minutes in words: "2 days", "1 day 6 hours", "1 hour 30 minutes", "45 minutes". */
function durationWords(minutes: number): string {
  if (!Number.isFinite(minutes) || minutes < 0) return '';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = Math.round(minutes % 60);
  const parts = [
    days ? plural(days, 'day') : '',
    hours ? plural(hours, 'hour') : '',
    mins ? plural(mins, 'minute') : '',
  ].filter(Boolean);
  return parts.length ? parts.join(' ') : '0 minutes';
}

/** "= 48 hours (2 days)": the reroute time as a person reads it. */
function rerouteWords(text: string): string {
  const minutes = Number(text);
  if (text.trim() === '' || !Number.isInteger(minutes) || minutes < 1) return '';
  const words = durationWords(minutes);
  if (minutes < 60) return words;
  const hours = minutes / 60;
  const inHours = `${Number.isInteger(hours) ? hours : hours.toFixed(1)} hours`;
  return words === plural(hours, 'hour') ? inHours : `${inHours} (${words})`;
}

interface Draft {
  rerouteAfterMinutes: string;
  maxReroutes: string;
  rerouteRejected: boolean;
  defaultLeadScore: string;
  reopenClosedDuplicates: boolean;
  /** Deadlines count open minutes of these hours (off: wall-clock time). */
  hoursOn: boolean;
  hours: HoursDraft;
  /** Minutes before the deadline; empty: no reminder. */
  remindBeforeMinutes: string;
  /** Empty: no escalation emails. */
  escalationEmail: string;
}

const draftOf = (s: Settings): Draft => ({
  rerouteAfterMinutes: String(s.rerouteAfterMinutes),
  maxReroutes: String(s.maxReroutes),
  rerouteRejected: s.rerouteRejected,
  defaultLeadScore: String(s.defaultLeadScore),
  reopenClosedDuplicates: s.reopenClosedDuplicates,
  hoursOn: s.businessHours !== undefined,
  hours: hoursDraft(s.businessHours),
  remindBeforeMinutes: s.remindBeforeMinutes === undefined ? '' : String(s.remindBeforeMinutes),
  escalationEmail: s.escalationEmail ?? '',
});

/** The hours as the API takes them, or null to clear them. */
const hoursOf = (d: Draft) =>
  d.hoursOn
    ? {
        timeZone: d.hours.timeZone.trim(),
        days: d.hours.days,
        start: d.hours.start,
        end: d.hours.end,
        holidays: holidayList(d.hours.holidays),
      }
    : null;

/** What changed (a PATCH names only that); a number as typed goes as a number, the API checks it. */
function changes(before: Settings, d: Draft): Patch {
  const num = (t: string) => (t.trim() === '' ? Number.NaN : Number(t));
  const patch: Patch = {};
  if (num(d.rerouteAfterMinutes) !== before.rerouteAfterMinutes)
    patch.rerouteAfterMinutes = num(d.rerouteAfterMinutes);
  if (num(d.maxReroutes) !== before.maxReroutes) patch.maxReroutes = num(d.maxReroutes);
  if (d.rerouteRejected !== before.rerouteRejected) patch.rerouteRejected = d.rerouteRejected;
  if (num(d.defaultLeadScore) !== before.defaultLeadScore) patch.defaultLeadScore = num(d.defaultLeadScore);
  if (d.reopenClosedDuplicates !== before.reopenClosedDuplicates)
    patch.reopenClosedDuplicates = d.reopenClosedDuplicates;
  const hours = hoursOf(d);
  if (JSON.stringify(hours) !== JSON.stringify(before.businessHours ?? null)) patch.businessHours = hours;
  const remind = d.remindBeforeMinutes.trim() === '' ? null : Number(d.remindBeforeMinutes);
  if (remind !== (before.remindBeforeMinutes ?? null)) patch.remindBeforeMinutes = remind;
  const escalation = d.escalationEmail.trim() === '' ? null : d.escalationEmail.trim();
  if (escalation !== (before.escalationEmail ?? null)) patch.escalationEmail = escalation;
  return patch;
}

/** The supplier's settings (reroute timing, lead defaults) and its own API keys. */
export default function SettingsPage() {
  const { tenant } = useTenant();
  const loaded = useLoad(() => ok(api.GET('/v1/settings')), []);
  const save = useAction();
  const settings = loaded.data?.settings;
  return (
    <>
      <PageTitle>Settings</PageTitle>
      <ErrorNote error={loaded.error} title="Could not load the settings." />
      {settings ? (
        <SettingsForm
          key={JSON.stringify(settings)}
          settings={settings}
          save={save}
          onSaved={loaded.reload}
        />
      ) : loaded.error ? null : (
        <p class="loading">Loading…</p>
      )}
      {tenant.role === 'admin' ? (
        <KeysPanel
          title="API keys"
          owner="the supplier"
          pageKey="supplier"
          hint="Keys for your integrations (POST /v1/leads, uploads). Your last active key cannot be revoked: create another first."
          list={(cursor) =>
            ok(api.GET('/v1/keys', { params: { query: { limit: 50, ...(cursor ? { cursor } : {}) } } }))
          }
          create={() => ok(api.POST('/v1/keys'))}
          revoke={(keyId) => ok(api.DELETE('/v1/keys/{keyId}', { params: { path: { keyId } } }))}
        />
      ) : (
        <>
          <h2>API keys</h2>
          <p>Only an admin of the supplier manages its API keys.</p>
        </>
      )}
    </>
  );
}

function SettingsForm(props: {
  settings: Settings;
  save: ReturnType<typeof useAction>;
  onSaved: () => void;
}) {
  const { settings, save } = props;
  const [draft, setDraft] = useState<Draft>(() => draftOf(settings));
  const set = (patch: Partial<Draft>) => setDraft({ ...draft, ...patch });
  const words = rerouteWords(draft.rerouteAfterMinutes);
  return (
    <form
      class="panel intake-form"
      aria-labelledby="settings-title"
      onSubmit={(e) => {
        e.preventDefault();
        const patch = changes(settings, draft);
        if (Object.keys(patch).length === 0) {
          void save.run(async () => undefined, 'Nothing to save: no setting changed.');
          return;
        }
        void save
          .run(
            () => ok(api.PATCH('/v1/settings', { body: patch })),
            `Saved: ${(Object.keys(patch) as (keyof Patch)[]).map((k) => SETTING_WORDS[k]).join(', ')}.`,
          )
          .then((r) => r && props.onSaved());
      }}
    >
      <h2 id="settings-title">Rerouting and leads</h2>
      <fieldset>
        <legend>Reroute</legend>
        <Field
          label="Reroute after (minutes)"
          hint="How long a partner has to accept or reject before the lead goes to the next partner (1 minute to 30 days)."
          errors={detailsAt(save.error, 'rerouteAfterMinutes')}
        >
          {(id, d) => (
            <div class="with-words">
              <input
                id={id}
                type="number"
                min={1}
                max={43200}
                step={1}
                inputMode="numeric"
                required
                value={draft.rerouteAfterMinutes}
                aria-describedby={[d, 'reroute-words'].filter(Boolean).join(' ')}
                onInput={(e) => set({ rerouteAfterMinutes: (e.currentTarget as HTMLInputElement).value })}
              />
              <output id="reroute-words" for={id} class="words">
                {words ? `= ${words}` : ''}
              </output>
            </div>
          )}
        </Field>
        <Field
          label="Most reroutes per lead"
          hint="After this many, a lead nobody acts on is left Unassigned (0–20)."
          errors={detailsAt(save.error, 'maxReroutes')}
        >
          {(id, d) => (
            <input
              id={id}
              type="number"
              min={0}
              max={20}
              step={1}
              inputMode="numeric"
              required
              value={draft.maxReroutes}
              aria-describedby={d}
              onInput={(e) => set({ maxReroutes: (e.currentTarget as HTMLInputElement).value })}
            />
          )}
        </Field>
        <div class="check check-hint">
          <input
            id="reroute-rejected"
            type="checkbox"
            checked={draft.rerouteRejected}
            aria-describedby="reroute-rejected-hint"
            onChange={(e) => set({ rerouteRejected: (e.currentTarget as HTMLInputElement).checked })}
          />
          <label for="reroute-rejected">Reroute rejected leads</label>
          <small id="reroute-rejected-hint" class="hint">
            A lead a partner rejects goes to the next partner at once (otherwise it stays Rejected).
          </small>
        </div>
        {detailsAt(save.error, 'rerouteRejected').length ? (
          <p class="field-error">{detailsAt(save.error, 'rerouteRejected').join('; ')}</p>
        ) : null}
      </fieldset>
      <fieldset>
        <legend>Business hours</legend>
        <div class="check check-hint">
          <input
            id="hours-on"
            type="checkbox"
            checked={draft.hoursOn}
            aria-describedby="hours-on-hint"
            onChange={(e) => set({ hoursOn: (e.currentTarget as HTMLInputElement).checked })}
          />
          <label for="hours-on">Count open hours only</label>
          <small id="hours-on-hint" class="hint">
            The reroute time (and the reminder) count only the minutes your partners are open: a lead sent at
            16:30 with 8 hours to act, open 09:00–17:00, is due the next working day at 16:30. A partner may
            set its own hours or time zone. A deadline already set never moves.
          </small>
        </div>
        {draft.hoursOn ? (
          <>
            <TimeZoneField
              label="Time zone"
              hint="IANA name, e.g. Europe/London or America/New_York."
              required
              value={draft.hours.timeZone}
              error={save.error}
              onChange={(timeZone) => set({ hours: { ...draft.hours, timeZone } })}
            />
            <OpeningFields draft={draft.hours} error={save.error} onChange={(hours) => set({ hours })} />
          </>
        ) : detailsAt(save.error, 'businessHours').length ? (
          <p class="field-error">{detailsAt(save.error, 'businessHours').join('; ')}</p>
        ) : null}
      </fieldset>
      <fieldset>
        <legend>Reminder and escalation</legend>
        <Field
          label="Remind the partner before the deadline (minutes)"
          hint="One reminder email this long before the deadline (open minutes with business hours). Leave empty for none."
          errors={detailsAt(save.error, 'remindBeforeMinutes')}
        >
          {(id, d) => (
            <input
              id={id}
              type="number"
              min={1}
              max={43200}
              step={1}
              inputMode="numeric"
              value={draft.remindBeforeMinutes}
              aria-describedby={d}
              onInput={(e) => set({ remindBeforeMinutes: (e.currentTarget as HTMLInputElement).value })}
            />
          )}
        </Field>
        <Field
          label="Escalation email"
          hint="Told when a lead runs out of partners, or a partner’s email bounces with nobody left to try. Leave empty for none."
          errors={detailsAt(save.error, 'escalationEmail')}
        >
          {(id, d) => (
            <input
              id={id}
              type="email"
              value={draft.escalationEmail}
              aria-describedby={d}
              onInput={(e) => set({ escalationEmail: (e.currentTarget as HTMLInputElement).value })}
            />
          )}
        </Field>
      </fieldset>
      <fieldset>
        <legend>Leads</legend>
        <Field
          label="Default lead score"
          hint="Given to new distributed leads that have none (0–100)."
          errors={detailsAt(save.error, 'defaultLeadScore')}
        >
          {(id, d) => (
            <input
              id={id}
              type="number"
              min={0}
              max={100}
              step={1}
              inputMode="numeric"
              required
              value={draft.defaultLeadScore}
              aria-describedby={d}
              onInput={(e) => set({ defaultLeadScore: (e.currentTarget as HTMLInputElement).value })}
            />
          )}
        </Field>
        <div class="check check-hint">
          <input
            id="reopen-closed"
            type="checkbox"
            checked={draft.reopenClosedDuplicates}
            aria-describedby="reopen-closed-hint"
            onChange={(e) => set({ reopenClosedDuplicates: (e.currentTarget as HTMLInputElement).checked })}
          />
          <label for="reopen-closed">Route closed duplicates again</label>
          <small id="reopen-closed-hint" class="hint">
            A known email arriving again for a closed lead (Rejected, or Unqualified) is routed again as a new
            assignment; otherwise its fields are updated and it stays closed.
          </small>
        </div>
        {detailsAt(save.error, 'reopenClosedDuplicates').length ? (
          <p class="field-error">{detailsAt(save.error, 'reopenClosedDuplicates').join('; ')}</p>
        ) : null}
      </fieldset>
      <ErrorNote error={save.error} title="Not saved." />
      <Outcome message={save.outcome} />
      <p class="actions-row">
        <button type="submit" class="primary" disabled={save.busy}>
          {save.busy ? 'Saving…' : 'Save settings'}
        </button>
        <button type="button" disabled={save.busy} onClick={() => setDraft(draftOf(settings))}>
          Undo changes
        </button>
      </p>
    </form>
  );
}
