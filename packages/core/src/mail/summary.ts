import { displayEmail, type LeadTextField } from '../leads/lead';
import { oneLine } from './text';

/**
 * The lead as an email shows it: label/value rows, empty values left out. Values
 * are raw text (one line each); the renderer escapes them.
 */

/** A custom field's value, as the lead stores it. */
type CustomValue = string | number | boolean | null;

/** What an email needs of a lead; a stored `Lead` fits. */
export type MailLead = Partial<Record<LeadTextField, string | undefined>> & {
  score?: number | undefined;
  customFields?: Record<string, CustomValue> | undefined;
  displayEmail?: string | undefined;
};

/** One row of the lead summary; `custom` rows come from the lead's custom fields. */
export interface SummaryRow {
  label: string;
  value: string;
  custom: boolean;
}

function joined(parts: (string | undefined)[], separator: string): string {
  return parts
    .map((p) => oneLine(p ?? ''))
    .filter(Boolean)
    .join(separator);
}

function customValue(value: CustomValue): string {
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  return oneLine(String(value));
}

/** The lead's name, or its display email when it has none. */
export function leadName(lead: MailLead): string {
  return joined([lead.firstName, lead.lastName], ' ') || oneLine(lead.displayEmail ?? displayEmail(lead));
}

/**
 * The lead's summary rows in reading order: name, company, title, email, phone,
 * mobile, location (city, state, postal code, country), product, campaign,
 * score, then each custom field. Empty values are skipped.
 */
export function leadSummaryRows(lead: MailLead): SummaryRow[] {
  const core: [string, string][] = [
    ['Name', joined([lead.firstName, lead.lastName], ' ')],
    ['Company', joined([lead.company], '')],
    ['Title', joined([lead.title], '')],
    ['Email', joined([lead.email], '')],
    ['Phone', joined([lead.phone], '')],
    ['Mobile phone', joined([lead.mobilePhone], '')],
    ['Location', joined([lead.city, lead.state, lead.postalCode, lead.country], ', ')],
    ['Product', joined([lead.product], '')],
    ['Campaign', joined([lead.campaign], '')],
    ['Score', lead.score === undefined ? '' : String(lead.score)],
  ];
  const custom = Object.entries(lead.customFields ?? {}).map(([k, v]): [string, string] => [
    oneLine(k),
    customValue(v),
  ]);
  return [
    ...core.map(([label, value]) => ({ label, value, custom: false })),
    ...custom.map(([label, value]) => ({ label, value, custom: true })),
  ].filter((row) => row.label !== '' && row.value !== '');
}
