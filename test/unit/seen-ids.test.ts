import { leadIdFor, SeenIds } from '@leadrelay/core';
import { describe, expect, it } from 'vitest';

describe('SeenIds', () => {
  it('never forgets an id it was given (no false "no")', () => {
    const seen = new SeenIds();
    const ids = Array.from({ length: 50_000 }, (_, i) => leadIdFor('S1', `user${i}@example.com`));
    for (const id of ids) seen.add(id);
    expect(ids.every((id) => seen.mightContain(id))).toBe(true);
  });

  it('answers "maybe" for unseen ids rarely (under 1 % at 100,000 ids)', () => {
    const seen = new SeenIds();
    for (let i = 0; i < 100_000; i++) seen.add(leadIdFor('S1', `in${i}@example.com`));
    let maybes = 0;
    for (let i = 0; i < 20_000; i++) if (seen.mightContain(leadIdFor('S1', `out${i}@example.com`))) maybes++;
    expect(maybes / 20_000).toBeLessThan(0.01);
  });

  it('handles ids that are not lead-id hashes too', () => {
    const seen = new SeenIds();
    seen.add('01JABCDEF0123456789ABCDEFG');
    expect(seen.mightContain('01JABCDEF0123456789ABCDEFG')).toBe(true);
    expect(seen.mightContain('01JABCDEF0123456789ABCDEFH')).toBe(false);
  });
});
