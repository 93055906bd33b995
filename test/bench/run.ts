/**
 * `npm run bench`: the figures behind the product's performance claims, printed,
 * never asserted. In order: the machine; routing time per lead (50 and 500 rule
 * groups); the ingest pipeline against raw BatchWriteItem on DynamoDB Local; the
 * ingest's peak RSS for 100,000 and 1,000,000 rows; the latency from a 100-row lead
 * file (and a 100-lead batch call) to the partner's email on the local cloud; the
 * write units of one lead's life on DynamoDB Local (write-units.ts), with and without
 * the All Leads view's GSIs; the All Leads view's page one per filter (views.ts); keyword
 * search (search.ts); the reports over 90 days at two sizes (reports.ts); a large export
 * (export.ts); partner leads and registration (registration.ts); the web console's All Leads
 * render budget in Chromium on the local cloud (console.ts); webhook delivery latency and
 * deliveries a second on the local cloud (webhooks.ts); what a lead costs on AWS, measured
 * over a whole lead life on the local cloud (cost.ts); one summary table. BENCH_PARTS
 * (e.g. `2,5`) runs only those parts, for a quick comparison; `npm run bench -- cost`
 * runs the cost part alone.
 *
 * Every ingest runs in a child process of its own (ingest-rss.ts), so its memory
 * figures are its own and not this process's. Lead files are generated to a temp
 * directory (streamed) and deleted at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { leadIdFor } from '@leadrelay/core';
import { localCredentials, localRegion, startDynamoDbLocal } from '../support/dynamodb-local';
import { runInChild } from './child';
import { benchConsole, CONSOLE_LEADS, consoleSummaryRows, printConsoleBench } from './console';
import { benchCost, COST_API_LEADS, COST_FILE_LEADS, costPer100k, costReport } from './cost';
import { benchExport, describeExport } from './export';
import { type FileSummary, firstGoodEmail, PARTNERS, RULE_GROUPS, writeLeadFile } from './fixture';
import { WRITER_CONCURRENCY } from './ingest-call';
import { type IngestRunResult, RESULT_PREFIX, type Sink } from './ingest-rss';
import { benchLatency, latencyNotes, latencySummaryRows, latencyTable } from './latency';
import { describeMachine, machine, processCpuSeconds } from './machine';
import { rawBatchWrite, readLeadItem } from './raw-write';
import { benchRegistration, describeRegistration } from './registration';
import { benchReports, REPORT_BENCH_SIZES, reportsTable } from './reports';
import { benchRouting } from './routing';
import {
  benchSearch,
  fixtureLeads,
  GRAM_CANDIDATES,
  gramStudy,
  printSearchBench,
  SEARCH_LEADS,
} from './search';
import {
  benchViews,
  MEDIAN_TARGET_MS,
  VIEW_LEADS,
  RATIO_TARGET as VIEW_RATIO_TARGET,
  viewsTable,
} from './views';
import { benchWebhooks, WEBHOOK_BURST, WEBHOOK_LEADS, webhookRows } from './webhooks';
import { benchWriteUnits, writeUnitsTable } from './write-units';

/** Row counts; BENCH_SMALL_ROWS / BENCH_LARGE_ROWS override them for a quick trial of the harness. */
const SMALL = Number(process.env.BENCH_SMALL_ROWS ?? 100_000);
const LARGE = Number(process.env.BENCH_LARGE_ROWS ?? 1_000_000);
/** Rows of the warm-up ingest that part 2 runs before it measures (BENCH_WARM_ROWS overrides). */
const WARM_ROWS = Number(process.env.BENCH_WARM_ROWS ?? 20_000);
const RATIO_TARGET = 0.7;
const RSS_TARGET = 0.2;
/** Leads of the views and export parts (BENCH_VIEW_LEADS / BENCH_EXPORT_LEADS override them). */
const VIEW_COUNT = Number(process.env.BENCH_VIEW_LEADS ?? VIEW_LEADS);
const EXPORT_COUNT = Number(process.env.BENCH_EXPORT_LEADS ?? 100_000);
/** The parts to run (all when unset); `cost` on the command line is part 13 alone. */
const COST_PART = 13;
const PARTS = process.argv.slice(2).includes('cost')
  ? [COST_PART]
  : process.env.BENCH_PARTS?.split(',').map(Number);
const runs = (part: number) => !PARTS || PARTS.includes(part);

