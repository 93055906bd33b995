/**
 * Keyword search: what the token index costs and how much a search reads.
 *
 * 1. The gram study (pure, no DynamoDB): on N realistic leads (the bench fixture's
 *    rows), for candidate gram lengths, the token items per lead and the read ratio
 *    of every keyword a user could type (each prefix, 3 characters or more, of every
 *    word in the data): token items in the keyword's partition / leads it matches,
 *    which is what page one reads per lead returned when the keyword drives.
 * 2. On DynamoDB Local (GRAMS, the chosen scheme): the leads written through the
 *    lead store, their token items through the real indexer (core indexLeadTexts on
 *    DynamoSearchStore); write units per lead (ReturnConsumedCapacity TOTAL on every
 *    write) for a new lead and for a text change; then page one of 50 for common and
 *    rare keywords: token items read (ScannedCount), leads fetched (BatchGetItem),
 *    returned, read units, and the time of one page (median of a few; printed, not a
 *    claim: a shared machine).
 * Figures are printed, never asserted. Run alone: `npx tsx test/bench/search.ts`
 * (BENCH_SEARCH_LEADS, default 10,000).
 */
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GRAMS,
  type GramScheme,
  indexLeadTexts,
  keywordAccess,
  type Lead,
  type LeadFilter,
  leadGrams,
  leadWords,
  matchesKeywords,
  newId,
  queryKeywords,
  wordGrams,
} from '@leadrelay/core';
import { createDocumentClient, DynamoLeadStore, DynamoSearchStore } from '@leadrelay/store';
import {
  createTestTable,
  localCredentials,
  localRegion,
  startDynamoDbLocal,
} from '../support/dynamodb-local';
import { rowCells, rowKind } from './fixture';

export const SEARCH_LEADS = Number(process.env.BENCH_SEARCH_LEADS ?? 10_000);

/** Lead `i` of the fixture as a stored lead (good rows only; `supplierId` given). */
export function fixtureLead(i: number, supplierId: string, at: number): Lead {
  const cells = rowCells(i);
  const [
    email,
    firstName,
    lastName,
    company,
    title,
    phone,
    country,
    state,
    city,
    postalCode,
    product,
    campaign,
  ] = cells;
  const created = new Date(at).toISOString();
  return {
    id: newId(at),
    supplierId,
    type: 'distributed',
    email,
    firstName,
    lastName,
    company,
    title,
    phone,
    country,
    state,
    city,
    postalCode,
    product,
    campaign,
    score: Number(cells[12]),
    source: 'CSV Upload',
    customFields: { Region: cells[13] as string, Industry: cells[14] as string, Budget: Number(cells[15]) },
    partnerId: null,
    partnerName: null,
    distributionStatus: 'Unassigned',
    emailStatus: 'NotSent',
    rerouteCount: 0,
    assignmentVersion: 0,
    previousPartnerIds: [],
    displayEmail: email as string,
    history: [{ at: created, type: 'created', actor: 'upload:bench', detail: {} }],
    createdAt: created,
    updatedAt: created,
    distributionStatusChangedAt: created,
    version: 1,
  } as Lead;
}

/** The first `n` good rows' leads, one minute apart. */
export function fixtureLeads(n: number, supplierId: string): Lead[] {
  const leads: Lead[] = [];
  const start = Date.UTC(2030, 0, 1);
  for (let i = 0; leads.length < n; i++) {
    if (rowKind(i) === 'good') leads.push(fixtureLead(i, supplierId, start + leads.length * 60_000));
  }
  return leads;
}

