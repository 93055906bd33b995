/**
 * Reports, on DynamoDB Local: for two 90-day ranges, each report's latency (median and p95
 * over RUNS runs, after WARM_RUNS unmeasured ones) and what it read (the counter items
 * DynamoDB scanned and the read capacity it reports consumed), for a supplier with 10,000
 * leads and with 100,000 (20 partners, creation times spread over 120 days, statuses,
 * pipeline, values in three currencies). The target: the same items read for both sizes
 * ((edge days + whole months) × partners, independent of the number of leads).
 *
 * Loading: the counters are written through the consumer's own apply path
 * (DynamoReportStore.applyLeads, what the aggregate consumer calls per stream batch), 100
 * leads per call in creation order as the stream would deliver them, from the leads'
 * final states computed in memory; the lead items themselves are not written (a report
 * never reads them). A latency figure is the whole use case the route runs
 * (Reports.getReport: the generation meta item, the month Queries, the partner names).
 * Each report's answer is checked against a recomputation from the leads.
 * Figures are printed, never asserted. Run alone: `npx tsx test/bench/reports.ts [sizes...]`
 * (default 10000 100000).
 */
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  contributionOf,
  countersOf,
  type Lead,
  REPORT_NAMES,
  type ReportName,
  Reports,
  shapeReport,
} from '@leadrelay/core';
import { createDocumentClient, DynamoReportStore, DynamoTenantStore } from '@leadrelay/store';
import {
  createTestTable,
  localCredentials,
  localRegion,
  startDynamoDbLocal,
} from '../support/dynamodb-local';
import { seededRandom } from '../support/random';
import { addReportTenants, generateLeads, nextVersion } from '../support/report-leads';

export const REPORT_BENCH_SIZES = [10_000, 100_000];
const RUNS = 20;
const WARM_RUNS = 3;
const PARTNERS = Array.from({ length: 20 }, (_, i) => `P-${String(i + 1).padStart(2, '0')}`);
/**
 * Two 90-day ranges: one month-aligned (three whole months: read as month roll-ups), one not
 * (two edge months read by day, whole months between by roll-up). Leads span 120 days.
 */
const RANGES = [
  { label: '90 d, months', from: '2030-01-01', to: '2030-03-31' },
  { label: '90 d, mid-month', from: '2030-01-16', to: '2030-04-15' },
];
const LEAD_DAYS = 120;
const APPLY_BATCH = 100;

export interface ReportFigure {
  leads: number;
  range: string;
  report: ReportName;
  medianMs: number;
  p95Ms: number;
  /** Counter items DynamoDB scanned (ScannedCount), and read capacity units consumed, per run. */
  itemsRead: number;
  capacityUnits: number;
  requests: number;
  rows: number;
  /** The answer equals the recomputation from the leads. */
  exact: boolean;
}

export interface ReportBenchResult {
  figures: ReportFigure[];
  /**
   * The load: its rate, and per lead the items its transactions wrote (LeadReported puts and
   * counter updates, day and month roll-up) and the read units of its reads. Not write units:
   * DynamoDB Local reports 2 units for a transaction whatever its number of items; in AWS
   * each item of a transaction costs 2 units per KB of the item (a counter item grows with
   * the cells it holds).
   */
  loads: {
    leads: number;
    seconds: number;
    leadsPerSecond: number;
    itemsWrittenPerLead: number;
    transactionsPerLead: number;
    readUnitsPerLead: number;
  }[];
}

type Capacity = { CapacityUnits?: number };

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

/** Leads of S-1 over 120 days across 20 partners, about half moved on once (accepted, rejected, pipeline...). */
function benchLeads(count: number): Lead[] {
  const rand = seededRandom(count);
  return generateLeads(rand, count, { days: LEAD_DAYS, partners: PARTNERS })
    .map((lead) => (rand() < 0.5 ? nextVersion(rand, lead, PARTNERS) : lead))
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
}

