import { FileError } from './errors';
import { assertUsableHeader, buildLayout } from './headers';
import { toRowResult } from './rows';
import { ByteSource, formatCount } from './source';
import {
  type FileLayout,
  type FileLimits,
  fileLimits,
  type OpenFile,
  type ReadLeadRowsOptions,
  type RowResult,
} from './types';
import { excelDate, type NumberStyle, numberStyle, numberText, unescapeOoxml } from './xlsx-values';
import { type XmlBudget, xmlEntry } from './xml';
import { type EntryHandler, ZipScanner } from './zip';

/**
 * XLSX, streamed. An .xlsx file is a ZIP of XML parts; the rows of the first worksheet
 * need the shared strings and the styles, which Excel stores AFTER the worksheet. So:
 * pass 1 reads the workbook, its relationships, the shared strings and the styles
 * (passing over the worksheet's bytes without inflating them); if the worksheet came
 * after all of them it is read in that same pass, else pass 2 opens the file again and
 * reads only the worksheet. Memory holds the shared strings table (as any XLSX reader
 * must) and one step of rows, never the sheet; every one of them is bounded by the
 * read's FileLimits (a ZIP of a few MB can inflate to GBs of XML).
 */

const DEFAULT_SHARED_STRINGS = 'xl/sharedstrings.xml';
const DEFAULT_STYLES = 'xl/styles.xml';

const count = formatCount;
/** Sheets, relationships and cell formats a workbook may list (Excel allows 64,000 cell formats). */
const MAX_PARTS_ENTRIES = 65_536;

function tooManyEntries(part: string): FileError {
  return new FileError(
    'unreadable',
    `The workbook is damaged (${part} lists more than ${count(MAX_PARTS_ENTRIES)} entries)`,
  );
}

interface Book {
  workbookPath: string;
  rootRelsRead: boolean;
  workbookRead: boolean;
  relsRead: boolean;
  /** `r:id` of each sheet, in the workbook's order. */
  sheetIds: string[];
  date1904: boolean;
  rels: Map<string, { type: string; path: string }>;
  /** After the relationships: the part's path, or null when the workbook has none. */
  sheetPath?: string | null;
  sharedStringsPath?: string | null;
  stylesPath?: string | null;
  sharedStrings: string[];
  sharedStringsFrom?: string;
  styles: (NumberStyle | undefined)[];
  stylesFrom?: string;
  /** The worksheet went by before everything it needs was read. */
  sheetPassed: boolean;
  sheetDone: boolean;
  limits: FileLimits;
  /** The current pass's inflated bytes. */
  budget: XmlBudget;
}

function partName(name: string): string {
  return name.replace(/\\/g, '/').replace(/^\/+/, '').toLowerCase();
}

function folderOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash + 1);
}

function relsPathOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return `${path.slice(0, slash + 1)}_rels/${path.slice(slash + 1)}.rels`;
}

/** A relationship target resolved against the folder of the part that names it. */
function resolveTarget(folder: string, target: string): string {
  const segments = (target.startsWith('/') ? target : folder + target).split('/');
  const out: string[] = [];
  for (const segment of segments) {
    if (segment === '..') out.pop();
    else if (segment !== '.' && segment !== '') out.push(segment);
  }
  return partName(out.join('/'));
}

function attribute(attributes: Record<string, string>, local: string): string | undefined {
  if (attributes[local] !== undefined) return attributes[local];
  for (const [key, value] of Object.entries(attributes)) if (key.endsWith(`:${local}`)) return value;
  return undefined;
}

/** The workbook's parts, once both the workbook and its relationships are read. */
function settle(book: Book): void {
  if (!book.workbookRead || !book.relsRead) return;
  const of = (suffix: string) => [...book.rels.values()].find((r) => r.type.endsWith(suffix))?.path ?? null;
  const sheet = book.sheetIds.map((id) => book.rels.get(id)).find((r) => r?.type.endsWith('/worksheet'));
  book.sheetPath = sheet?.path ?? null;
  book.sharedStringsPath = of('/sharedStrings');
  book.stylesPath = of('/styles');
}

