import type { ComponentChildren } from 'preact';
import { Link } from 'wouter-preact';
import type { HistoryEntry, LeadSummary } from '../data/leads';
import { countdown, money } from './format';
import { LEAD_TEXT_FIELDS } from './lead-fields';
import './lead-parts.css';

/**
 * The pieces of a lead that the supplier's and the partner's screens share: its statuses as
 * badges (always with their words: colour is never the only meaning), its columns and fields,
 * and its history told as sentences ("why this partner", each reroute and its reason).
 */

export type DistributionStatus = LeadSummary['distributionStatus'];
export type EmailStatus = LeadSummary['emailStatus'];
export type PipelineStatus = NonNullable<LeadSummary['pipelineStatus']>;
export type LeadSource = LeadSummary['source'];

export const DISTRIBUTION_STATUSES = [
  'Unassigned',
  'Pending',
  'Accepted',
  'Rejected',
  'Rerouted',
] as const satisfies readonly DistributionStatus[];
export const EMAIL_STATUSES = [
  'NotSent',
  'Sent',
  'Opened',
  'Clicked',
  'Failed',
] as const satisfies readonly EmailStatus[];
export const PIPELINE_STATUSES = [
  'Open',
  'Contacted',
  'Nurture',
  'Unqualified',
  'Opportunity',
] as const satisfies readonly PipelineStatus[];
export const LEAD_SOURCES = [
  'API',
  'CSV Upload',
  'Manual',
  'Partner Registered',
  'Auto Registered',
  'Locator',
  'Integration',
] as const satisfies readonly LeadSource[];

/** The words people read for an email status (the API's values are one word). */
export const EMAIL_STATUS_WORDS: Record<EmailStatus, string> = {
  NotSent: 'Not Sent',
  Sent: 'Sent',
  Opened: 'Opened',
  Clicked: 'Clicked',
  Failed: 'Failed',
};

const DISTRIBUTION_TONE: Record<DistributionStatus, string> = {
  Unassigned: 'badge',
  Pending: 'badge badge-info',
  Accepted: 'badge badge-ok',
  Rejected: 'badge badge-bad',
  Rerouted: 'badge badge-warn',
};
const EMAIL_TONE: Record<EmailStatus, string> = {
  NotSent: 'badge',
  Sent: 'badge badge-info',
  Opened: 'badge badge-info',
  Clicked: 'badge badge-ok',
  Failed: 'badge badge-bad',
};
const PIPELINE_TONE: Record<PipelineStatus, string> = {
  Open: 'badge badge-info',
  Contacted: 'badge badge-info',
  Nurture: 'badge badge-warn',
  Unqualified: 'badge',
  Opportunity: 'badge badge-ok',
};

export function StatusBadge({ status }: { status: DistributionStatus }) {
  return <span class={DISTRIBUTION_TONE[status] ?? 'badge'}>{status}</span>;
}

export function EmailStatusBadge({ status }: { status: EmailStatus }) {
  return <span class={EMAIL_TONE[status] ?? 'badge'}>{EMAIL_STATUS_WORDS[status] ?? status}</span>;
}

/** `unset` is what a lead without one shows (nothing, in a grid cell). */
export function PipelineBadge({ status, unset }: { status: PipelineStatus | undefined; unset?: string }) {
  if (!status) return unset ? <span class="muted">{unset}</span> : null;
  return <span class={PIPELINE_TONE[status] ?? 'badge'}>{status}</span>;
}

// One formatter for every date a list shows: creating one per cell is what makes 500 rows slow.
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A time as the person's browser shows it, machine-readable for assistive tech and tests. */
export function When({ at }: { at: string | null | undefined }) {
  if (!at) return null;
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return <>{at}</>;
  return (
    <time dateTime={at} title={at}>
      {dateTime.format(d)}
    </time>
  );
}

export const whenText = (at: string | null | undefined): string => {
  if (!at) return '';
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? at : dateTime.format(d);
};

