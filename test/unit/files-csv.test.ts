import { Readable } from 'node:stream';
import { readLeadRows } from '@leadrelay/files';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import {
  collect,
  csvBytes,
  expectedLeadRowError,
  fileError,
  inputs,
  LEAD_HEADER,
  leadRow,
  opener,
} from '../support/lead-files';

const HEADER = ['E-mail', 'First Name', 'Last Name', 'Company Name'];

async function read(
  bytes: Uint8Array,
  options: { requireEmail?: boolean; chunkSize?: number; maxBytes?: number } = {},
) {
  return collect(
    readLeadRows(opener(bytes, options.chunkSize), {
      fileName: 'leads.csv',
      requireEmail: options.requireEmail ?? true,
      maxBytes: options.maxBytes,
    }),
  );
}

describe('readLeadRows on CSV', () => {
  it('reads a plain UTF-8 file: header is row 1, data from row 2', async () => {
    const results = await read(
      csvBytes([
        HEADER,
        ['ana@example.com', 'Ana', 'Silva', 'Acme'],
        ['bo@example.com', 'Bo', 'Berg', 'Initech'],
      ]),
    );
    expect(inputs(results)).toEqual([
      { row: 2, email: 'ana@example.com', firstName: 'Ana', lastName: 'Silva', company: 'Acme' },
      { row: 3, email: 'bo@example.com', firstName: 'Bo', lastName: 'Berg', company: 'Initech' },
    ]);
    expect(results[0]?.checkpoint.layout).toMatchObject({ format: 'csv', encoding: 'utf-8', delimiter: ',' });
  });

  it('strips a UTF-8 BOM, even split across chunks', async () => {
    const bytes = csvBytes(
      [
        ['Email', 'First Name'],
        ['zoe@example.com', 'Zoë'],
      ],
      { bom: true },
    );
    const results = await read(bytes, { chunkSize: 2 });
    expect(results[0]?.checkpoint.layout).toMatchObject({
      encoding: 'utf-8',
      headers: ['Email', 'First Name'],
    });
    expect(inputs(results)).toEqual([{ row: 2, email: 'zoe@example.com', firstName: 'Zoë' }]);
  });

  it('detects semicolons (a comma inside a value does not fool it)', async () => {
    const bytes = csvBytes(
      [
        ['Email', 'Company', 'City'],
        ['ana@example.com', 'Acme, Inc.', 'Lyon'],
      ],
      { delimiter: ';' },
    );
    const results = await read(bytes);
    expect(results[0]?.checkpoint.layout.delimiter).toBe(';');
    expect(inputs(results)).toEqual([
      { row: 2, email: 'ana@example.com', company: 'Acme, Inc.', city: 'Lyon' },
    ]);
  });

  it('detects tabs', async () => {
    const bytes = csvBytes(
      [
        ['Email', 'Job Title'],
        ['ana@example.com', 'VP, Sales'],
      ],
      { delimiter: '\t' },
    );
    const results = await read(bytes);
    expect(results[0]?.checkpoint.layout.delimiter).toBe('\t');
    expect(inputs(results)).toEqual([{ row: 2, email: 'ana@example.com', title: 'VP, Sales' }]);
  });

  it('reads quoted values with line breaks and quotes; later rows keep their record numbers', async () => {
    const bytes = csvBytes(
      [
        ['Email', 'Notes', 'Company'],
        ['ana@example.com', 'line one\nline two\nline three', 'Acme'],
        ['bo@example.com', 'She said "call me"', 'Initech'],
        ['cy@example.com', 'plain', 'Globex'],
      ],
      { eol: '\r\n' },
    );
    const results = await read(bytes, { chunkSize: 7 });
    expect(inputs(results)).toEqual([
      {
        row: 2,
        email: 'ana@example.com',
        company: 'Acme',
        customFields: { Notes: 'line one\nline two\nline three' },
      },
      { row: 3, email: 'bo@example.com', company: 'Initech', customFields: { Notes: 'She said "call me"' } },
      { row: 4, email: 'cy@example.com', company: 'Globex', customFields: { Notes: 'plain' } },
    ]);
  });

  it('reads CRLF and LF line ends alike, and a last row without a line end', async () => {
    const rows = [
      HEADER,
      ['ana@example.com', 'Ana', 'Silva', 'Acme'],
      ['bo@example.com', 'Bo', 'Berg', 'Initech'],
    ];
    const crlf = await read(csvBytes(rows, { eol: '\r\n', trailingEol: false }), { chunkSize: 5 });
    const lf = await read(csvBytes(rows, { eol: '\n' }));
    expect(inputs(crlf)).toEqual(inputs(lf));
    expect(inputs(crlf).map((r) => r.row)).toEqual([2, 3]);
    expect(crlf.at(-1)?.checkpoint.byteOffset).toBe(
      csvBytes(rows, { eol: '\r\n', trailingEol: false }).length,
    );
  });

  it('decodes Windows-1252 (é, ü, €) as Excel writes it on a western Windows', async () => {
    const bytes = csvBytes(
      [
        ['Email', 'First Name', 'Last Name', 'Budget'],
        ['rene@example.com', 'René', 'Müller', '€ 5000'],
      ],
      { encoding: 'windows-1252', delimiter: ';' },
    );
    expect(bytes.includes(0x80)).toBe(true); // € is one byte, 0x80
    const results = await read(bytes);
    expect(results[0]?.checkpoint.layout.encoding).toBe('windows-1252');
    expect(inputs(results)).toEqual([
      {
        row: 2,
        email: 'rene@example.com',
        firstName: 'René',
        lastName: 'Müller',
        customFields: { Budget: '€ 5000' },
      },
    ]);
  });

  it('reads UTF-8 multi-byte characters split across chunks', async () => {
    const bytes = csvBytes([
      ['Email', 'First Name'],
      ['li@example.com', '李小龍 😀 Zoë'],
    ]);
    for (const chunkSize of [1, 2, 3, 5]) {
      expect(inputs(await read(bytes, { chunkSize }))).toEqual([
        { row: 2, email: 'li@example.com', firstName: '李小龍 😀 Zoë' },
      ]);
    }
  });

  it('reads a Windows-1252 cell in a file that started as UTF-8', async () => {
    const head = Buffer.from('Email,First Name\nana@example.com,Ana\n');
    const tail = iconv.encode('jose@example.com,José\n', 'windows-1252');
    const results = await read(Buffer.concat([head, tail]));
    expect(inputs(results)).toEqual([
      { row: 2, email: 'ana@example.com', firstName: 'Ana' },
      { row: 3, email: 'jose@example.com', firstName: 'José' },
    ]);
  });

  it('skips rows whose cells are all empty without an error; their numbers stay taken', async () => {
    const bytes = Buffer.from('Email,First Name\n\nana@example.com,Ana\n,\n ,  \nbo@example.com,Bo\n');
    const results = await read(bytes);
    expect(inputs(results)).toEqual([
      { row: 3, email: 'ana@example.com', firstName: 'Ana' },
      { row: 6, email: 'bo@example.com', firstName: 'Bo' },
    ]);
  });

  it('reads ragged rows: missing cells are empty, extra cells are an error only when not empty', async () => {
    const bytes = Buffer.from(
      [
        'Email,First Name,Last Name',
        'ana@example.com,Ana',
        'bo@example.com,Bo,Berg,,',
        'cy@example.com,Cy,Cole,oops,more',
      ].join('\n'),
    );
    const results = await read(bytes);
    expect(inputs(results)).toEqual([
      { row: 2, email: 'ana@example.com', firstName: 'Ana' },
      { row: 3, email: 'bo@example.com', firstName: 'Bo', lastName: 'Berg' },
      {
        row: 4,
        errors: [
          {
            row: 4,
            message:
              'the row has 5 cells but the header names 3 columns; cells past the last header were not read ("oops", "more")',
          },
        ],
      },
    ]);
  });

  it('reports bad rows with the row, the header as written and a message, and keeps the good rows', async () => {
    const bytes = csvBytes([
      ['E-mail', 'First Name', 'Company Name', 'Lead Score', 'Partner'],
      ['ana@example.com', 'Ana', 'Acme', '80', 'Northwind'],
      ['not-an-email', 'Bo', 'Initech', '50', ''],
      ['', 'Cy', 'Globex', '', ''],
      ['di@example.com', 'Di', 'x'.repeat(256), '10', ''],
      ['ed@example.com', 'Ed', 'Hooli', 'high', ''],
      ['fa@example.com', 'Fa', 'Umbrella', '101', ''],
      ['gu@example.com', 'Gu', 'Stark', '12.5', ''],
      ['ha@example.com', 'Ha', 'Wayne', '', 'partner-7'],
    ]);
    const results = await read(bytes);
    expect(results.map((r) => (r.ok ? { row: r.row, ok: true } : { row: r.row, errors: r.errors }))).toEqual([
      { row: 2, ok: true },
      {
        row: 3,
        errors: [{ row: 3, column: 'E-mail', message: 'must be a valid email address (got "not-an-email")' }],
      },
      { row: 4, errors: [{ row: 4, column: 'E-mail', message: 'email is required for a distributed lead' }] },
      { row: 5, errors: [{ row: 5, column: 'Company Name', message: 'must be at most 255 characters' }] },
      {
        row: 6,
        errors: [
          { row: 6, column: 'Lead Score', message: 'must be a whole number from 0 to 100 (got "high")' },
        ],
      },
      {
        row: 7,
        errors: [
          { row: 7, column: 'Lead Score', message: 'must be a whole number from 0 to 100 (got "101")' },
        ],
      },
      {
        row: 8,
        errors: [
          { row: 8, column: 'Lead Score', message: 'must be a whole number from 0 to 100 (got "12.5")' },
        ],
      },
      { row: 9, ok: true },
    ]);
    expect(results[0]).toMatchObject({
      ok: true,
      input: { email: 'ana@example.com', firstName: 'Ana', company: 'Acme', score: 80 },
      partner: 'Northwind',
    });
    expect(results[0]?.ok && 'partnerId' in results[0].input).toBe(false);
    expect(results[7]).toMatchObject({ ok: true, partner: 'partner-7' });
  });

  it('reads two columns of one lead field as candidates (the first not empty wins), ignores a second custom column with the same name and says why', async () => {
    const bytes = csvBytes([
      ['Email', 'First Name', 'E-mail', 'Notes', 'notes', ''],
      ['ana@example.com', 'Ana', 'other@example.com', 'a', 'b', 'c'],
    ]);
    const [result] = await read(bytes);
    expect(result?.checkpoint.layout.columns).toEqual([
      { kind: 'field', field: 'email' },
      { kind: 'field', field: 'firstName' },
      { kind: 'field', field: 'email' },
      { kind: 'custom', name: 'Notes' },
      { kind: 'ignored', reason: 'duplicate: column "Notes" already maps to custom field "Notes"' },
      { kind: 'ignored', reason: 'the column has no header' },
    ]);
    expect(inputs(result ? [result] : [])).toEqual([
      { row: 2, email: 'ana@example.com', firstName: 'Ana', customFields: { Notes: 'a' } },
    ]);
  });

  it('lets a lead without email through when no email is required', async () => {
    const bytes = csvBytes([
      ['Email', 'First Name'],
      ['', 'Ana'],
    ]);
    const results = await read(bytes, { requireEmail: false });
    expect(inputs(results)).toEqual([{ row: 2, firstName: 'Ana' }]);
  });

  it('reads 5,000 rows with 2 % errors: exact counts and every error row', async () => {
    const errorEvery = 50;
    const rows = [LEAD_HEADER, ...Array.from({ length: 5000 }, (_, i) => leadRow(i, errorEvery))];
    const results = await read(csvBytes(rows, { eol: '\r\n' }), { chunkSize: 4096 });
    const bad = results.filter((r) => !r.ok);
    expect(results).toHaveLength(5000);
    expect(results.filter((r) => r.ok)).toHaveLength(4900);
    expect(bad).toHaveLength(100);
    const expected = Array.from({ length: 100 }, (_, k) => {
      const i = k * errorEvery + errorEvery - 1;
      const { column, message } = expectedLeadRowError(i, errorEvery);
      return { row: i + 2, errors: [{ row: i + 2, column, message: expect.stringContaining(message) }] };
    });
    expect(bad.map((r) => ({ row: r.row, errors: r.ok ? [] : r.errors }))).toEqual(expected);
  });

  it('reports an opening quote that is never closed, after the good rows', async () => {
    const bytes = Buffer.from(
      'Email,First Name\nana@example.com,Ana\nbo@example.com,"Bo\ncy@example.com,Cy\n',
    );
    const results = await read(bytes);
    expect(inputs(results)).toEqual([
      { row: 2, email: 'ana@example.com', firstName: 'Ana' },
      {
        row: 3,
        errors: [
          {
            row: 3,
            message:
              'a quoted value starts in this row and its closing quote is missing: this row and the rest of the file could not be read',
          },
        ],
      },
    ]);
  });

  describe('refuses the whole file', () => {
    it.each([
      ['0 bytes', Buffer.alloc(0)],
      ['only whitespace', Buffer.from(' \r\n\t\n  \n')],
      ['only a BOM', Buffer.from([0xef, 0xbb, 0xbf])],
    ])('empty: %s', async (_what, bytes) => {
      expect((await fileError(read(bytes))).code).toBe('empty');
    });

    it('no_header: row 1 names no lead field, and the message says what it found', async () => {
      const bytes = csvBytes([
        ['ana@example.com', 'Ana', 'Silva'],
        ['bo@example.com', 'Bo', 'Berg'],
      ]);
      const error = await fileError(read(bytes, { requireEmail: false }));
      expect(error.code).toBe('no_header');
      expect(error.message).toContain('"ana@example.com", "Ana", "Silva"');
    });

    it('no_header: row 1 is empty', async () => {
      const error = await fileError(read(Buffer.from(',,\nana@example.com,Ana,Silva\n')));
      expect(error).toMatchObject({ code: 'no_header', message: expect.stringContaining('Row 1 is empty') });
    });

    it('no_header: no email column when an email is required', async () => {
      const bytes = csvBytes([
        ['First Name', 'Company'],
        ['Ana', 'Acme'],
      ]);
      const error = await fileError(read(bytes));
      expect(error).toMatchObject({ code: 'no_header', message: expect.stringContaining('No email column') });
      expect(await read(bytes, { requireEmail: false })).toHaveLength(1);
    });

    it('too_large: while streaming, past maxBytes', async () => {
      const bytes = csvBytes([LEAD_HEADER, ...Array.from({ length: 2000 }, (_, i) => leadRow(i))]);
      const error = await fileError(read(bytes, { maxBytes: 10_000, chunkSize: 1000 }));
      expect(error.code).toBe('too_large');
    });

    it('too_large: before reading, when the size is known', async () => {
      const open = opener(csvBytes([LEAD_HEADER, leadRow(0)]));
      const rows = readLeadRows(open, { fileName: 'a.csv', requireEmail: true, maxBytes: 10, size: 11 });
      expect((await fileError(collect(rows))).code).toBe('too_large');
      expect(open.calls).toEqual([]);
    });

    it('unsupported_format: binary content', async () => {
      const bytes = Buffer.from([0x45, 0x6d, 0x00, 0x61, 0x69, 0x6c, 0x00, 0x00]);
      expect((await fileError(read(bytes))).code).toBe('unsupported_format');
    });
  });

  it('pulls from the stream only as fast as rows are consumed', async () => {
    const bytes = csvBytes([LEAD_HEADER, ...Array.from({ length: 20_000 }, (_, i) => leadRow(i))]);
    let pulled = 0;
    const open = async () =>
      Readable.from(
        (function* () {
          for (let at = 0; at < bytes.length; at += 1024) {
            pulled += 1024;
            yield bytes.subarray(at, at + 1024);
          }
        })(),
      );
    const rows = readLeadRows(open, { fileName: 'a.csv', requireEmail: true });
    let taken = 0;
    for await (const _row of rows) {
      if (++taken === 10) break;
    }
    expect(pulled).toBeLessThan(bytes.length / 4);
  });
});
