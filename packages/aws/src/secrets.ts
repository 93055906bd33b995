import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { LinkKeys } from '@leadrelay/core';

/**
 * The operator key: from Secrets Manager in AWS (cached for five minutes by
 * Powertools, so a rotation takes effect without a deploy), or given directly
 * by the local cloud.
 */
export function operatorKeySource(config: {
  OPERATOR_KEY_SECRET_ARN?: string | undefined;
  OPERATOR_KEY?: string | undefined;
}): () => Promise<string> {
  const { OPERATOR_KEY, OPERATOR_KEY_SECRET_ARN } = config;
  if (OPERATOR_KEY) return async () => OPERATOR_KEY;
  if (!OPERATOR_KEY_SECRET_ARN) throw new Error('No operator key configured');
  return async () => {
    const value = await getSecret(OPERATOR_KEY_SECRET_ARN, { maxAge: 300 });
    if (typeof value !== 'string' || value.length === 0) {
      throw new Error(`Secret ${OPERATOR_KEY_SECRET_ARN} holds no operator key`);
    }
    return value;
  };
}

/**
 * The email link signing keys, as JSON: `{"current": "<keyId>", "<keyId>": "<secret>", ...}`.
 * `current` signs; every other key listed still verifies, so a rotation adds a
 * key, points `current` at it, and removes the old one once its links expired.
 */
export function parseLinkKeys(text: string, source: string): LinkKeys {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${source} is not JSON: expected {"current": "<keyId>", "<keyId>": "<secret>"}`);
  }
  if (typeof value !== 'object' || value === null) throw new Error(`${source} is not a JSON object`);
  const { current, ...keys } = value as Record<string, unknown>;
  const secret = typeof current === 'string' ? keys[current] : undefined;
  if (typeof current !== 'string' || typeof secret !== 'string') {
    throw new Error(`${source} must name its "current" key and hold that key's secret`);
  }
  const previous = Object.entries(keys).flatMap(([id, s]) =>
    id !== current && typeof s === 'string' ? [{ id, secret: s }] : [],
  );
  return { current: { id: current, secret }, previous };
}

/** The link keys: from Secrets Manager in AWS (cached five minutes), or given directly by the local cloud. */
export function linkKeysSource(config: {
  LINK_KEYS_SECRET_ARN?: string | undefined;
  LINK_KEYS?: string | undefined;
}): () => Promise<LinkKeys> {
  const { LINK_KEYS, LINK_KEYS_SECRET_ARN } = config;
  if (LINK_KEYS) {
    const keys = parseLinkKeys(LINK_KEYS, 'LINK_KEYS');
    return async () => keys;
  }
  if (!LINK_KEYS_SECRET_ARN) throw new Error('No link keys configured');
  return async () => {
    const value = await getSecret(LINK_KEYS_SECRET_ARN, { maxAge: 300 });
    if (typeof value !== 'string') throw new Error(`Secret ${LINK_KEYS_SECRET_ARN} holds no link keys`);
    return parseLinkKeys(value, `Secret ${LINK_KEYS_SECRET_ARN}`);
  };
}
