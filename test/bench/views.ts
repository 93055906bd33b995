/**
 * The All Leads view's cost on DynamoDB Local: N leads of one supplier (default 100,000;
 * 20 partners, the spread of test/support/view-leads.ts: types, sources, statuses, email
 * statuses, pipeline, custom fields, dates over 120 days), then for each single filter
 * and three common combinations, page one of 50 (LeadStore.queryLeads, as
 * `GET /v1/leads` calls it):
 *
 * - items read / items returned: the sum of the Queries' ScannedCount (what DynamoDB
 *   reads and bills, before a FilterExpression) plus items fetched by BatchGetItem, if
 *   any, over the leads the page answers. Target ≤ 3 for every single-field filter.
 * - the Queries one page sends (its partitions × rounds);
 * - latency median and p95 over RUNS runs (after one warm-up run). Target < 100 ms median.
 *
 * Printed, never asserted. The leads are written with BatchWriteItem as the lead store
 * writes them (leadItem: every index key), on a table without a stream (only the reads
 * are measured). Run alone: `npx tsx test/bench/views.ts [N]` (its own DynamoDB Local).
 */
import { BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { type LeadFilter, LeadListQuery, leadFilter, planLeadQuery } from '@leadrelay/core';
import { createDocumentClient, DynamoLeadStore, leadItem } from '@leadrelay/store';
import {
  createTestTable,
  localCredentials,
  localRegion,
  startDynamoDbLocal,
} from '../support/dynamodb-local';
import { groupPartners, VIEW_NOW, viewLeads, viewPartners } from '../support/view-leads';
import { readMeter } from './meters';

export const VIEW_LEADS = 100_000;
export const RUNS = 20;
export const PAGE = 50;
export const RATIO_TARGET = 3;
export const MEDIAN_TARGET_MS = 100;

const day = (daysBack: number) =>
  new Date(VIEW_NOW.getTime() - daysBack * 86_400_000).toISOString().slice(0, 10);

/** The filters measured, as `GET /v1/leads` query strings. */
export const VIEW_CASES: { name: string; query: Record<string, string>; combination?: true }[] = [
  { name: 'none (newest first)', query: {} },
  { name: 'created: last 30 days', query: { from: day(30) } },
  { name: 'updated: last 14 days, sort updated', query: { dateField: 'updated', from: day(14) } },
  { name: 'sort=updated', query: { sort: 'updated' } },
  { name: 'assigned=assigned', query: { assigned: 'assigned' } },
  { name: 'assigned=unassigned', query: { assigned: 'unassigned' } },
  { name: 'type=registered', query: { type: 'registered' } },
  { name: 'type=distributed', query: { type: 'distributed' } },
  { name: 'status=Rejected', query: { status: 'Rejected' } },
  { name: 'status=Pending,Rerouted', query: { status: 'Pending,Rerouted' } },
  { name: 'emailStatus=Failed', query: { emailStatus: 'Failed' } },
  { name: 'emailStatus=Opened,Clicked', query: { emailStatus: 'Opened,Clicked' } },
  { name: 'pipelineStatus=Opportunity', query: { pipelineStatus: 'Opportunity' } },
  { name: 'partnerId=P07', query: { partnerId: 'P07' } },
  { name: 'partnerId=P20 (smallest)', query: { partnerId: 'P20' } },
  { name: 'partnerGroup=gold (3)', query: { partnerGroup: 'gold' } },
  { name: 'partnerGroup=region-2 (4)', query: { partnerGroup: 'region-2' } },
  { name: 'partnerGroup=silver (10)', query: { partnerGroup: 'silver' } },
  { name: 'source=Locator', query: { source: 'Locator' } },
  { name: 'source=CSV Upload', query: { source: 'CSV Upload' } },
  { name: 'q=muller (no keyword index)', query: { q: 'muller' } },
  {
    name: 'status=Accepted + partnerId=P02',
    query: { status: 'Accepted', partnerId: 'P02' },
    combination: true,
  },
  {
    name: 'emailStatus=Sent + created last 30 days',
    query: { emailStatus: 'Sent', from: day(30) },
    combination: true,
  },
  {
    name: 'type=distributed + source=CSV Upload + status=Pending',
    query: { type: 'distributed', source: 'CSV Upload', status: 'Pending' },
    combination: true,
  },
];

export interface ViewCaseResult {
  name: string;
  combination: boolean;
  driver: string;
  returned: number;
  read: number;
  queries: number;
  medianMs: number;
  p95Ms: number;
}

export interface ViewsResult {
  leads: number;
  loadSeconds: number;
  cases: ViewCaseResult[];
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;

/** Loads `count` leads into a fresh table on `endpoint` and measures every case. */
export async function benchViews(endpoint: string, count = VIEW_LEADS, runs = RUNS): Promise<ViewsResult> {
  const tableName = await createTestTable(endpoint, 'bench-views', { stream: false });
  const client = new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials });
  const meter = readMeter(client);
  try {
    const db = createDocumentClient(client);
    const store = new DynamoLeadStore(db, tableName);
    const supplierId = 'SUP-BENCH-VIEWS';
    const started = Date.now();
    await load(client, tableName, viewLeads(supplierId, count, 2030));
    const loadSeconds = (Date.now() - started) / 1000;
    const groups = groupPartners(viewPartners());

    const cases: ViewCaseResult[] = [];
    for (const { name, query, combination } of VIEW_CASES) {
      const filter: LeadFilter = leadFilter(LeadListQuery.parse(query), groups);
      await store.queryLeads(supplierId, filter, { limit: PAGE });
      const times: number[] = [];
      let returned = 0;
      let read = 0;
      let queries = 0;
      for (let i = 0; i < runs; i++) {
        meter.read = 0;
        meter.queries = 0;
        const t0 = performance.now();
        const page = await store.queryLeads(supplierId, filter, { limit: PAGE });
        times.push(performance.now() - t0);
        returned = page.items.length;
        read = meter.read;
        queries = meter.queries;
      }
      times.sort((a, b) => a - b);
      cases.push({
        name,
        combination: combination === true,
        driver: planLeadQuery(filter).driver.index,
        returned,
        read,
        queries,
        medianMs: quantile(times, 0.5),
        p95Ms: quantile(times, 0.95),
      });
    }
    return { leads: count, loadSeconds, cases };
  } finally {
    client.destroy();
  }
}