function ready(book: Book): boolean {
  return (
    typeof book.sheetPath === 'string' &&
    book.sharedStringsPath !== undefined &&
    (book.sharedStringsPath === null || book.sharedStringsFrom === book.sharedStringsPath) &&
    book.stylesPath !== undefined &&
    (book.stylesPath === null || book.stylesFrom === book.stylesPath)
  );
}

function rootRelsReader(book: Book): EntryHandler {
  return xmlEntry(
    '_rels/.rels',
    {
      open(name, attributes) {
        if (name !== 'Relationship') return;
        const type = attribute(attributes, 'Type') ?? '';
        const target = attribute(attributes, 'Target');
        if (type.endsWith('/officeDocument') && target) book.workbookPath = resolveTarget('', target);
      },
      end() {
        book.rootRelsRead = true;
      },
    },
    book.budget,
  );
}

function workbookReader(book: Book): EntryHandler {
  return xmlEntry(
    book.workbookPath,
    {
      open(name, attributes) {
        if (name === 'sheet') {
          const id = attribute(attributes, 'id');
          if (book.sheetIds.length >= MAX_PARTS_ENTRIES) throw tooManyEntries(book.workbookPath);
          if (id) book.sheetIds.push(id);
        } else if (name === 'workbookPr') {
          const value = attribute(attributes, 'date1904');
          book.date1904 = value === '1' || value === 'true';
        }
      },
      end() {
        book.workbookRead = true;
        settle(book);
      },
    },
    book.budget,
  );
}

function workbookRelsReader(book: Book): EntryHandler {
  const folder = folderOf(book.workbookPath);
  return xmlEntry(
    relsPathOf(book.workbookPath),
    {
      open(name, attributes) {
        if (name !== 'Relationship') return;
        const id = attribute(attributes, 'Id');
        const target = attribute(attributes, 'Target');
        if (!id || !target || attribute(attributes, 'TargetMode') === 'External') return;
        if (book.rels.size >= MAX_PARTS_ENTRIES) throw tooManyEntries(relsPathOf(book.workbookPath));
        book.rels.set(id, { type: attribute(attributes, 'Type') ?? '', path: resolveTarget(folder, target) });
      },
      end() {
        book.relsRead = true;
        settle(book);
      },
    },
    book.budget,
  );
}

/**
 * Shared strings: plain or rich text (runs concatenated), phonetic guides (`rPh`) left
 * out. The table is the one thing a reader must hold whole, so it is bounded: past
 * `sharedStrings` entries or `sharedStringChars` characters the file is refused; a
 * string past `cellChars` is kept one character too long, so the cell that uses it is
 * a row error (Excel itself holds no longer cell).
 */
function sharedStringsReader(book: Book, path: string): EntryHandler {
  const { sharedStrings: maxStrings, sharedStringChars: maxChars, cellChars } = book.limits;
  const strings: string[] = [];
  let chars = 0;
  let text = '';
  let capture = false;
  let phonetic = 0;
  const refuse = (what: string) =>
    new FileError(
      'too_large',
      `The workbook's shared strings table holds more than ${what}, the limit: save it as CSV, or split it`,
    );
  return xmlEntry(
    path,
    {
      open(name) {
        if (name === 'si') text = '';
        else if (name === 'rPh') phonetic++;
        else if (name === 't' && phonetic === 0) capture = true;
      },
      text(value) {
        if (!capture || text.length > cellChars) return;
        const kept =
          value.length > cellChars + 1 - text.length ? value.slice(0, cellChars + 1 - text.length) : value;
        chars += kept.length;
        if (chars > maxChars) throw refuse(`${count(maxChars)} characters`);
        text += kept;
      },
      close(name) {
        if (name === 't') capture = false;
        else if (name === 'rPh') phonetic--;
        else if (name === 'si') {
          if (strings.length >= maxStrings) throw refuse(`${count(maxStrings)} strings`);
          strings.push(unescapeOoxml(text));
        }
      },
      end() {
        book.sharedStrings = strings;
        book.sharedStringsFrom = path;
      },
    },
    book.budget,
  );
}

