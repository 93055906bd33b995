/**
 * The export of the All Leads view, measured: N leads (default 100,000) of one supplier
 * across 20 partners on DynamoDB Local, exported through the large path (the api's use
 * case records the export, the export function streams every page to the S3 emulator),
 * in a Node process of its own so its memory is the export's alone: rows/s and peak
 * RSS. Also the time the api spends at the inline threshold (5,000 rows read and
 * rendered before it answers inline or 202), which is why the threshold is where it is.
 *
 *   npx tsx test/bench/export.ts [N]                 (the whole thing, printed)
 *   benchExport({ leads: N })                        (from test/bench/run.ts)
 *
 * The child (`--child`) runs runExport as functions/export/handler.ts does, with the
 * same adapters, and prints one result line.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createS3Client, S3ExportFiles } from '@leadrelay/aws';
import {
  DEFAULT_EXPORT_LIMITS,
  DistributionStatus,
  EmailStatus,
  exportColumns,
  exportLeads,
  type Lead,
  type LeadFilter,
  LeadSource,
  newId,
  parseColumns,
  type RunExportEvent,
  runExport,
  systemClock,
} from '@leadrelay/core';
import { startLocalS3 } from '@leadrelay/local';
import { createDocumentClient, DynamoExportStore, DynamoLeadStore, leadItem } from '@leadrelay/store';
import {
  createTestTable,
  localCredentials,
  localRegion,
  startDynamoDbLocal,
} from '../support/dynamodb-local';
import { runInChild } from './child';
import { unit } from './fixture';

const RESULT_PREFIX = 'EXPORT_RESULT ';
const SUPPLIER = 'S-EXPORT-BENCH';
const PARTNERS = 20;
const WRITE_CONCURRENCY = 4;
/** The columns a supplier would pick: the seed's, and a few more, a custom field among them. */
const COLUMNS = 'email,firstName,lastName,company,country,city,opportunityValue,custom.region';

export interface ExportBenchResult {
  leads: number;
  loadSeconds: number;
  /** The api at the threshold: 5,000 rows read and rendered, then the export recorded (202). */
  thresholdSeconds: number;
  run: ExportRunResult;
  /** Lines of the downloaded file (header included), counted as it streamed in. */
  fileLines: number;
  /** The machine's 1-minute load average at the end (DynamoDB Local shares the CPUs). */
  loadAverage: number;
}

