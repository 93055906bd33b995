/**
 * One ingest of a generated lead file, in a process of its own, with its peak
 * resident memory: `process.memoryUsage.rss()` sampled every 50 ms (the same
 * figure as `process.memoryUsage().rss`, without walking the heap spaces), and
 * the kernel's high-water mark (VmHWM in /proc/self/status) at the end, which
 * also catches a peak between two samples.
 *
 *   npx tsx test/bench/ingest-rss.ts <rows> <counting|dynamodb> [--csv FILE] [--endpoint URL] [--no-stream]
 *
 * `counting`: the counting sink (counting-sink.ts), nothing stored. `dynamodb`: the
 * real stores on a fresh table of DynamoDB Local (`--endpoint`, or one started
 * here). Without `--csv` the file is generated (streamed) to a temp file first.
 * The last line printed is `BENCH_RESULT <json>` for run.ts.
 */
import { readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { systemClock } from '@leadrelay/core';
import {
  createDocumentClient,
  DynamoLeadStore,
  DynamoRulesStore,
  DynamoTenantStore,
  DynamoUploadStore,
} from '@leadrelay/store';
import {
  createTestTable,
  localCredentials,
  localRegion,
  startDynamoDbLocal,
} from '../support/dynamodb-local';
import { MemoryRulesStore } from '../support/memory-rules';
import { MemoryTenantStore } from '../support/memory-tenants';
import { CountingLeadStore, CountingUploadStore, type SinkCounts } from './counting-sink';
import { createBenchSupplier, writeLeadFile } from './fixture';
import { type BenchStores, runIngest } from './ingest-call';

export type Sink = 'counting' | 'dynamodb';

export interface IngestRunResult {
  rows: number;
  sink: Sink;
  fileBytes: number;
  supplierId: string;
  tableName: string | null;
  seconds: number;
  /** CPU seconds (user + system) this process spent in the ingest. */
  cpuSeconds: number;
  rowsPerSecond: number;
  created: number;
  updated: number;
  rejected: number;
  /** RSS after setup, just before the ingest starts. */
  baselineRssBytes: number;
  peakRssBytes: number;
  vmHwmBytes: number | null;
  samples: number;
  sinkCounts: SinkCounts | null;
  /** DynamoDB sink: the calls the ingest made (setup excluded), by operation. */
  dynamoCalls: Record<string, CallStats> | null;
  /** Rows the upload record counted (data rows read). */
  total: number;
  uploadId: string;
  /** The upload record's version at the end (one conditional write per chunk). */
  uploadVersion: number;
}

export const RESULT_PREFIX = 'BENCH_RESULT ';

export interface CallStats {
  count: number;
  /** Time spent waiting for these calls, summed (calls in flight together count each). */
  ms: number;
}

/** Counts the client's calls by operation, and the time spent in them (an SDK middleware). */
function countCalls(client: DynamoDBClient): Map<string, CallStats> {
  const calls = new Map<string, CallStats>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const start = performance.now();
      try {
        return await next(args);
      } finally {
        const name = String(context.commandName ?? 'unknown').replace(/Command$/, '');
        const stats = calls.get(name) ?? { count: 0, ms: 0 };
        stats.count++;
        stats.ms += performance.now() - start;
        calls.set(name, stats);
      }
    },
    { step: 'initialize', name: 'benchCallCounter' },
  );
  return calls;
}

/** Peak RSS, sampled every `everyMs` from now until stopped. */
function rssSampler(everyMs: number) {
  let peak = process.memoryUsage.rss();
  let samples = 1;
  const timer = setInterval(() => {
    const rss = process.memoryUsage.rss();
    samples++;
    if (rss > peak) peak = rss;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const rss = process.memoryUsage.rss();
      return { peak: Math.max(peak, rss), samples: samples + 1 };
    },
  };
}

