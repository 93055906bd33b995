import { ApiError, type Schemas } from '../../api/client';
import { detailsAt } from '../../ui/errors';
import { Field, joinList, splitList } from '../../ui/form';

type Partner = Schemas['Partner'];
export type Warning = { path: string; message: string };

/** A partner as the form holds it: text as typed, lists as comma or line separated text. */
export interface PartnerDraft {
  name: string;
  groups: string;
  leadOwners: { email: string; name: string }[];
  autoAccept: boolean;
  capacity: string;
  paused: boolean;
  weight: string;
  domains: string;
}

export const emptyDraft = (): PartnerDraft => ({
  name: '',
  groups: '',
  leadOwners: [{ email: '', name: '' }],
  autoAccept: false,
  capacity: '',
  paused: false,
  weight: '1',
  domains: '',
});

export const draftOf = (p: Partner): PartnerDraft => ({
  name: p.name,
  groups: joinList(p.groups),
  leadOwners: p.leadOwners.map((o) => ({ email: o.email, name: o.name ?? '' })),
  autoAccept: p.autoAccept,
  capacity: p.capacity === null ? '' : String(p.capacity),
  paused: p.paused,
  weight: String(p.weight),
  domains: (p.domains ?? []).join('\n'),
});

/** The body a draft stands for, and which rows of the owner editor it sent (blank rows are left out). */
export function bodyOf(d: PartnerDraft) {
  const sentRows: number[] = [];
  const leadOwners = d.leadOwners.flatMap((o, row) => {
    if (!o.email.trim() && !o.name.trim()) return [];
    sentRows.push(row);
    return [{ email: o.email.trim(), ...(o.name.trim() ? { name: o.name.trim() } : {}) }];
  });
  const number = (text: string) => (text.trim() === '' ? Number.NaN : Number(text));
  return {
    body: {
      name: d.name.trim(),
      groups: splitList(d.groups),
      leadOwners,
      autoAccept: d.autoAccept,
      // Blank capacity is no limit; anything else the API checks (a bad number is refused at `capacity`).
      capacity: d.capacity.trim() === '' ? null : number(d.capacity),
      paused: d.paused,
      weight: number(d.weight),
      domains: splitList(d.domains),
    },
    sentRows,
  };
}

/**
 * The role-address warnings by owner email: the API names them by index of the owners it
 * was given (`leadOwners.0.email`); by email they stay next to the right row while the list
 * is edited.
 */
export function warningsByEmail(
  owners: readonly { email: string }[],
  warnings: readonly Warning[],
): Map<string, string> {
  const byEmail = new Map<string, string>();
  for (const w of warnings) {
    const index = /^leadOwners\.(\d+)\.email$/.exec(w.path)?.[1];
    const owner = index === undefined ? undefined : owners[Number(index)];
    if (owner) byEmail.set(owner.email.trim().toLowerCase(), w.message);
  }
  return byEmail;
}

/** Errors at exactly this path (not its children): a list's own problems. */
function exactly(error: unknown, path: string): string[] {
  return error instanceof ApiError
    ? error.body.details.filter((d) => d.path === path).map((d) => d.message)
    : [];
}

/**
 * The partner's fields: name, groups, lead owners (with the API's role-address warning next
 * to an owner), routing (auto-accept, capacity, weight, paused) and owned domains. Errors
 * sit at the field the API names; an owner's at its row (by the rows that were sent).
 */
