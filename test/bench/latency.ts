/**
 * Latency, locally: from a 100-row lead file landing in the S3 emulator to the
 * 100th partner email in the SES mailbox, and the same for 100 leads posted in one
 * `POST /v1/leads/batch` call (ingest time apart from distribution time).
 *
 * Each path runs in a child process of its own (`--path file|batch`), which starts
 * the real local cloud (`startLocalCloud`, what `npm start` runs) on a fresh
 * temporary LEADRELAY_HOME (API on a free port, each
 * emulator on its default port when free, any free port otherwise), with the
 * seeded demo supplier. Every lead goes to "Northwind Partners" (not
 * auto-accepting; one lead owner, a normal address): the file's Partner column
 * and the batch's `partnerId` name it, and a catch-all rule group assigns it too.
 *
 * t0 is taken just before the PutObject (or the batch call); a lead's latency is
 * the `at` of its email in the mailbox (when SES accepted it) minus t0. The
 * mailbox is polled every 50 ms until all 100 emails are there (deadline 120 s); a
 * read costs tens of ms of this process, so BENCH_LATENCY_POLL_MS=1000 shows its share.
 * A full 100-lead run through the same path first warms the handlers and
 * DynamoDB Local's JVM up; then the cloud is left to go quiet (no invocation for
 * 1 s) before each measured run: four of the file path (BENCH_LATENCY_RUNS), whose
 * targets (p50 under 1.5 s, the last email under 3 s) hold only if every run meets
 * them, and one of the batch path. Figures are printed, never asserted.
 * Run alone: `npx tsx test/bench/latency.ts`.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { leadIdFor } from '@leadrelay/core';
import { type LocalCloud, type LocalEndpoints, startLocalCloud } from '@leadrelay/local';
import { runInChild } from './child';
import { describeMachine, machine } from './machine';

export const LATENCY_LEADS = 100;
/** Targets for the file path, in each measured run: the median lead's email, and the last one's. */
export const LATENCY_TARGET_MS = 1_500;
export const LATENCY_MAX_TARGET_MS = 3_000;
/** Measured runs per path after the warm-up (BENCH_LATENCY_RUNS overrides; the batch path runs once). */
const FILE_RUNS = Number(process.env.BENCH_LATENCY_RUNS ?? 4);
const PARTNER = 'Northwind Partners';
const DEADLINE_MS = 120_000;
/**
 * How often the mailbox is read while waiting. Each read renders every email to the owner
 * (tracked HTML) in the local cloud, which is this process: BENCH_LATENCY_POLL_MS shows
 * what the reads themselves cost the figures.
 */
const POLL_MS = Number(process.env.BENCH_LATENCY_POLL_MS ?? 50);
/** How often other conditions (an upload done, the cloud quiet) are looked at. */
const STEP_MS = 50;
/** The cloud counts as quiet when no invocation ran for this long (the stream poller looks every 200 ms). */
const QUIET_MS = 1_000;

export interface LatencyRun {
  path: 'file' | 'batch';
  leads: number;
  /** Per lead, email `at` − t0, ascending. */
  latenciesMs: number[];
  firstMs: number;
  p50Ms: number;
  p90Ms: number;
  /** The slowest lead: the 100th email. */
  maxMs: number;
  /** When the run started (epoch ms). */
  t0: number;
  /** file: the upload's `finishedAt` − t0; batch: the call's answer − t0. */
  ingestDoneMs: number;
  /** Mailbox reads while waiting, and their mean time (they share the CPU with the handlers). */
  polls: number;
  meanPollMs: number;
  /** Invocations that failed while this run went on (a product problem if not 0). */
  failedInvocations: string[];
}

export interface LatencyResult {
  startupMs: number;
  owner: string;
  /** The file path's measured runs, one after another on the same cloud. */
  file: LatencyRun[];
  batch: LatencyRun[];
}

interface MailboxEmail {
  at: string;
  destination: { to: string[] };
  tags: Record<string, string>;
}

/** Nearest rank: the smallest value with at least `q` of the values at or below it. */
export function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

