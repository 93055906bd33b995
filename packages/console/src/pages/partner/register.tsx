import { useRef, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { useAction } from '../../ui/data';
import { detailsAt, ErrorNote } from '../../ui/errors';
import { Field, PageTitle } from '../../ui/form';
import { type CreatePartnerLead, Leads, type PartnerLead } from './data';
import { leadLabel, RegistrationWords, useFocusWhen } from './parts';

type TextField = Exclude<keyof CreatePartnerLead, 'customFields' | 'score' | 'source'>;

/** The form's fields, in the order a person fills them in. */
const FIELDS: { name: TextField; label: string; type?: string; autoComplete?: string }[] = [
  { name: 'company', label: 'Company', autoComplete: 'organization' },
  { name: 'firstName', label: 'First name', autoComplete: 'off' },
  { name: 'lastName', label: 'Last name', autoComplete: 'off' },
  { name: 'email', label: 'Email (optional)', type: 'email', autoComplete: 'off' },
  { name: 'title', label: 'Job title' },
  { name: 'phone', label: 'Phone', type: 'tel' },
  { name: 'mobilePhone', label: 'Mobile phone', type: 'tel' },
  { name: 'country', label: 'Country' },
  { name: 'state', label: 'State or region' },
  { name: 'city', label: 'City' },
  { name: 'postalCode', label: 'Postal code' },
  { name: 'product', label: 'Product' },
  { name: 'campaign', label: 'Campaign' },
];

interface Result {
  lead: PartnerLead;
  /** The same email was one of yours already: that lead was updated. */
  updated: boolean;
  /** What registration did: by the auto-registration rules on creation, or by hand just after. */
  registration: 'registered' | 'linked' | 'already' | undefined;
  byHand: boolean;
  /** Created, but registering it by hand failed. */
  registerError?: unknown;
  n: number;
}

/** What became of the lead, in a sentence. */
function resultWords(r: Result): string {
  const made = r.updated
    ? 'You had a lead with this email already: it was updated.'
    : 'Created as a lead of your own.';
  const how = r.byHand ? '' : ' by your auto-registration rules';
  switch (r.registration) {
    case undefined:
      return `${made} It is not registered: the supplier does not see it until you register it.`;
    case 'registered':
      return `${made} Registered with the supplier${how}: it sees the lead now.`;
    case 'linked':
      return r.lead.registration?.conflict
        ? `${made} The supplier already had a lead of this email with another partner (or none): yours is linked to it${how}, and the supplier sees a channel conflict.`
        : `${made} The supplier already had this lead with you: yours is linked to it${how}, no duplicate.`;
    case 'already':
      return `${made} It was registered with the supplier already.`;
  }
}

/**
 * A lead of the partner's own (POST /v1/leads as a partner): email optional, one of email,
 * a name, company or a phone required. It stays the partner's alone unless its
 * auto-registration rules register it, or it is registered here at once.
 */
export default function Register() {
  const action = useAction();
  const [result, setResult] = useState<Result | undefined>(undefined);
  const [registerNow, setRegisterNow] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const resultRef = useFocusWhen(result?.n);

  return (
    <>
      <PageTitle>Register a lead</PageTitle>
      <p class="muted">
        Bring in a lead you found yourself. It is yours: the supplier sees it only once it is registered
        (here, from its page, or by your auto-registration rules in Settings).
      </p>
      <div ref={resultRef} tabIndex={-1} class="outcome-anchor">
        <div class="note note-ok" role="status" hidden={!result}>
          {result ? (
            <>
              <p>{resultWords(result)}</p>
              <p>
                <RegistrationWords registration={result.lead.registration} />{' '}
                <Link href={`/my-leads/${result.lead.id}`}>Open {leadLabel(result.lead)}</Link>
              </p>
            </>
          ) : null}
        </div>
        <ErrorNote error={result?.registerError} title="Saved, but not registered." />
      </div>
      <form
        ref={form}
        class="panel register-form"
        aria-label="The lead"
        onSubmit={(e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget as HTMLFormElement);
          const body: CreatePartnerLead = {};
          for (const { name } of FIELDS) {
            const value = String(data.get(name) ?? '').trim();
            if (value) body[name] = value;
          }
          setResult(undefined);
          void action
            .run(async () => {
              const created = await Leads.create(body);
              const updated = 'deduplicated' in created;
              if (registerNow && created.lead.registration?.status === 'unregistered') {
                try {
                  const done = await Leads.register(created.lead.id);
                  return { lead: done.lead, updated, registration: done.outcome, byHand: true };
                } catch (registerError) {
                  return {
                    lead: created.lead,
                    updated,
                    registration: undefined,
                    byHand: true,
                    registerError,
                  };
                }
              }
              return { lead: created.lead, updated, registration: created.registration, byHand: false };
            })
            .then((r) => {
              if (!r) return;
              setResult((prev) => ({ ...r, n: (prev?.n ?? 0) + 1 }));
              form.current?.reset();
            });
        }}
      >
        <p class="hint">Give at least one of company, a name, email or a phone.</p>
        <div class="register-grid">
          {FIELDS.map((f) => (
            <Field key={f.name} label={f.label} errors={detailsAt(action.error, f.name)}>
              {(id, d) => (
                <input
                  id={id}
                  name={f.name}
                  type={f.type ?? 'text'}
                  maxLength={255}
                  autoComplete={f.autoComplete}
                  aria-describedby={d}
                />
              )}
            </Field>
          ))}
        </div>
        <label class="check">
          <input
            type="checkbox"
            checked={registerNow}
            onChange={(e) => setRegisterNow((e.currentTarget as HTMLInputElement).checked)}
          />
          Register it with the supplier at once
        </label>
        <button type="submit" class="primary" disabled={action.busy}>
          {action.busy ? 'Saving…' : 'Save lead'}
        </button>
        <ErrorNote error={action.error} title="Not saved." />
      </form>
    </>
  );
}
