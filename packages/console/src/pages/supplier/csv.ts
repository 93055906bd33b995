/**
 * CSV in the browser: one cell quoted as RFC 4180 says (a quote doubled, the cell in quotes
 * when it holds a comma, a quote or a line break), and a spreadsheet's formula characters
 * (= + - @ at the start) disarmed with a leading apostrophe, so a header from an uploaded
 * file cannot run as a formula when the errors file is opened.
 */
export function csvCell(value: string | number | undefined | null): string {
  let text = value === undefined || value === null ? '' : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Rows to CSV text (CRLF line ends, as RFC 4180 and spreadsheets expect). */
export function toCsv(rows: readonly (readonly (string | number | undefined | null)[])[]): string {
  return `${rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/**
 * The header row of a CSV text (the first record; quoted cells may hold commas, quotes and
 * line breaks). A byte order mark is dropped. Empty when the text has no header.
 */
export function csvHeader(text: string): string[] {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') break;
    else cell += c;
  }
  cells.push(cell);
  const headers = cells.map((h) => h.trim());
  return headers.some(Boolean) ? headers : [];
}
