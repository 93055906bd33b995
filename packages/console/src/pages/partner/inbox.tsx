import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { useLoad } from '../../ui/data';
import { ErrorNote } from '../../ui/errors';
import { PageTitle } from '../../ui/form';
import { when } from '../../ui/format';
import { Pager, usePager } from '../../ui/pager';
import { Leads, type PartnerLead, type PartnerLeadSummary, WAITING } from './data';
import { Deadline, Decide, leadLabel, StatusBadge, useFocusWhen, useNow } from './parts';

const PAGE = 25;

/**
 * The partner's inbox: the leads waiting for it to accept or reject (Pending, or Rerouted
 * to it), earliest first, each with the time left before the lead goes to another partner.
 * A decided lead leaves the inbox; the outcome stays, and focus moves to it.
 */
export default function Inbox() {
  const pager = usePager('inbox');
  const now = useNow();
  const leads = useLoad(
    () =>
      Leads.list({
        status: WAITING.join(','),
        order: 'asc',
        limit: PAGE,
        ...(pager.cursor ? { cursor: pager.cursor } : {}),
      }),
    [pager.cursor],
  );
  const [done, setDone] = useState<{ lead: PartnerLead; message: string; n: number } | undefined>();
  const [gone, setGone] = useState<ReadonlySet<string>>(new Set());
  const outcome = useFocusWhen(done?.n);

  const items = (leads.data?.items ?? []).filter((l) => !gone.has(l.id));
  const decided = (lead: PartnerLead, message: string) => {
    setGone((g) => new Set([...g, lead.id]));
    setDone((d) => ({ lead, message, n: (d?.n ?? 0) + 1 }));
    leads.reload();
  };

  return (
    <>
      <PageTitle
        actions={
          <button type="button" onClick={leads.reload} disabled={leads.loading}>
            Refresh
          </button>
        }
      >
        Inbox
      </PageTitle>
      <p class="muted">
        Leads waiting for your decision. Accept a lead to work it, or reject it with a reason; a lead you do
        not decide on by its deadline goes to another partner.
      </p>
      <div ref={outcome} tabIndex={-1} class="outcome-anchor">
        <div class="note note-ok" role="status" hidden={!done}>
          {done ? (
            <p>
              {done.message} <Link href={`/my-leads/${done.lead.id}`}>Open {leadLabel(done.lead)}</Link>
            </p>
          ) : null}
        </div>
      </div>
      <ErrorNote error={leads.error} title="Could not load the inbox." />
      {leads.data && items.length === 0 ? (
        <p class="panel">Nothing is waiting for you. New leads appear here when the supplier sends them.</p>
      ) : null}
      {!leads.data && leads.loading ? <p class="loading">Loading…</p> : null}
      <ul class="inbox" aria-label="Leads waiting for a decision" aria-busy={leads.loading}>
        {items.map((lead) => (
          <InboxItem key={lead.id} lead={lead} now={now} onDecided={decided} />
        ))}
      </ul>
      <Pager pager={pager} nextCursor={leads.data?.nextCursor} count={items.length} label="Inbox pages" />
    </>
  );
}

function InboxItem({
  lead,
  now,
  onDecided,
}: {
  lead: PartnerLeadSummary;
  now: number;
  onDecided: (lead: PartnerLead, message: string) => void;
}) {
  const name = [lead.firstName, lead.lastName].filter(Boolean).join(' ');
  const facts = [lead.title, lead.product, [lead.city, lead.country].filter(Boolean).join(', ')].filter(
    Boolean,
  );
  return (
    <li class="inbox-item panel">
      <div class="inbox-head">
        <h2>
          <Link href={`/my-leads/${lead.id}`}>{lead.company ?? lead.displayEmail}</Link>
        </h2>
        <StatusBadge status={lead.distributionStatus} />
      </div>
      <p class="inbox-who">
        {lead.company ? lead.displayEmail : null}
        {name && lead.displayEmail !== name ? ` · ${name}` : ''}
      </p>
      {facts.length > 0 ? <p class="muted">{facts.join(' · ')}</p> : null}
      <dl class="fields inbox-facts">
        <dt>Time left</dt>
        <dd>
          <Deadline at={lead.deadlineAt} now={now} />
        </dd>
        <dt>Received</dt>
        <dd>{when(lead.assignedAt ?? lead.createdAt)}</dd>
      </dl>
      <Decide lead={lead} compact onDecided={onDecided} />
    </li>
  );
}
