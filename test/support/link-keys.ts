import type { LinkKeys } from '@leadrelay/core';

/** Signing keys for tests: `k2` signs, `k1` (the one before a rotation) still verifies. */
export const testLinkKeys: LinkKeys = {
  current: { id: 'k2', secret: 'test-link-key-two-0123456789abcdef' },
  previous: [{ id: 'k1', secret: 'test-link-key-one-0123456789abcdef' }],
};
