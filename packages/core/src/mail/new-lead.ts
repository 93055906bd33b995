import { formatDeadline } from './deadline';
import { button, heading, html, link, note, page, paragraph } from './html';
import {
  footerHtml,
  footerLine,
  leadSubject,
  type RenderedEmail,
  summaryHtml,
  summaryText,
  viewLink,
} from './parts';
import type { MailLead } from './summary';
import { oneLine, safeUrl } from './text';

/** What the partner's "new lead" notification needs. */
export interface NewLeadEmailInput {
  supplierName: string;
  partnerName: string;
  lead: MailLead;
  /** Signed Accept link (opens a confirmation page). */
  acceptUrl: string;
  /** Signed Reject link (opens a page asking for the reason). */
  rejectUrl: string;
  /** Optional link to the lead in the console. */
  viewUrl?: string | undefined;
  /** When the lead is rerouted if nobody acts. */
  deadline: Date;
  now: Date;
  /** IANA time zone for the deadline; default UTC. */
  timeZone?: string | undefined;
}

/**
 * The notification a partner's default lead owners get for a Pending lead:
 * the lead's summary, the deadline in words, a prominent Accept button and a
 * Reject link, in HTML and plain text. Every lead value is escaped; the links
 * must be absolute http(s) URLs built by the system (it throws otherwise).
 */
export function newLeadEmail(input: NewLeadEmailInput): RenderedEmail {
  const { supplierName, partnerName, lead } = input;
  const [supplier, partner] = [oneLine(supplierName), oneLine(partnerName)];
  const acceptUrl = safeUrl(input.acceptUrl, 'acceptUrl');
  const rejectUrl = safeUrl(input.rejectUrl, 'rejectUrl');
  const respond = `Please respond ${formatDeadline(input.deadline, input.now, input.timeZone)}.`;
  const pending = input.deadline.getTime() > input.now.getTime();
  const after = pending ? 'If nobody acts by then, the lead may go to another partner.' : '';
  const subject = leadSubject(`New lead from ${supplier}`, lead);
  const view = viewLink(input.viewUrl);

  const body = page(
    subject,
    [
      heading(`New lead from ${supplier}`),
      paragraph(html`Hello ${partner}, <strong>${supplier}</strong> has sent you a new lead.`),
      ...summaryHtml(lead),
      paragraph(html`<strong>${respond}</strong>${after ? ` ${after}` : ''}`),
      button('Accept lead', acceptUrl),
      paragraph(
        html`Not a fit? ${link('Reject this lead', rejectUrl, '#b42318')} (you will be asked for a reason).`,
      ),
      ...view.html,
    ],
    [
      note('The links open a page where you confirm; opening this email changes nothing.'),
      ...footerHtml(supplier, partner),
    ],
  );

  const text = [
    `New lead from ${supplier}`,
    '',
    `Hello ${partner}, ${supplier} has sent you a new lead.`,
    '',
    ...summaryText(lead),
    '',
    [respond, after].filter(Boolean).join(' '),
    '',
    'Accept this lead:',
    acceptUrl,
    '',
    'Reject this lead (you will be asked for a reason):',
    rejectUrl,
    '',
    ...view.text,
    '--',
    footerLine(supplier, partner),
    '',
  ].join('\n');

  return { subject, html: body.value, text };
}
