import { createHmac } from 'node:crypto';
import { type LinkClaims, type LinkKeys, signLinkToken, verifyLinkToken } from '@leadrelay/core';
import { describe, expect, it } from 'vitest';

const k1 = { id: 'k1', secret: new Uint8Array(32).fill(7) };
const k2 = { id: 'k2', secret: 'a-current-secret-of-32-characters' };
const k3 = { id: 'k3', secret: 'yet-another-secret-never-rotated' };
const keys: LinkKeys = { current: k2, previous: [k1] };

const claims: LinkClaims = {
  leadId: 'L-01JB2Q8ZK7M4T5R6W9X0Y1Z2A3',
  partnerId: 'P-01JB2Q8ZK7M4T5R6W9X0Y1NORTH',
  assignmentVersion: 3,
  action: 'accept',
  expiresAt: new Date('2030-01-02T03:04:05Z'),
};
const now = new Date('2030-01-01T00:00:00Z');

/** The token's payload array, and a way to put an altered one back under the original signature. */
function payloadOf(token: string): unknown[] {
  const [payload] = token.split('.');
  return JSON.parse(Buffer.from(payload as string, 'base64url').toString('utf8'));
}
function withPayload(token: string, payload: unknown[]): string {
  const [, signature] = token.split('.');
  return `${Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url')}.${signature}`;
}

