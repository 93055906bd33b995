/**
 * The lead ids an intake run has already handled, in fixed memory (a Bloom
 * filter of 2^23 bits = 1 MiB, four probes): "no" is certain, "maybe" may be
 * wrong about 2 % of the time at a million ids. A "maybe" only costs a read; a
 * wrong "no" cannot happen, and a lead created by someone else is still caught
 * by the conditional put.
 *
 * Distributed lead ids are already 125 bits of SHA-256 (see `leadIdFor`), so the
 * probes are slices of the id itself; other ids are hashed first.
 */
export class SeenIds {
  private static readonly BITS = 1 << 23;
  private readonly bits = new Uint8Array(SeenIds.BITS / 8);

  add(id: string): void {
    for (const bit of probes(id)) this.bits[bit >>> 3] = (this.bits[bit >>> 3] ?? 0) | (1 << (bit & 7));
  }

  mightContain(id: string): boolean {
    return probes(id).every((bit) => ((this.bits[bit >>> 3] ?? 0) & (1 << (bit & 7))) !== 0);
  }
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function probes(id: string): number[] {
  const mask = (1 << 23) - 1;
  if (/^L[0-9A-HJKMNP-TV-Z]{25}$/.test(id)) {
    // Five base32 characters = 25 bits per probe, taken from the id's random part.
    return [1, 6, 11, 16].map((start) => {
      let value = 0;
      for (const c of id.slice(start, start + 5)) value = value * 32 + CROCKFORD.indexOf(c);
      return value & mask;
    });
  }
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < id.length; i++) {
    h1 = Math.imul(h1 ^ id.charCodeAt(i), 0x01000193);
    h2 = Math.imul(h2 ^ id.charCodeAt(i), 0x5bd1e995);
  }
  return [0, 1, 2, 3].map((k) => (h1 + k * h2) & mask);
}
