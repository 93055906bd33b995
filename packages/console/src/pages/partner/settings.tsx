import { useEffect, useRef, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { ApiError, type Schemas } from '../../api/client';
import { useAction, useLoad } from '../../ui/data';
import { detailsAt, ErrorNote, Outcome } from '../../ui/errors';
import { Field, PageTitle } from '../../ui/form';
import { day } from '../../ui/format';
import {
  type HoursDraft,
  holidayList,
  hoursDraft,
  OpeningFields,
  TimeZoneField,
} from '../common/business-hours';
import {
  type PartnerLeadSummary,
  type PartnerSettings,
  type PutPartnerSettings,
  type RegistrationDraft,
  Settings as SettingsApi,
} from './data';
import { leadLabel } from './parts';
import { fromDrafts, type GroupDraft, GroupsEditor, GroupsReadOnly, toDrafts } from './rule-groups';

type Mode = PartnerSettings['autoRegistration']['mode'];
type Warning = { path: string; message: string };

interface Owner {
  key: number;
  email: string;
  name: string;
}
interface Rep {
  key: number;
  id: string;
  name: string;
  email: string;
}
let nextKey = 1;

/** The settings as the form edits them. */
interface Draft {
  autoAccept: boolean;
  leadOwners: Owner[];
  salesReps: Rep[];
  mode: Mode;
  groups: GroupDraft[];
  ignored: string;
  /** The partner's own time zone for its deadlines; empty: the supplier's. */
  zone: string;
  /** Its own open days and times over the supplier's. */
  ownHours: boolean;
  hours: HoursDraft;
}

function toDraft(s: PartnerSettings): Draft {
  return {
    autoAccept: s.autoAccept,
    leadOwners: s.leadOwners.map((o) => ({ key: nextKey++, email: o.email, name: o.name ?? '' })),
    salesReps: s.salesReps.map((r) => ({ key: nextKey++, id: r.id, name: r.name, email: r.email ?? '' })),
    mode: s.autoRegistration.mode,
    groups: toDrafts(s.autoRegistration.groups),
    ignored: s.ignoredCompanies.join('\n'),
    zone: s.businessHours?.timeZone ?? '',
    ownHours: s.businessHours?.days !== undefined || s.businessHours?.start !== undefined,
    hours: hoursDraft({ ...s.businessHours, timeZone: s.businessHours?.timeZone ?? 'UTC' }),
  };
}

const OPENING_WORDS = { days: 'Open days', start: 'Opens at', end: 'Closes at', holidays: 'Holidays' };

/** The partner's hours as the API takes them: only what it sets itself, or null for the supplier's. */
function hoursBody(d: Draft): PutPartnerSettings['businessHours'] {
  const zone = d.zone.trim();
  if (!zone && !d.ownHours) return null;
  return {
    ...(zone ? { timeZone: zone } : {}),
    ...(d.ownHours
      ? {
          days: d.hours.days,
          start: d.hours.start,
          end: d.hours.end,
          holidays: holidayList(d.hours.holidays),
        }
      : {}),
  };
}

const ignoredList = (text: string) =>
  text
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);

function toBody(d: Draft): PutPartnerSettings {
  return {
    autoAccept: d.autoAccept,
    leadOwners: d.leadOwners.map((o) => ({
      email: o.email.trim(),
      ...(o.name.trim() ? { name: o.name.trim() } : {}),
    })),
    salesReps: d.salesReps.map((r) => ({
      id: r.id.trim(),
      name: r.name.trim(),
      ...(r.email.trim() ? { email: r.email.trim() } : {}),
    })),
    autoRegistration: { mode: d.mode, groups: fromDrafts(d.groups) },
    ignoredCompanies: ignoredList(d.ignored),
    businessHours: hoursBody(d),
  };
}

/** The auto-registration part of the form, as preview and apply take it (saved or not). */
const toRegistrationDraft = (d: Draft): RegistrationDraft => ({
  autoRegistration: { mode: d.mode, groups: fromDrafts(d.groups) },
  ignoredCompanies: ignoredList(d.ignored),
});

const warningsAt = (warnings: Warning[], path: string) =>
  warnings.filter((w) => w.path === path || w.path.startsWith(`${path}.`)).map((w) => w.message);

/**
 * The partner's own settings: auto-accept, default lead owners, sales reps,
 * auto-registration (off, the supplier's rules, or its own groups) with a preview and an
 * apply over the leads it has, and the companies never auto-registered. One Save sends them
 * all; an invalid one is named at its field.
 */
