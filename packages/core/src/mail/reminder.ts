import { formatDeadline } from './deadline';
import { button, heading, html, link, note, page, paragraph } from './html';
import { footerHtml, footerLine, leadSubject, type RenderedEmail, summaryHtml, summaryText } from './parts';
import type { MailLead } from './summary';
import { oneLine, safeUrl } from './text';

/** What the reminder before a lead's deadline needs. */
export interface ReminderEmailInput {
  supplierName: string;
  partnerName: string;
  lead: MailLead;
  /** Signed Accept link of the same assignment as the first email. */
  acceptUrl: string;
  /** Signed Reject link of the same assignment. */
  rejectUrl: string;
  /** When the lead goes to another partner if nobody acts. */
  deadline: Date;
  now: Date;
  /** IANA time zone for the deadline (the partner's business hours); default UTC. */
  timeZone?: string | undefined;
}

/**
 * The one reminder a partner's lead owner gets before the deadline of a lead
 * nobody has acted on: "Reminder:" in the subject, the deadline in the partner's
 * time zone, the lead's summary and the same kind of signed Accept / Reject links
 * as the first email. Every lead value is escaped; the links must be absolute
 * http(s) URLs built by the system.
 */
export function reminderEmail(input: ReminderEmailInput): RenderedEmail {
  const { lead } = input;
  const [supplier, partner] = [oneLine(input.supplierName), oneLine(input.partnerName)];
  const acceptUrl = safeUrl(input.acceptUrl, 'acceptUrl');
  const rejectUrl = safeUrl(input.rejectUrl, 'rejectUrl');
  const respond = `Please respond ${formatDeadline(input.deadline, input.now, input.timeZone)}.`;
  const after = 'If nobody acts by then, the lead may go to another partner.';
  const subject = leadSubject(`Reminder: lead from ${supplier} waiting for you`, lead);

  const body = page(
    subject,
    [
      heading(`Reminder: a lead from ${supplier} is waiting`),
      paragraph(
        html`Hello ${partner}, nobody has accepted or rejected this lead from <strong>${supplier}</strong> yet.`,
      ),
      paragraph(html`<strong>${respond}</strong> ${after}`),
      ...summaryHtml(lead),
      button('Accept lead', acceptUrl),
      paragraph(
        html`Not a fit? ${link('Reject this lead', rejectUrl, '#b42318')} (you will be asked for a reason).`,
      ),
    ],
    [
      note('This is the only reminder for this lead. The links open a page where you confirm.'),
      ...footerHtml(supplier, partner),
    ],
  );

  const text = [
    `Reminder: a lead from ${supplier} is waiting`,
    '',
    `Hello ${partner}, nobody has accepted or rejected this lead from ${supplier} yet.`,
    `${respond} ${after}`,
    '',
    ...summaryText(lead),
    '',
    'Accept this lead:',
    acceptUrl,
    '',
    'Reject this lead (you will be asked for a reason):',
    rejectUrl,
    '',
    '--',
    'This is the only reminder for this lead.',
    footerLine(supplier, partner),
    '',
  ].join('\n');

  return { subject, html: body.value, text };
}
