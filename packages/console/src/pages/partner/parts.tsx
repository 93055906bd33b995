import { useEffect, useRef, useState } from 'preact/hooks';
import type { Schemas } from '../../api/client';
import { useTenant } from '../../tenant';
import { useAction } from '../../ui/data';
import { detailsAt, ErrorNote } from '../../ui/errors';
import { Field } from '../../ui/form';
import { countdown, money, when } from '../../ui/format';
import { LeadFields as SharedLeadFields, PipelineBadge as SharedPipelineBadge } from '../../ui/lead-parts';
import { Leads, type PartnerLead, type PipelineStatus } from './data';
import './partner.css';

/**
 * Pieces the partner screens share: status words, the deadline countdown, the
 * Accept / Reject decision, a lead's fields and history.
 */

/** The time now, again every `everyMs` (a countdown re-renders with it). */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** A deadline soon enough to say so (the badge reads "Due soon"). */
const SOON_MS = 4 * 3_600_000;

/**
 * How long until the deadline, in words: "in 1 d 23 h", "Due soon · in 40 min",
 * "Overdue by 5 min". The badge carries the word, so colour is never the only sign.
 */
export function Deadline({ at, now }: { at: string | undefined; now: number }) {
  if (!at) return <span class="muted">No deadline yet</span>;
  const left = new Date(at).getTime() - now;
  const text = countdown(at, now);
  return (
    <span class="deadline">
      {left < 0 ? (
        <>
          <span class="badge badge-bad">Overdue</span> by {text.replace(/ overdue$/, '')}
        </>
      ) : left < SOON_MS ? (
        <>
          <span class="badge badge-warn">Due soon</span> {text}
        </>
      ) : (
        text
      )}
      <span class="muted deadline-at"> ({when(at)})</span>
    </span>
  );
}

export { StatusBadge } from '../../ui/lead-parts';

/** A partner's lead without a pipeline status says so in words. */
export function PipelineBadge({ status }: { status: PipelineStatus | undefined }) {
  return <SharedPipelineBadge status={status} unset="Not set" />;
}

/** Where a lead of the partner's own stands with the supplier, in words; a distributed lead shows nothing. */
export function RegistrationWords({ registration }: { registration: Schemas['Registration'] | undefined }) {
  if (!registration) return null;
  switch (registration.status) {
    case 'unregistered':
      return <span class="badge">Not registered</span>;
    case 'registered':
      return (
        <span class="badge badge-ok">
          Registered{registration.by === 'rules' ? ' by rules' : ''}
          {registration.group ? ` (${registration.group})` : ''}
        </span>
      );
    case 'linked':
      return (
        <span class={`badge ${registration.conflict ? 'badge-warn' : 'badge-info'}`}>
          {registration.conflict ? 'Linked · channel conflict' : 'Linked to the supplier’s lead'}
        </span>
      );
  }
}

/** A lead's name in a sentence: its display email, and its company when it has one. */
export function leadLabel(lead: Pick<PartnerLead, 'displayEmail' | 'company'>): string {
  return lead.company ? `${lead.displayEmail} (${lead.company})` : lead.displayEmail;
}

/** The sales rep's name for an id (the id itself when the settings no longer list it). */
export function repName(reps: readonly Schemas['SalesRep'][] | undefined, id: string | undefined): string {
  if (!id) return '';
  return reps?.find((r) => r.id === id)?.name ?? id;
}

export { money };

/** Moves focus to an element whenever `key` changes to something (an outcome to read after its row went). */
export function useFocusWhen(key: unknown) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (key) ref.current?.focus();
  }, [key]);
  return ref;
}

/**
 * Accept, or Reject with a reason: the reason form opens in place (focus moves into it,
 * Escape or Cancel closes it and focus returns to Reject). `onDecided` gets the lead after
 * the decision and a sentence saying what happened; errors show here, as the API named them.
 */
export function Decide({
  lead,
  onDecided,
  compact,
}: {
  lead: Pick<PartnerLead, 'id' | 'displayEmail' | 'company'>;
  onDecided: (lead: PartnerLead, message: string) => void;
  /** In a list row: the buttons name the lead for screen readers. */
  compact?: boolean;
}) {
  const action = useAction();
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const rejectButton = useRef<HTMLButtonElement>(null);
  const reasonBox = useRef<HTMLTextAreaElement>(null);
  const label = leadLabel(lead);
  const named = compact ? <span class="sr-only"> {label}</span> : null;

  useEffect(() => {
    if (rejecting) reasonBox.current?.focus();
  }, [rejecting]);

  const close = () => {
    setRejecting(false);
    action.clear();
    // After the form is gone, back to the button that opened it.
    setTimeout(() => rejectButton.current?.focus(), 0);
  };

  return (
    <div class="decide">
      {!rejecting ? (
        <div class="decide-buttons">
          <button
            type="button"
            class="primary"
            disabled={action.busy}
            onClick={() =>
              void action
                .run(() => Leads.accept(lead.id))
                .then((done) => {
                  if (done) onDecided(done, `Accepted ${label}. It is yours now: work it in My leads.`);
                })
            }
          >
            Accept{named}
          </button>
          <button
            type="button"
            class="danger"
            ref={rejectButton}
            disabled={action.busy}
            onClick={() => {
              action.clear();
              setRejecting(true);
            }}
          >
            Reject…{named}
          </button>
        </div>
      ) : (
        <form
          class="reject-form"
          aria-label={`Reject ${label}`}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              close();
            }
          }}
          onSubmit={(e) => {
            e.preventDefault();
            void action
              .run(() => Leads.reject(lead.id, reason))
              .then((done) => {
                if (done) {
                  setReason('');
                  setRejecting(false);
                  onDecided(done, `Rejected ${label}. Reason: ${done.rejectReason ?? reason.trim()}`);
                } else reasonBox.current?.focus(); // back to the reason, which says what was wrong
              });
          }}
        >
          <Field
            label={compact ? `Why reject ${label}?` : 'Why do you reject this lead?'}
            hint="Required. The supplier sees the reason. Escape cancels."
            errors={detailsAt(action.error, 'reason')}
          >
            {(id, d) => (
              <textarea
                id={id}
                ref={reasonBox}
                name="reason"
                // Not `required`: the browser's own bubble would hide the API's words for a blank reason.
                aria-required="true"
                maxLength={500}
                aria-describedby={d}
                value={reason}
                onInput={(e) => setReason((e.currentTarget as HTMLTextAreaElement).value)}
              />
            )}
          </Field>
          <div class="decide-buttons">
            <button type="submit" class="danger" disabled={action.busy}>
              {action.busy ? 'Rejecting…' : 'Reject lead'}
            </button>
            <button type="button" onClick={close} disabled={action.busy}>
              Cancel
            </button>
          </div>
        </form>
      )}
      <ErrorNote error={action.error} title={rejecting ? 'Not rejected.' : 'Not done.'} />
    </div>
  );
}