export default function Settings() {
  const loaded = useLoad(() => SettingsApi.get(), []);
  const supplierRules = useLoad(() => SettingsApi.supplierRules(), []);
  const [draft, setDraft] = useState<Draft | undefined>(undefined);
  const [warnings, setWarnings] = useState<Warning[]>([]);
  // The error whose details the fields show: the latest of save, preview, apply.
  const [problem, setProblem] = useState<unknown>(undefined);
  const save = useAction();

  useEffect(() => {
    if (loaded.data) setDraft(toDraft(loaded.data.settings));
  }, [loaded.data]);

  if (loaded.error) return <ErrorNote error={loaded.error} title="Could not load your settings." />;
  if (!draft) return <p class="loading">Loading…</p>;
  const update = (patch: Partial<Draft>) => setDraft({ ...draft, ...patch });

  return (
    <>
      <PageTitle>Settings</PageTitle>
      <form
        aria-label="Settings"
        onSubmit={(e) => {
          e.preventDefault();
          void save
            .run(
              () => SettingsApi.put(toBody(draft)),
              (r) =>
                r.warnings.length > 0
                  ? `Saved, with ${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'} to look at below.`
                  : 'Saved.',
            )
            .then((r) => {
              if (r) {
                setDraft(toDraft(r.settings));
                setWarnings(r.warnings);
                setProblem(undefined);
              }
            });
        }}
      >
        <section class="panel" aria-labelledby="s-accept">
          <h2 id="s-accept">Accepting leads</h2>
          <label class="check">
            <input
              type="checkbox"
              checked={draft.autoAccept}
              onChange={(e) => update({ autoAccept: (e.currentTarget as HTMLInputElement).checked })}
            />
            Auto-accept: accept every lead at once, with an informational email to the lead owners instead of
            Accept / Reject
          </label>
        </section>

        <section class="panel" aria-labelledby="s-hours">
          <h2 id="s-hours">Business hours</h2>
          <p class="muted">
            When the supplier counts open hours, your time to act on a lead counts only while you are open.
            Set your own time zone, or your own days and times, where they differ from the supplier’s.
          </p>
          <TimeZoneField
            label="My time zone (optional)"
            hint="IANA name, e.g. Europe/London. Leave empty for the supplier’s."
            value={draft.zone}
            error={problem}
            onChange={(zone) => update({ zone })}
          />
          <label class="check">
            <input
              type="checkbox"
              checked={draft.ownHours}
              onChange={(e) => update({ ownHours: (e.currentTarget as HTMLInputElement).checked })}
            />
            My own open days and times
          </label>
          {draft.ownHours ? (
            <OpeningFields draft={draft.hours} error={problem} onChange={(hours) => update({ hours })} />
          ) : null}
          {/* Without its own days and times, what the API misses there is said here. */}
          {!draft.ownHours
            ? (['days', 'start', 'end', 'holidays'] as const).flatMap((field) =>
                detailsAt(problem, `businessHours.${field}`).map((m) => (
                  <p key={`${field}-${m}`} class="field-error">
                    {`${OPENING_WORDS[field]}: ${m}`}
                  </p>
                )),
              )
            : null}
        </section>

        <section class="panel" aria-labelledby="s-owners">
          <h2 id="s-owners">Default lead owners</h2>
          <p class="muted">
            Who gets the lead emails. Role addresses (sales@, leads@…) are often blocked by mail providers.
          </p>
          <ListErrors error={problem} path="leadOwners" />
          <ul class="list-editor">
            {draft.leadOwners.map((o, i) => {
              const at = `leadOwners.${i}`;
              const who = o.email || `lead owner ${i + 1}`;
              const setOwner = (next: Owner) =>
                update({ leadOwners: draft.leadOwners.map((x, j) => (j === i ? next : x)) });
              return (
                <li key={o.key} class="row">
                  <Field
                    label={`Email of lead owner ${i + 1}`}
                    errors={[...detailsAt(problem, `${at}.email`), ...warningsAt(warnings, `${at}.email`)]}
                  >
                    {(id, d) => (
                      <input
                        id={id}
                        type="email"
                        required
                        value={o.email}
                        aria-describedby={d}
                        onInput={(e) =>
                          setOwner({ ...o, email: (e.currentTarget as HTMLInputElement).value })
                        }
                      />
                    )}
                  </Field>
                  <Field label="Name (optional)" errors={detailsAt(problem, `${at}.name`)}>
                    {(id, d) => (
                      <input
                        id={id}
                        value={o.name}
                        aria-describedby={d}
                        onInput={(e) => setOwner({ ...o, name: (e.currentTarget as HTMLInputElement).value })}
                      />
                    )}
                  </Field>
                  <div class="field">
                    <button
                      type="button"
                      class="link"
                      aria-label={`Remove ${who}`}
                      onClick={() => update({ leadOwners: draft.leadOwners.filter((_, j) => j !== i) })}
                    >
                      Remove
                    </button>
                  </div>
                </li>
              );
            })}
          </ul>
          <button
            type="button"
            onClick={() =>
              update({ leadOwners: [...draft.leadOwners, { key: nextKey++, email: '', name: '' }] })
            }
          >
            Add lead owner
          </button>
        </section>

        <section class="panel" aria-labelledby="s-reps">
          <h2 id="s-reps">Sales reps</h2>
          <p class="muted">
            The people a lead can be given to in its pipeline. The id is what the API names (salesRepId):
            letters, digits, _ . @ -.
          </p>
          <ListErrors error={problem} path="salesReps" />
          <ul class="list-editor">
            {draft.salesReps.map((r, i) => {
              const at = `salesReps.${i}`;
              const who = r.name || r.id || `sales rep ${i + 1}`;
              const setRep = (next: Rep) =>
                update({ salesReps: draft.salesReps.map((x, j) => (j === i ? next : x)) });
              return (
                <li key={r.key} class="row">
                  <Field label={`Id of sales rep ${i + 1}`} errors={detailsAt(problem, `${at}.id`)}>
                    {(id, d) => (
                      <input
                        id={id}
                        required
                        maxLength={64}
                        value={r.id}
                        aria-describedby={d}
                        onInput={(e) => setRep({ ...r, id: (e.currentTarget as HTMLInputElement).value })}
                      />
                    )}
                  </Field>
                  <Field label="Name" errors={detailsAt(problem, `${at}.name`)}>
                    {(id, d) => (
                      <input
                        id={id}
                        required
                        value={r.name}
                        aria-describedby={d}
                        onInput={(e) => setRep({ ...r, name: (e.currentTarget as HTMLInputElement).value })}
                      />
                    )}
                  </Field>
                  <Field label="Email (optional)" errors={detailsAt(problem, `${at}.email`)}>
                    {(id, d) => (
                      <input
                        id={id}
                        type="email"
                        value={r.email}
                        aria-describedby={d}
                        onInput={(e) => setRep({ ...r, email: (e.currentTarget as HTMLInputElement).value })}
                      />
                    )}
                  </Field>
                  <div class="field">
                    <button
                      type="button"
                      class="link"
                      aria-label={`Remove ${who}`}
                      onClick={() => update({ salesReps: draft.salesReps.filter((_, j) => j !== i) })}
                    >
                      Remove
                    </button>
                  </div>
                </li>
              );
            })}
          </ul>
          <button
            type="button"
            onClick={() =>
              update({ salesReps: [...draft.salesReps, { key: nextKey++, id: '', name: '', email: '' }] })
            }
          >
            Add sales rep
          </button>
        </section>

        <section class="panel" aria-labelledby="s-autoreg">
          <h2 id="s-autoreg">Auto-registration</h2>
          <p class="muted">
            Register your own leads with the supplier on their own when rules match (new and changed leads;
            Preview and Apply below for the leads you already have).
          </p>
          <fieldset>
            <legend>Register my leads by</legend>
            {(
              [
                ['off', 'Nothing: I register leads by hand'],
                ['supplier', 'The supplier’s registration rules'],
                ['own', 'My own rules'],
              ] as const
            ).map(([mode, words]) => (
              <label key={mode} class="check">
                <input
                  type="radio"
                  name="mode"
                  value={mode}
                  checked={draft.mode === mode}
                  onChange={() => update({ mode })}
                />
                {words}
              </label>
            ))}
            {detailsAt(problem, 'autoRegistration.mode').map((m) => (
              <p key={m} class="field-error">
                {m}
              </p>
            ))}
          </fieldset>
          {draft.mode === 'supplier' ? (
            <div class="supplier-rules">
              <h3>The supplier’s rules</h3>
              <p class="muted">Set by the supplier; a lead is registered when any group holds.</p>
              <ErrorNote error={supplierRules.error} title="Could not load the supplier’s rules." />
              {supplierRules.data ? (
                <GroupsReadOnly groups={supplierRules.data.groups as Schemas['RegistrationGroup'][]} />
              ) : null}
            </div>
          ) : null}
          {draft.mode === 'own' ? (
            <>
              <h3>My rules</h3>
              <p class="muted">
                A lead is registered when all conditions of a group hold; groups are tried in order.
              </p>
              <GroupsEditor
                groups={draft.groups}
                onChange={(groups) => update({ groups })}
                error={problem}
                path="autoRegistration.groups"
              />
            </>
          ) : null}
          {draft.mode === 'off' && draft.groups.length > 0 ? (
            <p class="muted">
              Your own rules ({draft.groups.length} groups) are kept, unused, while this is off.
            </p>
          ) : null}

          <h3>Ignored companies</h3>
          <Field
            label="Never auto-register leads of these companies"
            hint="One per line: a company name (case and spaces ignored) or an email domain (acme.com also covers eu.acme.com)."
            errors={detailsAt(problem, 'ignoredCompanies')}
          >
            {(id, d) => (
              <textarea
                id={id}
                rows={4}
                value={draft.ignored}
                aria-describedby={d}
                onInput={(e) => update({ ignored: (e.currentTarget as HTMLTextAreaElement).value })}
              />
            )}
          </Field>
          <RulesOnExisting draft={draft} onProblem={setProblem} />
        </section>

        <div class="save-bar">
          <button type="submit" class="primary" disabled={save.busy}>
            {save.busy ? 'Saving…' : 'Save settings'}
          </button>
          <button
            type="button"
            disabled={save.busy}
            onClick={() => loaded.data && setDraft(toDraft(loaded.data.settings))}
          >
            Undo changes
          </button>
        </div>
        <ProblemWatcher error={save.error} onProblem={setProblem} />
        <ErrorNote error={save.error} title="Not saved." />
        <Outcome message={save.outcome} />
        {warnings.length > 0 ? (
          <div class="note note-warn">
            <p>
              <strong>Warnings</strong>
            </p>
            <ul>
              {warnings.map((w) => (
                <li key={`${w.path}:${w.message}`}>
                  <code>{w.path}</code> {w.message}
                </li>
              ))}
            </ul>
          </div>
        ) : null}
      </form>
    </>
  );
}

