import { randomBytes } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import type { WebhookSecret } from './schemas';

/** A new signing secret: `whsec_` and the base64 of 32 random bytes, as Standard Webhooks spells them. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The secrets that sign at `now`: the current one, and one a rotation replaced until its overlap ends. */
export function signingSecrets(secrets: readonly WebhookSecret[], now: Date): string[] {
  return secrets
    .filter((s) => s.expiresAt === undefined || Date.parse(s.expiresAt) > now.getTime())
    .map((s) => s.secret);
}

/**
 * The Standard Webhooks headers of one attempt: `webhook-id`, `webhook-timestamp`
 * (seconds) and `webhook-signature` with one `v1,<sig>` per secret that signs now,
 * space-separated (the standardwebhooks package signs with one secret; a receiver's
 * verify accepts any of the values, so during a rotation's overlap both its old
 * and its new secret verify).
 */
export function signedHeaders(input: {
  id: string;
  at: Date;
  body: string;
  secrets: readonly string[];
}): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  const at = new Date(Math.floor(input.at.getTime() / 1000) * 1000);
  const signatures = input.secrets.map((secret) =>
    new StandardWebhook(secret).sign(input.id, at, input.body),
  );
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(at.getTime() / 1000),
    'webhook-signature': signatures.join(' '),
  };
}
