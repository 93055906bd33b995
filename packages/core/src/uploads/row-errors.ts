import type { UploadRowErrors } from './schemas';

/**
 * The bounds of one rejected row's report. A row's errors are one table item
 * (DynamoDB refuses items over 400 KB) and one entry of the upload report, so
 * whatever a file holds, a row's errors stay a few KB: a hostile row costs a
 * short message, never an item that cannot be written.
 */
export const ROW_ERROR_LIMITS = {
  /** Characters of one message; a longer one ends with `…`. */
  messageChars: 500,
  /** Characters of the column's header as shown; a longer one ends with `…`. */
  columnChars: 255,
  /** Problems listed per row; the last entry then says how many more there were. */
  errorsPerRow: 20,
} as const;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** One row's problems within {@link ROW_ERROR_LIMITS}: messages and headers clipped, the list cut with a count. */
export function boundRowErrors(errors: UploadRowErrors['errors']): UploadRowErrors['errors'] {
  const { messageChars, columnChars, errorsPerRow } = ROW_ERROR_LIMITS;
  const bounded = errors
    .slice(0, errors.length > errorsPerRow ? errorsPerRow - 1 : errorsPerRow)
    .map((e) =>
      e.column === undefined
        ? { message: clip(e.message, messageChars) }
        : { column: clip(e.column, columnChars), message: clip(e.message, messageChars) },
    );
  if (errors.length > errorsPerRow) {
    bounded.push({ message: `and ${errors.length - bounded.length} more problems in this row` });
  }
  return bounded;
}
