import type { SummaryRow } from './summary';
import { escapeHtml, safeUrl } from './text';

/**
 * Email HTML, safe by default: the `html` tag escapes every interpolated value
 * unless it is already `Html` built by this module. The layout is what email
 * clients render reliably: tables, inline styles, no images, no external
 * resources, no script; buttons are links styled as buttons.
 */

/** A fragment of HTML that is already safe to place as is. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Interpolation = string | number | Html | Html[];

function render(value: Interpolation): string {
  if (Array.isArray(value)) return value.map(render).join('');
  return value instanceof Html ? value.value : escapeHtml(String(value));
}

/** Tagged template: literal parts pass through, every interpolation is escaped (Html fragments excepted). */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  return new Html(strings.reduce((out, s, i) => out + render(values[i - 1] ?? '') + s));
}

const FONT = 'font-family:Arial,Helvetica,sans-serif;';
const TEXT = `${FONT}font-size:15px;line-height:22px;color:#1f2933;`;
const MUTED = `${FONT}font-size:12px;line-height:18px;color:#616e7c;`;
const TABLE = 'role="presentation" cellpadding="0" cellspacing="0" border="0"';

/** A paragraph of text. */
export function paragraph(content: string | Html, style = TEXT): Html {
  return html`<p style="margin:0 0 16px 0;${new Html(style)}">${content}</p>`;
}

/** A small muted note. */
export function note(content: string | Html): Html {
  return paragraph(content, MUTED);
}

/** A sub-heading. */
export function heading(content: string): Html {
  return html`<h2 style="margin:8px 0 8px 0;${new Html(FONT)}font-size:16px;line-height:22px;color:#1f2933;">${content}</h2>`;
}

/** Label/value rows as a two-column table. */
export function rowsTable(rows: SummaryRow[]): Html {
  const cell = 'padding:6px 8px;border-bottom:1px solid #e4e7eb;vertical-align:top;';
  const trs = rows.map(
    (r) =>
      html`<tr><td style="${new Html(cell)}${new Html(FONT)}font-size:14px;color:#616e7c;width:35%;">${r.label}</td><td style="${new Html(cell)}${new Html(FONT)}font-size:14px;color:#1f2933;">${r.value}</td></tr>`,
  );
  return html`<table ${new Html(TABLE)} width="100%" style="border-collapse:collapse;margin:0 0 16px 0;">${trs}</table>`;
}

/** A link drawn as a button (a bulletproof table cell, no image). */
export function button(label: string, url: string, color = '#1a7f37'): Html {
  const c = new Html(color);
  return html`<table ${new Html(TABLE)} style="margin:8px 0 16px 0;"><tr><td align="center" bgcolor="${c}" style="border-radius:4px;background-color:${c};"><a href="${safeUrl(url)}" target="_blank" rel="noopener" style="display:inline-block;padding:12px 32px;${new Html(FONT)}font-size:16px;font-weight:bold;color:#ffffff;text-decoration:none;border-radius:4px;">${label}</a></td></tr></table>`;
}

/** A plain text link. */
export function link(label: string, url: string, color = '#1f5fbf'): Html {
  return html`<a href="${safeUrl(url)}" target="_blank" rel="noopener" style="color:${new Html(color)};text-decoration:underline;">${label}</a>`;
}

/** The whole document: a centred 600px card on a light background. */
export function page(title: string, blocks: Html[], footer: Html[]): Html {
  return html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head>
<body style="margin:0;padding:0;background-color:#f4f5f7;">
<table ${new Html(TABLE)} width="100%" style="background-color:#f4f5f7;"><tr><td align="center" style="padding:24px 12px;">
<table ${new Html(TABLE)} width="600" style="width:100%;max-width:600px;background-color:#ffffff;border:1px solid #dde1e6;border-radius:6px;">
<tr><td style="padding:24px 28px 8px 28px;">${blocks}</td></tr>
<tr><td style="padding:8px 28px 24px 28px;border-top:1px solid #e4e7eb;">${footer}</td></tr>
</table>
</td></tr></table>
</body></html>
`;
}
