import { FileError } from './errors';
import type { FileFormat } from './types';

const ZIP = [0x50, 0x4b, 0x03, 0x04];
/** OLE compound file: a legacy .xls, or any password-protected Office file. */
const OLE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

const UNSUPPORTED_EXTENSIONS: Record<string, string> = {
  xls: 'a legacy Excel 97-2003 workbook (.xls)',
  xlsb: 'a binary Excel workbook (.xlsb)',
  ods: 'an OpenDocument spreadsheet (.ods)',
  numbers: 'a Numbers spreadsheet',
  pdf: 'a PDF document',
  doc: 'a Word document',
  docx: 'a Word document',
  zip: 'a ZIP archive',
  gz: 'a gzip archive',
};

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

function extension(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

function unsupported(what: string): FileError {
  return new FileError(
    'unsupported_format',
    `This file is ${what}: save it as .xlsx or as CSV and upload it again`,
  );
}

/**
 * The format of a lead file: by its magic bytes first (`PK\x03\x04`, a ZIP, is XLSX),
 * else by its extension (`.xlsx`, `.xlsm`), else CSV (whatever the extension: `.csv`,
 * `.txt`, `.tsv` or none). Throws `FileError` `unsupported_format` for files it knows it
 * cannot read: legacy or encrypted Office files, OpenDocument, PDF, archives, UTF-16 text.
 */
export function detectFormat(fileName: string, firstBytes: Uint8Array): FileFormat {
  const ext = extension(fileName);
  if (startsWith(firstBytes, OLE)) {
    throw unsupported('a legacy .xls workbook or a password-protected Office file');
  }
  if (startsWith(firstBytes, [0x25, 0x50, 0x44, 0x46])) throw unsupported('a PDF document');
  if (startsWith(firstBytes, [0x1f, 0x8b])) throw unsupported('a gzip archive');
  if (startsWith(firstBytes, [0xff, 0xfe]) || startsWith(firstBytes, [0xfe, 0xff])) {
    throw unsupported('UTF-16 text (Excel\'s "Unicode Text")');
  }
  if (startsWith(firstBytes, ZIP)) {
    const other = UNSUPPORTED_EXTENSIONS[ext];
    if (other) throw unsupported(other);
    return 'xlsx';
  }
  if (ext === 'xlsx' || ext === 'xlsm') return 'xlsx';
  const other = UNSUPPORTED_EXTENSIONS[ext];
  if (other && firstBytes.length > 0) throw unsupported(other);
  return 'csv';
}
