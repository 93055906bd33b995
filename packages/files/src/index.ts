/**
 * Lead files in, validated rows out, streaming: CSV (UTF-8 or Windows-1252, `,` `;` or
 * tab) and XLSX (the first worksheet). See {@link readLeadRows}.
 */
export { detectFormat } from './detect';
export { FileError, type FileErrorCode } from './errors';
export { matchHeader } from './headers';
export { readLeadRows } from './read';
export type {
  ColumnMapping,
  CsvDelimiter,
  FileCheckpoint,
  FileEncoding,
  FileFormat,
  FileLayout,
  FileLimits,
  OpenFile,
  ReadLeadRowsOptions,
  RowError,
  RowResult,
} from './types';
export { DEFAULT_FILE_LIMITS } from './types';