export interface GramStudyRow {
  lengths: string;
  /** Which keywords: letters only, or with digits (phone numbers, ids, amounts). */
  kind: 'letters' | 'digits' | 'whole words with digits';
  itemsPerLead: number;
  keywords: number;
  median: number;
  p90: number;
  p99: number;
  max: number;
  /** Share of keywords whose ratio is above 3. */
  over3: number;
  worst: string;
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

export function schemeName(scheme: GramScheme): string {
  return `letters ${scheme.letters.join('/')}, digits ${scheme.digits.join('/')}`;
}

/** The gram study over `leads` for each candidate scheme of gram lengths. */
export function gramStudy(leads: readonly Lead[], candidates: readonly GramScheme[]): GramStudyRow[] {
  const wordsOf = leads.map((l) => [...leadWords(l)]);
  // Leads per prefix (the keywords), and per gram under each candidate.
  const matches = new Map<string, number>();
  const whole = new Set(wordsOf.flat());
  for (const own of wordsOf) {
    const prefixes = new Set<string>();
    for (const w of own) for (let n = 3; n <= w.length; n++) prefixes.add(w.slice(0, n));
    for (const p of prefixes) matches.set(p, (matches.get(p) ?? 0) + 1);
  }
  return candidates.flatMap((lengths) => {
    const partition = new Map<string, number>();
    let items = 0;
    for (const own of wordsOf) {
      const grams = new Set(own.flatMap((w) => wordGrams(w, lengths)));
      items += grams.size;
      for (const g of grams) partition.set(g, (partition.get(g) ?? 0) + 1);
    }
    return (['letters', 'digits', 'whole words with digits'] as const).map((kind) => {
      const ratios: { keyword: string; ratio: number }[] = [];
      for (const [keyword, count] of matches) {
        if (/\d/.test(keyword) !== (kind !== 'letters')) continue;
        if (kind === 'whole words with digits' && !whole.has(keyword)) continue;
        const { gram } = keywordAccess(keyword, lengths);
        ratios.push({ keyword, ratio: (partition.get(gram) ?? 0) / count });
      }
      ratios.sort((a, b) => a.ratio - b.ratio);
      const values = ratios.map((r) => r.ratio);
      const worst = ratios.at(-1);
      return {
        lengths: schemeName(lengths),
        kind,
        itemsPerLead: items / leads.length,
        keywords: ratios.length,
        median: quantile(values, 0.5),
        p90: quantile(values, 0.9),
        p99: quantile(values, 0.99),
        max: worst?.ratio ?? 0,
        over3: values.filter((v) => v > 3).length / values.length,
        worst: worst ? `${worst.keyword} (${matches.get(worst.keyword)} leads)` : '',
      };
    });
  });
}

const same = (lengths: number[]): GramScheme => ({ letters: lengths, digits: lengths });
export const GRAM_CANDIDATES: readonly GramScheme[] = [
  same([3]),
  same([3, 5]),
  same([3, 6]),
  same([3, 4, 6]),
  same([3, 4, 5, 6, 8, 10]),
  { letters: [3, 6], digits: [3, 6, 9] },
  { letters: [3, 6], digits: [3, 6, 9, 12] },
  { letters: [3, 6], digits: [3, 5, 7, 9, 11] },
];

type Capacity = { CapacityUnits?: number };

export interface SearchPageFigure {
  q: string;
  matching: number;
  returned: number;
  tokensRead: number;
  leadsRead: number;
  readUnits: number;
  /** (token items + leads read) / returned, and token items alone / returned. */
  ratio: number;
  tokenRatio: number;
  ms: number;
}

export interface SearchBenchResult {
  leads: number;
  gramLengths: string;
  tokenItemsPerLead: number;
  writeUnitsPerNewLead: number;
  writeUnitsLeadItem: number;
  writeUnitsPerTextChange: number;
  stateItemBytes: number;
  pages: SearchPageFigure[];
}

/** Page one of 50 for these keywords (common to rare). */
export const SEARCH_QUERIES = [
  'barbara.torvalds.1234',
  'example',
  'director',
  'lov',
  'hamil',
  'manufact',
  'london',
  'company123',
  'ada.lovelace.1234',
];

export async function benchSearch(endpoint: string, n = SEARCH_LEADS): Promise<SearchBenchResult> {
  const tableName = await createTestTable(endpoint, 'search-bench', { stream: false });
  const client = new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials });
  const meter = { on: false, write: 0, read: 0, scanned: 0, fetched: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!meter.on) return next(args);
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'INDEXES';
      const result = await next(args);
      const output = result.output as {
        ConsumedCapacity?: Capacity | Capacity[];
        ScannedCount?: number;
        Responses?: Record<string, unknown[]>;
      };
      const units = [output.ConsumedCapacity ?? []].flat().reduce((s, c) => s + (c.CapacityUnits ?? 0), 0);
      const name = context.commandName ?? '';
      if (/^(Put|Update|Delete|BatchWrite|TransactWrite)/.test(name)) meter.write += units;
      else meter.read += units;
      if (name === 'QueryCommand') meter.scanned += output.ScannedCount ?? 0;
      if (name === 'BatchGetItemCommand') {
        meter.fetched += Object.values(output.Responses ?? {}).reduce((s, r) => s + r.length, 0);
      }
      return result;
    },
    { step: 'initialize', name: 'searchBenchMeter' },
  );
  const db = createDocumentClient(client);
  const leadStore = new DynamoLeadStore(db, tableName);
  const search = new DynamoSearchStore(db, tableName);
  const supplierId = 'S-bench';
  const leads = fixtureLeads(n, supplierId);
  const measure = async (work: () => Promise<unknown>) => {
    Object.assign(meter, { on: true, write: 0, read: 0, scanned: 0, fetched: 0 });
    try {
      await work();
    } finally {
      meter.on = false;
    }
    return { ...meter };
  };
  try {
    // Write units: the first 200 leads metered (lead item, then its token items and state).
    const sample = leads.slice(0, 200);
    const leadWrites = await measure(async () => {
      for (let i = 0; i < sample.length; i += 25) await leadStore.putNewLeads(sample.slice(i, i + 25), []);
    });
    const tokenWrites = await measure(() =>
      indexLeadTexts(
        search,
        sample.map((lead) => ({ lead })),
      ),
    );
    const rest = leads.slice(sample.length);
    for (let i = 0; i < rest.length; i += 100) {
      const batch = rest.slice(i, i + 100);
      for (let j = 0; j < batch.length; j += 25) await leadStore.putNewLeads(batch.slice(j, j + 25), []);
      const { failed } = await indexLeadTexts(
        search,
        batch.map((lead) => ({ lead })),
      );
      if (failed.length > 0) throw new Error(`${failed.length} leads failed to index`);
    }
    // A text change: a new last name and title (what a merge or an edit does).
    const edited = sample.slice(0, 50).map((lead) => ({
      old: lead,
      lead: { ...lead, lastName: `${lead.lastName}-Smith`, title: 'Chief Data Officer', version: 2 },
    }));
    const changeWrites = await measure(() => indexLeadTexts(search, edited));
    const state = await search.tokenState(sample[0]?.id as string);
    const pages: SearchPageFigure[] = [];
    for (const q of SEARCH_QUERIES) {
      const keywords = queryKeywords(q);
      const filter: LeadFilter = { dateField: 'created', sort: 'created', order: 'desc', keywords };
      const matching = leads.filter((l) => matchesKeywords(l, keywords)).length;
      let returned = 0;
      const figures = await measure(async () => {
        returned = (await search.searchLeads(supplierId, filter, { limit: 50 })).items.length;
      });
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        await search.searchLeads(supplierId, filter, { limit: 50 });
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      pages.push({
        q,
        matching,
        returned,
        tokensRead: figures.scanned,
        leadsRead: figures.fetched,
        readUnits: figures.read,
        ratio: returned === 0 ? Number.NaN : (figures.scanned + figures.fetched) / returned,
        tokenRatio: returned === 0 ? Number.NaN : figures.scanned / returned,
        ms: times[2] ?? 0,
      });
    }
    const tokenItems = sample.reduce((s, l) => s + leadGrams(l).size, 0);
    return {
      leads: n,
      gramLengths: schemeName(GRAMS),
      tokenItemsPerLead: tokenItems / sample.length,
      writeUnitsPerNewLead: tokenWrites.write / sample.length,
      writeUnitsLeadItem: leadWrites.write / sample.length,
      writeUnitsPerTextChange: changeWrites.write / edited.length,
      stateItemBytes: Buffer.byteLength(JSON.stringify(state)),
      pages,
    };
  } finally {
    client.destroy();
  }
}

