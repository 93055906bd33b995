import { generateApiKey, hashApiKey, looksLikeTenantKey, sameKey } from '@leadrelay/core';
import { describe, expect, it } from 'vitest';

describe('API keys', () => {
  it('generates distinct keys that name their kind', () => {
    const a = generateApiKey('sup');
    const b = generateApiKey('sup');
    expect(a).toMatch(/^lr_sup_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(generateApiKey('ptr')).toMatch(/^lr_ptr_/);
  });

  it('hashes a key to a stable SHA-256 hex digest that does not contain the key', () => {
    const key = generateApiKey('ptr');
    expect(hashApiKey(key)).toBe(hashApiKey(key));
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(key)).not.toContain(key.slice(7));
  });

  it('recognises tenant keys by shape only', () => {
    expect(looksLikeTenantKey(generateApiKey('sup'))).toBe(true);
    expect(looksLikeTenantKey(`${generateApiKey('sup')}x`)).toBe(false);
    expect(looksLikeTenantKey(generateApiKey('op'))).toBe(false);
    expect(looksLikeTenantKey('lr_sup_short')).toBe(false);
  });

  it('compares keys of different lengths without throwing', () => {
    expect(sameKey('a', 'a')).toBe(true);
    expect(sameKey('a', 'ab')).toBe(false);
  });
});