const leads = (n: number) => `${n} lead${n === 1 ? '' : 's'}`;

/** A list's own error (too many, a repeat), not one of its items'. */
function ListErrors({ error, path }: { error: unknown; path: string }) {
  if (!(error instanceof ApiError)) return null;
  const messages = error.body.details.filter((d) => d.path === path).map((d) => d.message);
  return messages.length > 0 ? <p class="field-error">{messages.join('; ')}</p> : null;
}

interface Found {
  lead: PartnerLeadSummary;
  group: string;
  rules?: 'supplier' | 'own';
  outcome?: 'registered' | 'linked' | 'already';
  conflict?: boolean;
}

/**
 * Preview and Apply over the leads the partner already has (rules only ever meet new and
 * changed leads on their own). Both take the rules as the form has them, saved or not, and
 * page over the unregistered leads: Preview a page at a time, Apply through all of them.
 */
function RulesOnExisting({ draft, onProblem }: { draft: Draft; onProblem: (e: unknown) => void }) {
  const [preview, setPreview] = useState<
    { items: Found[]; scanned: number; nextCursor: string | null } | undefined
  >(undefined);
  const [applied, setApplied] = useState<
    { items: Found[]; scanned: number; done: boolean; stopped: boolean } | undefined
  >(undefined);
  const look = useAction();
  const apply = useAction();
  const stop = useRef(false);
  const off = draft.mode === 'off';

  const previewPage = async (cursor?: string) => {
    const page = await SettingsApi.preview(toRegistrationDraft(draft), cursor);
    setPreview((prev) => ({
      items: [...(cursor ? (prev?.items ?? []) : []), ...page.items],
      scanned: (cursor ? (prev?.scanned ?? 0) : 0) + page.scanned,
      nextCursor: page.nextCursor,
    }));
    return page;
  };

  const applyAll = async () => {
    stop.current = false;
    const body = toRegistrationDraft(draft);
    let cursor: string | undefined;
    let items: Found[] = [];
    let scanned = 0;
    setApplied({ items, scanned, done: false, stopped: false });
    do {
      const page = await SettingsApi.apply(body, cursor);
      items = [...items, ...page.items];
      scanned += page.scanned;
      cursor = page.nextCursor ?? undefined;
      setApplied({ items, scanned, done: cursor === undefined, stopped: false });
    } while (cursor && !stop.current);
    const stopped = cursor !== undefined;
    setApplied({ items, scanned, done: !stopped, stopped });
    return { items, stopped };
  };

  const count = (outcome: Found['outcome']) =>
    applied?.items.filter((i) => i.outcome === outcome).length ?? 0;

  return (
    <div class="existing">
      <h3>Your leads so far</h3>
      <p class="muted">
        See which of your unregistered leads the rules above would register, then register them. Both use the
        rules as they are here, saved or not.
      </p>
      {off ? <p class="note note-info">Choose the supplier’s rules or your own to preview them.</p> : null}
      <div class="row">
        <button
          type="button"
          disabled={off || look.busy || apply.busy}
          onClick={() =>
            void look
              .run(
                () => previewPage(),
                (p) =>
                  `Looked at ${leads(p.scanned)} not registered yet: ${p.items.length} would be registered${
                    p.nextCursor ? ' (more to look at)' : ''
                  }.`,
              )
              .then((p) => (p ? onProblem(undefined) : undefined))
          }
        >
          {look.busy ? 'Looking…' : 'Preview'}
        </button>
        <button
          type="button"
          class="primary"
          disabled={off || apply.busy || look.busy}
          onClick={() => {
            if (
              !confirm(
                'Register every unregistered lead these rules match with the supplier? It cannot be undone.',
              )
            )
              return;
            void apply
              .run(applyAll, (r) => {
                const n = r.items.filter((i) => i.outcome === 'registered').length;
                const linked = r.items.filter((i) => i.outcome === 'linked').length;
                return `${r.stopped ? 'Stopped. ' : ''}Registered ${n} lead${n === 1 ? '' : 's'}${
                  linked ? `, linked ${linked} to the supplier’s leads of the same email` : ''
                }.`;
              })
              .then((r) => {
                if (r) {
                  onProblem(undefined);
                  setPreview(undefined);
                  look.clear();
                }
              });
          }}
        >
          {apply.busy ? 'Registering…' : 'Apply: register them'}
        </button>
        {apply.busy ? (
          <button type="button" onClick={() => (stop.current = true)}>
            Stop
          </button>
        ) : null}
      </div>
      <ProblemWatcher error={look.error} onProblem={onProblem} />
      <ProblemWatcher error={apply.error} onProblem={onProblem} />
      <ErrorNote error={look.error} title="No preview." />
      <ErrorNote error={apply.error} title="Not applied." />
      <Outcome message={look.outcome} />
      <Outcome message={apply.outcome} />

      {preview ? (
        <>
          <FoundTable caption="Leads the rules would register" items={preview.items} />
          {preview.nextCursor ? (
            <button
              type="button"
              disabled={look.busy}
              onClick={() =>
                void look.run(
                  () => previewPage(preview.nextCursor ?? undefined),
                  () => 'Looked further.',
                )
              }
            >
              Look further
            </button>
          ) : (
            <p class="muted">
              That is all: {leads(preview.scanned)} looked at, {preview.items.length} would be registered.
            </p>
          )}
        </>
      ) : null}
      {applied ? (
        <>
          <p role="status">
            {applied.done ? 'Done' : applied.stopped ? 'Stopped' : 'Working'}: {leads(applied.scanned)} looked
            at, {count('registered')} registered, {count('linked')} linked, {count('already')} already
            registered.
          </p>
          <FoundTable caption="Leads registered" items={applied.items} />
        </>
      ) : null}
    </div>
  );
}

