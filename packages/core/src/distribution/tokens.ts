import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed email action links: the token in
 * `/l/{token}` names the lead, the partner, the assignment version, the action
 * and an expiry, and is signed with HMAC-SHA256 so nobody can make or alter one.
 *
 * Format: `base64url(payload) '.' base64url(HMAC-SHA256(secret, context + payload))`,
 * where payload is the JSON array `[keyId, leadId, partnerId, assignmentVersion,
 * action code, expiry in epoch seconds]` (compact: it goes into a URL) and the
 * context string keeps these signatures apart from anything else the same
 * secret might sign. The key id lets keys rotate: a token signed with a previous
 * key verifies while that key is still listed.
 *
 * The token proves who may act on which assignment; it does not say the
 * assignment is still current. The caller compares `assignmentVersion` with the
 * lead (a rerouted or decided lead answers "moved" / "already decided").
 */

/** What a link lets its holder do: act (accept, reject) or only look (view). */
export type LinkAction = 'accept' | 'reject' | 'view';

/** The facts a link token carries. */
export interface LinkClaims {
  leadId: string;
  partnerId: string;
  /** The lead's `assignmentVersion` when the email was sent. */
  assignmentVersion: number;
  action: LinkAction;
  /** When the link stops working (whole seconds: the token keeps epoch seconds). */
  expiresAt: Date;
}

/** One signing key. `secret` as bytes, or a string used as its UTF-8 bytes; at least 16 bytes. */
export interface LinkKey {
  /** Names the key inside tokens: 1–32 of `A–Z a–z 0–9 _ -`. */
  id: string;
  secret: Uint8Array | string;
}

/** The keys in use: `current` signs; it and every `previous` key verify. */
export interface LinkKeys {
  current: LinkKey;
  previous?: readonly LinkKey[];
}

/** Why a token was refused. */
export type LinkTokenFailure = 'malformed' | 'forged' | 'unknown-key' | 'expired';

export type VerifiedLinkToken =
  | { ok: true; claims: LinkClaims; keyId: string }
  | { ok: false; reason: LinkTokenFailure };

/** Longest token `verifyLinkToken` reads; longer strings are malformed without further work. */
export const MAX_LINK_TOKEN_LENGTH = 2048;
const MIN_SECRET_BYTES = 16;
const MAX_ID_LENGTH = 200;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const CONTEXT = 'leadrelay.link.v1.';
const ACTION_CODES: Record<LinkAction, string> = { accept: 'a', reject: 'r', view: 'v' };
const ACTIONS_BY_CODE = new Map(Object.entries(ACTION_CODES).map(([action, code]) => [code, action])) as Map<
  string,
  LinkAction
>;

function secretBytes(key: LinkKey): Uint8Array {
  if (!KEY_ID.test(key.id)) throw new Error(`Link key id "${key.id}" must be 1–32 of A–Z a–z 0–9 _ -`);
  const bytes = typeof key.secret === 'string' ? Buffer.from(key.secret, 'utf8') : key.secret;
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new Error(`Link key "${key.id}" is too short: at least ${MIN_SECRET_BYTES} bytes`);
  }
  return bytes;
}

function sign(secret: Uint8Array, encodedPayload: string): Buffer {
  return createHmac('sha256', secret).update(CONTEXT).update(encodedPayload).digest();
}

function validId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

/**
 * Signs an action link for one assignment with the current key. Accept and
 * reject links for the same assignment differ only in their action.
 *
 * @throws Error when a claim is out of shape (empty or over-long id, a version
 *   that is not a non-negative integer, an invalid date) or the key is unusable:
 *   these are programming or configuration errors, not user input.
 */
export function signLinkToken(claims: LinkClaims, keys: LinkKeys): string {
  const secret = secretBytes(keys.current);
  if (!validId(claims.leadId)) throw new Error('leadId must be 1–200 characters');
  if (!validId(claims.partnerId)) throw new Error('partnerId must be 1–200 characters');
  if (!Number.isSafeInteger(claims.assignmentVersion) || claims.assignmentVersion < 0) {
    throw new Error('assignmentVersion must be a non-negative integer');
  }
  const code = ACTION_CODES[claims.action];
  if (!code) throw new Error(`unknown link action "${String(claims.action)}"`);
  const expires = claims.expiresAt.getTime();
  if (!Number.isFinite(expires)) throw new Error('expiresAt must be a valid date');
  const payload = JSON.stringify([
    keys.current.id,
    claims.leadId,
    claims.partnerId,
    claims.assignmentVersion,
    code,
    Math.floor(expires / 1000),
  ]);
  const encoded = Buffer.from(payload, 'utf8').toString('base64url');
  return `${encoded}.${sign(secret, encoded).toString('base64url')}`;
}

/** Decodes canonical unpadded base64url only, so each token has exactly one spelling. */
function decodeBase64url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

/**
 * Checks a link token: well-formed, signed by a listed key (constant-time
 * comparison), not expired at `now`. The signature is checked before the
 * claims are read, so any change to a signed token is `forged`, and `expired`
 * is only said of genuine tokens.
 *
 * @returns the claims and the key id that signed them, or why the token is refused:
 *   `malformed` (not a token at all), `unknown-key` (its key is not listed, e.g.
 *   retired), `forged` (signature does not match), `expired`.
 * @throws Error when a listed key is unusable (configuration error).
 */
export function verifyLinkToken(token: string, keys: LinkKeys, now: Date): VerifiedLinkToken {
  if (typeof token !== 'string' || token.length > MAX_LINK_TOKEN_LENGTH) {
    return { ok: false, reason: 'malformed' };
  }
  const dot = token.indexOf('.');
  if (dot < 0 || token.indexOf('.', dot + 1) >= 0) return { ok: false, reason: 'malformed' };
  const encoded = token.slice(0, dot);
  const payloadBytes = decodeBase64url(encoded);
  const signature = decodeBase64url(token.slice(dot + 1));
  if (!payloadBytes || !signature) return { ok: false, reason: 'malformed' };
  let payload: unknown;
  try {
    payload = JSON.parse(payloadBytes.toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!Array.isArray(payload) || typeof payload[0] !== 'string') return { ok: false, reason: 'malformed' };
  const keyId = payload[0];

  const key = [keys.current, ...(keys.previous ?? [])].find((k) => k.id === keyId);
  if (!key) return { ok: false, reason: 'unknown-key' };
  const expected = sign(secretBytes(key), encoded);
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
    return { ok: false, reason: 'forged' };
  }

  // Signed by us: the shape holds unless the format changed without a new key id.
  const [, leadId, partnerId, assignmentVersion, code, expiresAtSeconds] = payload;
  const action = typeof code === 'string' ? ACTIONS_BY_CODE.get(code) : undefined;
  if (
    payload.length !== 6 ||
    !validId(leadId) ||
    !validId(partnerId) ||
    !Number.isSafeInteger(assignmentVersion) ||
    (assignmentVersion as number) < 0 ||
    !action ||
    !Number.isSafeInteger(expiresAtSeconds)
  ) {
    return { ok: false, reason: 'malformed' };
  }
  const expiresAt = new Date((expiresAtSeconds as number) * 1000);
  if (now.getTime() >= expiresAt.getTime()) return { ok: false, reason: 'expired' };
  return {
    ok: true,
    keyId,
    claims: { leadId, partnerId, assignmentVersion: assignmentVersion as number, action, expiresAt },
  };
}
