import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys. A key is shown once at creation and stored only as its SHA-256 hash:
 * keys are 256 bits of randomness, so a fast hash is enough (no password
 * stretching needed), and the hash is the lookup key.
 */
export type ApiKeyKind = 'op' | 'sup' | 'ptr';

const TENANT_KEY = /^lr_(sup|ptr)_[A-Za-z0-9_-]{43}$/;

export function generateApiKey(kind: ApiKeyKind): string {
  return `lr_${kind}_${randomBytes(32).toString('base64url')}`;
}

/** `lr_sup_` plus 6 characters (36 of the key's 256 random bits): enough to tell keys apart, useless to guess the rest. */
export function apiKeyPrefix(key: string): string {
  return key.slice(0, 'lr_sup_'.length + 6);
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A supplier or partner key, by shape: checked before any lookup, so garbage never reaches the store. */
export function looksLikeTenantKey(key: string): boolean {
  return TENANT_KEY.test(key);
}

/** Constant-time comparison of two keys (by their hashes, so lengths always match). */
export function sameKey(a: string, b: string): boolean {
  return timingSafeEqual(Buffer.from(hashApiKey(a), 'hex'), Buffer.from(hashApiKey(b), 'hex'));
}
