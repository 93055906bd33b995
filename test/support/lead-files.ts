import { Readable } from 'node:stream';
import { FileError, type RowResult } from '@leadrelay/files';
import { strToU8, unzipSync, Zip, ZipDeflate, zipSync } from 'fflate';
import iconv from 'iconv-lite';
import { expect } from 'vitest';

/**
 * Fixture builders for lead files: CSV bytes in every shape suppliers send (BOM,
 * semicolons, tabs, quoted newlines, CRLF, Windows-1252) and XLSX workbooks zipped by
 * hand from the XML Excel writes (worksheet before shared strings and styles, as Excel
 * orders them), so the reader is tested against the format, not against its own writer.
 */

// ---------------------------------------------------------------- CSV

export interface CsvOptions {
  delimiter?: ',' | ';' | '\t';
  eol?: '\n' | '\r\n';
  bom?: boolean;
  encoding?: 'utf-8' | 'windows-1252';
  /** End the last record with a line break (default true). */
  trailingEol?: boolean;
}

function csvField(value: string, delimiter: string): string {
  return /["\r\n]/.test(value) || value.includes(delimiter) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The text of a CSV file: fields quoted only when they must be. */
export function csvText(rows: readonly (readonly string[])[], options: CsvOptions = {}): string {
  const { delimiter = ',', eol = '\n', trailingEol = true } = options;
  const body = rows.map((row) => row.map((v) => csvField(v, delimiter)).join(delimiter)).join(eol);
  return trailingEol ? body + eol : body;
}

/** The bytes of a CSV file, in the given encoding, with a UTF-8 BOM if asked. */
export function csvBytes(rows: readonly (readonly string[])[], options: CsvOptions = {}): Buffer {
  const text = csvText(rows, options);
  const body =
    options.encoding === 'windows-1252' ? iconv.encode(text, 'windows-1252') : Buffer.from(text, 'utf8');
  return options.bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body;
}

/** The header most tests use. */
export const LEAD_HEADER = ['Email', 'First Name', 'Last Name', 'Company', 'Lead Score', 'Region'];

/**
 * A realistic lead row for index `i`. With `errorEvery`, every `errorEvery`-th row
 * (i % errorEvery === errorEvery - 1) carries one problem, rotating through: invalid
 * email, missing email, over-long company, score not a number.
 */
export function leadRow(i: number, errorEvery = 0): string[] {
  const row = [
    `lead${i}@example.com`,
    `First${i}`,
    `Last${i}`,
    `Company ${i % 97}`,
    String(i % 101),
    `R${i % 5}`,
  ];
  if (errorEvery > 0 && i % errorEvery === errorEvery - 1) {
    const kind = Math.floor(i / errorEvery) % 4;
    if (kind === 0) row[0] = `lead${i}-at-example.com`;
    else if (kind === 1) row[0] = '';
    else if (kind === 2) row[3] = 'x'.repeat(300);
    else row[4] = 'high';
  }
  return row;
}

/** The error a `leadRow(i, errorEvery)` row must give: its column and the start of the message. */
export function expectedLeadRowError(i: number, errorEvery: number): { column: string; message: string } {
  const kind = Math.floor(i / errorEvery) % 4;
  if (kind === 0) return { column: 'Email', message: 'must be a valid email address' };
  if (kind === 1) return { column: 'Email', message: 'email is required for a distributed lead' };
  if (kind === 2) return { column: 'Company', message: 'must be at most 255 characters' };
  return { column: 'Lead Score', message: 'must be a whole number from 0 to 100' };
}

/**
 * A CSV stream of `rows` lead rows made on the fly, a few hundred rows per chunk, so
 * that nothing but the chunk in flight is ever in memory.
 */
export function generatedCsvStream(rows: number, rowsPerChunk = 500): Readable {
  let next = 0;
  return new Readable({
    read() {
      if (next === 0) {
        this.push(Buffer.from(`${LEAD_HEADER.join(',')}\n`));
      }
      if (next >= rows) {
        this.push(null);
        return;
      }
      const end = Math.min(rows, next + rowsPerChunk);
      let text = '';
      for (let i = next; i < end; i++) text += `${leadRow(i).join(',')}\n`;
      next = end;
      this.push(Buffer.from(text));
    },
  });
}

// ---------------------------------------------------------------- streams

/** A stream of `bytes` in chunks of `chunkSize` (small sizes split records, BOMs and UTF-8 sequences). */
export function streamOf(bytes: Uint8Array, chunkSize = 64 * 1024): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunkSize)
    chunks.push(Buffer.from(bytes.subarray(at, at + chunkSize)));
  return Readable.from(chunks);
}

