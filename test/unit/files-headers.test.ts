import { detectFormat, FileError, matchHeader } from '@leadrelay/files';
import { describe, expect, it } from 'vitest';

const field = (name: string) => ({ kind: 'field', field: name });

describe('matchHeader', () => {
  it.each([
    ['Email', field('email')],
    ['E-mail', field('email')],
    ['EMAIL', field('email')],
    ['email_address', field('email')],
    ['Email Address', field('email')],
    ['Mail', field('email')],
    ['Work Email', field('email')],
    ['Business Email', field('email')],
    ['First Name', field('firstName')],
    ['FirstName', field('firstName')],
    ['first_name', field('firstName')],
    ['Given Name', field('firstName')],
    ['Forename', field('firstName')],
    ['First', field('firstName')],
    ['Last Name', field('lastName')],
    ['Surname', field('lastName')],
    ['Family Name', field('lastName')],
    ['Last', field('lastName')],
    ['Company', field('company')],
    ['Company Name', field('company')],
    ['Account', field('company')],
    ['Account Name', field('company')],
    ['Organization', field('company')],
    ['Organisation', field('company')],
    ['Title', field('title')],
    ['Job Title', field('title')],
    ['Position', field('title')],
    ['Role', field('title')],
    ['Phone', field('phone')],
    ['Phone Number', field('phone')],
    ['Telephone', field('phone')],
    ['Tel', field('phone')],
    ['Tel.', field('phone')],
    ['Work Phone', field('phone')],
    ['Business Phone', field('phone')],
    ['Mobile', field('mobilePhone')],
    ['Mobile Phone', field('mobilePhone')],
    ['mobilePhone', field('mobilePhone')],
    ['Cell', field('mobilePhone')],
    ['Cell Phone', field('mobilePhone')],
    ['Country', field('country')],
    ['Country/Region', field('country')],
    ['State', field('state')],
    ['Province', field('state')],
    ['State/Province', field('state')],
    ['City', field('city')],
    ['Town', field('city')],
    ['Zip', field('postalCode')],
    ['Zip Code', field('postalCode')],
    ['ZIP/Postal Code', field('postalCode')],
    ['Postal Code', field('postalCode')],
    ['Postcode', field('postalCode')],
    ['Post Code', field('postalCode')],
    ['Product', field('product')],
    ['Campaign', field('campaign')],
    ['Campaign Name', field('campaign')],
    ['Lead Score', field('score')],
    ['Score', field('score')],
    ['Partner', { kind: 'partner' }],
    ['Partner Name', { kind: 'partner' }],
    ['Partner ID', { kind: 'partner' }],
    ['PartnerId', { kind: 'partner' }],
    ['Assigned Partner', { kind: 'partner' }],
    ['  E-Mail  ', field('email')],
  ])('reads %j as %j', (header, mapping) => {
    expect(matchHeader(header)).toEqual(mapping);
  });

  it('keeps Region a custom field: suppliers use it for their own sales regions', () => {
    expect(matchHeader('Region')).toEqual({ kind: 'custom', name: 'Region' });
  });

  it('names any other column as a custom field, trimmed and as written', () => {
    expect(matchHeader('  Industry ')).toEqual({ kind: 'custom', name: 'Industry' });
    expect(matchHeader('Annual_Revenue 2024')).toEqual({ kind: 'custom', name: 'Annual_Revenue 2024' });
  });

  it('cleans a header that is not a valid custom field name', () => {
    expect(matchHeader('Budget ($)')).toEqual({ kind: 'custom', name: 'Budget' });
    expect(matchHeader('Région')).toEqual({ kind: 'custom', name: 'Region' });
    expect(matchHeader('# of employees')).toEqual({ kind: 'custom', name: 'of employees' });
  });

  it('ignores a header that cannot name a custom field, and an empty header', () => {
    expect(matchHeader('2024')).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('"2024"') });
    expect(matchHeader('   ')).toEqual({ kind: 'ignored', reason: 'the column has no header' });
  });
});

describe('detectFormat', () => {
  const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]);
  const text = new TextEncoder().encode('Email,Name\n');

  it('knows an XLSX by its ZIP magic bytes, whatever its name', () => {
    expect(detectFormat('leads.csv', zip)).toBe('xlsx');
    expect(detectFormat('leads', zip)).toBe('xlsx');
  });

  it('falls back to the extension, then to CSV', () => {
    expect(detectFormat('leads.XLSX', text)).toBe('xlsx');
    expect(detectFormat('leads.csv', text)).toBe('csv');
    expect(detectFormat('leads.txt', text)).toBe('csv');
    expect(detectFormat('inbox/sup_1/leads', text)).toBe('csv');
  });

  it.each([
    ['a legacy .xls or encrypted workbook', 'leads.xls', [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]],
    ['a PDF', 'leads.pdf', [0x25, 0x50, 0x44, 0x46, 0x2d]],
    ['UTF-16 text', 'leads.txt', [0xff, 0xfe, 0x45, 0x00]],
    ['an OpenDocument spreadsheet', 'leads.ods', [0x50, 0x4b, 0x03, 0x04]],
  ])('refuses %s as unsupported_format', (_what, name, bytes) => {
    expect(() => detectFormat(name, new Uint8Array(bytes))).toThrow(
      expect.objectContaining({ name: 'FileError', code: 'unsupported_format' }),
    );
    try {
      detectFormat(name, new Uint8Array(bytes));
    } catch (error) {
      expect(error).toBeInstanceOf(FileError);
    }
  });
});