export interface ExportRunResult {
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSecond: number;
  baselineRssBytes: number;
  peakRssBytes: number;
  samples: number;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** Lead i of the bench: spread over 90 days, 20 partners, every status, source and email status. */
function benchLead(i: number, now: number): Lead {
  const createdAt = new Date(now - Math.floor(unit(i, 1) * 90 * 86_400_000)).toISOString();
  const partner = Math.floor(unit(i, 2) * (PARTNERS + 1));
  const status = partner === PARTNERS ? 'Unassigned' : (DistributionStatus.options[1 + (i % 4)] ?? 'Pending');
  const first = ['Ada', 'José', 'Zoë', 'Lars', 'Mei', 'Olu'][i % 6] as string;
  const last = ['Lovelace', 'Müller', 'Ng', '=Formula', 'Smith, Jr.', 'O"Brien'][(i >> 3) % 6] as string;
  return {
    id: newId(Date.parse(createdAt)),
    supplierId: SUPPLIER,
    type: i % 10 === 0 ? 'registered' : 'distributed',
    email: `${first.toLowerCase()}.${i}@company${i % 997}.example`,
    firstName: first,
    lastName: last,
    company: `Company ${i % 997} GmbH`,
    title: 'Head of Procurement',
    phone: `+49 30 ${String(1_000_000 + i)}`,
    country: ['Germany', 'Sweden', 'France', 'Spain'][i % 4] as string,
    city: ['Berlin', 'Malmö', 'Lyon', 'Sevilla'][i % 4] as string,
    score: 50,
    source: LeadSource.options[i % LeadSource.options.length] ?? 'API',
    customFields: { region: ['EMEA', 'NORDICS', 'DACH'][i % 3] as string, seats: i % 500 },
    partnerId: partner === PARTNERS ? null : `P-${partner}`,
    partnerName: partner === PARTNERS ? null : `Partner ${partner}`,
    distributionStatus: status,
    emailStatus: EmailStatus.options[i % EmailStatus.options.length] ?? 'NotSent',
    ...(i % 7 === 0
      ? { pipelineStatus: 'Opportunity', opportunityValue: { amount: 1200 + i, currency: 'EUR' } }
      : {}),
    rerouteCount: 0,
    assignmentVersion: 1,
    previousPartnerIds: [],
    displayEmail: `${first.toLowerCase()}.${i}@company${i % 997}.example`,
    history: [{ at: createdAt, type: 'created', actor: 'supplier', detail: { source: 'API' } }],
    createdAt,
    updatedAt: createdAt,
    distributionStatusChangedAt: createdAt,
    version: 1,
  } as Lead;
}

/** Writes the bench's leads as the store's own items, 25 a request, a few requests at once. */
async function loadLeads(db: DynamoDBDocumentClient, tableName: string, count: number): Promise<void> {
  const now = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const start = next;
      next = Math.min(count, next + 25);
      let requests: unknown[] = [];
      for (let i = start; i < next; i++) requests.push({ PutRequest: { Item: leadItem(benchLead(i, now)) } });
      while (requests.length > 0) {
        const { UnprocessedItems } = await db.send(
          new BatchWriteCommand({ RequestItems: { [tableName]: requests as never } }),
        );
        requests = UnprocessedItems?.[tableName] ?? [];
      }
    }
  };
  await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, worker));
}

/** The export function's run, in this process (the child): rows/s and peak RSS. */
async function childRun(args: string[]): Promise<ExportRunResult> {
  const [dynamodb, s3, tableName, bucket, exportId] = args as [string, string, string, string, string];
  const db = createDocumentClient({ endpoint: dynamodb, region: localRegion, credentials: localCredentials });
  const client = createS3Client({
    endpoint: s3,
    region: localRegion,
    credentials: localCredentials,
    forcePathStyle: true,
  });
  const deps = {
    views: new DynamoLeadStore(db, tableName),
    exports: new DynamoExportStore(db, tableName),
    files: new S3ExportFiles(client, bucket),
    clock: systemClock,
  };
  const baselineRssBytes = process.memoryUsage.rss();
  let peak = baselineRssBytes;
  let samples = 1;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
    samples++;
  }, 50);
  const started = performance.now();
  const outcome = await runExport(deps, { kind: 'export', supplierId: SUPPLIER, exportId });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage.rss());
  if (outcome.kind !== 'done') throw new Error(`export ended ${JSON.stringify(outcome)}`);
  return {
    rows: outcome.rows,
    bytes: outcome.bytes,
    seconds,
    rowsPerSecond: outcome.rows / seconds,
    baselineRssBytes,
    peakRssBytes: peak,
    samples,
  };
}

/**
 * Loads `leads` leads, asks for their export as the api does (it reads up to the inline
 * threshold, then records the export), runs the export function in a child process, and
 * counts the downloaded file's lines. `endpoint`: an existing DynamoDB Local (else one is
 * started and stopped here).
 */