/** Styles: per cell format (`cellXfs`), how it shows numbers (dates, zero padding). */
function stylesReader(book: Book, path: string): EntryHandler {
  const formats = new Map<number, string>();
  const cellFormats: number[] = [];
  let inCellXfs = false;
  return xmlEntry(
    path,
    {
      open(name, attributes) {
        if (name === 'numFmt') {
          const id = Number(attribute(attributes, 'numFmtId'));
          const code = attribute(attributes, 'formatCode');
          if (formats.size >= MAX_PARTS_ENTRIES) throw tooManyEntries(path);
          if (Number.isInteger(id) && code !== undefined) formats.set(id, code);
        } else if (name === 'cellXfs') inCellXfs = true;
        else if (name === 'xf' && inCellXfs) {
          if (cellFormats.length >= MAX_PARTS_ENTRIES) throw tooManyEntries(path);
          cellFormats.push(Number(attribute(attributes, 'numFmtId') ?? 0));
        }
      },
      close(name) {
        if (name === 'cellXfs') inCellXfs = false;
      },
      end() {
        book.styles = cellFormats.map((id) => numberStyle(id, formats.get(id)));
        book.stylesFrom = path;
      },
    },
    book.budget,
  );
}

function columnIndex(ref: string): number {
  let n = 0;
  for (let i = 0; i < ref.length; i++) {
    const c = ref.charCodeAt(i) | 0x20;
    if (c < 0x61 || c > 0x7a) break;
    n = n * 26 + (c - 0x60);
  }
  return n - 1;
}

/** What a row held past the read's row bounds; the reader keeps only what fits. */
export interface RowOverflow {
  /** The row's cells, counted past `cellsPerRow` (the kept ones are the first `cellsPerRow`). */
  cells: number;
  /** Headers (or column letters) of cells longer than `cellChars`. */
  longCells: string[];
  /** The row's text passed `rowBytes` characters: later cells were not kept. */
  rowTooLarge: boolean;
}

/** Row errors for what a row held past its bounds (none when it fit). */
export function overflowProblems(overflow: RowOverflow, limits: FileLimits): string[] {
  const problems: string[] = [];
  if (overflow.cells > limits.cellsPerRow) {
    problems.push(
      `the row has ${count(overflow.cells)} cells, more than the limit of ${count(limits.cellsPerRow)}: cells past it were not read`,
    );
  }
  if (overflow.rowTooLarge) {
    problems.push(
      `the row holds more than ${count(limits.rowBytes)} characters, the limit: cells past it were not read`,
    );
  }
  for (const column of overflow.longCells.slice(0, 3)) {
    problems.push(
      `the cell in column ${JSON.stringify(column)} holds more than ${count(limits.cellChars)} characters, the limit`,
    );
  }
  if (overflow.longCells.length > 3) {
    problems.push(
      `and ${overflow.longCells.length - 3} more cells longer than ${count(limits.cellChars)} characters`,
    );
  }
  return problems;
}

function columnName(index: number): string {
  let n = index + 1;
  let name = '';
  while (n > 0) {
    name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
    n = Math.floor((n - 1) / 26);
  }
  return name;
}

/**
 * The worksheet's rows: each `<row>` as its row number and its cells' text, in column
 * order (gaps filled with empty strings). Formulas give their cached result, booleans
 * TRUE/FALSE, errors their code (`#N/A`), hyperlinks their text.
 *
 * A cell lands at its `r=` column, or after the previous cell when it has none; either
 * way no cell is kept past `cellsPerRow` (they are counted), no value past `cellChars`
 * + 1 characters and no row past `rowBytes` characters, so memory per row is bounded
 * whatever the XML says.
 */
