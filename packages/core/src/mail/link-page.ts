import { Html, heading, html, note, page, paragraph } from './html';
import { summaryHtml } from './parts';
import type { MailLead } from './summary';

/**
 * The small pages behind the email's links (`/l/{token}`): plain HTML forms,
 * no script, no external resource, so they work without JavaScript and under
 * a strict Content-Security-Policy. Every value is escaped.
 */

export interface LinkPageInput {
  title: string;
  /** One or two sentences: what happened or what to do. */
  message: string;
  lead?: MailLead | undefined;
  supplierName?: string | undefined;
  /** Forms to show (relative URLs of the signed action links). */
  acceptAction?: string | undefined;
  rejectAction?: string | undefined;
  /** Which form leads (the link the reader followed). */
  focus?: 'accept' | 'reject' | undefined;
  /** A problem with the submitted form (a missing reason). */
  formError?: string | undefined;
  reason?: string | undefined;
}

const FIELD =
  'display:block;width:100%;box-sizing:border-box;margin:6px 0 10px 0;padding:8px;font:inherit;border:1px solid #9aa5b1;border-radius:4px;';

function submit(label: string, color: string): Html {
  return html`<button type="submit" style="padding:10px 28px;font-size:16px;font-weight:bold;color:#ffffff;background-color:${new Html(color)};border:0;border-radius:4px;cursor:pointer;">${label}</button>`;
}

function acceptForm(action: string): Html {
  return html`<form method="post" action="${action}" style="margin:0 0 20px 0;">${submit('Accept lead', '#1a7f37')}</form>`;
}

function rejectForm(action: string, error: string | undefined, reason: string | undefined): Html {
  const problem = error ? html`<p role="alert" style="margin:0;color:#b42318;">${error}</p>` : html``;
  return html`<form method="post" action="${action}" style="margin:0 0 20px 0;"><label for="reason" style="font-weight:bold;">Why are you rejecting this lead? (required)</label>${problem}<textarea id="reason" name="reason" required maxlength="500" rows="3" style="${new Html(FIELD)}">${reason ?? ''}</textarea>${submit('Reject lead', '#b42318')}</form>`;
}

/** The page for a link: a confirmation with the forms, or the outcome of an action, or why the link does not work. */
export function linkPage(input: LinkPageInput): string {
  const blocks: Html[] = [heading(input.title), paragraph(input.message)];
  if (input.lead) blocks.push(...summaryHtml(input.lead));
  const accept = input.acceptAction ? acceptForm(input.acceptAction) : undefined;
  const reject = input.rejectAction
    ? rejectForm(input.rejectAction, input.formError, input.reason)
    : undefined;
  const forms = input.focus === 'reject' ? [reject, accept] : [accept, reject];
  for (const form of forms) if (form) blocks.push(form);
  const footer = [
    note(input.supplierName ? `Lead from ${input.supplierName}, sent by Lead Relay.` : 'Lead Relay'),
  ];
  return page(input.title, blocks, footer).value;
}