describe('signLinkToken / verifyLinkToken', () => {
  it('round-trips the claims and names the key that signed them', () => {
    const token = signLinkToken(claims, keys);
    expect(verifyLinkToken(token, keys, now)).toEqual({ ok: true, keyId: 'k2', claims });
  });

  it('round-trips each action and version 0', () => {
    for (const action of ['accept', 'reject', 'view'] as const) {
      const c = { ...claims, action, assignmentVersion: 0 };
      const result = verifyLinkToken(signLinkToken(c, keys), keys, now);
      expect(result).toEqual({ ok: true, keyId: 'k2', claims: c });
    }
  });

  it('is URL-safe and compact', () => {
    const token = signLinkToken(claims, keys);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(encodeURIComponent(token)).toBe(token);
    expect(token.length).toBeLessThan(200);
  });

  it('makes accept and reject links for the same assignment that differ only in the action', () => {
    const acceptToken = signLinkToken(claims, keys);
    const rejectToken = signLinkToken({ ...claims, action: 'reject' }, keys);
    expect(rejectToken).not.toBe(acceptToken);
    const a = payloadOf(acceptToken);
    const r = payloadOf(rejectToken);
    expect(a.length).toBe(r.length);
    expect(a.flatMap((value, i) => (value === r[i] ? [] : [i]))).toEqual([4]);
  });

  it('keeps the expiry in whole seconds', () => {
    const token = signLinkToken({ ...claims, expiresAt: new Date('2030-01-02T03:04:05.999Z') }, keys);
    const result = verifyLinkToken(token, keys, now);
    expect(result.ok && result.claims.expiresAt.toISOString()).toBe('2030-01-02T03:04:05.000Z');
  });

  describe('tampering', () => {
    const token = signLinkToken(claims, keys);
    const cases: [string, number, unknown][] = [
      ['the key id (to another listed key)', 0, 'k1'],
      ['the lead id', 1, 'L-01JB2Q8ZK7M4T5R6W9X0Y1Z2A4'],
      ['the partner id', 2, 'P-01JB2Q8ZK7M4T5R6W9X0Y1SOUTH'],
      ['the assignment version', 3, 4],
      ['the action', 4, 'r'],
      ['the expiry', 5, (payloadOf(token)[5] as number) + 86_400],
    ];
    it.each(cases)('refuses a token with %s changed as forged', (_, index, value) => {
      const payload = payloadOf(token);
      expect(payload[index]).not.toEqual(value);
      payload[index] = value;
      expect(verifyLinkToken(withPayload(token, payload), keys, now)).toEqual({
        ok: false,
        reason: 'forged',
      });
    });

    it('refuses a changed signature as forged', () => {
      const [payload, signature] = token.split('.') as [string, string];
      const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
      expect(verifyLinkToken(`${payload}.${flipped}`, keys, now)).toEqual({ ok: false, reason: 'forged' });
    });

    it('refuses a truncated signature as forged', () => {
      const [payload, signature] = token.split('.') as [string, string];
      expect(verifyLinkToken(`${payload}.${signature.slice(0, 40)}`, keys, now)).toEqual({
        ok: false,
        reason: 'forged',
      });
    });

    it('refuses a token signed with a key that is not ours, under our key id, as forged', () => {
      const impostor = signLinkToken(claims, {
        current: { id: 'k2', secret: 'an-attacker-guessing-the-secret!' },
      });
      expect(verifyLinkToken(impostor, keys, now)).toEqual({ ok: false, reason: 'forged' });
    });

    it('refuses a forged token as forged even when its expiry has passed', () => {
      const payload = payloadOf(token);
      payload[1] = 'L-OTHER';
      const late = new Date(claims.expiresAt.getTime() + 60_000);
      expect(verifyLinkToken(withPayload(token, payload), keys, late)).toEqual({
        ok: false,
        reason: 'forged',
      });
    });
  });

  describe('expiry', () => {
    const token = signLinkToken(claims, keys);
    it('accepts the token up to the second before it expires', () => {
      expect(verifyLinkToken(token, keys, new Date(claims.expiresAt.getTime() - 1)).ok).toBe(true);
    });
    it('refuses the token from its expiry on', () => {
      expect(verifyLinkToken(token, keys, claims.expiresAt)).toEqual({ ok: false, reason: 'expired' });
      expect(verifyLinkToken(token, keys, new Date('2031-01-01T00:00:00Z'))).toEqual({
        ok: false,
        reason: 'expired',
      });
    });
  });

  describe('key rotation', () => {
    const oldToken = signLinkToken(claims, { current: k1 });

    it('verifies a token signed with a previous key while that key is listed', () => {
      expect(verifyLinkToken(oldToken, keys, now)).toEqual({ ok: true, keyId: 'k1', claims });
    });

    it('refuses it as unknown-key once the previous key is removed', () => {
      expect(verifyLinkToken(oldToken, { current: k2 }, now)).toEqual({ ok: false, reason: 'unknown-key' });
    });

    it('refuses a token whose key id is not listed at all as unknown-key', () => {
      const token = signLinkToken(claims, { current: k3 });
      expect(verifyLinkToken(token, keys, now)).toEqual({ ok: false, reason: 'unknown-key' });
      const payload = payloadOf(signLinkToken(claims, keys));
      payload[0] = 'k9';
      expect(verifyLinkToken(withPayload(token, payload), keys, now)).toEqual({
        ok: false,
        reason: 'unknown-key',
      });
    });

    it('signs with the current key only', () => {
      expect(payloadOf(signLinkToken(claims, keys))[0]).toBe('k2');
      expect(verifyLinkToken(signLinkToken(claims, keys), { current: k1, previous: [k2] }, now)).toEqual({
        ok: true,
        keyId: 'k2',
        claims,
      });
    });
  });

  describe('malformed tokens', () => {
    const token = signLinkToken(claims, keys);
    const [payload, signature] = token.split('.') as [string, string];
    const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
    const cases: [string, string][] = [
      ['an empty string', ''],
      ['no dot', 'abcdef'],
      ['two dots', `${payload}.${signature}.x`],
      ['an empty payload', `.${signature}`],
      ['an empty signature', `${payload}.`],
      ['characters outside base64url', `${payload.slice(0, -1)}!.${signature}`],
      ['base64 padding', `${payload}==.${signature}`],
      ['a payload that is not JSON', `${b64('not json')}.${signature}`],
      ['a payload that is not an array', `${b64('{"k":"k2"}')}.${signature}`],
      ['a key id that is not a string', `${b64('[2,"L","P",1,"a",1]')}.${signature}`],
      ['an over-long string', `${'A'.repeat(3000)}.${signature}`],
    ];
    it.each(cases)('refuses %s as malformed', (_, bad) => {
      expect(verifyLinkToken(bad, keys, now)).toEqual({ ok: false, reason: 'malformed' });
    });

    it('refuses a second spelling of the same signature bytes as malformed, so each token has one spelling', () => {
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = alphabet.indexOf(signature.at(-1) as string);
      // 32 bytes take 43 characters: the last one carries 2 unused bits.
      const respelled = `${signature.slice(0, -1)}${alphabet[last ^ 1]}`;
      expect(respelled).not.toBe(signature);
      expect(Buffer.from(respelled, 'base64url').equals(Buffer.from(signature, 'base64url'))).toBe(true);
      expect(verifyLinkToken(`${payload}.${respelled}`, keys, now)).toEqual({
        ok: false,
        reason: 'malformed',
      });
    });

    it('refuses a correctly signed payload of the wrong shape as malformed', () => {
      // Signed the documented way (HMAC-SHA256 over the context and the encoded payload), but with an unknown action.
      const encoded = b64('["k2","L-1","P-1",1,"x",1893553445]');
      const mac = createHmac('sha256', k2.secret)
        .update('leadrelay.link.v1.')
        .update(encoded)
        .digest('base64url');
      expect(verifyLinkToken(`${encoded}.${mac}`, keys, now)).toEqual({ ok: false, reason: 'malformed' });
      const fine = b64('["k2","L-1","P-1",1,"a",1893553445]');
      const fineMac = createHmac('sha256', k2.secret)
        .update('leadrelay.link.v1.')
        .update(fine)
        .digest('base64url');
      expect(verifyLinkToken(`${fine}.${fineMac}`, keys, now).ok).toBe(true);
    });
  });

  describe('misuse', () => {
    it('refuses to sign with a short secret or an odd key id', () => {
      expect(() => signLinkToken(claims, { current: { id: 'k1', secret: 'short' } })).toThrow(/too short/);
      expect(() => signLinkToken(claims, { current: { id: 'k 1', secret: k2.secret } })).toThrow(/key id/);
    });

    it('refuses to sign claims out of shape', () => {
      expect(() => signLinkToken({ ...claims, leadId: '' }, keys)).toThrow(/leadId/);
      expect(() => signLinkToken({ ...claims, partnerId: '' }, keys)).toThrow(/partnerId/);
      expect(() => signLinkToken({ ...claims, assignmentVersion: -1 }, keys)).toThrow(/assignmentVersion/);
      expect(() => signLinkToken({ ...claims, assignmentVersion: 1.5 }, keys)).toThrow(/assignmentVersion/);
      expect(() => signLinkToken({ ...claims, expiresAt: new Date('nope') }, keys)).toThrow(/expiresAt/);
    });
  });
});
