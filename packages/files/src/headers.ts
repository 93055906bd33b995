import { createHash } from 'node:crypto';
import { CustomFieldName, type LeadTextField, MAX_CUSTOM_FIELDS, parseMappingTarget } from '@leadrelay/core';
import { FileError } from './errors';
import type { ColumnMapping, CsvDelimiter, FileEncoding, FileFormat, FileLayout, MappingFor } from './types';

/**
 * Header matching is data: the synonyms of each target below, then the rules that
 * peel off what the big systems wrap around a field's name (object prefixes and
 * suffixes, Work/Home/Other variants, `A / B` alternatives). A header is compared after
 * dropping case, accents, spaces, punctuation and underscores (`E-mail`,
 * `email_address` and `Email Address` all read as `emailaddress`).
 */
type Target = LeadTextField | 'score' | 'partner' | 'fullName';

const SYNONYMS: Record<Target, string[]> = {
  email: [
    'email',
    'emailaddress',
    'mail',
    'workemail',
    'businessemail',
    'workemailaddress',
    'businessemailaddress',
    'emailfrom',
  ],
  firstName: ['firstname', 'givenname', 'forename', 'first'],
  lastName: ['lastname', 'surname', 'familyname', 'last'],
  // A column naming the whole person: split into first and last, and only read when the
  // file has no first or last name column (Dynamics 365 exports `Name` beside both).
  fullName: ['fullname', 'name', 'contactname', 'leadname', 'personname', 'displayname'],
  company: [
    'company',
    'companyname',
    'account',
    'accountname',
    'organization',
    'organisation',
    'organizationname',
    'organisationname',
    'businessname',
  ],
  title: ['title', 'jobtitle', 'position', 'role', 'jobposition'],
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
    // Pipedrive: `Person - Phone - Mobile`.
    'phonemobile',
    'phonecell',
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

/**
 * Words that name the record a field belongs to, as exports put them before or after
 * the field: `Person - Email - Work` (Pipedrive), `Contact: First Name`, `Email
 * (Lead)`, `Associated Company` (HubSpot), `Organization - Name`. They are peeled off
 * (as whole words, only while something is left); after a company word, a bare `Name`
 * is the company.
 */
const OBJECT_WORDS: Record<'person' | 'company' | 'any', string[][]> = {
  person: [
    ['person'],
    ['persons'],
    ['contact'],
    ['contacts'],
    ['lead'],
    ['leads'],
    ['prospect'],
    ['prospects'],
    ['individual'],
    ['user'],
    ['your'],
    ['primary', 'contact'],
  ],
  company: [['organization'], ['organisation'], ['org'], ['company'], ['account'], ['accounts']],
  any: [['associated']],
};

/**
 * Variant words: which of several emails, phones or addresses a column holds
 * (`Email - Home`, `Secondary Email`, `Email Address 2`, `Mailing City`). They are
 * peeled off either end; every column that lands on the same field is a candidate, and
 * in each row the first candidate that is not empty wins.
 */
const VARIANT_WORDS = new Set([
  'work',
  'home',
  'other',
  'personal',
  'business',
  'office',
  'private',
  'primary',
  'secondary',
  'main',
  'alternate',
  'alternative',
  'additional',
  'preferred',
  'mailing',
  'billing',
  'shipping',
  '1',
  '2',
  '3',
  '4',
  '5',
]);

/** Words that join alternatives in one header: `Company / Account`, `State or Province`. */
const ALTERNATIVE_SEPARATORS = /\s*(?:\/|\||\bor\b)\s*/i;

/** What a company word followed by these means: the company's name. */
const COMPANY_NAME_KEYS = new Set(['name', 'companyname', 'accountname', 'organizationname']);

/** Headers that are an export's bookkeeping, never lead data. */
const IGNORED_HEADERS: { pattern: RegExp; reason: string }[] = [
  {
    pattern: /^\(do not modify\)/i,
    reason: 'a Dynamics 365 bookkeeping column ("(Do Not Modify) ..."), not lead data',
  },
];

function mappingOf(target: Target): ColumnMapping {
  if (target === 'partner') return { kind: 'partner' };
  if (target === 'fullName') return { kind: 'fullName' };
  return { kind: 'field', field: target };
}

const BY_KEY = new Map<string, ColumnMapping>(
  Object.entries(SYNONYMS).flatMap(([target, keys]) =>
    keys.map((key): [string, ColumnMapping] => [key, mappingOf(target as Target)]),
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

/** A header's words: no accents, no case, split at punctuation, spaces, camelCase and digits. */
function wordsOf(header: string): string[] {
  return header
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Za-z])(\d)/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

function startsWith(words: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length < words.length && prefix.every((w, i) => words[i] === w);
}

/** The object words peeled off the start of `words`, and the kind of object they named. */
function peelObject(words: string[]): { words: string[]; object?: 'person' | 'company' } {
  let rest = words;
  let object: 'person' | 'company' | undefined;
  for (let peeled = true; peeled; ) {
    peeled = false;
    for (const [kind, list] of Object.entries(OBJECT_WORDS)) {
      const prefix = list.find((p) => startsWith(rest, p));
      if (!prefix) continue;
      rest = rest.slice(prefix.length);
      if (kind !== 'any') object ??= kind as 'person' | 'company';
      peeled = true;
    }
  }
  return object === undefined ? { words: rest } : { words: rest, object };
}

/**
 * An object named in parentheses at the end (`Email (Contact)`, `Name (Account)`): the
 * header without it, as if the object came first. Only in parentheses: a bare word at
 * the end is part of the name (`Last Contact` is no last name).
 */
const OBJECT_SUFFIX = /^(.*\S)\s*\(([^()]*)\)$/;

/** Headers longer than this are no field name: the rules (and their regular expressions) skip them. */
const MAX_RULED_HEADER = 200;

/** A lookup of joined words, read in the light of the object they belong to. */
function lookup(
  words: readonly string[],
  object: 'person' | 'company' | undefined,
): ColumnMapping | undefined {
  const key = words.join('');
  if (object === 'company')
    return COMPANY_NAME_KEYS.has(key) ? { kind: 'field', field: 'company' } : undefined;
  return BY_KEY.get(key);
}

/** One alternative of a header through the rules: as it is, without its object words, without its variant words. */
function matchWords(words: string[]): ColumnMapping | undefined {
  const direct = BY_KEY.get(words.join(''));
  if (direct) return direct;
  const { words: core, object } = peelObject(words);
  const peeled = lookup(core, object);
  if (peeled) return peeled;
  let start = 0;
  let end = core.length;
  while (end - start > 1 && VARIANT_WORDS.has(core[start] as string)) start++;
  while (end - start > 1 && VARIANT_WORDS.has(core[end - 1] as string)) end--;
  if (start === 0 && end === core.length) return undefined;
  return lookup(core.slice(start, end), object);
}

/** The rules over a whole header: the header as one, else its alternatives when all that match agree. */
function matchByRules(header: string): ColumnMapping | undefined {
  const whole = matchWords(wordsOf(header));
  if (whole) return whole;
  const suffixed = OBJECT_SUFFIX.exec(header);
  if (suffixed) {
    const [, rest = '', object = ''] = suffixed;
    const words = wordsOf(object);
    const isObject = Object.values(OBJECT_WORDS).some((list) =>
      list.some((w) => w.length === words.length && w.every((x, i) => x === words[i])),
    );
    if (isObject) return matchByRules(`${object} ${rest}`);
  }
  const alternatives = header.split(ALTERNATIVE_SEPARATORS).filter((a) => a.trim() !== '');
  if (alternatives.length < 2) return undefined;
  const matches = alternatives
    .map((alternative) => matchWords(wordsOf(alternative)))
    .filter((m): m is ColumnMapping => m !== undefined);
  const [first] = matches;
  if (!first) return undefined;
  return matches.every((m) => JSON.stringify(m) === JSON.stringify(first)) ? first : undefined;
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
 * underscores are ignored, common synonyms are known (`E-mail`, `Email Address`,
 * `Given Name`, `Surname`, `Organisation`, `Job Title`, `Cell`, `Zip Code`, `Lead Score`,
 * `Assigned Partner`, ...), and the wrapping of the big systems' exports is peeled off
 * (`Person - Email - Work`, `Associated Company`, `Company / Account`, `Mailing City`,
 * `Email Address 2`). Anything else is a custom field named by the header as written
 * (trimmed; cleaned when it is not a valid custom field name); an empty header is ignored.
 */
export function matchHeader(header: string): ColumnMapping {
  const trimmed = header.trim();
  if (trimmed === '') return { kind: 'ignored', reason: 'the column has no header' };
  const bookkeeping = IGNORED_HEADERS.find((i) => i.pattern.test(trimmed));
  if (bookkeeping) return { kind: 'ignored', reason: bookkeeping.reason };
  const known =
    BY_KEY.get(headerKey(trimmed)) ??
    (trimmed.length <= MAX_RULED_HEADER ? matchByRules(trimmed) : undefined);
  if (known) return known;
  return customColumn(trimmed);
}

function customColumn(header: string, name = customFieldName(header)): ColumnMapping {
  if (name === undefined) {
    return {
      kind: 'ignored',
      reason: `"${header}" cannot name a custom field: it needs a letter first, then letters, digits, space, _ . -`,
    };
  }
  return { kind: 'custom', name };
}

/** A header as a mapping and a remembered header row compare it: NFKC, trimmed, inner spaces collapsed, lower case. */
export function normaliseHeader(header: string): string {
  return header.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * A stable hash of the normalised header row (trailing empty headers dropped, as
 * spreadsheets leave them): the key a supplier's remembered mapping is kept under.
 */
export function headerRowHash(headerCells: readonly string[]): string {
  const headers = headerCells.map(normaliseHeader);
  while (headers.length > 0 && headers.at(-1) === '') headers.pop();
  return createHash('sha256').update(JSON.stringify(headers)).digest('hex').slice(0, 32);
}

/** What an explicit mapping's target makes of a column. */
function mappedColumn(header: string, target: string): ColumnMapping {
  const parsed = parseMappingTarget(target);
  switch (parsed?.kind) {
    case 'field':
      return { kind: 'field', field: parsed.field };
    case 'partner':
      return { kind: 'partner' };
    case 'fullName':
      return { kind: 'fullName' };
    case 'custom':
      return customColumn(header, parsed.name);
    case 'ignore':
      return { kind: 'ignored', reason: 'the upload mapping ignores it' };
    default:
      // The API refuses such a mapping; one stored before a field was renamed falls back to matching.
      return matchHeader(header);
  }
}

function mappingKey(mapping: ColumnMapping): string | undefined {
  switch (mapping.kind) {
    case 'partner':
      return 'partner';
    case 'custom':
      return `custom:${mapping.name.toLowerCase()}`;
    default:
      // Lead fields and full names may come from several columns: the first that is not empty wins.
      return undefined;
  }
}

function label(mapping: ColumnMapping): string {
  if (mapping.kind === 'custom') return `custom field "${mapping.name}"`;
  return mapping.kind;
}

/**
 * The layout of a file from its header row: one mapping per header, from the explicit
 * mapping `mappingFor` answers for this header row (by its hash), else by matching.
 * Several columns may land on one lead field (`Email - Work`, `Email - Home`): each row
 * takes the first that is not empty, mapped columns before matched ones. A full-name
 * column is read only when no column gives a first or last name. Two columns with the
 * same custom field name or two partner columns: the first wins and the second is
 * ignored with the reason; custom columns past the limit of custom fields are ignored too.
 */
export function buildLayout(
  format: FileFormat,
  headerCells: readonly string[],
  csv: { encoding?: FileEncoding; delimiter?: CsvDelimiter } = {},
  mappingFor?: MappingFor,
): FileLayout {
  const headers = headerCells.map((h) => h.trim());
  const headerHash = headerRowHash(headers);
  const explicit = mappingFor?.(headerHash, headers);
  const targets = new Map(Object.entries(explicit ?? {}).map(([h, t]) => [normaliseHeader(h), t]));
  const mapped: number[] = [];
  const matched = headers.map((header, index) => {
    const target = header === '' ? undefined : targets.get(normaliseHeader(header));
    if (target === undefined) return matchHeader(header);
    mapped.push(index);
    return mappedColumn(header, target);
  });
  const hasNameParts = matched.some(
    (m) => m.kind === 'field' && (m.field === 'firstName' || m.field === 'lastName'),
  );
  const seen = new Map<string, { header: string; mapping: ColumnMapping }>();
  let customCount = 0;
  const columns = matched.map((mapping, index): ColumnMapping => {
    const header = headers[index] ?? '';
    if (mapping.kind === 'fullName' && hasNameParts) {
      return {
        kind: 'ignored',
        reason: 'the file has first and last name columns: the full name is not read',
      };
    }
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
  return {
    format,
    ...csv,
    headers,
    columns,
    headerHash,
    ...(explicit === undefined ? {} : { mapped }),
  };
}

const MAPPING_HINT =
  'Upload it with a mapping (POST /v1/uploads {"mapping": {"<header>": "email"}}): files with the same header row then use it too';

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
  if (fields.length === 0 && !layout.columns.some((c) => c.kind === 'fullName')) {
    throw new FileError(
      'no_header',
      `Row 1 names no lead field (Email, First Name, Last Name, Company, ...); found ${quoteList(found)}. ${MAPPING_HINT}`,
    );
  }
  if (requireEmail && !fields.some((c) => c.field === 'email')) {
    throw new FileError(
      'no_header',
      `No email column: distributed leads need one (Email, E-mail, Email Address, ...); found ${quoteList(found)}. ${MAPPING_HINT}`,
    );
  }
}
