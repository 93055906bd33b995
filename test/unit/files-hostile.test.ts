import { boundRowErrors, ROW_ERROR_LIMITS } from '@leadrelay/core';
import { DEFAULT_FILE_LIMITS, type FileLimits, type RowResult, readLeadRows } from '@leadrelay/files';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  collect,
  csvBytes,
  fileError,
  inlineCell,
  LEAD_HEADER,
  leadRow,
  leadSheet,
  opener,
  sharedStringsXml,
  sheetXmlOf,
  xlsxBytes,
  xlsxWithParts,
} from '../support/lead-files';

/**
 * Hostile and broken files, generated here: each must cost bounded memory (the
 * reader's FileLimits) and end as a clear row error or a clear file error, never
 * as a row report too big to store. Memory is asserted through the bounds (what is
 * kept, what is refused), not through timings.
 */

function read(bytes: Uint8Array, fileName: string, limits?: Partial<FileLimits>) {
  return collect(
    readLeadRows(opener(bytes), { fileName, requireEmail: true, ...(limits ? { limits } : {}) }),
  );
}

/** Every character a row's report stores: its messages and column headers. */
function reportChars(result: RowResult | undefined): number {
  if (!result || result.ok) throw new Error('expected a rejected row');
  return result.errors.reduce((n, e) => n + e.message.length + (e.column?.length ?? 0), 0);
}

const HEADER_XML = `<row r="1">${LEAD_HEADER.map((h) => inlineCell(h)).join('')}</row>`;
const goodRowXml = (r: number, i: number) =>
  `<row r="${r}">${leadRow(i)
    .map((v) => inlineCell(v))
    .join('')}</row>`;

describe('XLSX: the shared strings table is bounded', () => {
  it('refuses a table with more strings than the limit, before reading a row', async () => {
    const bytes = xlsxWithParts(leadSheet(3), { 'xl/sharedStrings.xml': sharedStringsXml(5_001) });

    const error = await fileError(read(bytes, 'many.xlsx', { sharedStrings: 5_000 }));

    expect(error).toMatchObject({ code: 'too_large' });
    expect(error.message).toContain('more than 5,000 strings');
    // Under the limit, the same kind of table is read.
    const original = strFromU8(unzipSync(xlsxBytes(leadSheet(3)))['xl/sharedStrings.xml'] as Uint8Array);
    const entries = [...original.matchAll(/<si>(.*?)<\/si>/g)].map((m) => m[1] as string);
    const fits = xlsxWithParts(leadSheet(3), {
      'xl/sharedStrings.xml': sharedStringsXml(5_000, (i) => entries[i] ?? `<t>s${i}</t>`),
    });
    await expect(read(fits, 'fits.xlsx', { sharedStrings: 5_000 })).resolves.toHaveLength(3);
  });

  it('refuses a table whose text passes the character limit', async () => {
    const bytes = xlsxWithParts(leadSheet(3), {
      'xl/sharedStrings.xml': sharedStringsXml(200, () => `<t>${'y'.repeat(1_000)}</t>`),
    });

    const error = await fileError(read(bytes, 'long.xlsx', { sharedStringChars: 100_000 }));

    expect(error).toMatchObject({ code: 'too_large' });
    expect(error.message).toContain('more than 100,000 characters');
  });

  it('at the default limits: a few MB of workbook whose table would take GBs is refused at 2,000,000 strings', {
    timeout: 120_000,
  }, async () => {
    // 2.5 million one-letter strings: about 1 MB zipped, 42 MB of XML, each an object in memory.
    const bytes = xlsxWithParts(leadSheet(3), { 'xl/sharedStrings.xml': sharedStringsXml(2_500_000) });
    expect(bytes.length).toBeLessThan(4 * 1024 * 1024);

    const error = await fileError(read(bytes, 'bomb.xlsx'));

    expect(error.code).toBe('too_large');
    expect(error.message).toContain(
      `more than ${DEFAULT_FILE_LIMITS.sharedStrings.toLocaleString('en-US')} strings`,
    );
  });
});

