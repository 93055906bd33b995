import { isAscii, isUtf8 } from 'node:buffer';
import { pipeline, Readable } from 'node:stream';
import { type CsvError, parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { FileError } from './errors';
import { assertUsableHeader, buildLayout } from './headers';
import { toRowResult } from './rows';
import type { ByteSource } from './source';
import { formatBytes, formatCount } from './source';
import {
  type CsvDelimiter,
  type FileEncoding,
  type FileLayout,
  fileLimits,
  type ReadLeadRowsOptions,
  type RowResult,
} from './types';

/** How much of the file's start is looked at for the encoding and the delimiter. */
export const CSV_SAMPLE_BYTES = 64 * 1024;
const UTF8_BOM = [0xef, 0xbb, 0xbf];
const DELIMITERS: readonly CsvDelimiter[] = [',', ';', '\t'];

/** The CSV file's start, as the detection saw it. */
interface CsvStart {
  encoding: FileEncoding;
  delimiter: CsvDelimiter;
  bomLength: number;
}

/**
 * Encoding and delimiter from the first bytes: a UTF-8 BOM or valid UTF-8 is UTF-8,
 * anything else is Windows-1252 (what Excel writes for "CSV" on a western Windows);
 * the delimiter is whichever of `,` `;` tab occurs most in the header record outside
 * quotes (a comma when none does).
 */
export function detectCsvStart(sample: Uint8Array): CsvStart {
  const bomLength = UTF8_BOM.every((b, i) => sample[i] === b) ? 3 : 0;
  const body = sample.subarray(bomLength);
  let encoding: FileEncoding = 'utf-8';
  if (!bomLength) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(body, { stream: true });
    } catch {
      encoding = 'windows-1252';
    }
  }
  const counts = new Map<number, number>();
  let quoted = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i] as number;
    if (byte === 0x22) quoted = !quoted;
    else if (!quoted && (byte === 0x0a || byte === 0x0d)) break;
    else if (!quoted) counts.set(byte, (counts.get(byte) ?? 0) + 1);
  }
  let delimiter: CsvDelimiter = ',';
  let best = 0;
  for (const candidate of DELIMITERS) {
    const count = counts.get(candidate.charCodeAt(0)) ?? 0;
    if (count > best) [delimiter, best] = [candidate, count];
  }
  return { encoding, delimiter, bomLength };
}

/**
 * Cells are parsed as bytes and decoded one by one: offsets stay those of the original
 * file, and a UTF-8 file with a stray Windows-1252 cell further down (a file pasted
 * together) still reads that cell correctly instead of as U+FFFD.
 */
function cellDecoder(encoding: FileEncoding): (cell: Buffer) => string {
  if (encoding === 'windows-1252') {
    return (cell) => (isAscii(cell) ? cell.toString('latin1') : iconv.decode(cell, 'windows-1252'));
  }
  return (cell) => (isUtf8(cell) ? cell.toString('utf8') : iconv.decode(cell, 'windows-1252'));
}

/** Whether a whole file holds nothing but whitespace (after a BOM, if any): an empty file. */
export function isBlank(bytes: Uint8Array): boolean {
  const body = UTF8_BOM.every((b, i) => bytes[i] === b) ? bytes.subarray(3) : bytes;
  return body.every((b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0c || b === 0x0b);
}

/**
 * Where the current record started, counted as the parser counts (a quote opens a
 * value only at its start, `""` inside quotes is a quote, a line end outside quotes
 * ends the record). The parser bounds one value (`max_record_size`) but not a record
 * of countless short values, whose cells it would hold until the record ends; this
 * scan finds, before the parser sees them, the first byte past `maxBytes` of one record.
 */
export class RecordSizeGuard {
  private quoting = false;
  private pendingQuote = false;
  private atFieldStart = true;
  private size = 0;

  constructor(
    private readonly delimiter: number,
    private readonly maxBytes: number,
  ) {}

  /** The index in `chunk` of the first byte past the bound, or -1 when every record in it fits. */
  scan(chunk: Uint8Array): number {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (++this.size > this.maxBytes) return i;
      if (this.pendingQuote) {
        this.pendingQuote = false;
        if (b === 0x22) continue;
        this.quoting = false;
      }
      if (this.quoting) {
        if (b === 0x22) this.pendingQuote = true;
        continue;
      }
      if (b === 0x0a || b === 0x0d) {
        this.size = 0;
        this.atFieldStart = true;
      } else if (b === this.delimiter) this.atFieldStart = true;
      else {
        if (b === 0x22 && this.atFieldStart) this.quoting = true;
        this.atFieldStart = false;
      }
    }
    return -1;
  }
}

/**
 * The rows of a CSV file, streamed. A fresh read detects the encoding and delimiter
 * and reads the header; a resumed read (`resume.byteOffset`) was opened at that offset,
 * has no header, and uses the layout stored in the checkpoint.
 */
