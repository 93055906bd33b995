/**
 * Text safety for emails: HTML escaping, one-line display values, header-safe
 * subjects and link checks. Everything a lead (or a tenant) typed passes through
 * here before it reaches an email.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/**
 * Escapes `& < > " '` (and the backtick) so that a value is inert both as HTML
 * text and inside a double- or single-quoted attribute.
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** C0/C1 controls (CR, LF, TAB, NUL...), line/paragraph separators and bidi overrides. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;

/**
 * One display line: control characters, line breaks and bidi overrides become a
 * space, runs of spaces collapse, ends are trimmed. A value can then neither add
 * lines to the text part nor reorder what the reader sees.
 */
export function oneLine(value: string): string {
  return value.replace(UNSAFE_CHARS, ' ').replace(/ {2,}/g, ' ').trim();
}

/** The longest subject we write, in characters. */
export const MAX_SUBJECT_LENGTH = 150;

/**
 * A header-safe subject: one line (no CR/LF can start a new header) and at most
 * {@link MAX_SUBJECT_LENGTH} characters, cut on a code point with an ellipsis.
 */
export function subjectLine(value: string): string {
  const chars = Array.from(oneLine(value));
  if (chars.length <= MAX_SUBJECT_LENGTH) return chars.join('');
  return `${chars
    .slice(0, MAX_SUBJECT_LENGTH - 1)
    .join('')
    .trimEnd()}…`;
}

/**
 * Checks a link the system built (signed action links, console links): it must
 * be an absolute http(s) URL. Returns it normalised; throws otherwise, since a
 * bad link is a configuration bug, never something to send.
 */
export function safeUrl(url: string, name = 'url'): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${name} must be an absolute http(s) URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Error(`${name} must be an http(s) URL, not ${parsed.protocol}`);
  }
  return parsed.href;
}