/** Hands an action's error up to the fields (its details name them). */
function ProblemWatcher({ error, onProblem }: { error: unknown; onProblem: (e: unknown) => void }) {
  useEffect(() => {
    if (error) onProblem(error);
  }, [error, onProblem]);
  return null;
}

function FoundTable({ caption, items }: { caption: string; items: Found[] }) {
  if (items.length === 0) return <p class="muted">No leads.</p>;
  return (
    <div class="table-wrap">
      <table class="grid">
        <caption class="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Lead</th>
            <th scope="col">Rule group</th>
            <th scope="col">{items.some((i) => i.outcome) ? 'Outcome' : 'Rules'}</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {items.map((i) => (
            <tr key={i.lead.id}>
              <td>
                <Link href={`/my-leads/${i.lead.id}`}>{leadLabel(i.lead)}</Link>
              </td>
              <td>{i.group}</td>
              <td>
                {i.outcome
                  ? i.outcome === 'linked'
                    ? i.conflict
                      ? 'Linked (channel conflict)'
                      : 'Linked'
                    : i.outcome === 'already'
                      ? 'Already registered'
                      : 'Registered'
                  : i.rules === 'own'
                    ? 'Your own'
                    : 'The supplier’s'}
              </td>
              <td>{day(i.lead.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