export async function benchExport(
  options: { leads?: number; endpoint?: string } = {},
): Promise<ExportBenchResult> {
  const count = options.leads ?? 100_000;
  const dynamo = options.endpoint ? undefined : await startDynamoDbLocal();
  const endpoint = options.endpoint ?? (dynamo?.endpoint as string);
  const directory = await mkdtemp(join(tmpdir(), 'leadrelay-export-bench-'));
  const bucket = 'export-bench';
  const s3 = await startLocalS3({
    host: '127.0.0.1',
    port: 0,
    directory,
    bucket,
    region: localRegion,
    notifications: [],
  });
  const db = createDocumentClient({ endpoint, region: localRegion, credentials: localCredentials });
  try {
    const tableName = await createTestTable(endpoint, 'export-bench', { stream: false });
    let started = performance.now();
    await loadLeads(db, tableName, count);
    const loadSeconds = (performance.now() - started) / 1000;

    const exports = new DynamoExportStore(db, tableName);
    const queued: RunExportEvent[] = [];
    const filter: LeadFilter = { dateField: 'created', sort: 'created', order: 'desc' };
    const view = { supplierId: SUPPLIER, filter, columns: exportColumns(parseColumns(COLUMNS)) };
    started = performance.now();
    const answer = await exportLeads(
      {
        views: new DynamoLeadStore(db, tableName),
        exports,
        clock: systemClock,
        startRun: async (event) => {
          queued.push(event);
        },
      },
      { view, requestedBy: 'supplier' },
      // A view at most this big would be answered inline; a bigger one is what is measured here.
      { ...DEFAULT_EXPORT_LIMITS, inlineMaxRows: Math.min(DEFAULT_EXPORT_LIMITS.inlineMaxRows, count - 1) },
    );
    const thresholdSeconds = (performance.now() - started) / 1000;
    if (answer.kind !== 'started' || !queued[0]) throw new Error('the export was answered inline');

    const run = await runInChild<ExportRunResult>(
      fileURLToPath(import.meta.url),
      ['--child', endpoint, s3.endpoint, tableName, bucket, queued[0].exportId],
      { prefix: RESULT_PREFIX, what: `export of ${count} leads` },
    );

    const client = createS3Client({
      endpoint: s3.endpoint,
      region: localRegion,
      credentials: localCredentials,
      forcePathStyle: true,
    });
    const url = await new S3ExportFiles(client, bucket).downloadUrl(answer.export.key, answer.export, 600);
    const download = await fetch(url);
    let fileLines = 0;
    const reader = download.body?.getReader();
    for (let chunk = await reader?.read(); chunk && !chunk.done; chunk = await reader?.read()) {
      for (const byte of chunk.value) if (byte === 0x0a) fileLines++;
    }
    client.destroy();
    return { leads: count, loadSeconds, thresholdSeconds, run, fileLines, loadAverage: loadavg()[0] ?? 0 };
  } finally {
    db.destroy();
    await s3.stop();
    await rm(directory, { recursive: true, force: true });
    await dynamo?.stop();
  }
}

/** The result as lines for the bench's report. */
export function describeExport(result: ExportBenchResult): string[] {
  const { run } = result;
  return [
    `${int(result.leads)} leads loaded in ${result.loadSeconds.toFixed(1)} s (BatchWriteItem, not measured further)`,
    `api at the inline threshold (${int(Math.min(DEFAULT_EXPORT_LIMITS.inlineMaxRows, result.leads - 1))} rows read and rendered, the export recorded): ${result.thresholdSeconds.toFixed(2)} s`,
    `export function: ${int(run.rows)} rows, ${mib(run.bytes)} in ${run.seconds.toFixed(1)} s = ${int(run.rowsPerSecond)} rows/s; ` +
      `RSS before ${mib(run.baselineRssBytes)}, peak ${mib(run.peakRssBytes)} (${int(run.samples)} samples)`,
    `downloaded file: ${int(result.fileLines)} lines (header + ${int(result.fileLines - 1)} rows); load average ${result.loadAverage.toFixed(1)}`,
  ];
}

async function main(): Promise<void> {
  const [first, ...rest] = process.argv.slice(2);
  if (first === '--child') {
    const result = await childRun(rest);
    process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
    return;
  }
  const result = await benchExport({ leads: first === undefined ? 100_000 : Number(first) });
  for (const line of describeExport(result)) console.log(line);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
