/** Who is calling: every API key belongs to exactly one principal. */
export type Principal =
  | { kind: 'operator' }
  | { kind: 'supplier'; supplierId: string }
  | { kind: 'partner'; supplierId: string; partnerId: string };

export type PrincipalKind = Principal['kind'];

/** What the store keeps for a key (by hash); the key itself is never stored. */
export interface ApiKeyRecord {
  keyHash: string;
  principal: Principal;
  createdAt: string;
  /** Set when the key is revoked; a revoked key authenticates nobody. */
  revokedAt?: string;
}