/** The core columns a view or an export may show, with the words people read (as the API names them). */
export const CORE_COLUMNS = [
  { id: 'displayEmail', label: 'Email' },
  { id: 'partnerName', label: 'Partner' },
  { id: 'createdAt', label: 'Created' },
  { id: 'updatedAt', label: 'Modified' },
  { id: 'distributionStatus', label: 'Dist. Status' },
  { id: 'emailStatus', label: 'Email Status' },
  { id: 'distributionStatusChangeDays', label: 'Dist. Status Change (days)' },
  { id: 'source', label: 'Source' },
  { id: 'type', label: 'Type' },
  { id: 'email', label: 'Email address' },
  { id: 'firstName', label: 'First name' },
  { id: 'lastName', label: 'Last name' },
  { id: 'company', label: 'Company' },
  { id: 'title', label: 'Job title' },
  { id: 'phone', label: 'Phone' },
  { id: 'mobilePhone', label: 'Mobile phone' },
  { id: 'country', label: 'Country' },
  { id: 'state', label: 'State' },
  { id: 'city', label: 'City' },
  { id: 'postalCode', label: 'Postal code' },
  { id: 'product', label: 'Product' },
  { id: 'campaign', label: 'Campaign' },
  { id: 'score', label: 'Score' },
  { id: 'partnerId', label: 'Partner id' },
  { id: 'emailFailure', label: 'Notification failure' },
  { id: 'pipelineStatus', label: 'Pipeline status' },
  { id: 'opportunityValue', label: 'Opportunity value' },
  { id: 'salesRepId', label: 'Sales rep' },
  { id: 'rejectReason', label: 'Reject reason' },
  { id: 'rerouteCount', label: 'Reroutes' },
  { id: 'deadlineAt', label: 'Deadline' },
  { id: 'distributionStatusChangedAt', label: 'Dist. Status changed at' },
  { id: 'id', label: 'Lead id' },
] as const satisfies readonly { id: keyof LeadSummary; label: string }[];
export type CoreColumn = (typeof CORE_COLUMNS)[number]['id'];

/** The seed's All Leads columns: every view row and every export has them. */
export const SEED_COLUMNS: readonly CoreColumn[] = [
  'displayEmail',
  'partnerName',
  'createdAt',
  'updatedAt',
  'distributionStatus',
  'emailStatus',
  'distributionStatusChangeDays',
  'source',
];

const CORE_LABELS = new Map<string, string>(CORE_COLUMNS.map((c) => [c.id, c.label]));
export const isCoreColumn = (id: string): id is CoreColumn => CORE_LABELS.has(id);
export const CUSTOM_PREFIX = 'custom.';
/** A custom field name the API takes (`custom.<name>`). */
export const CUSTOM_NAME = /^[A-Za-z][A-Za-z0-9 _.-]{0,63}$/;

export function columnLabel(id: string): string {
  if (id.startsWith(CUSTOM_PREFIX)) return id.slice(CUSTOM_PREFIX.length);
  return CORE_LABELS.get(id) ?? id;
}

