import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { releasePortClaims, resolvePorts } from '../../packages/local/src/ports';

afterEach(() => releasePortClaims());

describe('the local cloud’s ports', () => {
  it('gives two clouds starting at once no port in common (a free default is claimed by the first)', async () => {
    const [a, b] = await Promise.all([resolvePorts({ api: 0 }), resolvePorts({ api: 0 })]);
    const all = [...Object.values(a), ...Object.values(b)];
    expect(new Set(all).size).toBe(all.length);
    for (const port of all) expect(port).toBeGreaterThan(0);
  });

  it('releases its claims once its services listen', async () => {
    const ports = await resolvePorts({ api: 0 });
    const claim = (port: number) => join(tmpdir(), 'leadrelay-port-claims', String(port));
    expect(Object.values(ports).every((port) => existsSync(claim(port)))).toBe(true);
    releasePortClaims();
    expect(Object.values(ports).some((port) => existsSync(claim(port)))).toBe(false);
  });
});