export function PartnerFields(props: {
  draft: PartnerDraft;
  onChange: (draft: PartnerDraft) => void;
  error: unknown;
  /** The owner-editor rows of the body the error answers. */
  sentRows: number[];
  warnings: Map<string, string>;
  idPrefix: string;
}) {
  const { draft, error, idPrefix } = props;
  const set = (patch: Partial<PartnerDraft>) => props.onChange({ ...draft, ...patch });
  const setOwner = (row: number, patch: Partial<{ email: string; name: string }>) =>
    set({ leadOwners: draft.leadOwners.map((o, i) => (i === row ? { ...o, ...patch } : o)) });
  const ownerErrors = (row: number, field: 'email' | 'name') => {
    const sent = props.sentRows.indexOf(row);
    return sent < 0 ? [] : detailsAt(error, `leadOwners.${sent}.${field}`);
  };
  const listErrors = exactly(error, 'leadOwners');
  return (
    <>
      <div class="row">
        <Field
          label="Name"
          errors={detailsAt(error, 'name')}
          hint="Unique among your partners; CSV rows may name it."
        >
          {(id, d) => (
            <input
              id={id}
              value={draft.name}
              required
              maxLength={200}
              aria-describedby={d}
              onInput={(e) => set({ name: (e.currentTarget as HTMLInputElement).value })}
            />
          )}
        </Field>
        <Field
          label="Groups"
          hint="Comma separated, for filters and routing."
          errors={detailsAt(error, 'groups')}
        >
          {(id, d) => (
            <input
              id={id}
              value={draft.groups}
              aria-describedby={d}
              onInput={(e) => set({ groups: (e.currentTarget as HTMLInputElement).value })}
            />
          )}
        </Field>
      </div>

      <fieldset class="owners">
        <legend>Lead owners</legend>
        <p class="hint">Who gets the lead emails. A person’s own address works best.</p>
        {listErrors.length ? (
          <p class="field-error" role="alert">
            {listErrors.join('; ')}
          </p>
        ) : null}
        {draft.leadOwners.map((owner, row) => {
          const warning = props.warnings.get(owner.email.trim().toLowerCase());
          const warningId = `${idPrefix}-owner-${row}-warning`;
          return (
            <fieldset class="owner" key={row}>
              <legend>Lead owner {row + 1}</legend>
              <div class="row">
                <Field label="Email" errors={ownerErrors(row, 'email')}>
                  {(id, d) => (
                    <input
                      id={id}
                      type="email"
                      value={owner.email}
                      aria-describedby={
                        [d, warning ? warningId : undefined].filter(Boolean).join(' ') || undefined
                      }
                      onInput={(e) => setOwner(row, { email: (e.currentTarget as HTMLInputElement).value })}
                    />
                  )}
                </Field>
                <Field label="Name (optional)" errors={ownerErrors(row, 'name')}>
                  {(id, d) => (
                    <input
                      id={id}
                      value={owner.name}
                      aria-describedby={d}
                      onInput={(e) => setOwner(row, { name: (e.currentTarget as HTMLInputElement).value })}
                    />
                  )}
                </Field>
                <div class="field">
                  <button
                    type="button"
                    aria-label={`Remove lead owner ${row + 1}${owner.email ? ` (${owner.email})` : ''}`}
                    onClick={() => set({ leadOwners: draft.leadOwners.filter((_, i) => i !== row) })}
                  >
                    Remove
                  </button>
                </div>
              </div>
              {warning ? (
                <p id={warningId} class="note note-warn role-warning">
                  <strong>Warning:</strong> {warning}. A person’s own address is safer.
                </p>
              ) : null}
            </fieldset>
          );
        })}
        <button
          type="button"
          disabled={draft.leadOwners.length >= 20}
          onClick={() => set({ leadOwners: [...draft.leadOwners, { email: '', name: '' }] })}
        >
          Add a lead owner
        </button>
      </fieldset>

      <fieldset>
        <legend>Routing</legend>
        <div class="row">
          <Field
            label="Capacity"
            hint="Most Pending leads at once; blank for no limit."
            errors={detailsAt(error, 'capacity')}
          >
            {(id, d) => (
              <input
                id={id}
                type="number"
                min={1}
                step={1}
                inputMode="numeric"
                value={draft.capacity}
                aria-describedby={d}
                onInput={(e) => set({ capacity: (e.currentTarget as HTMLInputElement).value })}
              />
            )}
          </Field>
          <Field
            label="Weight"
            hint="Share for the weighted strategy (1–1000)."
            errors={detailsAt(error, 'weight')}
          >
            {(id, d) => (
              <input
                id={id}
                type="number"
                min={1}
                max={1000}
                step={1}
                inputMode="numeric"
                required
                value={draft.weight}
                aria-describedby={d}
                onInput={(e) => set({ weight: (e.currentTarget as HTMLInputElement).value })}
              />
            )}
          </Field>
        </div>
        <div class="check check-hint">
          <input
            id={`${idPrefix}-paused`}
            type="checkbox"
            checked={draft.paused}
            aria-describedby={`${idPrefix}-paused-hint`}
            onChange={(e) => set({ paused: (e.currentTarget as HTMLInputElement).checked })}
          />
          <label for={`${idPrefix}-paused`}>Paused</label>
          <small id={`${idPrefix}-paused-hint`} class="hint">
            Routing skips a paused partner.
          </small>
        </div>
        <div class="check check-hint">
          <input
            id={`${idPrefix}-auto`}
            type="checkbox"
            checked={draft.autoAccept}
            aria-describedby={`${idPrefix}-auto-hint`}
            onChange={(e) => set({ autoAccept: (e.currentTarget as HTMLInputElement).checked })}
          />
          <label for={`${idPrefix}-auto`}>Auto-accept</label>
          <small id={`${idPrefix}-auto-hint`} class="hint">
            Its leads are accepted at once, with an informational email.
          </small>
        </div>
      </fieldset>

      <Field
        label="Owned domains"
        hint="One per line or comma separated (example.com): leads from these email domains route to this partner."
        errors={detailsAt(error, 'domains')}
      >
        {(id, d) => (
          <textarea
            id={id}
            value={draft.domains}
            aria-describedby={d}
            onInput={(e) => set({ domains: (e.currentTarget as HTMLTextAreaElement).value })}
          />
        )}
      </Field>
    </>
  );
}