const CHILD = fileURLToPath(new URL('./ingest-rss.ts', import.meta.url));

const mib = (bytes: number | null) => (bytes === null ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(1)} MiB`);
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (n: number) => `${(n * 100).toFixed(1)} %`;

function heading(text: string): void {
  console.log(`\n## ${text}\n`);
}

function table(header: string[], rows: string[][]): void {
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

/** Runs one ingest in its own Node process (tsx as a loader) and reads its result line. */
function ingestInChild(
  rows: number,
  sink: Sink,
  csv: string,
  endpoint?: string,
  extra: string[] = [],
): Promise<IngestRunResult> {
  const args = [String(rows), sink, '--csv', csv, ...(endpoint ? ['--endpoint', endpoint] : []), ...extra];
  return runInChild<IngestRunResult>(CHILD, args, {
    prefix: RESULT_PREFIX,
    what: `ingest of ${rows} rows (${sink})`,
  });
}

/** A fresh DynamoDB Local (in memory, free port) for the length of `use`. */
async function withDynamoDbLocal<T>(
  use: (endpoint: string, client: DynamoDBClient, pid: number | undefined) => Promise<T>,
): Promise<T> {
  const dynamo = await startDynamoDbLocal();
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: localRegion,
    credentials: localCredentials,
  });
  try {
    return await use(dynamo.endpoint, client, dynamo.pid);
  } finally {
    client.destroy();
    await dynamo.stop();
  }
}

function describeFile(file: FileSummary): string {
  return (
    `${int(file.rows)} rows, ${mib(file.bytes)}: ${int(file.badRows)} bad rows, ` +
    `${int(file.duplicateRows)} repeating an earlier email`
  );
}

function describeRun(run: IngestRunResult): string {
  return (
    `${int(run.rows)} rows → ${run.sink} sink: ${run.seconds.toFixed(1)} s (${run.cpuSeconds.toFixed(1)} s of CPU), ${int(run.rowsPerSecond)} rows/s; ` +
    `created ${int(run.created)}, updated ${int(run.updated)}, rejected ${int(run.rejected)}; ` +
    `RSS before ingest ${mib(run.baselineRssBytes)}, peak ${mib(run.peakRssBytes)} ` +
    `(${int(run.samples)} samples), VmHWM ${mib(run.vmHwmBytes)}`
  );
}

function describeCalls(run: IngestRunResult): string {
  return Object.entries(run.dynamoCalls ?? {})
    .sort(([, a], [, b]) => b.ms - a.ms)
    .map(([name, c]) => `${name} ${int(c.count)} (${(c.ms / 1000).toFixed(1)} s)`)
    .join(', ');
}

