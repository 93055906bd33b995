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
  /**
   * Show the Accept and Reject forms. Each posts back to the page's own URL
   * (no `action` attribute, so `/l/{token}/` works as well as `/l/{token}`)
   * and says what it does in its `action` field.
   */
  forms?: boolean | undefined;
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

function acceptForm(): Html {
  return html`<form method="post" style="margin:0 0 20px 0;"><input type="hidden" name="action" value="accept">${submit('Accept lead', '#1a7f37')}</form>`;
}

function rejectForm(reason: string | undefined): Html {
  return html`<form method="post" style="margin:0 0 20px 0;"><input type="hidden" name="action" value="reject"><label for="reason" style="font-weight:bold;">Why are you rejecting this lead? (required)</label><textarea id="reason" name="reason" required maxlength="500" rows="3" style="${new Html(FIELD)}">${reason ?? ''}</textarea>${submit('Reject lead', '#b42318')}</form>`;
}

/** The page for a link: a confirmation with the forms, or the outcome of an action, or why the link does not work. */
export function linkPage(input: LinkPageInput): string {
  const blocks: Html[] = [heading(input.title), paragraph(input.message)];
  if (input.formError) {
    blocks.push(html`<p role="alert" style="margin:0 0 16px 0;color:#b42318;">${input.formError}</p>`);
  }
  if (input.lead) blocks.push(...summaryHtml(input.lead));
  if (input.forms) {
    const accept = acceptForm();
    const reject = rejectForm(input.reason);
    blocks.push(...(input.focus === 'reject' ? [reject, accept] : [accept, reject]));
  }
  const footer = [
    note(input.supplierName ? `Lead from ${input.supplierName}, sent by Lead Relay.` : 'Lead Relay'),
  ];
  return page(input.title, blocks, footer).value;
}
