import { type Html, heading, html, link, note, paragraph, rowsTable } from './html';
import { leadName, leadSummaryRows, type MailLead, type SummaryRow } from './summary';
import { oneLine, safeUrl, subjectLine } from './text';

/** Pieces shared by the lead emails: the subject, the summary (HTML and text), the footer. */

/** A rendered email: a header-safe subject, the HTML part and the plain-text part. */
export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

/** "Ada Lovelace, Analytical Engines"; the display email when the lead has no name. */
export function leadHeadline(lead: MailLead): string {
  return [leadName(lead), oneLine(lead.company ?? '')].filter(Boolean).join(', ');
}

/** `<prefix>: <headline>`, one line and capped. */
export function leadSubject(prefix: string, lead: MailLead): string {
  return subjectLine(`${oneLine(prefix)}: ${leadHeadline(lead)}`);
}

function split(lead: MailLead): { fields: SummaryRow[]; custom: SummaryRow[] } {
  const rows = leadSummaryRows(lead);
  return { fields: rows.filter((r) => !r.custom), custom: rows.filter((r) => r.custom) };
}

/** The lead summary as HTML: the fields, then the custom fields under "More details". */
export function summaryHtml(lead: MailLead): Html[] {
  const { fields, custom } = split(lead);
  if (fields.length === 0 && custom.length === 0) return [paragraph('This lead has no details yet.')];
  return [
    ...(fields.length ? [rowsTable(fields)] : []),
    ...(custom.length ? [heading('More details'), rowsTable(custom)] : []),
  ];
}

/** The lead summary as plain text, one "Label: value" per line. */
export function summaryText(lead: MailLead): string[] {
  const { fields, custom } = split(lead);
  const lines = (rows: SummaryRow[]) => rows.map((r) => `${r.label}: ${r.value}`);
  return [...lines(fields), ...(custom.length ? ['', 'More details', ...lines(custom)] : [])];
}

/** An optional "view the lead" link, HTML and text. */
export function viewLink(viewUrl: string | undefined): { html: Html[]; text: string[] } {
  if (viewUrl === undefined) return { html: [], text: [] };
  return {
    html: [paragraph(html`${link('View the lead in Lead Relay', viewUrl)}`)],
    text: ['View the lead in Lead Relay:', safeUrl(viewUrl, 'viewUrl'), ''],
  };
}

/** Why the reader gets this email. */
export function footerLine(supplierName: string, partnerName: string): string {
  return `You receive this email as a default lead owner for ${oneLine(partnerName)} at ${oneLine(supplierName)}. Sent by Lead Relay.`;
}

/** The footer block for the HTML part. */
export function footerHtml(supplierName: string, partnerName: string): Html[] {
  return [note(footerLine(supplierName, partnerName))];
}
