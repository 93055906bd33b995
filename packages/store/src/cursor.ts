import { ValidationError } from '@leadrelay/core';

/**
 * Cursors are the LastEvaluatedKey, base64url-encoded. A cursor is only valid for
 * the partition it came from: one that names another partition (tampered, or
 * taken from another tenant's list) is refused, never used.
 */
export function encodeCursor(lastKey: Record<string, unknown> | undefined): string | null {
  return lastKey ? Buffer.from(JSON.stringify(lastKey), 'utf8').toString('base64url') : null;
}

export function decodeCursor(
  cursor: string | undefined,
  expected: { attribute: string; value: string },
): Record<string, unknown> | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const valid =
    typeof key === 'object' &&
    key !== null &&
    Object.values(key).every((v) => typeof v === 'string') &&
    (key as Record<string, unknown>)[expected.attribute] === expected.value;
  if (!valid) {
    throw new ValidationError('Invalid cursor: pass the nextCursor of the previous page unchanged', [
      { path: 'cursor', message: 'not a cursor of this list' },
    ]);
  }
  return key as Record<string, unknown>;
}