function sheetReader(
  book: Book,
  path: string,
  onRow: (row: number, cells: string[], overflow: RowOverflow | undefined) => void,
  onEnd: () => void,
): EntryHandler {
  const { cellsPerRow, cellChars, rowBytes } = book.limits;
  let row = 0;
  let cells: string[] | undefined;
  let overflow: RowOverflow | undefined;
  let rowChars = 0;
  let column = 0;
  /** The current cell is past `cellsPerRow`: counted, not kept. */
  let dropped = false;
  let type = '';
  let style: NumberStyle | undefined;
  let value = '';
  let hasValue = false;
  let capture = false;
  let inInline = false;
  let phonetic = 0;

  const over = (): RowOverflow => {
    overflow ??= { cells: 0, longCells: [], rowTooLarge: false };
    return overflow;
  };

  function cellText(): string {
    if (!hasValue) return '';
    switch (type) {
      case 's':
        return book.sharedStrings[Number(value)] ?? '';
      case 'inlineStr':
        return unescapeOoxml(value);
      case 'str':
      case 'e':
        return unescapeOoxml(value);
      case 'b':
        return value.trim() === '1' || value.trim() === 'true' ? 'TRUE' : 'FALSE';
      case 'd':
        return value.trim().replace(/T00:00:00(\.0+)?Z?$/, '');
      default: {
        const text = value.trim();
        if (text === '') return '';
        const number = Number(text);
        if (!Number.isFinite(number)) return text;
        return style?.date ? excelDate(number, style.date, book.date1904) : numberText(number, style);
      }
    }
  }

  return xmlEntry(
    path,
    {
      open(name, attributes) {
        switch (name) {
          case 'row': {
            const r = Number(attributes.r);
            row = Number.isInteger(r) && r > 0 ? r : row + 1;
            cells = [];
            overflow = undefined;
            rowChars = 0;
            column = 0;
            break;
          }
          case 'c': {
            const ref = attributes.r;
            const at = ref ? columnIndex(ref) : column;
            if (at >= 0) column = at;
            dropped = column >= cellsPerRow;
            if (dropped) over().cells = Math.max(over().cells, column + 1);
            type = attributes.t ?? 'n';
            const s = attributes.s;
            style = s ? book.styles[Number(s)] : undefined;
            value = '';
            hasValue = false;
            break;
          }
          case 'v':
            capture = true;
            hasValue = true;
            break;
          case 'is':
            inInline = true;
            hasValue = true;
            break;
          case 'rPh':
            phonetic++;
            break;
          case 't':
            if (inInline && phonetic === 0) capture = true;
            break;
        }
      },
      text(text) {
        if (!capture || dropped || value.length > cellChars) return;
        value +=
          text.length > cellChars + 1 - value.length ? text.slice(0, cellChars + 1 - value.length) : text;
      },
      close(name) {
        switch (name) {
          case 'v':
          case 't':
            capture = false;
            break;
          case 'is':
            inInline = false;
            break;
          case 'rPh':
            phonetic--;
            break;
          case 'c':
            if (cells && !dropped) {
              let text = cellText();
              if (text.length > cellChars) {
                over().longCells.push(columnName(column));
                text = text.slice(0, cellChars);
              }
              rowChars += text.length;
              if (rowChars > rowBytes) over().rowTooLarge = true;
              else {
                while (cells.length < column) cells.push('');
                cells[column] = text;
              }
            }
            column++;
            break;
          case 'row':
            if (cells) onRow(row, cells, overflow);
            cells = undefined;
            overflow = undefined;
            break;
        }
      },
      end: onEnd,
    },
    book.budget,
  );
}

function newBook(limits: FileLimits): Book {
  return {
    limits,
    budget: { used: 0, maxBytes: limits.uncompressedBytes, maxNodeBytes: limits.xmlNodeBytes },
    workbookPath: 'xl/workbook.xml',
    rootRelsRead: false,
    workbookRead: false,
    relsRead: false,
    sheetIds: [],
    date1904: false,
    rels: new Map(),
    sharedStrings: [],
    styles: [],
    sheetPassed: false,
    sheetDone: false,
  };
}

/** Row 1 past the row bounds: no header names more columns than a worksheet holds. */
function headerTooLarge(overflow: RowOverflow, limits: FileLimits): FileError {
  const why =
    overflow.cells > limits.cellsPerRow
      ? `${count(overflow.cells)} cells, more than the limit of ${count(limits.cellsPerRow)}`
      : overflow.rowTooLarge
        ? `more than ${count(limits.rowBytes)} characters`
        : `a cell longer than ${count(limits.cellChars)} characters`;
  return new FileError('no_header', `Row 1 has ${why}: it must name the columns (Email, First Name, ...)`);
}

/** Why the first worksheet could not be reached, once the whole file has been read. */
function missingPart(book: Book): FileError {
  if (!book.workbookRead)
    return new FileError('unreadable', 'This is not an .xlsx workbook: it has no workbook part');
  if (!book.relsRead)
    return new FileError('unreadable', 'The workbook is damaged: its relationships part is missing');
  if (!book.sheetPath) return new FileError('unreadable', 'The workbook has no worksheet');
  if (book.sharedStringsPath && book.sharedStringsFrom !== book.sharedStringsPath) {
    return new FileError('unreadable', 'The workbook is damaged: its shared strings part is missing');
  }
  if (book.stylesPath && book.stylesFrom !== book.stylesPath) {
    return new FileError('unreadable', 'The workbook is damaged: its styles part is missing');
  }
  return new FileError('unreadable', 'The workbook is damaged: its first worksheet is missing');
}

