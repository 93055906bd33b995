import { readLeadRows } from '@leadrelay/files';
import { describe, expect, it } from 'vitest';
import {
  collect,
  expectedLeadRowError,
  fileError,
  inputs,
  leadSheet,
  opener,
  type XlsxOptions,
  type XlsxRows,
  xlsxBytes,
} from '../support/lead-files';

async function read(
  bytes: Uint8Array,
  options: { requireEmail?: boolean; chunkSize?: number; maxBytes?: number } = {},
) {
  const open = opener(bytes, options.chunkSize);
  const results = await collect(
    readLeadRows(open, {
      fileName: 'leads.xlsx',
      requireEmail: options.requireEmail ?? false,
      maxBytes: options.maxBytes,
    }),
  );
  return { results, opens: open.calls.length };
}

const VALUES: XlsxRows = [
  [
    'Email',
    'First Name',
    'Employees',
    'Revenue',
    'Signed Up',
    'Last Contact',
    'Notes',
    'Website',
    'Zip',
    'Active',
  ],
  [
    'ana@example.com',
    { richText: ['An', 'a'] },
    250,
    { number: 1234.5, format: 'decimal' },
    new Date(Date.UTC(2024, 1, 29)),
    { number: 45_351.5, format: 'datetime' },
    { formula: 'CONCAT("a","b")', result: 'ab' },
    { hyperlink: 'https://acme.example', text: 'acme.example' },
    { number: 2134, format: 'zip' },
    true,
  ],
  null,
  [],
  [
    'bo@example.com',
    'Bo',
    { formula: 'SUM(1,2)', result: 3 },
    0.1 + 0.2,
    new Date(Date.UTC(1999, 11, 31)),
    null,
    { error: '#N/A' },
    { inline: 'inline text' },
    12_345,
    { formula: 'TRUE()', result: false },
  ],
  [null, null, null],
  ['cy@example.com', 'Cy', 1e21, -42, null, null, 'x_x000D_y', null, null, null],
];

const EXPECTED = [
  {
    row: 2,
    email: 'ana@example.com',
    firstName: 'Ana',
    postalCode: '02134',
    customFields: {
      Employees: '250',
      Revenue: '1234.5',
      'Signed Up': '2024-02-29',
      'Last Contact': '2024-02-29T12:00:00',
      Notes: 'ab',
      Website: 'acme.example',
      Active: 'TRUE',
    },
  },
  {
    row: 5,
    email: 'bo@example.com',
    firstName: 'Bo',
    postalCode: '12345',
    customFields: {
      Employees: '3',
      Revenue: '0.3',
      'Signed Up': '1999-12-31',
      Notes: '#N/A',
      Website: 'inline text',
      Active: 'FALSE',
    },
  },
  {
    row: 7,
    email: 'cy@example.com',
    firstName: 'Cy',
    customFields: { Employees: '1e+21', Revenue: '-42', Notes: 'x\ry' },
  },
];