/** Polls `probe` every `intervalMs` until it gives a value or the deadline passes; never a fixed sleep. */
export async function until<T>(
  probe: () => Promise<T | undefined>,
  what: () => string,
  timeoutMs = DEADLINE_MS,
  intervalMs = STEP_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() + intervalMs > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function call<T>(
  endpoints: LocalEndpoints,
  method: string,
  path: string,
  key: string,
  body?: unknown,
) {
  const response = await fetch(`${endpoints.api}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

interface Bench {
  cloud: LocalCloud;
  endpoints: LocalEndpoints;
  supplierId: string;
  supplierKey: string;
  owner: string;
  files: string;
}

/** Waits for one email per lead id in the owner's mailbox; resolves with each lead's email time. */
async function emailsFor(bench: Bench, ids: ReadonlySet<string>, stats: { polls: number; pollMs: number }) {
  const url = `${bench.endpoints.mailbox}?to=${encodeURIComponent(bench.owner)}`;
  let seen = 0;
  return until(
    async () => {
      const started = performance.now();
      const response = await fetch(url);
      const { emails } = (await response.json()) as { emails: MailboxEmail[] };
      stats.polls++;
      stats.pollMs += performance.now() - started;
      const at = new Map<string, number>();
      for (const email of emails) {
        const leadId = email.tags.leadId;
        if (leadId === undefined || !ids.has(leadId) || !email.destination.to.includes(bench.owner)) continue;
        const time = Date.parse(email.at);
        at.set(leadId, Math.min(time, at.get(leadId) ?? time));
      }
      seen = at.size;
      return at.size === ids.size ? at : undefined;
    },
    () => `${seen} of ${ids.size} emails to ${bench.owner}`,
    DEADLINE_MS,
    POLL_MS,
  );
}

/** Until no invocation is running and none ran for QUIET_MS: a run's aftermath (SES events) stays out of the next. */
export async function quiet(cloud: LocalCloud): Promise<void> {
  await until(
    async () => {
      await cloud.runtime.idle();
      const last = cloud.runtime.log.list({ limit: 1 })[0];
      const endedAt = last ? Date.parse(last.at) + last.durationMs : 0;
      return Date.now() - endedAt >= QUIET_MS ? true : undefined;
    },
    () => 'the local cloud to go quiet',
  );
}

export function failuresSince(cloud: LocalCloud, sinceMs: number): string[] {
  return cloud.runtime.log
    .list({ limit: 2000 })
    .filter((i) => !i.ok && Date.parse(i.at) >= sinceMs)
    .map((i) => `${i.fn} (${i.summary}): ${i.error ?? 'failed'}`);
}

function csvOf(emails: readonly string[], tag: string): string {
  const rows = emails.map((email, i) => `${email},Lead ${i + 1},${tag},Latency Co ${i + 1},${PARTNER}`);
  return `Email,First Name,Last Name,Company,Partner\n${rows.join('\n')}\n`;
}

async function putFile(bench: Bench, name: string, body: Buffer): Promise<{ key: string; t0: number }> {
  const key = `inbox/${bench.supplierId}/${name}`;
  const s3 = new S3Client({
    region: bench.endpoints.region,
    credentials: bench.endpoints.credentials,
    endpoint: bench.endpoints.s3,
    forcePathStyle: true,
  });
  try {
    const t0 = Date.now();
    await s3.send(new PutObjectCommand({ Bucket: bench.endpoints.bucket, Key: key, Body: body }));
    return { key, t0 };
  } finally {
    s3.destroy();
  }
}

/** The upload the inbox made for `key`, once it is done; its finishedAt in ms. */
async function uploadDone(bench: Bench, key: string): Promise<number> {
  interface Upload {
    key: string;
    status: string;
    rows: { created: number; rejected: number };
    finishedAt?: string;
  }
  let status = 'no upload yet';
  const upload = await until(
    async () => {
      const { items } = await call<{ items: Upload[] }>(
        bench.endpoints,
        'GET',
        '/v1/uploads?limit=10',
        bench.supplierKey,
      );
      const found = items.find((u) => u.key === key);
      status = found?.status ?? status;
      return found && (found.status === 'done' || found.status === 'failed') ? found : undefined;
    },
    () => `the upload of ${key} to finish (${status})`,
  );
  if (upload.status !== 'done' || upload.rows.rejected > 0 || !upload.finishedAt) {
    throw new Error(`the upload of ${key} did not go through: ${JSON.stringify(upload)}`);
  }
  return Date.parse(upload.finishedAt);
}

async function postBatch(bench: Bench, emails: readonly string[], tag: string): Promise<void> {
  const leads = emails.map((email, i) => ({
    email,
    firstName: `Lead ${i + 1}`,
    lastName: tag,
    company: `Latency Co ${i + 1}`,
    partnerId: PARTNER,
  }));
  const { results } = await call<{ results: { status: string }[] }>(
    bench.endpoints,
    'POST',
    '/v1/leads/batch',
    bench.supplierKey,
    { leads },
  );
  const created = results.filter((r) => r.status === 'created').length;
  if (created !== emails.length) {
    throw new Error(`the batch created ${created} of ${emails.length} leads: ${JSON.stringify(results)}`);
  }
}

/** Every lead of the run went to the partner whose owner we read (a wrong route would only time out). */
async function checkRouted(bench: Bench, ids: ReadonlySet<string>, partnerId: string): Promise<void> {
  interface Summary {
    id: string;
    partnerId: string | null;
    distributionStatus: string;
  }
  const found: Summary[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Summary[]; nextCursor: string | null } = await call(
      bench.endpoints,
      'GET',
      `/v1/leads?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      bench.supplierKey,
    );
    found.push(...page.items.filter((l) => ids.has(l.id)));
    cursor = page.nextCursor;
  } while (cursor);
  const wrong = found.filter((l) => l.partnerId !== partnerId || l.distributionStatus !== 'Pending');
  if (found.length !== ids.size || wrong.length > 0) {
    throw new Error(
      `expected ${ids.size} leads Pending with ${PARTNER}, found ${found.length}, ` +
        `${wrong.length} elsewhere: ${JSON.stringify(wrong.slice(0, 3))}`,
    );
  }
}