async function main(): Promise<void> {
  const started = Date.now();
  heading('Machine');
  for (const line of describeMachine(machine())) console.log(line);
  const summary: string[][] = [];
  const met = (ok: boolean) => (ok ? 'met' : 'not met');

  // 1. Routing
  if (runs(1)) {
    heading('1. Routing (time per lead: match + choose, in process; see routing.ts)');
    const routing = await benchRouting();
    table(
      ['rule groups', 'median µs/lead', 'p99 µs/lead', 'leads/s'],
      routing.map((r) => [
        String(r.groups),
        r.medianMicros.toFixed(2),
        r.p99Micros.toFixed(2),
        int(r.leadsPerSecond),
      ]),
    );
    summary.push(
      ...routing.map((r) => [
        `routing, ${r.groups} rule groups: median / p99 per lead`,
        `${r.medianMicros.toFixed(2)} / ${r.p99Micros.toFixed(2)} µs`,
        '',
        '',
      ]),
    );
  }

  const dir = await mkdtemp(join(tmpdir(), 'leadrelay-bench-'));
  let smallFile: Promise<FileSummary> | undefined;
  const smallLeadFile = () => {
    smallFile ??= writeLeadFile(join(dir, `leads-${SMALL}.csv`), SMALL);
    return smallFile;
  };
  try {
    // 2. Ingest vs raw BatchWriteItem
    if (runs(2)) {
      heading('2. Ingest vs raw BatchWriteItem (DynamoDB Local, in memory)');
      const small = await smallLeadFile();
      console.log(`file: ${describeFile(small)}`);
      console.log(
        `supplier: ${PARTNERS} partners (4 with a capacity, 1 paused, 2 auto-accepting), ${RULE_GROUPS} rule groups`,
      );
      // One DynamoDB Local process, in memory: the ingest on a fresh table, then the raw writes on that
      // same table at the same concurrency, so the two rates compare, as many items as the ingest created.
      const warm = await writeLeadFile(join(dir, `leads-warm-${WARM_ROWS}.csv`), WARM_ROWS);
      const { ingest, raw, cpu } = await withDynamoDbLocal(async (endpoint, client, pid) => {
        // A fresh JVM runs several times slower until its JIT has compiled the hot paths: warm both
        // kinds of writing first (an ingest of its own, on its own table, and as many raw writes), so
        // that neither measured run pays for it. Its table has no stream (see createTestTable).
        const warmIngest = await ingestInChild(WARM_ROWS, 'dynamodb', warm.path, endpoint, ['--no-stream']);
        if (warmIngest.tableName) {
          await rawBatchWrite({
            client,
            tableName: warmIngest.tableName,
            template: await readLeadItem(
              client,
              warmIngest.tableName,
              leadIdFor(warmIngest.supplierId, firstGoodEmail()),
            ),
            count: warmIngest.created,
            concurrency: WRITER_CONCURRENCY,
          });
        }
        const cpuAtStart = processCpuSeconds(pid);
        const ingest = await ingestInChild(SMALL, 'dynamodb', small.path, endpoint);
        const cpuAfterIngest = processCpuSeconds(pid);
        if (!ingest.tableName) throw new Error('the DynamoDB ingest reported no table');
        const template = await readLeadItem(
          client,
          ingest.tableName,
          leadIdFor(ingest.supplierId, firstGoodEmail()),
        );
        const raw = await rawBatchWrite({
          client,
          tableName: ingest.tableName,
          template,
          count: ingest.created,
          concurrency: WRITER_CONCURRENCY,
        });
        const cpuAfterRaw = processCpuSeconds(pid);
        const cpu =
          cpuAtStart !== null && cpuAfterIngest !== null && cpuAfterRaw !== null
            ? { ingest: cpuAfterIngest - cpuAtStart, raw: cpuAfterRaw - cpuAfterIngest }
            : undefined;
        return { ingest, raw, cpu };
      });
      console.log(`ingest: ${describeRun(ingest)}`);
      console.log(`ingest's DynamoDB calls (count, time waited): ${describeCalls(ingest)}`);
      console.log(
        `raw: ${int(raw.items)} items of ${int(raw.itemBytes)} bytes, 25 per BatchWriteItem, ` +
          `${raw.concurrency} in flight: ${raw.seconds.toFixed(1)} s, ${int(raw.itemsPerSecond)} items/s ` +
          `(${int(raw.requests)} requests, ${int(raw.retries)} re-sending UnprocessedItems)`,
      );
      if (cpu) {
        console.log(
          `DynamoDB Local's CPU time: ingest ${cpu.ingest.toFixed(1)} s (${((cpu.ingest / ingest.rows) * 1000).toFixed(2)} ms per file row), ` +
            `raw ${cpu.raw.toFixed(1)} s (${((cpu.raw / raw.items) * 1000).toFixed(2)} ms per item); ` +
            `raw/ingest per row ${pct(cpu.raw / raw.items / (cpu.ingest / ingest.rows))} (moves less with the machine's other load than wall time)`,
        );
      }
      const rowRatio = ingest.rowsPerSecond / raw.itemsPerSecond;
      const createdRatio = ingest.created / ingest.seconds / raw.itemsPerSecond;
      console.log(
        `ingest/raw: ${pct(rowRatio)} by file rows/s (target ≥ ${pct(RATIO_TARGET)}); ` +
          `${pct(createdRatio)} by leads created/s`,
      );
      summary.push(
        [`ingest, ${int(SMALL)} rows, DynamoDB Local`, `${int(ingest.rowsPerSecond)} rows/s`, '', ''],
        [
          'ingest outcome: created / updated / rejected',
          `${int(ingest.created)} / ${int(ingest.updated)} / ${int(ingest.rejected)}`,
          '',
          '',
        ],
        [
          `raw BatchWriteItem, ${int(raw.items)} items, ${raw.concurrency} in flight`,
          `${int(raw.itemsPerSecond)} items/s`,
          '',
          '',
        ],
        [
          'ingest / raw, by file rows/s',
          pct(rowRatio),
          `≥ ${pct(RATIO_TARGET)}`,
          met(rowRatio >= RATIO_TARGET),
        ],
        ['ingest / raw, by leads created/s', pct(createdRatio), '', ''],
        [
          `peak RSS (VmHWM), ${int(SMALL)} rows, DynamoDB Local`,
          `${mib(ingest.peakRssBytes)} (${mib(ingest.vmHwmBytes)})`,
          '',
          '',
        ],
      );
    }

    // 3. Peak RSS
    if (runs(3)) {
      heading('3. Peak RSS of the ingest (one child process per run)');
      const small = await smallLeadFile();
      const smallCounting = await ingestInChild(SMALL, 'counting', small.path);
      console.log(`${describeRun(smallCounting)}`);
      const large = await writeLeadFile(join(dir, `leads-${LARGE}.csv`), LARGE);
      console.log(`file: ${describeFile(large)}`);
      const largeCounting = await ingestInChild(LARGE, 'counting', large.path);
      console.log(`${describeRun(largeCounting)}`);
      console.log(
        'counting sink: nothing is stored, so an email repeated in a later chunk is created again ' +
          '(more "created", fewer "updated" than on DynamoDB)',
      );
      await rm(large.path, { force: true });
      const rssRatio = largeCounting.peakRssBytes / smallCounting.peakRssBytes;
      console.log(
        `peak RSS ${int(LARGE)} / ${int(SMALL)} rows (counting sink): ${rssRatio.toFixed(2)}× ` +
          `(target within ${pct(RSS_TARGET)}: ${Math.abs(rssRatio - 1) <= RSS_TARGET ? 'met' : 'not met'})`,
      );
      const hwmRatio =
        largeCounting.vmHwmBytes !== null && smallCounting.vmHwmBytes !== null
          ? largeCounting.vmHwmBytes / smallCounting.vmHwmBytes
          : null;
      summary.push(
        [
          `peak RSS (VmHWM), ${int(SMALL)} rows, counting sink`,
          `${mib(smallCounting.peakRssBytes)} (${mib(smallCounting.vmHwmBytes)})`,
          '',
          '',
        ],
        [
          `peak RSS (VmHWM), ${int(LARGE)} rows, counting sink`,
          `${mib(largeCounting.peakRssBytes)} (${mib(largeCounting.vmHwmBytes)})`,
          '',
          '',
        ],
        [
          `peak RSS ratio ${int(LARGE)} / ${int(SMALL)} rows, counting sink (VmHWM)`,
          `${rssRatio.toFixed(2)}× (${hwmRatio === null ? 'n/a' : `${hwmRatio.toFixed(2)}×`})`,
          `within ${pct(RSS_TARGET)}`,
          met(Math.abs(rssRatio - 1) <= RSS_TARGET),
        ],
        [`ingest, ${int(LARGE)} rows, counting sink`, `${int(largeCounting.rowsPerSecond)} rows/s`, '', ''],
      );
    }

    // 4. Latency: the local cloud (in this process, on a temporary home of its own)
    if (runs(4)) {
      heading('4. Latency: file to partner email (local cloud)');
      const latency = await benchLatency({ log: (line) => console.log(line) });
      const latencyFigures = latencyTable(latency);
      console.log();
      table(latencyFigures.header, latencyFigures.rows);
      console.log();
      for (const note of latencyNotes(latency)) console.log(note);
      summary.push(...latencySummaryRows(latency));
    }

    // 5. Write units of one lead's life
    if (runs(5)) {
      heading(
        "5. Write units of one lead's life (DynamoDB Local, ReturnConsumedCapacity INDEXES: table and GSIs)",
      );
      const units = await withDynamoDbLocal((endpoint) => benchWriteUnits(endpoint));
      const figures = writeUnitsTable(units);
      table(figures.header, figures.rows);
      console.log(
        `\nlead item at the end: ${int(units.plainItemBytes)} bytes (plain life), ` +
          `${int(units.manyOpensItemBytes)} bytes (${int(units.opens + 1)} opens)`,
      );
      // The same life on the table as it was before the All Leads view (its first three GSIs).
      const before = await withDynamoDbLocal((endpoint) => benchWriteUnits(endpoint, { indexes: 3 }));
      console.log(
        `\nthe same plain life on the table without the view's five GSIs (GSI1..GSI3 only): ` +
          `${int(sumUnits(before.plain))} write units against ${int(sumUnits(units.plain))}; ` +
          `the keyword index adds its token items from the stream (part 7), the reports their counters (part 8)`,
      );
      summary.push(
        ["write units over a plain lead life, without the view's GSIs", int(sumUnits(before.plain)), '', ''],
        ['write units over a plain lead life', int(sumUnits(units.plain)), '', ''],
        [
          `write units over a life with ${int(units.opens + 1)} opens`,
          int(sumUnits(units.manyOpens)),
          '',
          '',
        ],
      );
    }

    // 6. The All Leads view: page one of each filter
    if (runs(6)) {
      heading(`6. All Leads view: page one of 50 per filter, ${int(VIEW_COUNT)} leads (DynamoDB Local)`);
      const views = await withDynamoDbLocal((endpoint) => benchViews(endpoint, VIEW_COUNT));
      console.log(
        `loaded in ${views.loadSeconds.toFixed(0)} s (BatchWriteItem of the lead items, every index key)`,
      );
      const figures = viewsTable(views);
      table(figures.header, figures.rows);
      console.log(
        '\nq here has no token index (the views part loads no token items): keyword search is part 7.',
      );
      const single = views.cases.filter(
        (c) => !c.combination && c.driver !== 'keywords' && !/^q=/.test(c.name),
      );
      const worst = single.reduce((w, c) => Math.max(w, c.returned === 0 ? 0 : c.read / c.returned), 0);
      const medians = single.map((c) => c.medianMs).sort((a, b) => a - b);
      const slowest = medians.at(-1) ?? 0;
      summary.push(
        [
          `view page one, worst single-filter read / returned (${int(VIEW_COUNT)} leads)`,
          worst.toFixed(2),
          `≤ ${VIEW_RATIO_TARGET}`,
          met(worst <= VIEW_RATIO_TARGET),
        ],
        [
          'view page one, slowest single-filter median',
          `${slowest.toFixed(0)} ms`,
          `< ${MEDIAN_TARGET_MS} ms`,
          met(slowest < MEDIAN_TARGET_MS),
        ],
      );
    }

    // 7. Keyword search: gram study, write cost, page one
    if (runs(7)) {
      heading(`7. Keyword search (${int(SEARCH_LEADS)} leads, DynamoDB Local)`);
      const study = gramStudy(fixtureLeads(SEARCH_LEADS, 'S-study'), GRAM_CANDIDATES);
      const search = await withDynamoDbLocal((endpoint) => benchSearch(endpoint));
      printSearchBench(study, search);
      summary.push([
        'search: token items / write units per new lead',
        `${search.tokenItemsPerLead.toFixed(1)} / ${search.writeUnitsPerNewLead.toFixed(1)}`,
        '',
        '',
      ]);
    }

    // 8. Reports: a 90-day range at two sizes
    if (runs(8)) {
      heading(
        `8. Reports, 90-day ranges: ${REPORT_BENCH_SIZES.map(int).join(' vs ')} leads (DynamoDB Local)`,
      );
      const reports = await withDynamoDbLocal((endpoint) => benchReports(endpoint));
      const figures = reportsTable(reports);
      table(figures.header, figures.rows);
      console.log();
      for (const load of reports.loads) {
        console.log(
          `load of ${int(load.leads)} leads through the consumer's apply: ${int(load.leadsPerSecond)} leads/s, ` +
            `${load.itemsWrittenPerLead.toFixed(2)} items written and ${load.transactionsPerLead.toFixed(3)} transactions per lead`,
        );
      }
      for (const range of new Set(reports.figures.map((f) => f.range))) {
        const read = REPORT_BENCH_SIZES.map((size) =>
          reports.figures
            .filter((f) => f.range === range && f.leads === size)
            .reduce((n, f) => n + f.itemsRead, 0),
        );
        summary.push([
          `reports (all five), ${range}: counter items read at ${REPORT_BENCH_SIZES.map(int).join(' / ')} leads`,
          read.map(int).join(' / '),
          'the same',
          met(read.every((n) => n === read[0])),
        ]);
      }
    }

    // 9. Export through the large path
    if (runs(9)) {
      heading(`9. Export of ${int(EXPORT_COUNT)} leads (the export function to s3rver)`);
      const exported = await withDynamoDbLocal((endpoint) => benchExport({ leads: EXPORT_COUNT, endpoint }));
      for (const line of describeExport(exported)) console.log(line);
      summary.push([
        `export, ${int(EXPORT_COUNT)} leads: rows/s, peak RSS`,
        `${int(exported.run.rowsPerSecond)} rows/s, ${mib(exported.run.peakRssBytes)}`,
        '',
        '',
      ]);
    }

    // 10. Partner leads and registration
    if (runs(10)) {
      heading('10. Partner leads and registration (DynamoDB Local, through the API)');
      const registration = await withDynamoDbLocal((endpoint) => benchRegistration(endpoint));
      for (const line of describeRegistration(registration)) console.log(line);
      const byStep = (prefix: string) =>
        registration.steps.find((s) => s.step.startsWith(prefix))?.writeUnits ?? Number.NaN;
      const supplierView = registration.views.cases.find(
        (c) => c.who === 'supplier' && c.name === 'partnerId=P01',
      );
      const { apply } = registration;
      summary.push(
        [
          'write units: partner lead created / registered by hand / created and auto-registered',
          `${byStep('partner lead created, with email')} / ${byStep('registered by hand (')} / ${byStep('partner lead created and auto-registered')}`,
          '',
          '',
        ],
        [
          `supplier's partnerId=P01 page one beside ${int(registration.views.ownLeads)} of P01's own leads: read / returned`,
          supplierView && supplierView.returned > 0
            ? (supplierView.read / supplierView.returned).toFixed(2)
            : 'n/a',
          `≤ ${VIEW_RATIO_TARGET}`,
          met(
            supplierView !== undefined &&
              supplierView.returned > 0 &&
              supplierView.read / supplierView.returned <= VIEW_RATIO_TARGET,
          ),
        ],
        [
          `apply over ${int(apply.leads)} unregistered leads: leads registered/s`,
          `${(apply.registered / apply.seconds).toFixed(0)} leads/s (${int(apply.registered)})`,
          '',
          '',
        ],
      );
    }

    // 11. The web console's All Leads in Chromium (the local cloud, in a process of its own)
    if (runs(11)) {
      heading(`11. Console: All Leads render budget in Chromium (local cloud, ${int(CONSOLE_LEADS)} leads)`);
      const rendered = await benchConsole({ log: (line) => console.log(line) });
      printConsoleBench(rendered);
      summary.push(...consoleSummaryRows(rendered));
    }

    // 12. Webhooks: from a lead change to the receiver (the local cloud, in a process of its own)
    if (runs(12)) {
      heading(
        `12. Webhooks: delivery latency over ${int(WEBHOOK_LEADS)} leads, deliveries/s over a burst of ${int(WEBHOOK_BURST)} (local cloud)`,
      );
      const delivered = await benchWebhooks({ log: (line) => console.log(line) });
      const rows = webhookRows(delivered);
      table(['figure', 'value', 'target', ''], rows);
      if (delivered.unverified > 0) console.log(`\n${delivered.unverified} requests did not verify`);
      summary.push(...rows);
    }

    // 13. Cost: a lead's life on the local cloud, priced at AWS list prices
    if (runs(COST_PART)) {
      heading(
        `13. Cost per ${int(100_000)} leads: ${int(COST_FILE_LEADS)} from a file and ${int(COST_API_LEADS)} from the API, their whole life (local cloud, metered)`,
      );
      const cost = await benchCost({ log: (line) => console.log(line) });
      console.log();
      for (const line of costReport(cost)) console.log(line);
      const per = costPer100k(cost);
      summary.push(
        [
          'cost per 100,000 leads, everything but SES',
          `$${per.withoutSes.toFixed(2)}`,
          '≤ $1.00',
          met(per.withoutSes <= 1),
        ],
        ['cost per 100,000 leads, SES (the floor)', `$${per.ses.toFixed(2)}`, '', ''],
      );
    }

    // Summary
    heading('Summary');
    table(['figure', 'value', 'target', ''], summary);
    const [one = 0, five = 0] = loadavg();
    console.log(
      `\nbench took ${((Date.now() - started) / 1000).toFixed(0)} s; ` +
        `load average at the end (1/5 min): ${one.toFixed(2)} / ${five.toFixed(2)}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function sumUnits(steps: readonly { writeUnits: number }[]): number {
  return steps.reduce((sum, s) => sum + s.writeUnits, 0);
}

await main();