export async function* readCsvRows(
  source: ByteSource,
  options: Pick<ReadLeadRowsOptions, 'requireEmail' | 'resume' | 'mapping' | 'limits'>,
): AsyncGenerator<RowResult> {
  const { resume, requireEmail } = options;
  const limits = fileLimits(options.limits);
  const fromOffset = resume?.byteOffset !== undefined;
  let layout: FileLayout | undefined;
  let start: CsvStart;
  /** Offset in the original file of the first byte handed to the parser. */
  let base: number;
  let nextRow: number;
  /** Rows up to this one were consumed before (a resume without a byte offset re-reads them). */
  let skipThrough = 0;

  if (resume && fromOffset) {
    layout = resume.layout;
    start = { encoding: layout.encoding ?? 'utf-8', delimiter: layout.delimiter ?? ',', bomLength: 0 };
    base = resume.byteOffset ?? 0;
    nextRow = resume.rowsRead + 2;
  } else {
    const { bytes } = await source.peek(CSV_SAMPLE_BYTES);
    if (bytes.subarray(0, 4096).includes(0)) {
      throw new FileError(
        'unsupported_format',
        'This is not a text file: upload a CSV file or an .xlsx workbook',
      );
    }
    start = detectCsvStart(bytes);
    base = start.bomLength;
    nextRow = 1;
    if (resume) {
      layout = resume.layout;
      skipThrough = resume.rowsRead + 1;
    }
  }

  const decode = cellDecoder(start.encoding);
  // A parse error must not cost the records parsed before it (a stream error would drop
  // them from the parser's buffer): errors are taken through `on_skip`, feeding stops,
  // and the records before the error are consumed first.
  let failure: { error: CsvError; records: number } | undefined;
  /** Offset in the original file where feeding stopped: a record there passed `rowBytes`. */
  let cutAt: number | undefined;
  const guard = new RecordSizeGuard(start.delimiter.charCodeAt(0), limits.rowBytes);
  const parser = parse({
    delimiter: start.delimiter,
    bom: false,
    encoding: null,
    info: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: false,
    max_record_size: limits.rowBytes,
    skip_records_with_error: true,
    on_skip: (error) => {
      if (error && !failure) failure = { error, records: parser.info.records };
      return undefined;
    },
  });
  const feed = Readable.from(
    (async function* () {
      let offset = base;
      for await (const chunk of source.chunks(start.bomLength)) {
        if (failure) return;
        const past = guard.scan(chunk);
        if (past !== -1) {
          // The parser gets the record's first `rowBytes`, ends there, and that last record is the row error.
          cutAt = offset + past;
          if (past > 0) yield chunk.subarray(0, past);
          return;
        }
        offset += chunk.length;
        yield chunk;
      }
    })(),
    { objectMode: false },
  );
  pipeline(feed, parser, () => {
    // Errors reach the consumer through the parser's iterator.
  });

  let lastOffset = base;
  let records = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Buffer[];
      info: { bytes: number };
    }>) {
      if (failure && ++records > failure.records) break;
      // The record the feed cut short: reported below, never read as a lead.
      if (cutAt !== undefined && base + info.bytes >= cutAt) break;
      const row = nextRow++;
      lastOffset = base + info.bytes;
      const cellCount = record.length;
      const cells = (cellCount > limits.cellsPerRow ? record.slice(0, limits.cellsPerRow) : record).map(
        decode,
      );
      if (!layout) {
        if (cellCount > limits.cellsPerRow) {
          throw new FileError(
            'no_header',
            `Row 1 has ${formatCount(cellCount)} cells, more than the limit of ${formatCount(limits.cellsPerRow)}: it must name the columns (Email, First Name, ...)`,
          );
        }
        layout = buildLayout(
          'csv',
          cells,
          { encoding: start.encoding, delimiter: start.delimiter },
          options.mapping,
        );
        assertUsableHeader(layout, requireEmail);
        continue;
      }
      if (row === 1 || row <= skipThrough) continue;
      const problems =
        cellCount > limits.cellsPerRow
          ? [
              `the row has ${formatCount(cellCount)} cells, more than the limit of ${formatCount(limits.cellsPerRow)}: cells past it were not read`,
            ]
          : [];
      const result = toRowResult(
        cells,
        row,
        layout,
        requireEmail,
        { rowsRead: row - 1, byteOffset: lastOffset, layout },
        problems,
        cellCount,
      );
      if (result) yield result;
    }
  } finally {
    parser.destroy();
    feed.destroy();
  }
  if (!failure && cutAt === undefined) return;
  const row = nextRow;
  const error = failure?.error;
  if (cutAt === undefined && error) {
    if (!layout || (error.code !== 'CSV_QUOTE_NOT_CLOSED' && error.code !== 'CSV_MAX_RECORD_SIZE')) {
      throw new FileError('unreadable', `Row ${row} cannot be read: ${error.message}`, { cause: error });
    }
  }
  if (!layout) {
    throw new FileError(
      'no_header',
      `Row 1 is larger than ${formatBytes(limits.rowBytes)}: it must name the columns`,
    );
  }
  if (row <= skipThrough) return;
  const message =
    error?.code === 'CSV_QUOTE_NOT_CLOSED'
      ? 'a quoted value starts in this row and its closing quote is missing: this row and the rest of the file could not be read'
      : `this row is larger than the limit of ${formatBytes(limits.rowBytes)} (often a quoted value whose closing quote is missing): this row and the rest of the file could not be read`;
  yield {
    row,
    ok: false,
    errors: [{ row, message }],
    checkpoint: { rowsRead: row - 2, byteOffset: lastOffset, layout },
  };
}
