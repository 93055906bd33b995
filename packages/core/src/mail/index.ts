/** Lead emails: pure template functions returning `{ subject, html, text }`. */
export { type AutoAcceptedLeadEmailInput, autoAcceptedLeadEmail } from './auto-accepted';
export { formatDateTime, formatDeadline } from './deadline';
export { type EscalationEmailInput, type EscalationReason, escalationEmail } from './escalation';
export { type LinkPageInput, linkPage } from './link-page';
export { type NewLeadEmailInput, newLeadEmail } from './new-lead';
export type { RenderedEmail } from './parts';
export { type ReminderEmailInput, reminderEmail } from './reminder';
export { leadSummaryRows, type MailLead, type SummaryRow } from './summary';
export { escapeHtml } from './text';
