/** Who is calling: every API key belongs to exactly one principal. */
export type Principal =
  | { kind: 'operator' }
  | { kind: 'supplier'; supplierId: string }
  | { kind: 'partner'; supplierId: string; partnerId: string };

export type PrincipalKind = Principal['kind'];

/** What the store keeps for a key (by hash); the key itself is never stored. */
export interface ApiKeyRecord {
  keyHash: string;
  /** The key's public id (a ULID), for listing and revoking; never the hash. */
  id: string;
  /** The key's first characters, for recognising it in a list (`lr_sup_AbC123`). */
  prefix: string;
  principal: Principal;
  createdAt: string;
  /** Set when the key is revoked; a revoked key authenticates nobody. */
  revokedAt?: string;
  /** When the key last authenticated a request, to the hour (recorded at most once an hour). */
  lastUsedAt?: string;
}
