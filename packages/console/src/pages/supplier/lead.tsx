import { useMemo, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import {
  allPartners,
  assignLead,
  getLead,
  type HistoryEntry,
  type LeadView,
  lastViewHref,
  leadHistory,
  type Partner,
} from '../../data/leads';
import { useAction, useLoad } from '../../ui/data';
import { detailsAt, ErrorNote, Outcome } from '../../ui/errors';
import { Field, PageTitle } from '../../ui/form';
import { HistoryTimeline, LeadFields, LeadStatus, When, whenText } from '../../ui/lead-parts';
import './leads.css';

/** How many entries `GET /v1/leads/{id}` carries (the API's LATEST_HISTORY): with as many, there may be more. */
const LATEST_HISTORY = 20;

/**
 * One lead for the supplier: where it stands (status, email status and any notification
 * failure, partner, deadline, pipeline), its fields, any channel conflict, and its history
 * told as sentences (why this partner, each reroute and why). The supplier (re)assigns it here.
 */
export default function LeadPage(props: { params: { id: string } }) {
  const id = props.params.id;
  const lead = useLoad(() => getLead(id), [id]);
  const partners = useLoad(allPartners, []);
  const names = useMemo(() => new Map((partners.data ?? []).map((p) => [p.id, p.name])), [partners.data]);
  // The whole history once "Show more" was asked for (pages of GET /v1/leads/{id}/history), newest first.
  const [paged, setPaged] = useState<{
    leadVersion: number;
    items: HistoryEntry[];
    nextCursor: string | null;
  }>();
  const more = useAction();

  const data = lead.data;
  const pagedNow = data && paged && paged.leadVersion === data.version ? paged : undefined;
  const entries = pagedNow ? pagedNow.items : data ? [...data.history].reverse() : [];
  const hasMore = pagedNow ? pagedNow.nextCursor !== null : (data?.history.length ?? 0) >= LATEST_HISTORY;

  const showMore = () => {
    if (!data) return;
    void more.run(async () => {
      const page = await leadHistory(id, pagedNow?.nextCursor ?? undefined, 50);
      setPaged({
        leadVersion: data.version,
        items: [...(pagedNow?.items ?? []), ...page.items],
        nextCursor: page.nextCursor,
      });
    });
  };

  return (
    <>
      <PageTitle actions={<Link href={lastViewHref()}>Back to All Leads</Link>}>
        {data ? data.displayEmail : 'Lead'}
      </PageTitle>
      <ErrorNote error={lead.error} title="Could not load the lead." />
      {!data ? (
        lead.loading ? (
          <p class="loading">Loading…</p>
        ) : null
      ) : (
        <>
          <p class="muted lead-title-sub">
            {[data.firstName, data.lastName].filter(Boolean).join(' ') || 'No name'}
            {data.company ? ` · ${data.company}` : ''} · lead {data.id}
          </p>
          <Notes lead={data} />
          <div class="lead-grid">
            <section aria-labelledby="lead-status">
              <h2 id="lead-status">Status</h2>
              <LeadStatus
                lead={data}
                partnerHref={(partnerId) => `/partners/${encodeURIComponent(partnerId)}`}
              />
              <Reassign
                lead={data}
                partners={partners.data}
                partnersError={partners.error}
                onAssigned={() => {
                  setPaged(undefined);
                  lead.reload();
                }}
              />
            </section>
            <section aria-labelledby="lead-fields">
              <h2 id="lead-fields">Fields</h2>
              <LeadFields lead={data} />
            </section>
          </div>
          <section aria-labelledby="lead-history">
            <h2 id="lead-history">History</h2>
            <p class="muted">Newest first.</p>
            <HistoryTimeline entries={entries} partnerNames={names} />
            <ErrorNote error={more.error} title="Could not load more history." />
            {hasMore ? (
              <button type="button" onClick={showMore} disabled={more.busy}>
                {more.busy ? 'Loading…' : 'Show more'}
              </button>
            ) : null}
          </section>
        </>
      )}
    </>
  );
}

/** What needs the supplier's eye: a channel conflict, a failed notification, a reroute that could not happen. */
function Notes({ lead }: { lead: LeadView }) {
  return (
    <>
      {lead.conflict ? (
        <div class="note note-warn" role="note">
          <p>
            <strong>Channel conflict.</strong> Another partner registered this lead’s email while{' '}
            {lead.partnerName ?? 'nobody'} had it. Assigning the lead settles it: it goes to the partner you
            choose (choosing {lead.partnerName ?? 'its partner'} keeps it there).
          </p>
          <ul>
            {lead.conflict.claims.map((c) => (
              <li key={c.leadId}>
                {c.partnerName} registered it on <When at={c.at} /> (their lead {c.leadId})
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {lead.emailStatus === 'Failed' && lead.emailFailure ? (
        <div class="note note-error" role="note">
          <p>
            <strong>Notification Failure.</strong> The email to the partner failed ({lead.emailFailure.type}):{' '}
            {lead.emailFailure.reason}. The partner should check its lead owners’ addresses; you can reassign
            the lead.
          </p>
        </div>
      ) : null}
      {lead.rerouteFailure?.flaggedAt ? (
        <div class="note note-warn" role="note">
          <p>
            <strong>Not rerouted.</strong> The deadline passed but the lead could not be rerouted (
            {lead.rerouteFailure.error}, {lead.rerouteFailure.count} tries, last{' '}
            {whenText(lead.rerouteFailure.at)}
            ). It waits for you: assign it to a partner.
          </p>
        </div>
      ) : null}
      {lead.registration ? (
        <p class="note note-info">
          Registered by a partner
          {lead.registration.by === 'rules'
            ? ` through auto-registration${lead.registration.group ? ` (rule group "${lead.registration.group}")` : ''}`
            : ' by hand'}
          {lead.registration.at ? (
            <>
              {' '}
              on <When at={lead.registration.at} />
            </>
          ) : null}
          .
        </p>
      ) : null}
    </>
  );
}

/** Assign or reassign the lead to a partner, and say how it went. */
function Reassign({
  lead,
  partners,
  partnersError,
  onAssigned,
}: {
  lead: LeadView;
  partners: Partner[] | undefined;
  partnersError: unknown;
  onAssigned: () => void;
}) {
  const [partnerId, setPartnerId] = useState('');
  const assign = useAction();
  const verb = lead.partnerId ? 'Reassign' : 'Assign';
  return (
    <form
      class="panel"
      aria-labelledby="lead-assign"
      onSubmit={(e) => {
        e.preventDefault();
        if (!partnerId) return;
        void assign
          .run(
            () => assignLead(lead.id, partnerId),
            (next) => {
              const entry = [...next.history].reverse().find((h) => h.type === 'assigned');
              const warning =
                typeof entry?.detail.warning === 'string' ? ` Note: ${entry.detail.warning}.` : '';
              return `Assigned to ${next.partnerName ?? partnerId}: the lead is ${next.distributionStatus}.${warning}`;
            },
          )
          .then((next) => {
            if (next) {
              setPartnerId('');
              onAssigned();
            }
          });
      }}
    >
      <h3 id="lead-assign">{verb}</h3>
      <p class="muted">
        {lead.partnerId
          ? `Moves the lead from ${lead.partnerName ?? lead.partnerId} to the partner you choose; they get a fresh email and deadline.`
          : 'Sends the lead to the partner you choose, with an email and a deadline.'}
      </p>
      <ErrorNote error={partnersError} title="Could not load the partners." />
      <div class="row">
        <Field label="Partner" errors={detailsAt(assign.error, 'partnerId')}>
          {(fieldId, d) => (
            <select
              id={fieldId}
              value={partnerId}
              aria-describedby={d}
              required
              onChange={(e) => setPartnerId((e.currentTarget as HTMLSelectElement).value)}
            >
              <option value="">Choose a partner…</option>
              {(partners ?? []).map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                  {p.id === lead.partnerId ? ' (has it now)' : ''}
                  {p.disabled ? ' (disabled)' : p.paused ? ' (paused)' : ''}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div class="field">
          <button type="submit" class="primary" disabled={assign.busy || !partnerId}>
            {assign.busy ? 'Assigning…' : verb}
          </button>
        </div>
      </div>
      <ErrorNote error={assign.error} title="Not assigned." />
      <Outcome message={assign.outcome} />
    </form>
  );
}
