/** Attributes that belong to the item, not to the domain object it holds. */
const ITEM_ATTRIBUTES = new Set([
  'PK',
  'SK',
  'GSI1PK',
  'GSI1SK',
  'GSI2PK',
  'GSI2SK',
  'GSI3PK',
  'GSI3SK',
  ...[4, 5, 6, 7, 8, 9].flatMap((n) => [`GSI${n}PK`, `GSI${n}SK`]),
  'entity',
  'expiresAt',
]);

/** The domain object inside an item: everything but the keys, the entity tag and the TTL. */
export function fromItem<T>(item: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(item).filter(([k]) => !ITEM_ATTRIBUTES.has(k))) as T;
}
