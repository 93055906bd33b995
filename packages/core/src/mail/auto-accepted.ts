import { formatDateTime } from './deadline';
import { heading, html, page, paragraph } from './html';
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
import { oneLine } from './text';

/** What the informational email for an auto-accept partner needs. */
export interface AutoAcceptedLeadEmailInput {
  supplierName: string;
  partnerName: string;
  lead: MailLead;
  /** Optional link to the lead in the console. */
  viewUrl?: string | undefined;
  /** When the lead was accepted. */
  now: Date;
  /** IANA time zone for the time shown; default UTC. */
  timeZone?: string | undefined;
}

/**
 * The informational "new lead" email for a partner with auto-accept on: the
 * lead's summary and a note that it was accepted automatically per the
 * partner's setting. No Accept or Reject links: there is nothing to decide.
 */
export function autoAcceptedLeadEmail(input: AutoAcceptedLeadEmailInput): RenderedEmail {
  const { lead } = input;
  const [supplier, partner] = [oneLine(input.supplierName), oneLine(input.partnerName)];
  const when = formatDateTime(input.now, input.timeZone);
  const accepted = `It was accepted automatically on ${when}: ${partner} has auto-accept turned on for leads from ${supplier}.`;
  const next =
    'No action is needed to accept it: follow up with the lead and keep its pipeline status up to date.';
  const subject = leadSubject(`New lead from ${supplier} (accepted automatically)`, lead);
  const view = viewLink(input.viewUrl);

  const body = page(
    subject,
    [
      heading(`New lead from ${supplier}`),
      paragraph(html`Hello ${partner}, <strong>${supplier}</strong> has sent you a new lead.`),
      paragraph(accepted),
      ...summaryHtml(lead),
      paragraph(next),
      ...view.html,
    ],
    footerHtml(supplier, partner),
  );

  const text = [
    `New lead from ${supplier} (accepted automatically)`,
    '',
    `Hello ${partner}, ${supplier} has sent you a new lead.`,
    accepted,
    '',
    ...summaryText(lead),
    '',
    next,
    '',
    ...view.text,
    '--',
    footerLine(supplier, partner),
    '',
  ].join('\n');

  return { subject, html: body.value, text };
}