/** A column's value as text (custom fields included), for cells and lists. */
export function columnText(lead: LeadSummary, column: string): string {
  if (column.startsWith(CUSTOM_PREFIX)) {
    const value = lead.customFields[column.slice(CUSTOM_PREFIX.length)];
    return value === undefined || value === null ? '' : String(value);
  }
  const value = (lead as unknown as Record<string, unknown>)[column];
  if (value === undefined || value === null) return '';
  switch (column) {
    case 'createdAt':
    case 'updatedAt':
    case 'deadlineAt':
    case 'distributionStatusChangedAt':
      return whenText(value as string);
    case 'emailStatus':
      return EMAIL_STATUS_WORDS[value as EmailStatus] ?? String(value);
    case 'emailFailure': {
      const f = value as { type: string; reason: string };
      return `${f.type}: ${f.reason}`;
    }
    case 'opportunityValue':
      return money(value as { amount: number; currency: string });
    default:
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

/** A column's cell: statuses as badges, times as <time>, the rest as text. */
export function ColumnValue({ lead, column }: { lead: LeadSummary; column: string }) {
  switch (column) {
    case 'distributionStatus':
      return <StatusBadge status={lead.distributionStatus} />;
    case 'emailStatus':
      return <EmailStatusBadge status={lead.emailStatus} />;
    case 'pipelineStatus':
      return <PipelineBadge status={lead.pipelineStatus} />;
    case 'createdAt':
    case 'updatedAt':
    case 'deadlineAt':
    case 'distributionStatusChangedAt':
      return <When at={(lead as unknown as Record<string, string | undefined>)[column]} />;
    default:
      return <>{columnText(lead, column)}</>;
  }
}

/** What LeadFields reads: the supplier's lead and the partner's view of it both have it. */
export type LeadWithFields = Pick<LeadSummary, (typeof LEAD_TEXT_FIELDS)[number] | 'score' | 'customFields'>;

/**
 * The lead's contact and custom fields, each labelled as All Leads' columns are; an empty one
 * says so. `more` adds rows after the score (the partner's screen: source, type, times).
 */
export function LeadFields({
  lead,
  more = [],
}: {
  lead: LeadWithFields;
  more?: readonly [string, ComponentChildren][];
}) {
  const custom = Object.entries(lead.customFields);
  return (
    <>
      <dl class="fields">
        {[...LEAD_TEXT_FIELDS, 'score' as const].map((field) => (
          <Pair key={field} term={columnLabel(field)}>
            {lead[field] === undefined || lead[field] === '' ? <Empty /> : String(lead[field])}
          </Pair>
        ))}
        {more.map(([term, value]) => (
          <Pair key={term} term={term}>
            {value === undefined || value === '' ? <Empty /> : value}
          </Pair>
        ))}
      </dl>
      <h3>Custom fields</h3>
      {custom.length === 0 ? (
        <p class="muted">No custom fields.</p>
      ) : (
        <dl class="fields">
          {custom.map(([name, value]) => (
            <Pair key={name} term={name}>
              {value === null || value === '' ? <Empty /> : String(value)}
            </Pair>
          ))}
        </dl>
      )}
    </>
  );
}

/**
 * Where the lead stands: distribution and email status (with the notification failure),
 * partner, deadline, reroutes, pipeline. `partnerHref` links the partner (supplier side).
 */
export function LeadStatus({
  lead,
  partnerHref,
}: {
  lead: LeadSummary;
  partnerHref?: (partnerId: string) => string;
}) {
  const days = lead.distributionStatusChangeDays;
  return (
    <dl class="fields">
      <Pair term="Distribution status">
        <StatusBadge status={lead.distributionStatus} />{' '}
        <span class="muted">
          for {days} {days === 1 ? 'day' : 'days'} (since <When at={lead.distributionStatusChangedAt} />)
        </span>
      </Pair>
      <Pair term="Partner">
        {lead.partnerId ? (
          partnerHref ? (
            <Link href={partnerHref(lead.partnerId)}>{lead.partnerName ?? lead.partnerId}</Link>
          ) : (
            (lead.partnerName ?? lead.partnerId)
          )
        ) : (
          <span class="muted">No partner</span>
        )}
      </Pair>
      {lead.deadlineAt ? (
        <Pair term="Deadline">
          <When at={lead.deadlineAt} /> <span class="muted">({countdown(lead.deadlineAt)})</span>
        </Pair>
      ) : null}
      <Pair term="Email status">
        <EmailStatusBadge status={lead.emailStatus} />
        {lead.emailFailure ? (
          <span class="lead-failure">
            {' '}
            Notification Failure ({lead.emailFailure.type}): {lead.emailFailure.reason}
          </span>
        ) : null}
      </Pair>
      {lead.rejectReason ? <Pair term="Reject reason">{lead.rejectReason}</Pair> : null}
      <Pair term="Reroutes">{lead.rerouteCount}</Pair>
      <Pair term="Pipeline status">
        {lead.pipelineStatus ? <PipelineBadge status={lead.pipelineStatus} /> : <Empty />}
      </Pair>
      <Pair term="Opportunity value">{lead.opportunityValue ? money(lead.opportunityValue) : <Empty />}</Pair>
      {lead.salesRepId ? <Pair term="Sales rep">{lead.salesRepId}</Pair> : null}
      <Pair term="Type">{lead.type === 'registered' ? 'Registered' : 'Distributed'}</Pair>
      <Pair term="Source">{lead.source}</Pair>
      <Pair term="Created">
        <When at={lead.createdAt} />
      </Pair>
      <Pair term="Modified">
        <When at={lead.updatedAt} />
      </Pair>
    </dl>
  );
}

function Pair({ term, children }: { term: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </>
  );
}

function Empty() {
  return (
    <span class="muted" title="empty">
      —<span class="sr-only">empty</span>
    </span>
  );
}

// ——— The history, told as sentences ———

type Detail = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** Who did it, in words: `partner:<id>` becomes the partner's name when known. */
export function actorText(actor: string, partnerNames?: ReadonlyMap<string, string>): string {
  if (actor === 'supplier') return 'the supplier';
  if (actor === 'system') return 'Lead Relay';
  if (actor === 'system:sweeper') return 'Lead Relay (deadline sweep)';
  if (actor === 'ses') return 'the email service';
  if (actor.startsWith('partner:')) {
    const id = actor.slice('partner:'.length).split(':')[0] ?? '';
    return partnerNames?.get(id) ?? `partner ${id}`;
  }
  if (actor.startsWith('upload:')) return 'a file upload';
  return actor;
}

const STRATEGY_WORDS: Record<string, string> = {
  'round-robin': 'round-robin: the next partner of the pool in turn',
  weighted: 'weighted: partners of the pool in proportion to their weight',
  'least-loaded': 'least-loaded: the partner of the pool with the fewest pending leads',
};

const SKIP_WORDS: Record<string, string> = {
  paused: 'paused',
  'at capacity': 'at its capacity',
  excluded: 'had the lead before',
  disabled: 'disabled',
};

/** How a routing decision (`routingDetail` on routed, rerouted, unassigned entries) chose. */
function decidedBy(d: Detail): string | undefined {
  switch (d.path) {
    case 'explicit':
      return 'The partner named for the lead (by the API call, the file row or the upload)';
    case 'ownership':
      return `Account ownership: the lead's ${d.via === 'company' ? 'company name' : 'email domain'} belongs to this partner`;
    case 'rule':
      return `Routing rule group "${str(d.group) ?? '?'}"`;
    case 'none':
      return 'Nothing applied: no named partner, account owner or rule group';
    case 'manual':
      return 'Assigned by hand';
    default:
      return undefined;
  }
}

interface Skip {
  partnerId?: string;
  partnerName?: string;
  reason?: string;
  role?: string;
}

/** "Why this partner": the path, the rule group and strategy, who was passed over and why. */
export function WhyThisPartner({ detail, title = 'Why this partner' }: { detail: Detail; title?: string }) {
  const skipped = Array.isArray(detail.skipped) ? (detail.skipped as Skip[]) : [];
  const by = decidedBy(detail);
  const strategy = str(detail.strategy);
  return (
    <div class="lead-why">
      <p class="lead-why-title">
        <strong>{title}</strong>
      </p>
      <dl class="fields">
        {by ? (
          <>
            <dt>Decided by</dt>
            <dd>{by}</dd>
          </>
        ) : null}
        {strategy ? (
          <>
            <dt>Strategy</dt>
            <dd>{STRATEGY_WORDS[strategy] ?? strategy}</dd>
          </>
        ) : detail.path === 'rule' ? (
          <>
            <dt>Strategy</dt>
            <dd>the group assigns one partner</dd>
          </>
        ) : null}
        {skipped.length > 0 ? (
          <>
            <dt>Passed over</dt>
            <dd>
              <ul class="lead-plain">
                {skipped.map((s) => (
                  <li key={`${s.partnerId}:${s.reason}`}>
                    {s.partnerName ?? s.partnerId}: {SKIP_WORDS[s.reason ?? ''] ?? s.reason}
                    {s.role === 'owner' ? ' (the account owner)' : s.role === 'explicit' ? ' (named)' : ''}
                  </li>
                ))}
              </ul>
            </dd>
          </>
        ) : null}
        {str(detail.warning) ? (
          <>
            <dt>Warning</dt>
            <dd>{str(detail.warning)}</dd>
          </>
        ) : null}
      </dl>
    </div>
  );
}

const EMAIL_EVENT_WORDS: Record<string, string> = {
  queued: 'Notification email queued',
  informational: 'Informational "new lead" email queued',
  NotSent: 'Notification email not sent',
  Send: 'Notification email sent',
  Delivery: 'Notification email delivered',
  Open: 'Notification email opened',
  Click: 'Link in the notification email clicked',
  Bounce: 'Notification email bounced',
  Complaint: 'Notification email marked as spam',
  Reject: 'Notification email rejected by the mail service',
  RenderingFailure: 'Notification email could not be rendered',
  DeliveryDelay: 'Notification email delayed',
  retry: 'Trying the next lead owner',
};

const REROUTE_TRIGGER: Record<string, (from: string) => string> = {
  deadline: (from) => `${from} did not accept or reject it before the deadline`,
  rejected: (from) => `${from} rejected it (the supplier reroutes rejected leads)`,
};

const UNASSIGNED_REASON: Record<string, string> = {
  'max-reroutes': 'it was rerouted as often as the settings allow',
  'no-eligible-partner': 'no eligible partner was left',
};

/** One history entry as a title and what explains it. */
export function describeEntry(
  entry: HistoryEntry,
  partnerNames?: ReadonlyMap<string, string>,
): { title: string; body?: ComponentChildren } {
  const d = entry.detail as Detail;
  const partner =
    str(d.partnerName) ?? (str(d.partnerId) ? partnerNames?.get(String(d.partnerId)) : undefined);
  const explanation = str(d.explanation);
  const tried = Array.isArray(d.tried) ? (d.tried as Detail[]) : [];
  const triedList =
    tried.length > 0 ? (
      <div>
        <p class="lead-why-title">
          <strong>Also tried</strong>
        </p>
        <ul class="lead-plain">
          {tried.map((t, i) => (
            <li key={i}>{str(t.explanation) ?? decidedBy(t)}</li>
          ))}
        </ul>
      </div>
    ) : null;

  if (entry.type.startsWith('email.')) {
    const kind = entry.type.slice('email.'.length);
    const base = kind.split('/')[0] ?? kind;
    const reason = str(d.reason);
    const to = str(d.to);
    const title =
      kind === 'retry'
        ? `Email to ${str(d.failed) ?? 'a lead owner'} failed: trying the next lead owner`
        : `${EMAIL_EVENT_WORDS[base] ?? `Email event ${kind}`}${to ? ` to ${to}` : ''}${
            base === 'informational' ? ' (auto-accept: nothing to accept or reject)' : ''
          }`;
    return {
      title,
      body:
        reason || d.deadlineAt ? (
          <p>
            {reason ? (
              <>
                {str(d.failure) ? `${str(d.failure)}: ` : 'Reason: '}
                {reason}
              </>
            ) : null}
            {reason && d.deadlineAt ? ' · ' : null}
            {str(d.deadlineAt) ? (
              <>
                Deadline: <When at={str(d.deadlineAt)} />
              </>
            ) : null}
          </p>
        ) : kind === 'retry' && to ? (
          <p>Next: {to}</p>
        ) : undefined,
    };
  }

  switch (entry.type) {
    case 'created':
      return { title: `Created${str(d.source) ? ` (${str(d.source)})` : ''}` };
    case 'updated': {
      const fields = Array.isArray(d.fields) ? (d.fields as string[]) : [];
      return {
        title: `Updated${str(d.source) ? ` (${str(d.source)})` : ''}`,
        body: fields.length > 0 ? <p>Changed: {fields.map(columnLabel).join(', ')}</p> : undefined,
      };
    }
    case 'routed':
      return {
        title: `Routed to ${partner ?? 'a partner'}`,
        body: d.path ? <WhyThisPartner detail={d} /> : explanation ? <p>{explanation}</p> : undefined,
      };
    case 'assigned':
      return {
        title: `Assigned by hand to ${partner ?? 'a partner'}`,
        body: (
          <>
            {str(d.previousPartnerId) ? (
              <p>Before: {partnerNames?.get(String(d.previousPartnerId)) ?? String(d.previousPartnerId)}</p>
            ) : null}
            {str(d.warning) ? <p class="lead-warning">Warning: {str(d.warning)}</p> : null}
          </>
        ),
      };
    case 'rerouted': {
      const from = str(d.fromPartnerName) ?? 'the partner';
      const why = REROUTE_TRIGGER[str(d.trigger) ?? 'deadline'];
      return {
        title: `Rerouted from ${from} to ${partner ?? 'another partner'}`,
        body: (
          <>
            <p>
              <strong>Reason:</strong> {why ? why(from) : str(d.trigger)}
              {num(d.rerouteCount) !== undefined ? ` · reroute ${num(d.rerouteCount)}` : null}
            </p>
            {d.path ? (
              <WhyThisPartner detail={d} title="Why the new partner" />
            ) : explanation ? (
              <p>{explanation}</p>
            ) : null}
            {triedList}
          </>
        ),
      };
    }
    case 'unassigned': {
      const reason = UNASSIGNED_REASON[str(d.reason) ?? ''];
      const from = str(d.fromPartnerName);
      return {
        title: from ? `Taken from ${from}: Unassigned` : 'Not routed: Unassigned',
        body: (
          <>
            {reason ? (
              <p>
                <strong>Reason:</strong> {reason}
                {str(d.trigger) === 'deadline' && from ? ` after ${from} did not act in time` : ''}
              </p>
            ) : null}
            {explanation ? <p>{explanation}</p> : null}
            {d.path ? <WhyThisPartner detail={d} title="Why no partner" /> : null}
            {triedList}
          </>
        ),
      };
    }
    case 'accepted':
      return d.reason === 'auto-accept'
        ? { title: `Accepted automatically for ${partner ?? 'the partner'} (auto-accept)` }
        : {
            title: `Accepted by ${partner ?? 'the partner'}`,
            body: str(d.via) ? (
              <p>Through {d.via === 'email' ? 'the email link' : 'the API or console'}</p>
            ) : undefined,
          };
    case 'rejected':
      return {
        title: `Rejected by ${partner ?? 'the partner'}`,
        body: (
          <p>
            <strong>Reason:</strong> {str(d.reason) ?? 'none given'}
          </p>
        ),
      };
    case 'pipeline': {
      const changes = (d.changes ?? {}) as Record<string, { from: unknown; to: unknown }>;
      return {
        title: d.closed ? 'Pipeline changed: the lead is closed' : 'Pipeline changed',
        body: (
          <ul class="lead-plain">
            {Object.entries(changes).map(([field, c]) => (
              <li key={field}>
                {columnLabel(field)}: {pipelineText(c.from)} → {pipelineText(c.to)}
              </li>
            ))}
          </ul>
        ),
      };
    }
    case 'conflict':
      return {
        title: `Channel conflict: ${str(d.claimedByName) ?? partner ?? 'another partner'} registered this lead's email`,
        body: explanation ? <p>{explanation}</p> : undefined,
      };
    case 'conflict.settled':
      return { title: 'Channel conflict settled', body: explanation ? <p>{explanation}</p> : undefined };
    case 'registered':
      return { title: 'Registered with the supplier', body: explanation ? <p>{explanation}</p> : undefined };
    case 'registration.linked':
      return {
        title: "Linked to the supplier's lead of the same email",
        body: explanation ? <p>{explanation}</p> : undefined,
      };
    case 'reopened':
      return { title: 'Reopened', body: explanation ? <p>{explanation}</p> : undefined };
    default:
      return { title: entry.type, body: explanation ? <p>{explanation}</p> : <OtherDetail detail={d} /> };
  }
}

function pipelineText(v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'object' && 'amount' in (v as object))
    return money(v as { amount: number; currency: string });
  return String(v);
}

/** An entry this screen has no words for: its plain values. */
function OtherDetail({ detail }: { detail: Detail }) {
  const plain = Object.entries(detail).filter(
    ([, v]) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean',
  );
  if (plain.length === 0) return null;
  return (
    <ul class="lead-plain">
      {plain.map(([k, v]) => (
        <li key={k}>
          {k}: {String(v)}
        </li>
      ))}
    </ul>
  );
}

/** The lead's history, in the order given (newest first, as the API pages it). */
export function HistoryTimeline({
  entries,
  partnerNames,
}: {
  entries: readonly HistoryEntry[];
  partnerNames?: ReadonlyMap<string, string>;
}) {
  if (entries.length === 0) return <p class="muted">No history yet.</p>;
  return (
    <ol class="timeline lead-timeline">
      {entries.map((entry, i) => {
        const { title, body } = describeEntry(entry, partnerNames);
        return (
          <li key={`${entry.at}:${entry.type}:${i}`}>
            <p class="lead-entry-head">
              <strong>{title}</strong>{' '}
              <span class="muted">
                <When at={entry.at} /> · by {actorText(entry.actor, partnerNames)}
              </span>
            </p>
            {body}
          </li>
        );
      })}
    </ol>
  );
}
