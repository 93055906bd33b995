/** Why a whole file cannot be read. A bad row is never a FileError: it is a row result with errors. */
export type FileErrorCode = 'empty' | 'no_header' | 'too_large' | 'unsupported_format' | 'unreadable';

/**
 * A problem with the whole file, not one row: nothing (more) can be read from it.
 * - `empty`: 0 bytes, or only whitespace;
 * - `no_header`: row 1 names no lead field (or no email column when an email is required);
 * - `too_large`: more bytes than `maxBytes`;
 * - `unsupported_format`: a legacy `.xls`, an encrypted workbook, UTF-16 text, another kind of file;
 * - `unreadable`: a corrupt workbook, or a CSV file that cannot be parsed.
 */
export class FileError extends Error {
  override readonly name = 'FileError';
  readonly code: FileErrorCode;

  constructor(code: FileErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