/** The lead's fields, and where it came from and when. */
export function LeadFields({ lead }: { lead: PartnerLead }) {
  return (
    <SharedLeadFields
      lead={lead}
      more={[
        ['Source', lead.source],
        ['Type', lead.type],
        ['Created', when(lead.createdAt)],
        ['Updated', when(lead.updatedAt)],
      ]}
    />
  );
}

type HistoryEntry = Schemas['HistoryEntry'];

const ENTRY_WORDS: Record<string, string> = {
  created: 'Created',
  updated: 'Updated',
  routed: 'Routed to you',
  assigned: 'Assigned to you',
  rerouted: 'Rerouted to you',
  reopened: 'Reopened',
  unassigned: 'Unassigned',
  accepted: 'Accepted',
  rejected: 'Rejected',
  pipeline: 'Pipeline changed',
  registered: 'Registered with the supplier',
  'registration.linked': 'Linked to the supplier’s lead',
  'email.queued': 'Email queued',
  'email.retry': 'Email sent again',
  'email.Send': 'Email sent',
  'email.Delivery': 'Email delivered',
  'email.Open': 'Email opened',
  'email.Click': 'Email link clicked',
  'email.Bounce': 'Email bounced',
  'email.Complaint': 'Email complaint',
  'email.Reject': 'Email refused',
};

const CHANGE_WORDS: Record<string, string> = {
  pipelineStatus: 'Pipeline status',
  opportunityValue: 'Opportunity value',
  salesRepId: 'Sales rep',
};

const HIDDEN_DETAIL = new Set(['eventId', 'messageId', 'assignmentVersion', 'partnerId', 'partnerName']);

function show(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'object' && 'amount' in value && 'currency' in value) {
    return money(value as { amount: number; currency: string });
  }
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value)) return when(value);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** One sentence of what an entry's detail says (its explanation, the changes, the reason, or its plain values). */
function entryText(entry: HistoryEntry): string {
  const d = entry.detail;
  if (typeof d.explanation === 'string') return d.explanation;
  if (typeof d.reason === 'string') return `Reason: ${d.reason}`;
  if (entry.type === 'pipeline' && d.changes && typeof d.changes === 'object') {
    const changes = Object.entries(d.changes as Record<string, { from: unknown; to: unknown }>).map(
      ([field, c]) => `${CHANGE_WORDS[field] ?? field}: ${show(c.from)} → ${show(c.to)}`,
    );
    return `${changes.join('; ')}${d.closed ? ' (closes the lead)' : ''}`;
  }
  return Object.entries(d)
    .filter(([key, value]) => !HIDDEN_DETAIL.has(key) && (typeof value !== 'object' || value === null))
    .map(([key, value]) => `${key}: ${show(value)}`)
    .join(', ');
}

/** Who did it, in words: you (this partner, or one of its people), the supplier, Lead Relay, the email service. */
function actorWords(actor: string, partnerId: string | undefined): string {
  if (partnerId && (actor === `partner:${partnerId}` || actor.startsWith(`partner:${partnerId}:`)))
    return 'you';
  if (actor === 'supplier' || actor.startsWith('supplier:')) return 'the supplier';
  if (actor === 'system') return 'Lead Relay';
  if (actor === 'ses') return 'the email service';
  return actor;
}

/** History entries, newest first, as a timeline. */
export function Timeline({ entries }: { entries: readonly HistoryEntry[] }) {
  const { tenant } = useTenant();
  if (entries.length === 0) return <p class="muted">No history to show.</p>;
  return (
    <ol class="timeline">
      {entries.map((entry, i) => (
        <li key={`${entry.at}-${entry.type}-${i}`}>
          <strong>{ENTRY_WORDS[entry.type] ?? entry.type}</strong>{' '}
          <time class="muted" dateTime={entry.at}>
            {when(entry.at)}
          </time>{' '}
          <span class="muted">by {actorWords(entry.actor, tenant.partnerId)}</span>
          {entryText(entry) ? <div class="entry-detail">{entryText(entry)}</div> : null}
        </li>
      ))}
    </ol>
  );
}