/** Writes the lead items 25 a BatchWriteItem, 16 in flight, retrying unprocessed items. */
export async function load(client: DynamoDBClient, tableName: string, leads: ReturnType<typeof viewLeads>) {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < leads.length; i += 25) batches.push(leads.slice(i, i + 25).map(leadItem));
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let batch = batches[next++]; batch !== undefined; batch = batches[next++]) {
        let requests = batch.map((item) => ({
          PutRequest: { Item: marshall(item, { removeUndefinedValues: true }) },
        }));
        for (let attempt = 0; requests.length > 0; attempt++) {
          if (attempt > 20) throw new Error('BatchWriteItem left items unprocessed');
          const { UnprocessedItems } = await client.send(
            new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }),
          );
          requests = (UnprocessedItems?.[tableName] ?? []) as typeof requests;
        }
      }
    }),
  );
}

export function viewsTable(result: ViewsResult): { header: string[]; rows: string[][] } {
  return {
    header: [
      'filter (page one of 50)',
      'driver',
      'returned',
      'items read',
      'read / returned',
      'queries',
      'median',
      'p95',
    ],
    rows: result.cases.map((c) => [
      `${c.combination ? '(combination) ' : ''}${c.name}`,
      c.driver,
      String(c.returned),
      String(c.read),
      c.returned === 0 ? 'n/a' : (c.read / c.returned).toFixed(2),
      String(c.queries),
      `${c.medianMs.toFixed(1)} ms`,
      `${c.p95Ms.toFixed(1)} ms`,
    ]),
  };
}

async function main() {
  const count = Number(process.argv[2] ?? VIEW_LEADS);
  const dynamo = await startDynamoDbLocal();
  try {
    const result = await benchViews(dynamo.endpoint, count);
    console.log(
      `\n## All Leads view: ${result.leads.toLocaleString('en-US')} leads (loaded in ${result.loadSeconds.toFixed(0)} s)\n`,
    );
    const { header, rows } = viewsTable(result);
    console.log(`| ${header.join(' | ')} |`);
    console.log(`|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
    console.log(
      `\nTargets: read / returned ≤ ${RATIO_TARGET} for a single filter; median < ${MEDIAN_TARGET_MS} ms.`,
    );
  } finally {
    await dynamo.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