export async function benchReports(
  endpoint: string,
  sizes: readonly number[] = REPORT_BENCH_SIZES,
  log: (line: string) => void = () => {},
): Promise<ReportBenchResult> {
  const client = new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials });
  // Capacity of the load's calls (the report reads ask for theirs themselves).
  const meter = { on: false, items: 0, transactions: 0, read: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!meter.on) return next(args);
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
      const output = await next(args);
      const consumed = (output.output as { ConsumedCapacity?: Capacity | Capacity[] }).ConsumedCapacity;
      const units = [consumed ?? []].flat().reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
      if (context.commandName === 'TransactWriteItemsCommand') {
        meter.transactions += 1;
        meter.items += (args.input as { TransactItems?: unknown[] }).TransactItems?.length ?? 0;
      } else meter.read += units;
      return output;
    },
    { step: 'initialize', name: 'reportsLoadMeter' },
  );
  const db = createDocumentClient(client);
  const result: ReportBenchResult = { figures: [], loads: [] };
  try {
    for (const size of sizes) {
      // No stream: nothing consumes it here, and DynamoDB Local writes a stream table several times slower.
      const tableName = await createTestTable(endpoint, `reports-bench-${size}`, { stream: false });
      const tenants = new DynamoTenantStore(db, tableName);
      const reports = new DynamoReportStore(db, tableName);
      await addReportTenants(tenants, PARTNERS);
      const leads = benchLeads(size);
      const started = Date.now();
      Object.assign(meter, { on: true, items: 0, transactions: 0, read: 0 });
      for (let i = 0; i < leads.length; i += APPLY_BATCH) {
        const batch = leads.slice(i, i + APPLY_BATCH);
        await reports.applyLeads(
          'S-1',
          batch.map((lead) => ({
            leadId: lead.id,
            version: lead.version,
            contribution: contributionOf(lead),
          })),
        );
        if ((i / APPLY_BATCH) % 100 === 0) log(`  loaded ${i + batch.length} of ${size}`);
      }
      const seconds = (Date.now() - started) / 1000;
      meter.on = false;
      result.loads.push({
        leads: size,
        seconds,
        leadsPerSecond: size / seconds,
        itemsWrittenPerLead: meter.items / size,
        transactionsPerLead: meter.transactions / size,
        readUnitsPerLead: meter.read / size,
      });
      log(`  ${size} leads' counters loaded in ${seconds.toFixed(1)} s`);

      const counters = countersOf(leads);
      const names = new Map(PARTNERS.map((id) => [id, `Partner ${id}`]));
      const deps = { reports, tenants, clock: { now: () => new Date('2030-03-31T12:00:00Z') } };
      for (const { label, ...range } of RANGES) {
        for (const report of REPORT_NAMES) {
          const times: number[] = [];
          let last: Awaited<ReturnType<typeof Reports.getReport>> | undefined;
          for (let run = 0; run < WARM_RUNS + RUNS; run++) {
            const t0 = performance.now();
            last = await Reports.getReport(deps, 'S-1', report, range);
            const ms = performance.now() - t0;
            if (run >= WARM_RUNS) times.push(ms);
          }
          if (!last) continue;
          const { cost, ...answer } = last;
          const sorted = [...times].sort((a, b) => a - b);
          result.figures.push({
            leads: size,
            range: label,
            report,
            medianMs: quantile(sorted, 0.5),
            p95Ms: quantile(sorted, 0.95),
            itemsRead: cost.items,
            capacityUnits: cost.capacityUnits,
            requests: cost.requests,
            rows: answer.rows.length,
            exact: JSON.stringify(answer) === JSON.stringify(shapeReport(report, range, counters, names)),
          });
        }
      }
    }
  } finally {
    client.destroy();
  }
  return result;
}

export function reportsTable(result: ReportBenchResult): { header: string[]; rows: string[][] } {
  return {
    header: [
      'leads',
      'range',
      'report',
      'median ms',
      'p95 ms',
      'counter items read',
      'read units',
      'requests',
      'rows',
      'exact',
    ],
    rows: result.figures.map((f) => [
      f.leads.toLocaleString('en-US'),
      f.range,
      f.report,
      f.medianMs.toFixed(1),
      f.p95Ms.toFixed(1),
      String(f.itemsRead),
      f.capacityUnits.toFixed(1),
      String(f.requests),
      String(f.rows),
      f.exact ? 'yes' : 'NO',
    ]),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  const dynamo = await startDynamoDbLocal();
  try {
    const result = await benchReports(dynamo.endpoint, sizes.length > 0 ? sizes : REPORT_BENCH_SIZES, (l) =>
      console.log(l),
    );
    const { header, rows } = reportsTable(result);
    console.log(`| ${header.join(' | ')} |`);
    console.log(`|${header.map((_, i) => (i < 3 ? '---' : '---:')).join('|')}|`);
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
    for (const load of result.loads) {
      console.log(
        `load: ${load.leads} leads' counters in ${load.seconds.toFixed(1)} s (${Math.round(load.leadsPerSecond)} leads/s); ` +
          `per lead: ${load.itemsWrittenPerLead.toFixed(2)} items written in ${load.transactionsPerLead.toFixed(3)} transactions, ` +
          `${load.readUnitsPerLead.toFixed(2)} read units`,
      );
    }
  } finally {
    await dynamo.stop();
  }
}
