import { CSV_SAMPLE_BYTES, isBlank, readCsvRows } from './csv';
import { detectFormat } from './detect';
import { FileError } from './errors';
import { withoutTrailingFooter } from './footer';
import { ByteSource, tooLarge } from './source';
import type { OpenFile, ReadLeadRowsOptions, RowResult } from './types';
import { readXlsxRows } from './xlsx';

/**
 * The rows of a lead file (CSV or the first worksheet of an XLSX), streamed: the file
 * is never held whole, rows are produced as the consumer pulls them (backpressure), and
 * nothing accumulates. Each result is one data row, validated as a `LeadInput`, or its
 * errors (row number, the column's header as written, a message); a bad row never stops
 * the read. Every result carries a checkpoint to resume from (CSV: a byte offset for a
 * ranged read; XLSX: the rows to skip on a re-read).
 *
 * A report export's trailing footer (`Grand Totals (10 records)`, a copyright line,
 * see footer.ts) yields no results: `onFooter` is told which rows it skipped. Only a
 * footer after the last data row is one; footer-like rows before a data row are
 * row errors. An explicit column mapping (`mapping`) is asked for when row 1 is read.
 *
 * Row numbers are what a person sees in a spreadsheet: the header is row 1, the first
 * data row is row 2; in CSV, records are counted, not lines (a quoted value may span
 * lines). A row whose cells are all empty is skipped silently: no result, no error, but
 * its number is used, so the next rows keep their spreadsheet numbers.
 *
 * Throws `FileError` for problems with the whole file: `empty`, `no_header`,
 * `too_large` (up front when `size` is given, else as soon as the stream passes
 * `maxBytes`: rows already yielded came from the file's first `maxBytes`),
 * `unsupported_format`, `unreadable`. Errors of the stream itself (network, S3) are
 * passed through as they are.
 *
 * @param open opens the file; called with a start byte to resume a CSV file. When a
 *   checkpoint is at the very end of the file, pass `size` so that no read past the end
 *   is asked for (S3 answers 416 to such a range).
 */
export function readLeadRows(open: OpenFile, options: ReadLeadRowsOptions): AsyncGenerator<RowResult> {
  return withoutTrailingFooter(readRows(open, options), options.onFooter);
}

async function* readRows(open: OpenFile, options: ReadLeadRowsOptions): AsyncGenerator<RowResult> {
  const { resume, maxBytes, size } = options;
  if (maxBytes !== undefined && size !== undefined && size > maxBytes) throw tooLarge(maxBytes);

  if (resume?.layout.format === 'csv' && resume.byteOffset !== undefined) {
    if (size !== undefined && resume.byteOffset >= size) return;
    const source = new ByteSource(await open(resume.byteOffset), resume.byteOffset, maxBytes);
    try {
      yield* readCsvRows(source, options);
    } finally {
      source.close();
    }
    return;
  }

  const source = new ByteSource(await open(), 0, maxBytes);
  try {
    const { bytes, ended } = await source.peek(CSV_SAMPLE_BYTES);
    if (ended && isBlank(bytes)) throw new FileError('empty', 'The file is empty');
    const format = detectFormat(options.fileName, bytes);
    if (resume && resume.layout.format !== format) {
      throw new FileError(
        'unreadable',
        `The checkpoint is for a ${resume.layout.format} file, this file is ${format}`,
      );
    }
    if (format === 'xlsx') yield* readXlsxRows(source, open, options);
    else yield* readCsvRows(source, options);
  } finally {
    source.close();
  }
}