async function measure(
  bench: Bench,
  path: 'file' | 'batch',
  count: number,
  partnerId: string,
): Promise<LatencyRun> {
  const tag = `${path}-${Date.now().toString(36)}`;
  const emails = Array.from(
    { length: count },
    (_, i) => `${tag}-${String(i + 1).padStart(3, '0')}@latency.example.com`,
  );
  const ids = new Set(emails.map((e) => leadIdFor(bench.supplierId, e)));
  const stats = { polls: 0, pollMs: 0 };
  let t0: number;
  let ingestDone: number;
  let at: Map<string, number>;
  if (path === 'file') {
    const file = join(bench.files, `${tag}.csv`);
    await writeFile(file, csvOf(emails, tag));
    const body = await readFile(file);
    const put = await putFile(bench, `${tag}.csv`, body);
    t0 = put.t0;
    at = await emailsFor(bench, ids, stats);
    ingestDone = await uploadDone(bench, put.key);
  } else {
    t0 = Date.now();
    await postBatch(bench, emails, tag);
    ingestDone = Date.now();
    at = await emailsFor(bench, ids, stats);
  }
  await checkRouted(bench, ids, partnerId);
  const latenciesMs = [...at.values()].map((time) => time - t0).sort((a, b) => a - b);
  return {
    path,
    leads: count,
    t0,
    latenciesMs,
    firstMs: latenciesMs[0] ?? Number.NaN,
    p50Ms: percentile(latenciesMs, 0.5),
    p90Ms: percentile(latenciesMs, 0.9),
    maxMs: latenciesMs[latenciesMs.length - 1] ?? Number.NaN,
    ingestDoneMs: ingestDone - t0,
    polls: stats.polls,
    meanPollMs: stats.polls > 0 ? stats.pollMs / stats.polls : 0,
    failedInvocations: failuresSince(bench.cloud, t0),
  };
}

/**
 * Each path on a local cloud of its own, in a process of its own (the handlers
 * read their settings once per process): a second run on the same cloud pays
 * for the first one's tail (its email events, a bigger table) and came out up to
 * twice as slow.
 */
export async function benchLatency(options: { log?: (line: string) => void } = {}): Promise<LatencyResult> {
  const log = options.log ?? (() => {});
  const file = await pathInChild('file', log);
  const batch = await pathInChild('batch', log);
  return { startupMs: file.startupMs, owner: file.owner, file: file.runs, batch: batch.runs };
}

const RESULT_PREFIX = 'LATENCY_RESULT ';
type PathResult = { startupMs: number; owner: string; runs: LatencyRun[] };

function pathInChild(path: 'file' | 'batch', log: (line: string) => void): Promise<PathResult> {
  return runInChild<PathResult>(fileURLToPath(import.meta.url), ['--path', path], {
    prefix: RESULT_PREFIX,
    what: `the ${path} latency run`,
    log,
  });
}