/**
 * The rows of the first worksheet of an XLSX file. `source` is the stream already
 * opened (pass 1); `open` opens the file again when a second pass is needed. A resume
 * re-reads the sheet and skips the rows the checkpoint has consumed (an XLSX file has
 * no byte offset to resume from: its rows are compressed).
 */
export async function* readXlsxRows(
  source: ByteSource,
  open: OpenFile,
  options: Pick<ReadLeadRowsOptions, 'requireEmail' | 'resume' | 'maxBytes' | 'mapping' | 'limits'>,
): AsyncGenerator<RowResult> {
  const { requireEmail, resume } = options;
  const limits = fileLimits(options.limits);
  const book = newBook(limits);
  const queue: RowResult[] = [];
  let layout: FileLayout | undefined = resume?.layout;
  const skipThrough = resume ? resume.rowsRead + 1 : 1;
  let sawRows = false;

  const onRow = (row: number, cells: string[], overflow: RowOverflow | undefined) => {
    if (!layout) {
      if (row !== 1) {
        throw new FileError('no_header', 'Row 1 is empty: it must name the columns (Email, First Name, ...)');
      }
      if (overflow) throw headerTooLarge(overflow, limits);
      layout = buildLayout('xlsx', cells, {}, options.mapping);
      assertUsableHeader(layout, requireEmail);
    }
    sawRows = true;
    if (row <= skipThrough) return;
    const problems = overflow ? overflowProblems(overflow, limits) : [];
    const result = toRowResult(
      cells,
      row,
      layout,
      requireEmail,
      { rowsRead: row - 1, layout },
      problems,
      Math.max(cells.length, overflow?.cells ?? 0),
    );
    if (result) queue.push(result);
  };
  const onEnd = () => {
    book.sheetDone = true;
    if (!sawRows && !layout) throw new FileError('empty', 'The first worksheet is empty');
  };

  const select = (name: string): EntryHandler | undefined => {
    const part = partName(name);
    if (!book.rootRelsRead && part === '_rels/.rels') return rootRelsReader(book);
    if (!book.workbookRead && part === book.workbookPath) return workbookReader(book);
    if (!book.relsRead && part === relsPathOf(book.workbookPath)) return workbookRelsReader(book);
    const sharedStrings =
      book.sharedStringsPath === undefined ? DEFAULT_SHARED_STRINGS : book.sharedStringsPath;
    if (part === sharedStrings && book.sharedStringsFrom !== part) return sharedStringsReader(book, part);
    const styles = book.stylesPath === undefined ? DEFAULT_STYLES : book.stylesPath;
    if (part === styles && book.stylesFrom !== part) return stylesReader(book, part);
    if (
      !book.sheetDone &&
      (book.sheetPath === undefined ? /(^|\/)worksheets\//.test(part) : part === book.sheetPath)
    ) {
      if (ready(book) && part === book.sheetPath) return sheetReader(book, part, onRow, onEnd);
      book.sheetPassed = true;
    }
    return undefined;
  };

  let current = source;
  for (let pass = 1; pass <= 2; pass++) {
    const zip = new ZipScanner(select);
    book.sheetPassed = false;
    book.budget.used = 0;
    try {
      let stop = false;
      for await (const chunk of current.chunks()) {
        for (const _step of zip.push(chunk, false)) {
          while (queue.length > 0) yield queue.shift() as RowResult;
          // Done, or pass 1 has all it needs and the worksheet is behind it: pass 2.
          stop = book.sheetDone || (book.sheetPassed && ready(book));
          if (stop) break;
        }
        if (stop) break;
      }
      if (!stop) zip.finish();
      while (queue.length > 0) yield queue.shift() as RowResult;
    } finally {
      current.close();
    }
    if (book.sheetDone) return;
    if (pass === 2 || !ready(book)) throw missingPart(book);
    current = new ByteSource(await open(), 0, options.maxBytes);
  }
}
