import { type FileCheckpoint, type RowResult, readLeadRows } from '@leadrelay/files';
import { describe, expect, it } from 'vitest';
import { collect, csvBytes, LEAD_HEADER, leadRow, leadSheet, opener, xlsxBytes } from '../support/lead-files';

/** Lead rows with everything that moves offsets and row numbers: quoted line breaks, accents, blanks, errors. */
function trickyRows(count: number): string[][] {
  const rows = [LEAD_HEADER];
  for (let i = 0; i < count; i++) {
    const row = leadRow(i, 37);
    if (i % 11 === 3) row[3] = `Café "${i}"\nMüller & Söhne, €`;
    if (i % 29 === 5) rows.push(['', '', '', '', '', '']);
    rows.push(row);
  }
  return rows;
}

async function readAll(bytes: Uint8Array, fileName: string, chunkSize = 333): Promise<RowResult[]> {
  return collect(readLeadRows(opener(bytes, chunkSize), { fileName, requireEmail: true }));
}

/** Reads `stopAfter` rows, stops, and resumes from the last checkpoint: what a Lambda running out of time does. */
async function readInTwo(bytes: Uint8Array, fileName: string, stopAfter: number) {
  const first: RowResult[] = [];
  for await (const row of readLeadRows(opener(bytes, 333), { fileName, requireEmail: true })) {
    first.push(row);
    if (first.length === stopAfter) break;
  }
  const resume = first.at(-1)?.checkpoint as FileCheckpoint;
  const open = opener(bytes, 333);
  const rest = await collect(readLeadRows(open, { fileName, requireEmail: true, resume }));
  return { rows: [...first, ...rest], opens: open.calls, resume };
}

describe('resuming a read from a checkpoint', () => {
  const variants = [
    ['CSV, UTF-8 with BOM, CRLF', 'leads.csv', csvBytes(trickyRows(400), { bom: true, eol: '\r\n' })],
    [
      'CSV, Windows-1252, semicolons',
      'leads.csv',
      csvBytes(trickyRows(400), { encoding: 'windows-1252', delimiter: ';' }),
    ],
    ['CSV, UTF-8 without BOM, tabs', 'leads.txt', csvBytes(trickyRows(400), { delimiter: '\t' })],
  ] as const;

  it.each(variants)('%s: two halves give the same rows as one pass', async (_what, fileName, bytes) => {
    const whole = await readAll(bytes, fileName);
    // Blank rows are skipped, and their numbers stay taken.
    expect(whole).toHaveLength(400);
    expect(whole.at(-1)?.row).toBeGreaterThan(401);
    expect(whole.some((r) => !r.ok)).toBe(true);
    for (const stopAfter of [1, 2, 57, Math.floor(whole.length / 2), whole.length - 1]) {
      const { rows, opens, resume } = await readInTwo(bytes, fileName, stopAfter);
      expect(rows).toEqual(whole);
      // A ranged read from the checkpoint, which is the start of the next record.
      expect(opens).toEqual([resume.byteOffset]);
      const next = whole[stopAfter];
      if (next?.ok)
        expect(Buffer.from(bytes.subarray(resume.byteOffset)).toString('latin1')).toMatch(
          /^(\r?\n|;|\t|,)*lead/,
        );
    }
  });

  it('checkpoints point at the end of each record in the original bytes', async () => {
    const bytes = csvBytes(
      [
        ['Email', 'Company'],
        ['ana@example.com', 'Café\nCrème'],
        ['bo@example.com', 'Bo'],
      ],
      { bom: true, eol: '\r\n', encoding: 'utf-8' },
    );
    const rows = await readAll(bytes, 'a.csv', 3);
    const text = Buffer.from(bytes).toString('utf8');
    const first = Buffer.byteLength(text.slice(0, text.indexOf('bo@')), 'utf8');
    expect(rows.map((r) => r.checkpoint.byteOffset)).toEqual([first, bytes.length]);
  });

  it('resumes again and again, a few rows at a time, to the same result', async () => {
    const bytes = csvBytes(trickyRows(300), { encoding: 'windows-1252' });
    const whole = await readAll(bytes, 'leads.csv');
    const rows: RowResult[] = [];
    let resume: FileCheckpoint | undefined;
    for (let runs = 0; runs < 100; runs++) {
      let taken = 0;
      for await (const row of readLeadRows(opener(bytes, 1000), {
        fileName: 'leads.csv',
        requireEmail: true,
        resume,
      })) {
        rows.push(row);
        resume = row.checkpoint;
        if (++taken === 40) break;
      }
      if (taken < 40) break;
    }
    expect(rows).toEqual(whole);
  });

  it('reads nothing, not even a ranged read past the end, from a checkpoint at the end of the file', async () => {
    const bytes = csvBytes([LEAD_HEADER, leadRow(0), leadRow(1)]);
    const whole = await readAll(bytes, 'a.csv');
    const open = opener(bytes);
    const resume = whole.at(-1)?.checkpoint;
    const rest = await collect(
      readLeadRows(open, { fileName: 'a.csv', requireEmail: true, resume, size: bytes.length }),
    );
    expect(rest).toEqual([]);
    expect(open.calls).toEqual([]);
  });

  it('re-reads and skips the rows read when a CSV checkpoint has no byte offset', async () => {
    const bytes = csvBytes(trickyRows(100));
    const whole = await readAll(bytes, 'a.csv');
    const checkpoint = whole[29]?.checkpoint as FileCheckpoint;
    const resume = { rowsRead: checkpoint.rowsRead, layout: checkpoint.layout };
    const rest = await collect(
      readLeadRows(opener(bytes), { fileName: 'a.csv', requireEmail: true, resume }),
    );
    expect(rest.map((r) => r.row)).toEqual(whole.slice(30).map((r) => r.row));
  });

  it.each([
    ['Excel order', { order: 'excel' as const }],
    ['parts first, data descriptors', { order: 'parts-first' as const, dataDescriptors: true }],
  ])('XLSX (%s): two halves give the same rows as one pass', async (_what, options) => {
    const sheet = [...leadSheet(300, 23)];
    sheet.splice(40, 0, null, []);
    const bytes = xlsxBytes(sheet, options);
    const whole = await readAll(bytes, 'leads.xlsx');
    expect(whole).toHaveLength(300);
    for (const stopAfter of [1, 38, 39, 150, 299]) {
      const { rows, opens } = await readInTwo(bytes, 'leads.xlsx', stopAfter);
      expect(rows).toEqual(whole);
      // No byte offset into a compressed sheet: the file is read again from its start.
      expect(opens.every((start) => start === undefined)).toBe(true);
    }
  });
});
