import { createHash } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Lower-case and trim: within a supplier a distributed lead is identified by this. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * A distributed lead's id is derived from its supplier and normalised email, so
 * the lead item is its own uniqueness marker: creating it is a conditional put
 * that two racing writers cannot both win. 26 characters like a ULID, starting
 * with "L" (ULIDs start with 0-7), 125 bits of SHA-256.
 */
export function leadIdFor(supplierId: string, email: string): string {
  return idFromDigest(`${supplierId}\n${normaliseEmail(email)}`);
}

/**
 * A partner's own lead with an email: derived from the supplier, the partner and the
 * email, so a partner sending the same email again (a retry, a second system) updates
 * its lead instead of making another. Never the supplier's id of that email
 * (leadIdFor): the partner's lead is not the supplier's until registered.
 */
export function partnerLeadIdFor(supplierId: string, partnerId: string, email: string): string {
  return idFromDigest(`${supplierId}\npartner\n${partnerId}\n${normaliseEmail(email)}`);
}

function idFromDigest(text: string): string {
  const digest = createHash('sha256').update(text).digest();
  let bits = 0;
  let value = 0;
  let out = 'L';
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 26) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= 26) break;
    value &= (1 << bits) - 1;
  }
  return out;
}