const f1 = (n: number) => (Number.isNaN(n) ? 'n/a' : n.toFixed(1));

export function printSearchBench(study: GramStudyRow[], result: SearchBenchResult | undefined): void {
  console.log(`\n## Keyword search: gram lengths (${SEARCH_LEADS.toLocaleString('en-US')} fixture leads)\n`);
  console.log(
    '| grams | keywords | token items / lead | count | ratio median | p90 | p99 | max | ratio > 3 | worst |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of study) {
    console.log(
      `| ${r.lengths} | ${r.kind} | ${f1(r.itemsPerLead)} | ${r.keywords} | ${f1(r.median)} | ${f1(r.p90)} | ${f1(r.p99)} | ${f1(r.max)} | ${(r.over3 * 100).toFixed(1)} % | ${r.worst} |`,
    );
  }
  if (!result) return;
  console.log(`\n## Keyword search on DynamoDB Local (grams ${result.gramLengths}, ${result.leads} leads)\n`);
  console.log(
    `token items per lead: ${f1(result.tokenItemsPerLead)}; state item ~${result.stateItemBytes} B`,
  );
  console.log(
    `write units per new lead: tokens + state ${f1(result.writeUnitsPerNewLead)} (the lead item itself: ${f1(result.writeUnitsLeadItem)}); per text change: ${f1(result.writeUnitsPerTextChange)}`,
  );
  console.log(
    '\n| q | matching | returned | token items read | leads read | (tokens+leads)/returned | tokens/returned | RCU | ms (median of 5) |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const p of result.pages) {
    console.log(
      `| ${p.q} | ${p.matching} | ${p.returned} | ${p.tokensRead} | ${p.leadsRead} | ${f1(p.ratio)} | ${f1(p.tokenRatio)} | ${f1(p.readUnits)} | ${f1(p.ms)} |`,
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const study = gramStudy(fixtureLeads(SEARCH_LEADS, 'S-study'), GRAM_CANDIDATES);
  if (process.env.BENCH_SEARCH_STUDY_ONLY) {
    printSearchBench(study, undefined);
  } else {
    const local = await startDynamoDbLocal();
    try {
      printSearchBench(study, await benchSearch(local.endpoint));
    } finally {
      await local.stop();
    }
  }
}
