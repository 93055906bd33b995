/**
 * Lead files in, validated rows out, streaming: CSV (UTF-8 or Windows-1252, `,` `;` or
 * tab) and XLSX (the first worksheet). See {@link readLeadRows}.
 */
export { detectFormat } from './detect';
export { FileError, type FileErrorCode } from './errors';
export { headerRowHash, matchHeader, normaliseHeader } from './headers';
export { readLeadRows } from './read';
export { splitFullName } from './rows';
export type * from './types';
export { DEFAULT_FILE_LIMITS } from './types';