/** Starts the local cloud on a fresh temporary home, measures one path, stops it and removes the home. */
async function benchPath(path: 'file' | 'batch', log: (line: string) => void): Promise<PathResult> {
  const count = LATENCY_LEADS;
  const home = await mkdtemp(join(tmpdir(), 'leadrelay-latency-'));
  let cloud: LocalCloud | undefined;
  // Whatever ends the process, DynamoDB Local's Java must not outlive it.
  const killOnExit = () => cloud?.killNow();
  process.once('exit', killOnExit);
  try {
    const started = Date.now();
    cloud = await startLocalCloud({ home, port: 0, quiet: true, print: log });
    const startupMs = Date.now() - started;
    for (const warning of cloud.warnings) log(`local cloud warning: ${warning}`);
    const endpoints = JSON.parse(
      await readFile(join(home, '.local', 'endpoints.json'), 'utf8'),
    ) as LocalEndpoints;
    const demo = endpoints.demo;
    const partnerId = demo?.partnerIds[PARTNER];
    if (!demo || !partnerId) throw new Error(`endpoints.json has no demo partner "${PARTNER}"`);

    const { partner } = await call<{
      partner: { autoAccept: boolean; paused: boolean; leadOwners: { email: string }[] };
    }>(endpoints, 'GET', `/v1/partners/${partnerId}`, demo.supplierKey);
    const owner = partner.leadOwners[0]?.email;
    if (partner.autoAccept || partner.paused || !owner) {
      throw new Error(`${PARTNER} must take leads by email with Accept/Reject: ${JSON.stringify(partner)}`);
    }
    await call(endpoints, 'PUT', '/v1/routing-rules', demo.supplierKey, {
      groups: [
        {
          name: 'Latency bench: everyone',
          conditions: [{ field: 'email', op: 'exists' }],
          assign: { partnerId },
        },
      ],
    });
    const files = join(home, 'files');
    await mkdir(files);
    const bench: Bench = {
      cloud,
      endpoints,
      supplierId: demo.supplierId,
      supplierKey: demo.supplierKey,
      owner,
      files,
    };
    log(
      `local cloud up in ${(startupMs / 1000).toFixed(1)} s (home ${home}); ` +
        `every lead to ${PARTNER}, emails to ${owner}`,
    );

    // Warm-up: a full run through the path first. Its handlers load, and DynamoDB Local's JVM
    // compiles its hot paths: a cold first run of 100 leads came out about twice as slow.
    const warmUp = await measure(bench, path, count, partnerId);
    log(`warm-up, ${path}: ${describeRun(warmUp)}`);
    await quiet(cloud);

    const runs: LatencyRun[] = [];
    for (let i = 0; i < (path === 'file' ? FILE_RUNS : 1); i++) {
      const run = await measure(bench, path, count, partnerId);
      log(`${path}, run ${i + 1}: ${describeRun(run)}`);
      if (process.env.BENCH_LATENCY_TRACE) await printTrace(bench, run, log);
      // The run's email events are still landing: let them, rather than start the next (or stop the cloud) under them.
      await quiet(cloud);
      runs.push(run);
    }
    return { startupMs, owner, runs };
  } finally {
    await cloud?.stop();
    process.removeListener('exit', killOnExit);
    await rm(home, { recursive: true, force: true });
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/**
 * BENCH_LATENCY_TRACE=1: the measured run's invocations from t0 to the last email, each
 * with its start after t0, its duration and what it was about, to see where the time went.
 */
async function printTrace(bench: Bench, run: LatencyRun, log: (line: string) => void): Promise<void> {
  const res = await fetch(`${bench.endpoints.invocations}?limit=2000`);
  const { items: invocations } = (await res.json()) as {
    items: { fn: string; at: string; durationMs: number; summary: string }[];
  };
  const t0 = run.t0;
  const within = invocations
    .map((i) => ({ ...i, start: Date.parse(i.at) - t0 }))
    .filter((i) => i.start >= -50 && i.start <= run.maxMs)
    .sort((a, b) => a.start - b.start);
  for (const i of within) {
    log(
      `trace ${String(i.start).padStart(6)} ms +${String(i.durationMs).padStart(5)} ms ${i.fn} ${i.summary.slice(0, 90)}`,
    );
  }
}

export function describeRun(run: LatencyRun): string {
  return (
    `${run.leads} lead(s): first ${seconds(run.firstMs)}, p50 ${seconds(run.p50Ms)}, ` +
    `p90 ${seconds(run.p90Ms)}, max (last email) ${seconds(run.maxMs)}; ` +
    `ingest done ${seconds(run.ingestDoneMs)}; ${run.polls} mailbox reads of ${run.meanPollMs.toFixed(1)} ms; ` +
    `${run.failedInvocations.length} failed invocations`
  );
}

/** The part's table: one row per path. */
export function latencyTable(result: LatencyResult): { header: string[]; rows: string[][] } {
  const label = { file: 'file dropped into S3 (PutObject)', batch: 'POST /v1/leads/batch' };
  return {
    header: [
      `${LATENCY_LEADS} leads`,
      'ingest done',
      'first email',
      'p50',
      'p90',
      `max (${LATENCY_LEADS}th email)`,
      `p50 < ${seconds(LATENCY_TARGET_MS)}, max < ${seconds(LATENCY_MAX_TARGET_MS)}`,
    ],
    rows: [...result.file, ...result.batch].map((run, i, all) => [
      all.filter((r) => r.path === run.path).length > 1
        ? `${label[run.path]}, run ${all.filter((r, j) => r.path === run.path && j <= i).length}`
        : label[run.path],
      seconds(run.ingestDoneMs),
      seconds(run.firstMs),
      seconds(run.p50Ms),
      seconds(run.p90Ms),
      seconds(run.maxMs),
      meetsTargets(run) ? 'met' : 'not met',
    ]),
  };
}

const meetsTargets = (run: LatencyRun) => run.p50Ms < LATENCY_TARGET_MS && run.maxMs < LATENCY_MAX_TARGET_MS;

/** The rows `npm run bench` adds to its Summary table: figure, value, target, met (in every run). */
export function latencySummaryRows(result: LatencyResult): string[][] {
  const range = (runs: LatencyRun[], pick: (run: LatencyRun) => number) => {
    const values = runs.map(pick);
    const [low, high] = [Math.min(...values), Math.max(...values)];
    return low === high ? seconds(low) : `${seconds(low)}–${seconds(high)}`;
  };
  const spread = (runs: LatencyRun[]) =>
    `${range(runs, (r) => r.p50Ms)} / ${range(runs, (r) => r.p90Ms)} / ${range(runs, (r) => r.maxMs)}`;
  const met = result.file.filter(meetsTargets).length;
  return [
    [
      `latency, ${LATENCY_LEADS}-row file into S3 → partner email: p50 / p90 / max per lead, ${result.file.length} runs`,
      spread(result.file),
      `p50 < ${seconds(LATENCY_TARGET_MS)} and max < ${seconds(LATENCY_MAX_TARGET_MS)} in each run`,
      met === result.file.length ? 'met' : `not met (${met} of ${result.file.length} runs)`,
    ],
    [
      `latency, ${LATENCY_LEADS} leads in one POST /v1/leads/batch → partner email: p50 / p90 / max`,
      spread(result.batch),
      '',
      '',
    ],
  ];
}

/** Lines under the table: what was measured and anything that went wrong. */
export function latencyNotes(result: LatencyResult): string[] {
  const notes = [
    `local cloud started in ${seconds(result.startupMs)}; every lead to ${PARTNER} (emails to ${result.owner})`,
    `mailbox read every ${POLL_MS} ms while waiting (BENCH_LATENCY_POLL_MS); the reads run in the local ` +
      "cloud's process, beside the handlers",
    'latency per lead = the email\'s "at" in the SES mailbox − t0 (just before PutObject / the batch call); ' +
      'file "ingest done" = the upload\'s finishedAt, batch = the call\'s answer',
  ];
  for (const run of [...result.file, ...result.batch]) {
    notes.push(
      `${run.path}: ${run.polls} mailbox reads while waiting, ${run.meanPollMs.toFixed(1)} ms each on average`,
    );
    for (const failure of run.failedInvocations) notes.push(`${run.path}: failed invocation: ${failure}`);
  }
  return notes;
}

async function main(): Promise<void> {
  const only = process.argv.indexOf('--path');
  if (only > 0) {
    const path = process.argv[only + 1] === 'batch' ? 'batch' : 'file';
    const result = await benchPath(path, (line) => console.log(line));
    console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
    return;
  }
  for (const line of describeMachine(machine())) console.log(line);
  const result = await benchLatency({ log: (line) => console.log(line) });
  const { header, rows } = latencyTable(result);
  console.log();
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  console.log();
  for (const note of latencyNotes(result)) console.log(note);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