describe('readLeadRows on XLSX', () => {
  it('reads cell values as text: numbers, dates, rich text, formulas, hyperlinks, booleans; skips empty rows', async () => {
    const { results, opens } = await read(xlsxBytes(VALUES));
    expect(inputs(results)).toEqual(EXPECTED);
    expect(results[0]?.checkpoint).toMatchObject({ rowsRead: 1, layout: { format: 'xlsx' } });
    expect(results[0]?.checkpoint.byteOffset).toBeUndefined();
    // Excel's order (worksheet before its strings and styles) takes a second pass.
    expect(opens).toBe(2);
  });

  it.each<[string, XlsxOptions, number]>([
    ['parts before the worksheet: one pass', { order: 'parts-first' }, 1],
    ['inline strings', { strings: 'inline' }, 2],
    ['data descriptors (a streaming writer)', { dataDescriptors: true }, 2],
    ['data descriptors, parts first', { dataDescriptors: true, order: 'parts-first' }, 1],
    ['prefixed elements (x:row)', { prefixed: true }, 2],
  ])('reads the same values with %s', async (_what, options, passes) => {
    for (const chunkSize of [65_536, 100, 7]) {
      const { results, opens } = await read(xlsxBytes(VALUES, options), { chunkSize });
      expect(inputs(results)).toEqual(EXPECTED);
      expect(opens).toBe(passes);
    }
  });

  it('reads dates of the 1904 date system', async () => {
    const rows: XlsxRows = [
      ['Email', 'Signed Up'],
      ['ana@example.com', new Date(Date.UTC(2023, 6, 14))],
    ];
    const { results } = await read(xlsxBytes(rows, { date1904: true }));
    expect(inputs(results)).toEqual([
      { row: 2, email: 'ana@example.com', customFields: { 'Signed Up': '2023-07-14' } },
    ]);
  });

  it("reads the workbook's first worksheet, not the first sheet file or a chart sheet", async () => {
    const other: XlsxRows = [['Email'], ['other@example.com']];
    const rows: XlsxRows = [['Email'], ['lead@example.com']];
    const { results } = await read(xlsxBytes(rows, { otherSheets: { before: [], after: other } }));
    expect(inputs(results)).toEqual([{ row: 2, email: 'lead@example.com' }]);
  });

  it('reports bad rows with the row, the header as written and a message, and keeps the good rows', async () => {
    const rows: XlsxRows = [
      ['E-Mail', 'First Name', 'Organisation', 'Score'],
      ['ana@example.com', 'Ana', 'Acme', 80],
      ['bo@', 'Bo', 'Initech', 50],
      [null, 'Cy', 'Globex', 20],
      ['di@example.com', 'Di', 'x'.repeat(256), 10],
      ['ed@example.com', 'Ed', 'Hooli', 'n/a'],
      ['fa@example.com', 'Fa', 'Umbrella', 99],
    ];
    const { results } = await read(xlsxBytes(rows), { requireEmail: true });
    expect(results.map((r) => (r.ok ? { row: r.row, ok: true } : { row: r.row, errors: r.errors }))).toEqual([
      { row: 2, ok: true },
      {
        row: 3,
        errors: [{ row: 3, column: 'E-Mail', message: 'must be a valid email address (got "bo@")' }],
      },
      { row: 4, errors: [{ row: 4, column: 'E-Mail', message: 'email is required for a distributed lead' }] },
      { row: 5, errors: [{ row: 5, column: 'Organisation', message: 'must be at most 255 characters' }] },
      {
        row: 6,
        errors: [{ row: 6, column: 'Score', message: 'must be a whole number from 0 to 100 (got "n/a")' }],
      },
      { row: 7, ok: true },
    ]);
  });

  it('reads 5,000 rows with 2 % errors: exact counts and every error row', async () => {
    const errorEvery = 50;
    const { results } = await read(xlsxBytes(leadSheet(5000, errorEvery)), {
      requireEmail: true,
      chunkSize: 8192,
    });
    expect(results).toHaveLength(5000);
    const bad = results.filter((r) => !r.ok);
    expect(bad.map((r) => r.row)).toEqual(
      Array.from({ length: 100 }, (_, k) => k * errorEvery + errorEvery + 1),
    );
    for (const r of bad) {
      const { column, message } = expectedLeadRowError(r.row - 2, errorEvery);
      expect(r.ok ? [] : r.errors).toEqual([
        { row: r.row, column, message: expect.stringContaining(message) },
      ]);
    }
  });

  describe('refuses the whole file', () => {
    it.each([
      ['0 bytes', new Uint8Array(0)],
      ['only whitespace', new TextEncoder().encode('  \r\n')],
    ])('empty: %s', async (_what, bytes) => {
      expect((await fileError(read(bytes))).code).toBe('empty');
    });

    it('empty: a workbook whose first worksheet has no rows', async () => {
      expect((await fileError(read(xlsxBytes([])))).code).toBe('empty');
    });

    it('no_header: row 1 is empty', async () => {
      const error = await fileError(read(xlsxBytes([null, ['Email'], ['ana@example.com']])));
      expect(error).toMatchObject({ code: 'no_header', message: expect.stringContaining('Row 1 is empty') });
    });

    it('no_header: row 1 names no lead field', async () => {
      const error = await fileError(
        read(xlsxBytes([['Leads export, March'], ['Email'], ['ana@example.com']])),
      );
      expect(error).toMatchObject({
        code: 'no_header',
        message: expect.stringContaining('"Leads export, March"'),
      });
    });

    it('unreadable: a corrupt workbook', async () => {
      const bytes = xlsxBytes(leadSheet(200));
      const corrupt = Uint8Array.from(bytes);
      for (let i = 600; i < corrupt.length - 600; i += 97) corrupt[i] = (corrupt[i] as number) ^ 0xff;
      expect((await fileError(read(corrupt))).code).toBe('unreadable');
    });

    it('unreadable: a truncated workbook', async () => {
      const bytes = xlsxBytes(leadSheet(200));
      expect((await fileError(read(bytes.subarray(0, Math.floor(bytes.length / 2))))).code).toBe(
        'unreadable',
      );
    });

    it('unreadable: a ZIP that is not a workbook', async () => {
      const { zipSync, strToU8 } = await import('fflate');
      const zip = zipSync({ 'readme.txt': strToU8('hello') });
      const error = await fileError(read(zip));
      expect(error).toMatchObject({
        code: 'unreadable',
        message: expect.stringContaining('not an .xlsx workbook'),
      });
    });

    it.each([
      [
        'malformed XML in the worksheet',
        'xl/worksheets/sheet1.xml',
        (xml: string) => xml.replace('</row>', '</rov>'),
      ],
      ['a missing shared strings part', 'xl/sharedStrings.xml', undefined],
      ['a missing worksheet', 'xl/worksheets/sheet1.xml', undefined],
    ])('unreadable: %s', async (_what, part, edit) => {
      const { strToU8, strFromU8, unzipSync, zipSync } = await import('fflate');
      const files = unzipSync(xlsxBytes(leadSheet(20)));
      const original = files[part] as Uint8Array;
      if (edit) files[part] = strToU8(edit(strFromU8(original)));
      else delete files[part];
      const error = await fileError(read(zipSync(files)));
      expect(error.code).toBe('unreadable');
      expect(error.message).toMatch(edit ? /damaged \(xl\/worksheets\/sheet1\.xml: / : /missing/);
    });

    it('unreadable: an .xlsx name on bytes that are not a ZIP', async () => {
      expect((await fileError(read(new TextEncoder().encode('Email\nana@example.com\n')))).code).toBe(
        'unreadable',
      );
    });

    it('too_large: past maxBytes while streaming', async () => {
      const bytes = xlsxBytes(leadSheet(2000));
      expect((await fileError(read(bytes, { maxBytes: bytes.length - 1, chunkSize: 4096 }))).code).toBe(
        'too_large',
      );
      expect((await read(bytes, { maxBytes: bytes.length })).results).toHaveLength(2000);
    });
  });
});
