import {
  CSV_BOM,
  cellText,
  csvField,
  csvHeader,
  csvLine,
  csvRows,
  exportColumns,
  jsonStringBytes,
  parseColumns,
  SEED_COLUMNS,
} from '@leadrelay/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../support/csv';
import { testLead } from '../support/leads';

const NOW = new Date('2030-01-11T09:00:00.000Z');

describe('CSV fields (RFC 4180)', () => {
  it('leaves plain text as it is and quotes a field with a comma, a quote or a line break', () => {
    expect(csvField('Acme GmbH')).toBe('Acme GmbH');
    expect(csvField('Acme, Inc.')).toBe('"Acme, Inc."');
    expect(csvField('The "best" lead')).toBe('"The ""best"" lead"');
    expect(csvField('line one\nline two')).toBe('"line one\nline two"');
    expect(csvField('line one\r\nline two')).toBe('"line one\r\nline two"');
    expect(csvLine(['a', 'b,c', ''])).toBe('a,"b,c",\r\n');
  });

  it('neutralises a text that begins with = + - @ tab or CR: a single quote before it, the field quoted', () => {
    expect(csvField('=1+1')).toBe(`"'=1+1"`);
    expect(csvField('+49 30 1234')).toBe(`"'+49 30 1234"`);
    expect(csvField('-2+3')).toBe(`"'-2+3"`);
    expect(csvField('@SUM(A1:A9)')).toBe(`"'@SUM(A1:A9)"`);
    expect(csvField('\t=cmd')).toBe(`"'\t=cmd"`);
    expect(csvField('\r=cmd')).toBe(`"'\r=cmd"`);
    expect(csvField('=HYPERLINK("http://evil.example","click")')).toBe(
      `"'=HYPERLINK(""http://evil.example"",""click"")"`,
    );
    // Only the first character counts; a formula sign later in the text is just text.
    expect(csvField('a=b')).toBe('a=b');
  });

  it('leaves numbers it renders itself as numbers, and renders objects, lists and absent values readably', () => {
    expect(csvField(-3)).toBe('-3');
    expect(csvField(50)).toBe('50');
    expect(csvField(true)).toBe('true');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField({ amount: 1200, currency: 'EUR' })).toBe('1200 EUR');
    expect(csvField({ type: 'Bounce', reason: 'mailbox full' })).toBe('Bounce: mailbox full');
    expect(cellText(['a', 'b']).text).toBe('a; b');
    // A custom text value that looks like a negative number is still untrusted text.
    expect(csvField('-5')).toBe(`"'-5"`);
  });

  it('keeps any text through a write and a read: the same text, or a single quote and the same text', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 6 }), (values) => {
        const [read] = parseCsv(csvLine(values));
        expect(read).toEqual(values.map((v) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v)));
      }),
    );
  });

  it('keeps unicode as it is (UTF-8 in the file)', () => {
    const text = 'José Müller · 東京 · Ærøskøbing · 😀';
    expect(csvField(text)).toBe(text);
    expect(Buffer.from(csvLine([text]), 'utf8').toString('utf8')).toBe(`${text}\r\n`);
  });
});

describe('the export file', () => {
  it('starts with the byte order mark and a header row: id, the seed columns, then the chosen ones once', () => {
    const columns = exportColumns(parseColumns('email,displayEmail,custom.region,id'));
    expect(columns).toEqual(['id', ...SEED_COLUMNS, 'email', 'custom.region']);
    const header = csvHeader(columns);
    expect(header.startsWith(CSV_BOM)).toBe(true);
    expect(Buffer.from(header, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(header.slice(1)).toBe(`id,${SEED_COLUMNS.join(',')},email,custom.region\r\n`);
    expect(exportColumns()).toEqual(['id', ...SEED_COLUMNS]);
  });

  it('renders a lead in the columns’ order, custom fields by name, an absent one empty', () => {
    const lead = testLead({
      id: 'L-7',
      email: undefined,
      firstName: '=Ada',
      lastName: 'Lovelace, Countess',
      displayEmail: '=Ada Lovelace, Countess',
      customFields: { region: 'EMEA', vip: true, seats: 12, note: '@admin' },
      opportunityValue: { amount: 1200, currency: 'EUR' },
      distributionStatusChangedAt: '2030-01-01T09:00:00.000Z',
    });
    const columns = exportColumns(
      parseColumns('custom.region,custom.vip,custom.seats,custom.note,custom.missing,opportunityValue,score'),
    );
    const [row] = parseCsv(csvRows([lead], columns, NOW));
    expect(Object.fromEntries(columns.map((c, i) => [c, row?.[i]]))).toEqual({
      id: 'L-7',
      displayEmail: "'=Ada Lovelace, Countess",
      partnerName: 'Alpha',
      createdAt: '2030-01-01T09:00:00.000Z',
      updatedAt: '2030-01-01T09:00:00.000Z',
      distributionStatus: 'Pending',
      emailStatus: 'Sent',
      distributionStatusChangeDays: '10',
      source: 'API',
      'custom.region': 'EMEA',
      'custom.vip': 'true',
      'custom.seats': '12',
      'custom.note': "'@admin",
      'custom.missing': '',
      opportunityValue: '1200 EUR',
      score: '50',
    });
  });
});

describe('the inline answer’s size', () => {
  it('counts the bytes of the text in a JSON string, as the Lambda response carries it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(jsonStringBytes(text)).toBe(Buffer.byteLength(JSON.stringify(text), 'utf8') - 2);
      }),
    );
    for (const text of ['"quoted"\r\n', '\u0001\u001f\\', '\ud800 lone', 'x\udc00', '😀']) {
      expect(jsonStringBytes(text)).toBe(Buffer.byteLength(JSON.stringify(text), 'utf8') - 2);
    }
  });
});
