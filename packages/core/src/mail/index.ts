/** Lead emails: pure template functions returning `{ subject, html, text }`. */
export { type AutoAcceptedLeadEmailInput, autoAcceptedLeadEmail } from './auto-accepted';
export { formatDeadline } from './deadline';
export { type LinkPageInput, linkPage } from './link-page';
export { type NewLeadEmailInput, newLeadEmail } from './new-lead';
export type { RenderedEmail } from './parts';
export { leadSummaryRows, type MailLead, type SummaryRow } from './summary';
export { escapeHtml } from './text';
