import type { Readable } from 'node:stream';
import type { LeadRowsRead } from '@leadrelay/core';

// The rows, checkpoints and layouts a read yields are core's (ingest consumes them there).
export type {
  ColumnMapping,
  CsvDelimiter,
  FileCheckpoint,
  FileEncoding,
  FileFormat,
  FileLayout,
  MappingFor,
  RowError,
  RowResult,
  SkippedFooter,
} from '@leadrelay/core';

/** Opens the file, from `startByte` when given (a ranged read), else from its start. */
export type OpenFile = (startByte?: number) => Promise<NodeJS.ReadableStream | Readable>;

/** Options of {@link readLeadRows}. */
export interface ReadLeadRowsOptions extends LeadRowsRead {
  /** Tighter (or looser) bounds than {@link DEFAULT_FILE_LIMITS}. */
  limits?: Partial<FileLimits>;
}

/**
 * What one file may hold, so that a hostile or broken file costs bounded memory
 * whatever its bytes say. A file past a file-wide bound is refused (`FileError`
 * `too_large`, `unreadable`); a row past a row bound is a row error, and the read goes on.
 */
export interface FileLimits {
  /** XLSX: bytes the parts read (worksheet, shared strings, styles, workbook) may inflate to, together. */
  uncompressedBytes: number;
  /** XLSX: entries of the shared strings table. */
  sharedStrings: number;
  /** XLSX: characters of the shared strings table, together. */
  sharedStringChars: number;
  /** XLSX: bytes of one XML element or text between two parser events (a tag or a value). */
  xmlNodeBytes: number;
  /** Cells of one row; more is a row error (the header row: the file is refused). */
  cellsPerRow: number;
  /** Characters of one cell (Excel's own limit); a longer cell is a row error. */
  cellChars: number;
  /** Bytes (CSV) or characters (XLSX) of one row; a larger row is a row error. */
  rowBytes: number;
}

export const DEFAULT_FILE_LIMITS: FileLimits = {
  uncompressedBytes: 1024 ** 3,
  sharedStrings: 2_000_000,
  sharedStringChars: 100_000_000,
  xmlNodeBytes: 1024 * 1024,
  cellsPerRow: 16_384,
  cellChars: 32_767,
  rowBytes: 1024 * 1024,
};

/** The limits of one read: the defaults with the caller's changes. */
export function fileLimits(limits: Partial<FileLimits> | undefined): FileLimits {
  return { ...DEFAULT_FILE_LIMITS, ...limits };
}
