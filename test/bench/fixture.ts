/**
 * The bench's data: a lead file streamed to disk (never held in memory) and a
 * supplier with partners and routing rules, created through the real core use
 * cases on whatever stores are passed in (DynamoDB or the counting sink).
 *
 * Everything is deterministic: row `i` is a pure function of `i`, so a file of
 * 100,000 rows is the first 100,000 rows of the file of 1,000,000.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import {
  type Clock,
  CreatePartner,
  type Partner,
  type RuleCondition,
  type RulesStore,
  type TenantStore,
  Tenants,
  validateRules,
} from '@leadrelay/core';
import { seededRandom } from '../support/random';

// ---------------------------------------------------------------- deterministic randomness

/** A 32-bit hash of (index, salt) mapped to [0, 1): row decisions without state. */
export function unit(index: number, salt: number): number {
  let h = Math.imul(index ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 4_294_967_296;
}

function pick<T>(list: readonly T[], index: number, salt: number): T {
  return list[Math.floor(unit(index, salt) * list.length)] as T;
}

// ---------------------------------------------------------------- the lead file

export const BAD_ROW_SHARE = 0.02;
export const DUPLICATE_SHARE = 0.03;

const GEO: Record<string, { region: string; states: string[]; cities: string[] }> = {
  'United States': {
    region: 'AMER',
    states: ['CA', 'NY', 'TX', 'WA', 'IL', 'FL', 'MA', 'GA'],
    cities: ['San Francisco', 'New York', 'Austin', 'Seattle', 'Chicago', 'Miami', 'Boston', 'Atlanta'],
  },
  Canada: {
    region: 'AMER',
    states: ['ON', 'QC', 'BC', 'AB'],
    cities: ['Toronto', 'Montréal', 'Vancouver', 'Calgary'],
  },
  Brazil: {
    region: 'AMER',
    states: ['SP', 'RJ', 'MG'],
    cities: ['São Paulo', 'Rio de Janeiro', 'Belo Horizonte'],
  },
  Germany: {
    region: 'EMEA',
    states: ['Bayern', 'Berlin', 'Hessen', 'Nordrhein-Westfalen'],
    cities: ['München', 'Berlin', 'Frankfurt', 'Köln'],
  },
  France: {
    region: 'EMEA',
    states: ['Île-de-France', 'Occitanie', 'Bretagne'],
    cities: ['Paris', 'Toulouse', 'Rennes'],
  },
  'United Kingdom': {
    region: 'EMEA',
    states: ['England', 'Scotland', 'Wales'],
    cities: ['London', 'Edinburgh', 'Cardiff'],
  },
  Netherlands: {
    region: 'EMEA',
    states: ['Noord-Holland', 'Zuid-Holland'],
    cities: ['Amsterdam', 'Rotterdam'],
  },
  Spain: { region: 'EMEA', states: ['Madrid', 'Cataluña'], cities: ['Madrid', 'Barcelona'] },
  Sweden: { region: 'EMEA', states: ['Stockholm', 'Skåne'], cities: ['Stockholm', 'Malmö'] },
  Italy: { region: 'EMEA', states: ['Lombardia', 'Lazio'], cities: ['Milano', 'Roma'] },
  Australia: { region: 'APAC', states: ['NSW', 'VIC', 'QLD'], cities: ['Sydney', 'Melbourne', 'Brisbane'] },
  Japan: { region: 'APAC', states: ['Tokyo', 'Osaka'], cities: ['Tokyo', 'Osaka'] },
  India: { region: 'APAC', states: ['Maharashtra', 'Karnataka'], cities: ['Mumbai', 'Bengaluru'] },
};
const COUNTRIES = Object.keys(GEO);
const PRODUCTS = [
  'Cloud Suite',
  'Edge Router',
  'Data Vault',
  'Secure Mail',
  'Analytics Pro',
  'Field Service',
  'IoT Gateway',
  'Backup One',
];
const INDUSTRIES = [
  'Manufacturing',
  'Retail',
  'Finance',
  'Healthcare',
  'Energy',
  'Logistics',
  'Public Sector',
  'Media',
  'Education',
  'Telecom',
];
const TITLES = [
  'IT Director',
  'Head of Procurement',
  'CTO',
  'VP Engineering',
  'Network Manager',
  'Security Architect',
  'Operations Manager',
  'CIO',
];
const FIRST = ['Ada', 'Grace', 'Alan', 'Linus', 'Barbara', 'Edsger', 'Margaret', 'Ken', 'Frances', 'Dennis'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Torvalds', 'Liskov', 'Dijkstra', 'Hamilton', 'Thompson'];
const CHANNELS = ['Webinar', 'Trade Show', 'Paid Search', 'Partner Event', 'Content Syndication'];
const COMPANIES = 997;

export const CSV_HEADER = [
  'Email',
  'First Name',
  'Last Name',
  'Company',
  'Title',
  'Phone',
  'Country',
  'State',
  'City',
  'Zip',
  'Product',
  'Campaign',
  'Lead Score',
  'Region',
  'Industry',
  'Budget',
];

export type RowKind = 'good' | 'bad' | 'duplicate';

/** What row `i` is: 2 % bad, 3 % a repeat of an earlier row's email, the rest new leads. */
export function rowKind(i: number): RowKind {
  const u = unit(i, 1);
  if (u < BAD_ROW_SHARE) return 'bad';
  if (u < BAD_ROW_SHARE + DUPLICATE_SHARE && i > 0) return 'duplicate';
  return 'good';
}

/** The (unique) email of a good row. */
export function emailOf(i: number): string {
  const first = FIRST[i % FIRST.length] as string;
  const last = LAST[Math.floor(i / FIRST.length) % LAST.length] as string;
  return `${first}.${last}.${i}@company${i % COMPANIES}.example`.toLowerCase();
}

/** The earlier good row a duplicate row repeats (anywhere before it in the file). */
function repeatedRow(i: number): number {
  let k = Math.floor(unit(i, 2) * i);
  while (k > 0 && rowKind(k) !== 'good') k--;
  return k;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The cells of data row `i` (0-based). */
export function rowCells(i: number): string[] {
  const kind = rowKind(i);
  const country = pick(COUNTRIES, i, 3);
  const geo = GEO[country] as (typeof GEO)[string];
  const stateIndex = Math.floor(unit(i, 4) * geo.states.length);
  const product = pick(PRODUCTS, i, 5);
  const company = i % COMPANIES;
  const cells = [
    kind === 'duplicate' ? emailOf(repeatedRow(i)) : emailOf(i),
    FIRST[i % FIRST.length] as string,
    LAST[Math.floor(i / FIRST.length) % LAST.length] as string,
    `Company ${company} ${company % 3 === 0 ? 'GmbH' : company % 3 === 1 ? 'Inc.' : 'Ltd'}`,
    pick(TITLES, i, 6),
    `+1 555 ${String(1_000_000 + (i % 9_000_000)).slice(1, 4)} ${String(i % 10_000).padStart(4, '0')}`,
    country,
    geo.states[stateIndex] as string,
    geo.cities[stateIndex % geo.cities.length] as string,
    String(10_000 + Math.floor(unit(i, 7) * 89_999)),
    product,
    `Q${1 + (i % 4)} 2025 ${product} ${pick(CHANNELS, i, 8)}`,
    String(Math.floor(unit(i, 9) * 101)),
    geo.region,
    pick(INDUSTRIES, i, 10),
    String(5_000 * (1 + Math.floor(unit(i, 11) * 100))),
  ];
  if (kind === 'bad') {
    // Rotate through the problems a real file has.
    switch (Math.floor(unit(i, 12) * 4)) {
      case 0:
        cells[0] = `not-an-email-${i}`;
        break;
      case 1:
        cells[0] = '';
        break;
      case 2:
        cells[3] = `Company ${'with a name far too long '.repeat(12)}${i}`;
        break;
      default:
        cells[12] = i % 2 === 0 ? 'high' : '150';
    }
  }
  return cells;
}

export interface FileSummary {
  path: string;
  rows: number;
  bytes: number;
  badRows: number;
  duplicateRows: number;
}

/**
 * Writes a lead file of `rows` data rows to `path`, streaming: rows are joined in
 * blocks of about 64 KB and written with backpressure, so memory stays flat.
 */
export async function writeLeadFile(path: string, rows: number): Promise<FileSummary> {
  const out = createWriteStream(path);
  let bytes = 0;
  let badRows = 0;
  let duplicateRows = 0;
  let block = `${CSV_HEADER.join(',')}\n`;
  const flush = async () => {
    bytes += Buffer.byteLength(block);
    if (!out.write(block)) await once(out, 'drain');
    block = '';
  };
  for (let i = 0; i < rows; i++) {
    const kind = rowKind(i);
    if (kind === 'bad') badRows++;
    else if (kind === 'duplicate') duplicateRows++;
    block += `${rowCells(i).map(csvField).join(',')}\n`;
    if (block.length >= 65_536) await flush();
  }
  await flush();
  out.end();
  await once(out, 'close');
  return { path, rows, bytes, badRows, duplicateRows };
}

/** The email of the first good row: a lead the ingest certainly created. */
export function firstGoodEmail(): string {
  let i = 0;
  while (rowKind(i) !== 'good') i++;
  return emailOf(i);
}

// ---------------------------------------------------------------- supplier, partners, rules

export const PARTNERS = 20;
export const RULE_GROUPS = 50;

export interface BenchSupplier {
  supplierId: string;
  partners: Partner[];
  groups: number;
}

/** 20 partners: four with a capacity, one paused, two auto-accepting, two owning email domains. */
function partnerInput(i: number): CreatePartner {
  return CreatePartner.parse({
    name: `Partner ${String(i + 1).padStart(2, '0')} Solutions`,
    groups: [i % 2 === 0 ? 'Gold' : 'Silver'],
    leadOwners: [{ email: `owner${i}@partner${i}.example`, name: `Owner ${i}` }],
    autoAccept: i === 3 || i === 12,
    capacity: i % 6 === 1 ? 1_500 : null,
    paused: i === 5,
    weight: 1 + (i % 4),
    domains: i === 2 ? ['company7.example'] : i === 11 ? ['company42.example'] : [],
  });
}

const STRATEGIES = ['round-robin', 'weighted', 'least-loaded'] as const;

function several<T>(list: readonly T[], count: number, rand: () => number): T[] {
  const copy = [...list];
  const out: T[] = [];
  while (out.length < count && copy.length > 0) {
    out.push(copy.splice(Math.floor(rand() * copy.length), 1)[0] as T);
  }
  return out;
}

/** 50 rule groups of 3–5 conditions over country, state, product and custom fields. */
function ruleGroups(partners: readonly Partner[], count: number) {
  const rand = seededRandom(42);
  return Array.from({ length: count }, (_, i) => {
    const countries = several(COUNTRIES, 3, rand);
    const conditions: RuleCondition[] = [
      { field: 'country', op: 'in', value: countries },
      { field: 'product', op: 'in', value: several(PRODUCTS, 3, rand) },
      { field: 'custom.Industry', op: 'in', value: several(INDUSTRIES, 4, rand) },
    ];
    const extras: RuleCondition[] = [
      { field: 'custom.Budget', op: 'gte', value: 5_000 * Math.floor(1 + rand() * 40) },
      {
        field: 'state',
        op: 'notIn',
        value: [GEO[countries[0] as string]?.states[0] as string],
      },
      { field: 'custom.Region', op: 'equals', value: GEO[countries[0] as string]?.region as string },
      { field: 'state', op: 'exists' },
    ];
    conditions.push(...several(extras, Math.floor(rand() * 3), rand));
    const pool = several(partners, 2 + Math.floor(rand() * 3), rand).map((p) => p.id);
    const assign =
      i % 5 === 4
        ? { partnerId: pool[0] as string }
        : { partnerIds: pool, strategy: STRATEGIES[i % STRATEGIES.length] as (typeof STRATEGIES)[number] };
    return { name: `Group ${String(i + 1).padStart(2, '0')}`, conditions, assign };
  });
}

/**
 * The bench supplier, made as a supplier makes it: `Tenants.createSupplier`,
 * `Tenants.createPartner` ×20, then 50 rule groups checked by `validateRules` and
 * stored with `putRules`.
 */
export async function createBenchSupplier(deps: {
  tenants: TenantStore;
  rules: RulesStore;
  clock: Clock;
}): Promise<BenchSupplier> {
  const tenantDeps = { store: deps.tenants, clock: deps.clock };
  const { supplier } = await Tenants.createSupplier(tenantDeps, { name: 'Bench Supplier' });
  const partners: Partner[] = [];
  for (let i = 0; i < PARTNERS; i++) {
    const { partner } = await Tenants.createPartner(tenantDeps, supplier.id, partnerInput(i));
    partners.push(partner);
  }
  const rules = validateRules({ groups: ruleGroups(partners, RULE_GROUPS) }, partners);
  await deps.rules.putRules(supplier.id, 'routing', rules, 0, deps.clock.now().toISOString());
  return { supplierId: supplier.id, partners, groups: rules.groups.length };
}
