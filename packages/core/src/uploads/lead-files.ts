import type { LeadInput, LeadTextField } from '../leads/lead';
import type { UploadMapping } from './schemas';

/*
 * A lead file as ingest reads it: the rows, their checkpoints and the file's layout.
 * packages/files produces them (CSV, XLSX) and the ingest use case consumes them through
 * the LeadFiles port; they live here because the reader depends on core, never the reverse.
 */

/** The file formats Lead Relay reads. */
export type FileFormat = 'csv' | 'xlsx';

/** The text encodings a CSV file may be in (detected from its first bytes). */
export type FileEncoding = 'utf-8' | 'windows-1252';

/** The CSV delimiters Lead Relay detects. */
export type CsvDelimiter = ',' | ';' | '\t';

/**
 * What one column of a lead file holds.
 * - `field`: a lead field (`score` included);
 * - `partner`: names the partner for the row (by id or name), kept out of the lead input;
 * - `fullName`: the whole name, split into first and last name (the first word, and the rest);
 * - `custom`: a custom field, named after the header;
 * - `ignored`: not read, with the reason (empty header, duplicate, bad custom field name, too many).
 */
export type ColumnMapping =
  | { kind: 'field'; field: LeadTextField | 'score' }
  | { kind: 'partner' }
  | { kind: 'fullName' }
  | { kind: 'custom'; name: string }
  | { kind: 'ignored'; reason: string };

/**
 * How a file is laid out, learnt from its first bytes and its header row and kept in
 * every checkpoint, so that a resumed read (which starts after the header) parses the
 * rest of the file the same way.
 */
export interface FileLayout {
  format: FileFormat;
  /** CSV only: the detected text encoding. */
  encoding?: FileEncoding;
  /** CSV only: the detected delimiter. */
  delimiter?: CsvDelimiter;
  /** The header row's cells, trimmed, as the person wrote them (`E-mail`, `Company Name`). */
  headers: string[];
  /** Per header index: the lead field it maps to. */
  columns: ColumnMapping[];
  /** A stable hash of the normalised header row (see headerRowHash): the key of a remembered mapping. */
  headerHash?: string;
  /** When an explicit mapping was applied: the indexes of the columns it named (read before matched ones). */
  mapped?: number[];
}

/**
 * The explicit column mapping for a header row, if there is one: asked once, with the
 * row's hash (see headerRowHash) and its cells, when row 1 is read.
 */
export type MappingFor = (headerHash: string, headers: readonly string[]) => UploadMapping | undefined;

/** Trailing lines of a report export (`Grand Totals (10 records)`, a copyright line), skipped rather than read as rows. */
export interface SkippedFooter {
  /** The spreadsheet rows of the footer, first and last (blank rows between them included). */
  fromRow: number;
  toRow: number;
  /** The footer's lines (the first cell of each that is not empty), shortened. */
  lines: string[];
}

/**
 * Where a read stands after a row, to continue later (e.g. in the next Lambda
 * invocation) without reading the same rows twice.
 */
export interface FileCheckpoint {
  /**
   * Rows consumed so far (data rows, header excluded): the spreadsheet row number of
   * the last consumed row minus 1. Blank rows count, as they do in a spreadsheet.
   */
  rowsRead: number;
  /** CSV: byte offset in the ORIGINAL file just after the last consumed record; resume with a ranged read from here. */
  byteOffset?: number;
  layout: FileLayout;
}

/** One problem with one row, as the upload report shows it. */
export interface RowError {
  /** The spreadsheet row number (the header is row 1). */
  row: number;
  /** The column's header as written in the file (`E-mail`), when the problem is in one column. */
  column?: string;
  message: string;
}

/**
 * One data row of a lead file: its validated lead input, or every problem found in it.
 * `row` is the number a person sees in a spreadsheet: the header is row 1, the first
 * data row is row 2. In a CSV file a quoted value may span lines; rows count records,
 * not lines, as a spreadsheet does when it opens the file.
 */
export type RowResult =
  | {
      row: number;
      ok: true;
      input: LeadInput;
      /** The row's partner column value, if any. */
      partner?: string;
      checkpoint: FileCheckpoint;
    }
  | {
      row: number;
      ok: false;
      errors: RowError[];
      checkpoint: FileCheckpoint;
      /** Set when the row could be a report footer line (see readLeadRows): its text, and whether it opens a footer. */
      footer?: { text: string; opens: boolean };
    };

/** Why a whole file cannot be read. A bad row is never a FileError: it is a row result with errors. */
export type FileErrorCode = 'empty' | 'no_header' | 'too_large' | 'unsupported_format' | 'unreadable';

/**
 * A problem with the whole file, not one row: nothing (more) can be read from it.
 * - `empty`: 0 bytes, or only whitespace;
 * - `no_header`: row 1 names no lead field (or no email column when an email is required);
 * - `too_large`: more bytes than `maxBytes`;
 * - `unsupported_format`: a legacy `.xls`, an encrypted workbook, UTF-16 text, another kind of file;
 * - `unreadable`: a corrupt workbook, or a CSV file that cannot be parsed.
 *
 * The upload of such a file fails with the code as its reason (never retried).
 */
export class FileError extends Error {
  override readonly name = 'FileError';
  readonly code: FileErrorCode;

  constructor(code: FileErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** How one read of a lead file goes (see readLeadRows in packages/files). */
export interface LeadRowsRead {
  /** The file's name, for its extension (the format is detected from the bytes first). */
  fileName: string;
  /** Distributed leads must have an email: a row without one is a row error, a file without an email column is refused. */
  requireEmail: boolean;
  /** Continue after this checkpoint (from a previous read of the same file). */
  resume?: FileCheckpoint;
  /** Refuse files larger than this many bytes (`FileError` `too_large`). */
  maxBytes?: number;
  /** The file's size in bytes when known (S3 `ContentLength`): checked against `maxBytes` before reading. */
  size?: number;
  /** An explicit column mapping for the file's header row (ignored on a resume: the checkpoint has the layout). */
  mapping?: MappingFor;
  /** Told of a report footer at the end of the file, whose lines were skipped (no result, no row error). */
  onFooter?: (footer: SkippedFooter) => void;
}
