import { formatDateTime } from './deadline';
import { heading, html, link, note, page, paragraph, rowsTable } from './html';
import { leadHeadline, type RenderedEmail } from './parts';
import type { MailLead, SummaryRow } from './summary';
import { oneLine, safeUrl, subjectLine } from './text';

/** Why a supplier's channel manager is told about a lead. */
export type EscalationReason = 'max-reroutes' | 'no-eligible-partner' | 'bounced';

/** What the escalation email needs. */
export interface EscalationEmailInput {
  supplierName: string;
  lead: MailLead & { id: string };
  reason: EscalationReason;
  /** The partner that had the lead (unassigned: the last one; bounced: the one whose address failed). */
  partnerName?: string | undefined;
  /** What the mail server said (bounced), or the reroute's explanation. */
  detail?: string | undefined;
  /** The lead in the console: `<publicUrl>/console/leads/<id>`. */
  consoleUrl: string;
  now: Date;
  timeZone?: string | undefined;
}

const HEADLINES: Record<EscalationReason, string> = {
  'max-reroutes': 'A lead was rerouted as often as you allow and is now Unassigned',
  'no-eligible-partner': 'A lead ran out of partners and is now Unassigned',
  bounced: 'A partner could not be emailed about a lead',
};

const NEXT: Record<EscalationReason, string> = {
  'max-reroutes': 'Assign it to a partner by hand, or raise the most reroutes in your settings.',
  'no-eligible-partner':
    'No eligible partner was left (each had it before, or is paused or full). Assign it by hand.',
  bounced:
    'The partner has no other default lead owner to try, so nobody there has the lead. Fix the partner’s lead owners, or assign the lead to another partner.',
};

/**
 * The email a supplier's channel manager (its `escalationEmail`) gets when a lead
 * needs a person: it ran out of partners, or its partner's lead email bounced with
 * nobody left to try. It names the lead by its display fields (name, company,
 * display email), says why, and links to the lead in the console. Every value is
 * escaped; the console link must be an absolute http(s) URL built by the system.
 */
export function escalationEmail(input: EscalationEmailInput): RenderedEmail {
  const supplier = oneLine(input.supplierName);
  const consoleUrl = safeUrl(input.consoleUrl, 'consoleUrl');
  const headline = HEADLINES[input.reason];
  const subject = subjectLine(`Action needed: ${leadHeadline(input.lead)} (${supplier})`);
  const rows: SummaryRow[] = [
    ['Lead', leadHeadline(input.lead)],
    ['Display email', oneLine(input.lead.displayEmail ?? '')],
    ['Partner', oneLine(input.partnerName ?? '')],
    ['Why', headline],
    ['Details', oneLine(input.detail ?? '')],
    ['When', formatDateTime(input.now, input.timeZone)],
  ]
    .filter(([, value]) => value !== '')
    .map(([label, value]) => ({ label: label as string, value: value as string, custom: false }));

  const body = page(
    subject,
    [
      heading(headline),
      rowsTable(rows),
      paragraph(NEXT[input.reason]),
      paragraph(html`${link('Open the lead in Lead Relay', consoleUrl)}`),
    ],
    [note(`You receive this email as the escalation address of ${supplier} in Lead Relay.`)],
  );

  const text = [
    headline,
    '',
    ...rows.map((r) => `${r.label}: ${r.value}`),
    '',
    NEXT[input.reason],
    '',
    'Open the lead in Lead Relay:',
    consoleUrl,
    '',
    '--',
    `You receive this email as the escalation address of ${supplier} in Lead Relay.`,
    '',
  ].join('\n');

  return { subject, html: body.value, text };
}
