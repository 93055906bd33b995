import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readLeadRows } from '@leadrelay/files';
import { describe, expect, it } from 'vitest';
import { generatedCsvStream } from '../support/lead-files';

/** A full garbage collection, so that heap figures count what is kept, not what is waiting to be freed. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

const MB = 1024 * 1024;

describe('reading a large file', () => {
  it('keeps memory flat: 200,000 CSV rows streamed from a generator', { timeout: 60_000 }, async () => {
    const rows = 200_000;
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    let peak = 0;
    let ok = 0;
    let last = 0;
    for await (const row of readLeadRows(async () => generatedCsvStream(rows), {
      fileName: 'big.csv',
      requireEmail: true,
    })) {
      if (row.ok) ok++;
      last = row.row;
      if (row.row % 40_000 === 0) {
        collectGarbage();
        peak = Math.max(peak, process.memoryUsage().heapUsed - before);
      }
    }
    expect(ok).toBe(rows);
    expect(last).toBe(rows + 1);
    // Holding the rows would take hundreds of MB; a streaming read keeps a few chunks.
    expect(peak).toBeLessThan(50 * MB);
  });
});