describe('XLSX: cells without r= obey the cells-per-row bound', () => {
  it('turns a row of 1,000,001 cells without references into one short row error; the rows around it are read', {
    timeout: 60_000,
  }, async () => {
    const bytes = xlsxWithParts([LEAD_HEADER], {
      'xl/worksheets/sheet1.xml': sheetXmlOf(function* () {
        yield HEADER_XML;
        yield goodRowXml(2, 1);
        yield `<row r="3"><c t="inlineStr"><is><t>wide@example.com</t></is></c>`;
        for (let i = 0; i < 1_000_000; i++) yield '<c><v>1</v></c>';
        yield '</row>';
        yield goodRowXml(4, 2);
      }),
    });
    expect(bytes.length).toBeLessThan(200 * 1024);

    const results = await read(bytes, 'wide.xlsx');

    expect(results.map((r) => [r.row, r.ok])).toEqual([
      [2, true],
      [3, false],
      [4, true],
    ]);
    const wide = results[1];
    expect(wide?.ok === false && wide.errors.map((e) => e.message)).toEqual([
      'the row has 1,000,001 cells, more than the limit of 16,384: cells past it were not read',
      expect.stringMatching(
        /^the row has 1,000,001 cells but the header names 6 columns; cells past the last header were not read \("1", "1", "1", "1", "1", and 16,373 more\)$/,
      ),
    ]);
    expect(reportChars(wide)).toBeLessThan(1_000);
  });

  it('keeps a cell whose r= names a column past the bound out of the row instead of moving it', async () => {
    const bytes = xlsxWithParts([LEAD_HEADER], {
      'xl/worksheets/sheet1.xml': sheetXmlOf(function* () {
        yield HEADER_XML;
        yield `<row r="2">${inlineCell('far@example.com', 'A2')}${inlineCell('Far', 'B2')}${inlineCell('intruder', 'XFE2')}</row>`;
      }),
    });

    const [far] = await read(bytes, 'far.xlsx');

    expect(far).toMatchObject({
      row: 2,
      ok: false,
      errors: [
        {
          row: 2,
          message: 'the row has 16,385 cells, more than the limit of 16,384: cells past it were not read',
        },
      ],
    });
  });

  it('refuses a header row past the bound', async () => {
    const bytes = xlsxWithParts([LEAD_HEADER], {
      'xl/worksheets/sheet1.xml': sheetXmlOf(function* () {
        yield `<row r="1">${inlineCell('Email')}`;
        for (let i = 0; i < 20; i++) yield inlineCell(`H${i}`);
        yield '</row>';
      }),
    });

    const error = await fileError(read(bytes, 'header.xlsx', { cellsPerRow: 10 }));

    expect(error).toMatchObject({
      code: 'no_header',
      message: expect.stringContaining('21 cells, more than the limit of 10'),
    });
  });

  it("makes a cell past Excel's 32,767 characters a row error naming its column", async () => {
    const bytes = xlsxWithParts([LEAD_HEADER], {
      'xl/worksheets/sheet1.xml': sheetXmlOf(function* () {
        yield HEADER_XML;
        yield `<row r="2">${inlineCell('long@example.com')}${inlineCell('L')}${inlineCell('L')}${inlineCell('z'.repeat(40_000))}</row>`;
      }),
    });

    const [long] = await read(bytes, 'cell.xlsx');

    expect(long?.ok).toBe(false);
    expect(long?.ok === false && long.errors[0]).toEqual({
      row: 2,
      message: 'the cell in column "D" holds more than 32,767 characters, the limit',
    });
    expect(reportChars(long)).toBeLessThan(2_000);
  });

  it('refuses one XML value longer than the node bound (the parser would hold it whole)', async () => {
    const bytes = xlsxWithParts([LEAD_HEADER], {
      'xl/worksheets/sheet1.xml': sheetXmlOf(function* () {
        yield HEADER_XML;
        yield `<row r="2"><c t="inlineStr"><is><t>`;
        for (let i = 0; i < 300; i++) yield 'w'.repeat(10_000);
        yield '</t></is></c></row>';
      }),
    });

    const error = await fileError(read(bytes, 'node.xlsx', { xmlNodeBytes: 1024 * 1024 }));

    expect(error).toMatchObject({ code: 'unreadable', message: expect.stringContaining('longer than 1 MB') });
  });

  it('refuses a workbook that inflates past the uncompressed bound', async () => {
    const bytes = xlsxBytes(leadSheet(2_000));

    const error = await fileError(read(bytes, 'inflated.xlsx', { uncompressedBytes: 64 * 1024 }));

    expect(error).toMatchObject({
      code: 'too_large',
      message: expect.stringContaining('64 KB once uncompressed'),
    });
    await expect(read(bytes, 'inflated.xlsx')).resolves.toHaveLength(2_000);
  });
});

