import { CustomFieldName, type LeadTextField, MAX_CUSTOM_FIELDS } from '@leadrelay/core';
import { FileError } from './errors';
import type { ColumnMapping, CsvDelimiter, FileEncoding, FileFormat, FileLayout } from './types';

/**
 * Header matching: a header is compared with the synonyms below after dropping case,
 * accents, spaces, punctuation and underscores (`E-mail`, `email_address` and
 * `Email Address` all read as `emailaddress`).
 */
const SYNONYMS: Record<LeadTextField | 'score' | 'partner', string[]> = {
  email: [
    'email',
    'emailaddress',
    'mail',
    'workemail',
    'businessemail',
    'workemailaddress',
    'businessemailaddress',
  ],
  firstName: ['firstname', 'givenname', 'forename', 'first'],
  lastName: ['lastname', 'surname', 'familyname', 'last'],
  company: [
    'company',
    'companyname',
    'account',
    'accountname',
    'organization',
    'organisation',
    'organizationname',
    'organisationname',
  ],
  title: ['title', 'jobtitle', 'position', 'role'],
  phone: [
    'phone',
    'phonenumber',
    'telephone',
    'telephonenumber',
    'tel',
    'workphone',
    'businessphone',
    'officephone',
  ],
  mobilePhone: [
    'mobile',
    'mobilephone',
    'mobilenumber',
    'mobilephonenumber',
    'cell',
    'cellphone',
    'cellnumber',
  ],
  country: ['country', 'countryregion', 'countryname'],
  // `Region` stays a custom field: suppliers use it for their own sales regions.
  state: ['state', 'province', 'stateprovince', 'stateorprovince'],
  city: ['city', 'town'],
  postalCode: ['zip', 'zipcode', 'postalcode', 'postcode', 'zippostalcode'],
  product: ['product', 'productname', 'productinterest'],
  campaign: ['campaign', 'campaignname'],
  score: ['score', 'leadscore'],
  partner: ['partner', 'partnername', 'partnerid', 'assignedpartner'],
};

const BY_KEY = new Map<string, ColumnMapping>(
  Object.entries(SYNONYMS).flatMap(([target, keys]) =>
    keys.map((key): [string, ColumnMapping] => [
      key,
      target === 'partner'
        ? { kind: 'partner' }
        : { kind: 'field', field: target as LeadTextField | 'score' },
    ]),
  ),
);

/** Folds a header to its matching key: no accents, no case, letters and digits only. */
export function headerKey(header: string): string {
  return header
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/**
 * Turns a header into a valid custom field name: as written when it is one, else
 * without accents and with other characters dropped (`Budget ($)` -> `Budget`,
 * `Région` -> `Region`); undefined when nothing usable is left.
 */
function customFieldName(header: string): string | undefined {
  if (CustomFieldName.safeParse(header).success) return header;
  const cleaned = header
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z0-9 _.-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/^[^A-Za-z]+/, '')
    .slice(0, 64)
    .trim();
  return CustomFieldName.safeParse(cleaned).success ? cleaned : undefined;
}

/**
 * What one header names, matched loosely: case, accents, spaces, punctuation and
 * underscores are ignored, and common synonyms are known (`E-mail`, `Email Address`,
 * `Given Name`, `Surname`, `Organisation`, `Job Title`, `Cell`, `Zip Code`, `Lead Score`,
 * `Assigned Partner`, ...). Anything else is a custom field named by the header as
 * written (trimmed; cleaned when it is not a valid custom field name); an empty header
 * is ignored.
 */
export function matchHeader(header: string): ColumnMapping {
  const trimmed = header.trim();
  if (trimmed === '') return { kind: 'ignored', reason: 'the column has no header' };
  const known = BY_KEY.get(headerKey(trimmed));
  if (known) return known;
  const name = customFieldName(trimmed);
  if (name === undefined) {
    return {
      kind: 'ignored',
      reason: `"${trimmed}" cannot name a custom field: it needs a letter first, then letters, digits, space, _ . -`,
    };
  }
  return { kind: 'custom', name };
}

function mappingKey(mapping: ColumnMapping): string | undefined {
  switch (mapping.kind) {
    case 'field':
      return `field:${mapping.field}`;
    case 'partner':
      return 'partner';
    case 'custom':
      return `custom:${mapping.name.toLowerCase()}`;
    default:
      return undefined;
  }
}

function label(mapping: ColumnMapping): string {
  if (mapping.kind === 'field') return mapping.field;
  if (mapping.kind === 'custom') return `custom field "${mapping.name}"`;
  return mapping.kind;
}

/**
 * The layout of a file from its header row: one mapping per header. When two columns
 * map to the same thing (two email columns, two `Notes`), the first wins and the
 * second is ignored with the reason; custom columns past the limit of custom fields
 * are ignored too.
 */
export function buildLayout(
  format: FileFormat,
  headerCells: readonly string[],
  csv: { encoding?: FileEncoding; delimiter?: CsvDelimiter } = {},
): FileLayout {
  const headers = headerCells.map((h) => h.trim());
  const seen = new Map<string, { header: string; mapping: ColumnMapping }>();
  let customCount = 0;
  const columns = headers.map((header): ColumnMapping => {
    const mapping = matchHeader(header);
    const key = mappingKey(mapping);
    if (key === undefined) return mapping;
    const first = seen.get(key);
    if (first !== undefined) {
      return {
        kind: 'ignored',
        reason: `duplicate: column "${first.header}" already maps to ${label(first.mapping)}`,
      };
    }
    if (mapping.kind === 'custom' && ++customCount > MAX_CUSTOM_FIELDS) {
      return { kind: 'ignored', reason: `a lead has at most ${MAX_CUSTOM_FIELDS} custom fields` };
    }
    seen.set(key, { header, mapping });
    return mapping;
  });
  return { format, ...csv, headers, columns };
}

function quoteList(values: readonly string[]): string {
  const shown = values.slice(0, 8).map((v) => `"${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`);
  return shown.join(', ') + (values.length > 8 ? `, … (${values.length} columns)` : '');
}

/**
 * Refuses a header row that names nothing Lead Relay knows: all cells empty, no cell
 * mapping to a lead field, or (when an email is required) no email column. The message
 * names what was found, so the supplier can see a missing or shifted header row.
 */
export function assertUsableHeader(layout: FileLayout, requireEmail: boolean): void {
  const found = layout.headers.filter((h) => h !== '');
  if (found.length === 0)
    throw new FileError('no_header', 'Row 1 is empty: it must name the columns (Email, First Name, ...)');
  const fields = layout.columns.filter((c) => c.kind === 'field');
  if (fields.length === 0) {
    throw new FileError(
      'no_header',
      `Row 1 names no lead field (Email, First Name, Last Name, Company, ...); found ${quoteList(found)}`,
    );
  }
  if (requireEmail && !fields.some((c) => c.field === 'email')) {
    throw new FileError(
      'no_header',
      `No email column: distributed leads need one (Email, E-mail, Email Address, ...); found ${quoteList(found)}`,
    );
  }
}
