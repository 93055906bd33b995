import { useEffect, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { ApiError, type Schemas } from '../../api/client';
import { useAction, useLoad } from '../../ui/data';
import { detailsAt, ErrorNote, Outcome } from '../../ui/errors';
import { Field, PageTitle } from '../../ui/form';
import { money, when } from '../../ui/format';
import { Pager, usePager } from '../../ui/pager';
import { CLOSING_STATUSES, Leads, type PartnerLead, PIPELINE_STATUSES, Settings, WAITING } from './data';
import {
  Deadline,
  Decide,
  LeadFields,
  leadLabel,
  PipelineBadge,
  RegistrationWords,
  repName,
  StatusBadge,
  Timeline,
  useFocusWhen,
  useNow,
} from './parts';

/**
 * One of the partner's leads: where it stands, Accept / Reject while it waits, the pipeline
 * (status, opportunity value, sales rep) once accepted, Register for a lead of its own, its
 * fields and its history.
 */
export default function Lead(props: { params: { id: string } }) {
  const id = props.params.id;
  const loaded = useLoad(() => Leads.get(id), [id]);
  const settings = useLoad(() => Settings.get(), []);
  // The lead as the last action answered it, until the next load.
  const [lead, setLead] = useState<PartnerLead | undefined>(undefined);
  const [decided, setDecided] = useState<{ message: string; n: number } | undefined>(undefined);
  const decidedRef = useFocusWhen(decided?.n);
  useEffect(() => setLead(loaded.data), [loaded.data]);
  const now = useNow();
  const reps = settings.data?.settings.salesReps ?? [];

  if (loaded.error) {
    const missing = loaded.error instanceof ApiError && loaded.error.status === 404;
    return (
      <>
        <PageTitle>Lead</PageTitle>
        {missing ? (
          <p class="note note-warn">
            This lead is not yours (or no longer: it may have gone to another partner).{' '}
            <Link href="/my-leads">Back to My leads</Link>
          </p>
        ) : (
          <ErrorNote error={loaded.error} title="Could not load the lead." />
        )}
      </>
    );
  }
  if (!lead) return <p class="loading">Loading…</p>;
  const waiting = WAITING.includes(lead.distributionStatus);

  return (
    <>
      <PageTitle actions={<Link href="/my-leads">All my leads</Link>}>{leadLabel(lead)}</PageTitle>
      <div ref={decidedRef} tabIndex={-1} class="outcome-anchor">
        <Outcome message={decided?.message} />
      </div>

      <section class="panel lead-state" aria-labelledby="lead-state">
        <h2 id="lead-state">Where it stands</h2>
        <dl class="fields">
          <dt>Status</dt>
          <dd>
            <StatusBadge status={lead.distributionStatus} />{' '}
            <span class="muted">since {when(lead.distributionStatusChangedAt)}</span>
          </dd>
          {waiting ? (
            <>
              <dt>Deadline</dt>
              <dd>
                <Deadline at={lead.deadlineAt} now={now} />
              </dd>
            </>
          ) : null}
          {lead.rejectReason ? (
            <>
              <dt>Reject reason</dt>
              <dd>{lead.rejectReason}</dd>
            </>
          ) : null}
          <dt>Pipeline status</dt>
          <dd>
            <PipelineBadge status={lead.pipelineStatus} />
          </dd>
          {lead.opportunityValue ? (
            <>
              <dt>Opportunity value</dt>
              <dd>{money(lead.opportunityValue)}</dd>
            </>
          ) : null}
          {lead.salesRepId ? (
            <>
              <dt>Sales rep</dt>
              <dd>{repName(reps, lead.salesRepId)}</dd>
            </>
          ) : null}
          {lead.registration ? (
            <>
              <dt>With the supplier</dt>
              <dd>
                <RegistrationWords registration={lead.registration} />
              </dd>
            </>
          ) : null}
        </dl>
        {waiting ? (
          <Decide
            lead={lead}
            onDecided={(next, message) => {
              setLead(next);
              setDecided((d) => ({ message, n: (d?.n ?? 0) + 1 }));
              loaded.reload();
            }}
          />
        ) : null}
        {lead.registration?.status === 'unregistered' ? (
          <Register
            lead={lead}
            onRegistered={(next, message) => {
              setLead(next);
              setDecided((d) => ({ message, n: (d?.n ?? 0) + 1 }));
              loaded.reload();
            }}
          />
        ) : null}
      </section>

      {lead.distributionStatus === 'Accepted' ? (
        <PipelineEditor
          key={lead.id}
          lead={lead}
          reps={reps}
          onSaved={(next) => {
            setLead(next);
            loaded.reload();
          }}
        />
      ) : null}

      <section aria-labelledby="lead-fields">
        <h2 id="lead-fields">Lead</h2>
        <LeadFields lead={lead} />
      </section>
      <History lead={lead} />
    </>
  );
}

function Register({
  lead,
  onRegistered,
}: {
  lead: PartnerLead;
  onRegistered: (lead: PartnerLead, message: string) => void;
}) {
  const action = useAction();
  return (
    <div class="register">
      <p>This lead is yours alone: the supplier does not see it until you register it.</p>
      <button
        type="button"
        class="primary"
        disabled={action.busy}
        onClick={() =>
          void action
            .run(() => Leads.register(lead.id))
            .then((r) => {
              if (!r) return;
              onRegistered(
                r.lead,
                r.outcome === 'registered'
                  ? 'Registered with the supplier: it now sees this lead (source Partner Registered).'
                  : r.outcome === 'linked'
                    ? r.conflict
                      ? 'The supplier already had a lead of this email with another partner (or none): yours is linked to it, and the supplier sees a channel conflict to settle.'
                      : 'The supplier already had this lead with you: yours is linked to it, no duplicate.'
                    : 'It was registered already; nothing changed.',
              );
            })
        }
      >
        {action.busy ? 'Registering…' : 'Register with the supplier'}
      </button>
      <ErrorNote error={action.error} title="Not registered." />
    </div>
  );
}

const COMMON_CURRENCIES = ['USD', 'EUR', 'GBP', 'CAD', 'AUD', 'CHF', 'JPY', 'SEK', 'NOK', 'DKK', 'INR'];

/** Details at exactly these paths (not their children): a value's own errors, apart from its parts'. */
function detailsExactly(error: unknown, ...paths: string[]): string[] {
  if (!(error instanceof ApiError)) return [];
  return error.body.details.filter((d) => paths.includes(d.path)).map((d) => d.message);
}

/**
 * The pipeline of an accepted lead: status, opportunity value (required for Opportunity),
 * sales rep. Only what changed is sent. Unqualified and Opportunity close the lead.
 */
function PipelineEditor({
  lead,
  reps,
  onSaved,
}: {
  lead: PartnerLead;
  reps: readonly Schemas['SalesRep'][];
  onSaved: (lead: PartnerLead) => void;
}) {
  const closed = lead.pipelineStatus !== undefined && CLOSING_STATUSES.has(lead.pipelineStatus);
  const [status, setStatus] = useState<string>(lead.pipelineStatus ?? '');
  const [amount, setAmount] = useState(lead.opportunityValue ? String(lead.opportunityValue.amount) : '');
  const [currency, setCurrency] = useState(lead.opportunityValue?.currency ?? 'USD');
  const [rep, setRep] = useState(lead.salesRepId ?? '');
  const [nothing, setNothing] = useState(false);
  const action = useAction();

  if (closed) {
    return (
      <section class="panel" aria-labelledby="pipeline">
        <h2 id="pipeline">Pipeline</h2>
        <p>
          This lead is closed ({lead.pipelineStatus}
          {lead.opportunityValue ? `, ${money(lead.opportunityValue)}` : ''}): its pipeline no longer changes.
        </p>
        <Outcome message={action.outcome} />
      </section>
    );
  }
  const closing = status === 'Opportunity' || status === 'Unqualified';
  const currencyErrors = detailsAt(action.error, 'opportunityValue.currency');
  const amountErrors = detailsExactly(action.error, 'opportunityValue', 'opportunityValue.amount');
  return (
    <form
      class="panel pipeline"
      aria-labelledby="pipeline"
      onSubmit={(e) => {
        e.preventDefault();
        const body: Parameters<typeof Leads.pipeline>[1] = {};
        if (status && status !== lead.pipelineStatus)
          body.pipelineStatus = status as typeof body.pipelineStatus;
        if (amount.trim() !== '') {
          const value = { amount: Number(amount), currency: currency.trim().toUpperCase() };
          if (
            value.amount !== lead.opportunityValue?.amount ||
            value.currency !== lead.opportunityValue?.currency
          )
            body.opportunityValue = value;
        }
        if (rep !== (lead.salesRepId ?? '')) body.salesRepId = rep === '' ? null : rep;
        setNothing(Object.keys(body).length === 0);
        if (Object.keys(body).length === 0) return;
        void action
          .run(
            () => Leads.pipeline(lead.id, body),
            (next) =>
              `Saved: ${next.pipelineStatus ?? 'no pipeline status'}${
                next.opportunityValue ? `, ${money(next.opportunityValue)}` : ''
              }${next.salesRepId ? `, ${repName(reps, next.salesRepId)}` : ''}.`,
          )
          .then((next) => next && onSaved(next));
      }}
    >
      <h2 id="pipeline">Pipeline</h2>
      <div class="row">
        <Field
          label="Pipeline status"
          hint={
            closing ? `${status} closes the lead: after saving, its pipeline no longer changes.` : undefined
          }
          errors={detailsAt(action.error, 'pipelineStatus')}
        >
          {(id, d) => (
            <select
              id={id}
              value={status}
              aria-describedby={d}
              onChange={(e) => setStatus((e.currentTarget as HTMLSelectElement).value)}
            >
              {lead.pipelineStatus ? null : <option value="">Not set</option>}
              {PIPELINE_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Opportunity value"
          hint={status === 'Opportunity' ? 'Required for an Opportunity.' : 'Optional: an estimate.'}
          errors={amountErrors}
        >
          {(id, d) => (
            <input
              id={id}
              type="number"
              inputMode="decimal"
              min={0}
              step="0.01"
              value={amount}
              required={status === 'Opportunity' && !lead.opportunityValue}
              aria-describedby={d}
              onInput={(e) => setAmount((e.currentTarget as HTMLInputElement).value)}
            />
          )}
        </Field>
        <Field label="Currency" hint="ISO code, e.g. USD or EUR" errors={currencyErrors}>
          {(id, d) => (
            <>
              <input
                id={id}
                class="currency"
                list={`${id}-list`}
                maxLength={3}
                autoCapitalize="characters"
                value={currency}
                aria-describedby={d}
                onInput={(e) => setCurrency((e.currentTarget as HTMLInputElement).value)}
              />
              <datalist id={`${id}-list`}>
                {COMMON_CURRENCIES.map((c) => (
                  <option key={c} value={c} />
                ))}
              </datalist>
            </>
          )}
        </Field>
        <Field
          label="Sales rep"
          hint={reps.length === 0 ? 'Add your sales reps in Settings to choose from a list.' : undefined}
          errors={detailsAt(action.error, 'salesRepId')}
        >
          {(id, d) =>
            reps.length > 0 ? (
              <select
                id={id}
                value={rep}
                aria-describedby={d}
                onChange={(e) => setRep((e.currentTarget as HTMLSelectElement).value)}
              >
                <option value="">Nobody</option>
                {reps.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.name}
                  </option>
                ))}
                {rep && !reps.some((r) => r.id === rep) ? <option value={rep}>{rep}</option> : null}
              </select>
            ) : (
              <input
                id={id}
                value={rep}
                aria-describedby={d}
                onInput={(e) => setRep((e.currentTarget as HTMLInputElement).value)}
              />
            )
          }
        </Field>
        <div class="field">
          <button type="submit" class="primary" disabled={action.busy}>
            {action.busy ? 'Saving…' : 'Save pipeline'}
          </button>
        </div>
      </div>
      {nothing ? <p class="muted">Nothing changed.</p> : null}
      <ErrorNote error={action.error} title="Not saved." />
      <Outcome message={action.outcome} />
    </form>
  );
}

/** The latest history (as the lead carries it), and all of it a page at a time on request. */
function History({ lead }: { lead: PartnerLead }) {
  const [all, setAll] = useState(false);
  const pager = usePager(`history-${lead.id}`);
  const pages = useLoad(
    () => (all ? Leads.history(lead.id, pager.cursor) : Promise.resolve(undefined)),
    [all, lead.id, lead.version, pager.cursor],
  );
  const latest = [...lead.history].reverse();
  return (
    <section aria-labelledby="lead-history">
      <h2 id="lead-history">History</h2>
      {all ? (
        <>
          <ErrorNote error={pages.error} title="Could not load the history." />
          <Timeline entries={pages.data?.items ?? []} />
          <Pager
            pager={pager}
            nextCursor={pages.data?.nextCursor}
            count={pages.data?.items.length ?? 0}
            label="History pages"
          />
        </>
      ) : (
        <>
          <Timeline entries={latest} />
          <button type="button" class="link" onClick={() => setAll(true)}>
            Show the whole history
          </button>
        </>
      )}
    </section>
  );
}