describe('CSV: a huge row is a bounded row error', () => {
  it('turns a 900 KB row of 450,000 cells into one short row error; the next rows are read', {
    timeout: 60_000,
  }, async () => {
    const wide = [...leadRow(5), ...Array.from({ length: 450_000 }, () => 'a')];
    const bytes = csvBytes([LEAD_HEADER, leadRow(1), wide, leadRow(2)]);
    expect(bytes.length).toBeGreaterThan(900_000);

    const results = await read(bytes, 'wide.csv');

    expect(results.map((r) => [r.row, r.ok])).toEqual([
      [2, true],
      [3, false],
      [4, true],
    ]);
    expect(results[1]?.ok === false && results[1].errors.map((e) => e.message)).toEqual([
      'the row has 450,006 cells, more than the limit of 16,384: cells past it were not read',
      'the row has 450,006 cells but the header names 6 columns; cells past the last header were not read ("a", "a", "a", "a", "a", and 16,373 more)',
    ]);
    expect(reportChars(results[1])).toBeLessThan(1_000);
  });

  it('stops at a row past the row bound (countless empty cells): the rows before it are kept, the row is a short error', {
    timeout: 60_000,
  }, async () => {
    const bytes = Buffer.concat([
      csvBytes([LEAD_HEADER, leadRow(1), leadRow(2)]),
      Buffer.from(`huge@example.com${','.repeat(3 * 1024 * 1024)}\n`),
      csvBytes([leadRow(3)]),
    ]);

    const results = await read(bytes, 'commas.csv');

    expect(results.map((r) => [r.row, r.ok])).toEqual([
      [2, true],
      [3, true],
      [4, false],
    ]);
    expect(results[2]?.ok === false && results[2].errors).toEqual([
      {
        row: 4,
        message:
          'this row is larger than the limit of 1 MB (often a quoted value whose closing quote is missing): this row and the rest of the file could not be read',
      },
    ]);
  });

  it('keeps an unclosed quote a row error after the good rows', { timeout: 60_000 }, async () => {
    const bytes = Buffer.concat([
      csvBytes([LEAD_HEADER, leadRow(1)]),
      Buffer.from(`"open@example.com,${'q'.repeat(2 * 1024 * 1024)}\n`),
    ]);

    const results = await read(bytes, 'quote.csv');

    expect(results.map((r) => [r.row, r.ok])).toEqual([
      [2, true],
      [3, false],
    ]);
    expect(reportChars(results[1])).toBeLessThan(500);
  });
});

describe('row error reports are bounded', () => {
  it('clips messages and headers and counts the problems past the limit', () => {
    const errors = Array.from({ length: 50 }, (_, i) => ({
      column: `C${i}`.repeat(200),
      message: 'm'.repeat(10_000),
    }));

    const bounded = boundRowErrors(errors);

    expect(bounded).toHaveLength(ROW_ERROR_LIMITS.errorsPerRow);
    expect(bounded.at(-1)).toEqual({ message: 'and 31 more problems in this row' });
    for (const e of bounded.slice(0, -1)) {
      expect(e.message).toHaveLength(ROW_ERROR_LIMITS.messageChars);
      expect(e.column).toHaveLength(ROW_ERROR_LIMITS.columnChars);
      expect(e.message.endsWith('…')).toBe(true);
    }
    expect(boundRowErrors([{ message: 'short' }])).toEqual([{ message: 'short' }]);
  });
});