/** The kernel's peak resident set of this process (Linux), or null elsewhere. */
function vmHwm(): number | null {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match?.[1] ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

async function stores(sink: Sink, endpoint: string | undefined, stream: boolean) {
  if (sink === 'counting') {
    const leads = new CountingLeadStore();
    const stores: BenchStores = {
      leads,
      tenants: new MemoryTenantStore(),
      rules: new MemoryRulesStore(),
      uploads: new CountingUploadStore(leads.counts),
    };
    return {
      stores,
      counts: () => leads.counts,
      calls: () => null,
      resetCalls: () => {},
      tableName: null,
      stop: async () => {},
    };
  }
  const local = endpoint ? undefined : await startDynamoDbLocal();
  const url = endpoint ?? (local?.endpoint as string);
  const tableName = await createTestTable(url, 'bench-ingest', { stream });
  const client = new DynamoDBClient({ endpoint: url, region: localRegion, credentials: localCredentials });
  const calls = countCalls(client);
  const db = createDocumentClient(client);
  const stores: BenchStores = {
    leads: new DynamoLeadStore(db, tableName),
    tenants: new DynamoTenantStore(db, tableName),
    rules: new DynamoRulesStore(db, tableName),
    uploads: new DynamoUploadStore(db, tableName),
  };
  return {
    stores,
    counts: () => null,
    calls: () => Object.fromEntries(calls),
    resetCalls: () => calls.clear(),
    tableName,
    stop: async () => {
      client.destroy();
      await local?.stop();
    },
  };
}

export async function ingestRun(options: {
  rows: number;
  sink: Sink;
  csv?: string | undefined;
  endpoint?: string | undefined;
  /** false: a table without a stream (a warm-up run; see createTestTable). */
  stream?: boolean;
}): Promise<IngestRunResult> {
  const sampler = rssSampler(50);
  const generated = options.csv === undefined;
  const csv = options.csv ?? join(tmpdir(), `bench-leads-${options.rows}-${process.pid}.csv`);
  if (generated) await writeLeadFile(csv, options.rows);
  const {
    stores: benchStores,
    counts,
    calls,
    resetCalls,
    tableName,
    stop,
  } = await stores(options.sink, options.endpoint, options.stream ?? true);
  try {
    const supplier = await createBenchSupplier({ ...benchStores, clock: systemClock });
    const size = statSync(csv).size;
    const baselineRssBytes = process.memoryUsage.rss();
    // Count the ingest's own calls, not the setup's.
    resetCalls();

    const start = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    const outcome = await runIngest(benchStores, {
      supplierId: supplier.supplierId,
      path: csv,
      size,
      fileName: 'bench-leads.csv',
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const cpu = process.cpuUsage(cpuStart);

    const { peak, samples } = sampler.stop();
    return {
      rows: options.rows,
      sink: options.sink,
      fileBytes: size,
      supplierId: supplier.supplierId,
      tableName,
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      rowsPerSecond: options.rows / seconds,
      created: outcome.rows.created,
      updated: outcome.rows.updated,
      rejected: outcome.rows.rejected,
      total: outcome.rows.total,
      uploadId: outcome.uploadId,
      uploadVersion: outcome.uploadVersion,
      baselineRssBytes,
      peakRssBytes: peak,
      vmHwmBytes: vmHwm(),
      samples,
      sinkCounts: counts(),
      dynamoCalls: calls(),
    };
  } finally {
    sampler.stop();
    await stop();
    if (generated) await rm(csv, { force: true });
  }
}

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

async function main(): Promise<void> {
  const rows = Number(process.argv[2]);
  const sink = process.argv[3];
  if (!Number.isInteger(rows) || rows < 1 || (sink !== 'counting' && sink !== 'dynamodb')) {
    console.error(
      'usage: npx tsx test/bench/ingest-rss.ts <rows> <counting|dynamodb> [--csv FILE] [--endpoint URL] [--no-stream]',
    );
    process.exit(2);
  }
  const result = await ingestRun({
    rows,
    sink,
    csv: argument('--csv'),
    endpoint: argument('--endpoint'),
    stream: !process.argv.includes('--no-stream'),
  });
  const mib = (bytes: number | null) => (bytes === null ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(1)} MiB`);
  console.log(
    `${result.rows} rows → ${result.sink} sink in ${result.seconds.toFixed(1)} s (${Math.round(result.rowsPerSecond)} rows/s); ` +
      `created ${result.created}, updated ${result.updated}, rejected ${result.rejected}; ` +
      `peak RSS ${mib(result.peakRssBytes)} (${result.samples} samples), VmHWM ${mib(result.vmHwmBytes)}`,
  );
  console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
