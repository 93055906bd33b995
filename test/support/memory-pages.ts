import { type Page, type PageQuery, ValidationError } from '@leadrelay/core';

/**
 * Paging for the in-memory stores, as the DynamoDB stores page: by sort key,
 * `limit` items a page, and a cursor that is only good for the list it came
 * from (one of another list or tenant is refused, never used). The cursor holds
 * the last key taken, so items written between two pages neither repeat nor
 * shift the next page.
 */
export function keyedPage<T>(
  scope: string,
  entries: readonly { key: string; value: T }[],
  page: PageQuery,
  order: 'newest-first' | 'oldest-first' = 'newest-first',
): Page<T> {
  const after = decodeCursor(page.cursor, scope);
  const sorted = [...entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (order === 'newest-first') sorted.reverse();
  const rest =
    after === undefined
      ? sorted
      : sorted.filter(({ key }) => (order === 'newest-first' ? key < after : key > after));
  const taken = rest.slice(0, page.limit);
  const last = taken.at(-1);
  return {
    items: taken.map(({ value }) => value),
    nextCursor: last && rest.length > taken.length ? encodeCursor(scope, last.key) : null,
  };
}

function encodeCursor(scope: string, key: string): string {
  return Buffer.from(JSON.stringify({ s: scope, k: key }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string | undefined, scope: string): string | undefined {
  if (cursor === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const { s, k } = (typeof value === 'object' && value !== null ? value : {}) as { s?: unknown; k?: unknown };
  if (s !== scope || typeof k !== 'string') {
    throw new ValidationError('Invalid cursor: pass the nextCursor of the previous page unchanged', [
      { path: 'cursor', message: 'not a cursor of this list' },
    ]);
  }
  return k;
}