/** An `open` over in-memory bytes that honours ranged reads and records them (like S3 GetObject with Range). */
export function opener(bytes: Uint8Array, chunkSize = 64 * 1024) {
  const calls: (number | undefined)[] = [];
  const open = async (startByte?: number) => {
    calls.push(startByte);
    return streamOf(bytes.subarray(startByte ?? 0), chunkSize);
  };
  return Object.assign(open, { calls });
}

/** Every result of a read, in order. */
export async function collect(rows: AsyncIterable<RowResult>): Promise<RowResult[]> {
  const out: RowResult[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

/** A result without its checkpoint, for comparing two reads of the same file. */
export function withoutCheckpoint(result: RowResult) {
  const { checkpoint: _checkpoint, ...rest } = result;
  return rest;
}

// ---------------------------------------------------------------- XLSX

/**
 * One cell: text, a number, a boolean, a date (formatted as a date), or the richer
 * things a worksheet holds.
 */
export type XlsxCell =
  | string
  | number
  | boolean
  | Date
  | null
  | { richText: string[] }
  | { inline: string }
  | { formula: string; result: string | number | boolean }
  | { hyperlink: string; text: string }
  | { number: number; format: 'zip' | 'decimal' | 'datetime' | 'percent' }
  | { error: string };

/** A worksheet: each entry a row (from row 1); `null` leaves the row out of the XML (a gap). */
export type XlsxRows = readonly (readonly XlsxCell[] | null)[];

export interface XlsxOptions {
  /**
   * Entry order in the ZIP: `excel` (worksheet before styles and shared strings, as
   * Excel writes it), or `parts-first` (everything the sheet needs before it).
   */
  order?: 'excel' | 'parts-first';
  /** Strings as shared strings (default) or inline. */
  strings?: 'shared' | 'inline';
  /** Stream the ZIP with data descriptors (sizes after the data), as streaming writers do. */
  dataDescriptors?: boolean;
  date1904?: boolean;
  /** A chart sheet or a second worksheet before/after the first worksheet. */
  otherSheets?: { before?: XlsxRows; after?: XlsxRows };
  /** Prefix every element of the worksheet (`x:row`), as some generators do. */
  prefixed?: boolean;
}

/** Styles: cellXfs index per kind of cell. */
const STYLE = { general: 0, date: 1, datetime: 2, zip: 3, decimal: 4, percent: 5 } as const;

const STYLES_XML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd\\ hh:mm"/><numFmt numFmtId="165" formatCode="00000"/></numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="9" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`;

function escapeXml(text: string): string {
  return text.replace(
    /[<>&"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] as string,
  );
}

function columnName(index: number): string {
  let n = index + 1;
  let name = '';
  while (n > 0) {
    const rem = (n - 1) % 26;
    name = String.fromCharCode(65 + rem) + name;
    n = Math.floor((n - 1) / 26);
  }
  return name;
}

/** Excel's serial number of a date (1900 system: days since 1899-12-30; 1904 system: since 1904-01-01). */
export function excelSerial(date: Date, date1904 = false): number {
  const epoch = date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, 30);
  return (date.getTime() - epoch) / 86_400_000;
}

class SharedStrings {
  readonly items: string[] = [];
  private readonly index = new Map<string, number>();
  add(xml: string): number {
    let at = this.index.get(xml);
    if (at === undefined) {
      at = this.items.length;
      this.items.push(xml);
      this.index.set(xml, at);
    }
    return at;
  }
  xml(): string {
    return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="${this.items.length}" uniqueCount="${this.items.length}">${this.items.map((i) => `<si>${i}</si>`).join('')}</sst>`;
  }
}

function sheetXml(
  rows: XlsxRows,
  options: XlsxOptions,
  strings: SharedStrings,
): { xml: string; links: string[] } {
  const p = options.prefixed ? 'x:' : '';
  const links: string[] = [];
  const hyperlinks: string[] = [];
  const text = (value: string, ref: string, style = ''): string => {
    if (options.strings === 'inline') {
      return `<${p}c r="${ref}"${style} t="inlineStr"><${p}is><${p}t xml:space="preserve">${escapeXml(value)}</${p}t></${p}is></${p}c>`;
    }
    const at = strings.add(`<t xml:space="preserve">${escapeXml(value)}</t>`);
    return `<${p}c r="${ref}"${style} t="s"><${p}v>${at}</${p}v></${p}c>`;
  };
  const cell = (value: XlsxCell, ref: string): string => {
    if (value === null) return '';
    if (typeof value === 'string') return text(value, ref);
    if (typeof value === 'number') return `<${p}c r="${ref}"><${p}v>${value}</${p}v></${p}c>`;
    if (typeof value === 'boolean') return `<${p}c r="${ref}" t="b"><${p}v>${value ? 1 : 0}</${p}v></${p}c>`;
    if (value instanceof Date) {
      return `<${p}c r="${ref}" s="${STYLE.date}"><${p}v>${excelSerial(value, options.date1904)}</${p}v></${p}c>`;
    }
    if ('richText' in value) {
      const runs = value.richText
        .map(
          (run, i) => `<r>${i % 2 ? '<rPr><b/></rPr>' : ''}<t xml:space="preserve">${escapeXml(run)}</t></r>`,
        )
        .join('');
      if (options.strings === 'inline') {
        return `<${p}c r="${ref}" t="inlineStr"><${p}is>${runs.replaceAll('<r>', `<${p}r>`).replaceAll('</r>', `</${p}r>`).replaceAll('<t ', `<${p}t `).replaceAll('</t>', `</${p}t>`).replaceAll('<rPr><b/></rPr>', '')}</${p}is></${p}c>`;
      }
      return `<${p}c r="${ref}" t="s"><${p}v>${strings.add(`${runs}<rPh sb="0" eb="1"><t>ふりがな</t></rPh>`)}</${p}v></${p}c>`;
    }
    if ('inline' in value) {
      return `<${p}c r="${ref}" t="inlineStr"><${p}is><${p}t>${escapeXml(value.inline)}</${p}t></${p}is></${p}c>`;
    }
    if ('formula' in value) {
      const { result } = value;
      const t = typeof result === 'string' ? ' t="str"' : typeof result === 'boolean' ? ' t="b"' : '';
      const v = typeof result === 'boolean' ? (result ? 1 : 0) : escapeXml(String(result));
      return `<${p}c r="${ref}"${t}><${p}f>${escapeXml(value.formula)}</${p}f><${p}v>${v}</${p}v></${p}c>`;
    }
    if ('hyperlink' in value) {
      links.push(value.hyperlink);
      hyperlinks.push(`<${p}hyperlink ref="${ref}" r:id="rId${links.length}"/>`);
      return text(value.text, ref);
    }
    if ('error' in value) return `<${p}c r="${ref}" t="e"><${p}v>${escapeXml(value.error)}</${p}v></${p}c>`;
    return `<${p}c r="${ref}" s="${STYLE[value.format]}"><${p}v>${value.number}</${p}v></${p}c>`;
  };
  const body = rows
    .map((row, i) => {
      if (row === null) return '';
      const r = i + 1;
      const cells = row.map((value, c) => cell(value, `${columnName(c)}${r}`)).join('');
      return `<${p}row r="${r}" spans="1:${Math.max(1, row.length)}">${cells}</${p}row>`;
    })
    .join('');
  const ns = options.prefixed ? 'xmlns:x' : 'xmlns';
  const xml = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<${p}worksheet ${ns}="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><${p}dimension ref="A1"/><${p}sheetViews><${p}sheetView workbookViewId="0"/></${p}sheetViews><${p}sheetFormatPr defaultRowHeight="15"/><${p}sheetData>${body}</${p}sheetData>${hyperlinks.length ? `<${p}hyperlinks>${hyperlinks.join('')}</${p}hyperlinks>` : ''}<${p}pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></${p}worksheet>`;
  return { xml, links };
}

/**
 * The bytes of an .xlsx workbook whose first worksheet holds `rows`, zipped by hand
 * from the parts Excel writes. Workbook order of sheets: `otherSheets.before` (a chart
 * sheet, which is not a worksheet), the lead sheet, `otherSheets.after`.
 */
export function xlsxBytes(rows: XlsxRows, options: XlsxOptions = {}): Uint8Array {
  const strings = new SharedStrings();
  const lead = sheetXml(rows, options, strings);
  const after = options.otherSheets?.after
    ? sheetXml(options.otherSheets.after, options, strings)
    : undefined;
  const chartFirst = options.otherSheets?.before !== undefined;
  const shared = options.strings !== 'inline';

  // Sheet files are numbered as Excel numbers them; the lead sheet is sheet2.xml when a
  // second worksheet comes first in the archive, to check the reader follows the workbook.
  const leadFile = after ? 'sheet2.xml' : 'sheet1.xml';
  const afterFile = 'sheet1.xml';
  const sheets = [
    ...(chartFirst ? [`<sheet name="Chart" sheetId="3" r:id="rId9"/>`] : []),
    `<sheet name="Leads" sheetId="1" r:id="rId1"/>`,
    ...(after ? [`<sheet name="Other" sheetId="2" r:id="rId2"/>`] : []),
  ];
  const workbook = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr${options.date1904 ? ' date1904="1"' : ''} defaultThemeVersion="166925"/><bookViews><workbookView xWindow="0" yWindow="0" windowWidth="28800" windowHeight="12300"/></bookViews><sheets>${sheets.join('')}</sheets><calcPr calcId="191029"/></workbook>`;
  const rel = (id: string, type: string, target: string) =>
    `<Relationship Id="${id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/${type}" Target="${target}"/>`;
  const workbookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${[
    rel('rId1', 'worksheet', `worksheets/${leadFile}`),
    after ? rel('rId2', 'worksheet', `worksheets/${afterFile}`) : '',
    chartFirst ? rel('rId9', 'chartsheet', 'chartsheets/sheet1.xml') : '',
    rel('rId3', 'theme', 'theme/theme1.xml'),
    rel('rId4', 'styles', 'styles.xml'),
    shared ? rel('rId5', 'sharedStrings', 'sharedStrings.xml') : '',
  ].join('')}</Relationships>`;
  const rootRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rel('rId1', 'officeDocument', 'xl/workbook.xml')}</Relationships>`;
  const sheetRels = (links: string[]) =>
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${links.map((l, i) => `<Relationship Id="rId${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="${escapeXml(l)}" TargetMode="External"/>`).join('')}</Relationships>`;
  const contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`;

  const parts: [string, string][] = [];
  const sheetParts: [string, string][] = [[`xl/worksheets/${leadFile}`, lead.xml]];
  if (lead.links.length) sheetParts.push([`xl/worksheets/_rels/${leadFile}.rels`, sheetRels(lead.links)]);
  if (after) sheetParts.unshift([`xl/worksheets/${afterFile}`, after.xml]);
  if (chartFirst) {
    sheetParts.unshift([
      'xl/chartsheets/sheet1.xml',
      '<?xml version="1.0"?><chartsheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>',
    ]);
  }
  const support: [string, string][] = [
    [
      'xl/theme/theme1.xml',
      '<?xml version="1.0"?><a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="Office Theme"/>',
    ],
    ['xl/styles.xml', STYLES_XML],
    ...(shared ? ([['xl/sharedStrings.xml', strings.xml()]] as [string, string][]) : []),
  ];
  parts.push(
    ['[Content_Types].xml', contentTypes],
    ['_rels/.rels', rootRels],
    ['xl/workbook.xml', workbook],
    ['xl/_rels/workbook.xml.rels', workbookRels],
  );
  if (options.order === 'parts-first') parts.push(...support, ...sheetParts);
  else parts.push(...sheetParts, ...support);
  parts.push([
    'docProps/core.xml',
    '<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"/>',
  ]);

  if (!options.dataDescriptors) {
    return zipSync(Object.fromEntries(parts.map(([name, xml]) => [name, strToU8(xml)])), { level: 6 });
  }
  const chunks: Uint8Array[] = [];
  const zip = new Zip((error, data) => {
    if (error) throw error;
    chunks.push(data);
  });
  for (const [name, xml] of parts) {
    const file = new ZipDeflate(name, { level: 6 });
    zip.add(file);
    file.push(strToU8(xml), true);
  }
  zip.end();
  return Buffer.concat(chunks);
}

/** A worksheet of `count` lead rows (header included), for resume and volume tests. */
export function leadSheet(count: number, errorEvery = 0): XlsxRows {
  const rows: XlsxCell[][] = [LEAD_HEADER];
  for (let i = 0; i < count; i++) {
    const [email, first, last, company, score, region] = leadRow(i, errorEvery) as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    rows.push([email, first, last, company, /^\d+$/.test(score) ? Number(score) : score, region]);
  }
  return rows;
}

/** Rows as plain objects: the input of a good row, the errors of a bad one, each with its row number. */
export function inputs(results: RowResult[]) {
  return results.map((r) => (r.ok ? { row: r.row, ...r.input } : { row: r.row, errors: r.errors }));
}

/** The FileError a promise rejects with (fails the test if it resolves or rejects otherwise). */
export async function fileError(promise: Promise<unknown>): Promise<FileError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FileError);
  return error as FileError;
}

// ---------------------------------------------------------------- hostile files

/**
 * A workbook from `xlsxBytes(rows)` with some of its parts replaced by the XML given
 * (streamed parts are generated chunk by chunk, so a part of hundreds of MB is never
 * held as one string); the ZIP keeps Excel's order (worksheet first).
 */
export function xlsxWithParts(
  rows: XlsxRows,
  parts: Record<string, string | (() => Iterable<string>)>,
): Uint8Array {
  const files = unzipSync(xlsxBytes(rows));
  const chunks: Uint8Array[] = [];
  const zip = new Zip((error, data) => {
    if (error) throw error;
    chunks.push(data);
  });
  for (const [name, original] of Object.entries(files)) {
    const file = new ZipDeflate(name, { level: 6 });
    zip.add(file);
    const replacement = parts[name];
    if (replacement === undefined) file.push(original, true);
    else if (typeof replacement === 'string') file.push(strToU8(replacement), true);
    else {
      let pending = '';
      for (const piece of replacement()) {
        pending += piece;
        if (pending.length >= 1 << 20) {
          file.push(strToU8(pending));
          pending = '';
        }
      }
      file.push(strToU8(pending), true);
    }
  }
  zip.end();
  return Buffer.concat(chunks);
}

const SPREADSHEET_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';

/** A shared strings part of `count` entries, each `<si>` holding `entry(i)`, generated as it is zipped. */
export function sharedStringsXml(count: number, entry: (i: number) => string = () => '<t>x</t>') {
  return function* () {
    yield `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="${SPREADSHEET_NS}" count="${count}" uniqueCount="${count}">`;
    for (let i = 0; i < count; i++) yield `<si>${entry(i)}</si>`;
    yield '</sst>';
  };
}

/**
 * A worksheet part whose rows are raw `<row>` XML (cells without `r=` included), with
 * inline strings, so it needs no shared strings: `rows()` yields each row's XML.
 */
export function sheetXmlOf(rows: () => Iterable<string>) {
  return function* () {
    yield `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="${SPREADSHEET_NS}"><sheetData>`;
    yield* rows();
    yield '</sheetData></worksheet>';
  };
}

/** An inline-string cell, with or without its `r=` reference. */
export function inlineCell(text: string, ref?: string): string {
  return `<c${ref ? ` r="${ref}"` : ''} t="inlineStr"><is><t>${text}</t></is></c>`;
}
