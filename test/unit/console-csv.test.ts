import { describe, expect, it } from 'vitest';
import { csvCell, csvHeader, toCsv } from '../../packages/console/src/pages/supplier/csv';

describe('the console’s CSV (errors download, header row of a chosen file)', () => {
  it('quotes a cell only when it must, doubling quotes', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell(3)).toBe('3');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell('a, b')).toBe('"a, b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(' padded ')).toBe('" padded "');
  });

  it('disarms spreadsheet formulas in text cells, not in numbers', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('@sum')).toBe("'@sum");
    expect(csvCell(-1)).toBe('-1');
  });

  it('writes rows with CRLF line ends', () => {
    expect(
      toCsv([
        ['row', 'column', 'message'],
        [3, 'Email', 'must be a valid email address (got "x")'],
      ]),
    ).toBe('row,column,message\r\n3,Email,"must be a valid email address (got ""x"")"\r\n');
  });

  it('reads the header row: quoted cells, a BOM, CRLF, and nothing when there is none', () => {
    expect(csvHeader('\uFEFFEmail,"First, Name","Say ""Hi"""\r\na@b.example,x,y\r\n')).toEqual([
      'Email',
      'First, Name',
      'Say "Hi"',
    ]);
    expect(csvHeader('"Multi\nline",B\n1,2')).toEqual(['Multi\nline', 'B']);
    expect(csvHeader('')).toEqual([]);
    expect(csvHeader('\n')).toEqual([]);
  });
});
