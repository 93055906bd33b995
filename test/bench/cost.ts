/**
 * What a lead costs on AWS, measured on the local cloud (`npm run bench -- cost`): the
 * whole lead life through the same handlers, DynamoDB Local and the S3, SES and
 * Scheduler emulators, over a mix of COST_FILE_LEADS leads from a file (S3 inbox) and
 * COST_API_LEADS from the API (`POST /v1/leads`, one call each). Every email is opened
 * (its tracking pixel loaded) and every other one clicked (its first link, the Accept
 * page, followed); by lead: 20 % nobody acts on (their deadline passes: the Scheduler
 * emulator's clock is moved 49 hours on, the schedules fire, reroute moves them, the
 * next partner gets an email, which is opened and clicked as well, and accepts), 10 %
 * are rejected, 30 % accepted and made an Opportunity (PATCH), 40 % accepted. Each
 * partner opens each lead (GET) before it decides; the supplier pages through All
 * Leads and reads the five reports once. Then the clock moves on again, so every
 * schedule left fires as it would. No webhook is subscribed (the consumer still runs).
 *
 * What is counted, by step (the event that caused it: intake, distribute, each SES
 * event kind, the decision, the pipeline change, reroute, aggregate, views…):
 * - DynamoDB read and write units: the client meter (functions/shared/client-meter.ts)
 *   rides on every SDK client a handler builds and asks for ReturnConsumedCapacity
 *   INDEXES on every call (DynamoDB Local's TOTAL leaves the GSIs out; INDEXES counts
 *   them, as AWS's TOTAL does); the local runtime says which invocation made the call.
 * - Lambda invocations and their billed duration: each invocation's local duration,
 *   rounded up to the ms, at the function's memory size from functions/registry.ts
 *   (what the stack deploys). Local durations include DynamoDB Local's, slower than
 *   DynamoDB's: an upper bound.
 * - SES sends, Scheduler schedule creates and deletes and the invocations it makes, S3
 *   requests (the file's PutObject, the ingest's reads), HTTP API requests.
 * Priced at PRICES (one place, dated). The periodic sweeps (reroute, uploads) cost by
 * the month, not by the lead: they are left out of the per-lead figures and shown apart.
 * Figures are printed, never asserted. Run alone: `npx tsx test/bench/cost.ts`.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type AttributeValue, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { leadIdFor } from '@leadrelay/core';
import {
  currentInvocation,
  type InvocationRecord,
  type LocalCloud,
  type LocalEndpoints,
  startLocalCloud,
} from '@leadrelay/local';
import { type FunctionName, functionSpecs } from '../../functions/registry';
import { installClientMeter, type MeteredCall } from '../../functions/shared/client-meter';
import { runInChild } from './child';
import { CSV_HEADER, rowCells, rowKind } from './fixture';
import { call, failuresSince, quiet, until } from './latency';
import { WRITES } from './meters';

export const COST_FILE_LEADS = Number(process.env.BENCH_COST_FILE_LEADS ?? 1_000);
export const COST_API_LEADS = Number(process.env.BENCH_COST_API_LEADS ?? 1_000);
const PARTNERS = 5;
/** Requests in flight from the bench (API calls, pixel loads). */
const CONCURRENCY = 8;
/**
 * Invocations at once on the local cloud (BENCH_COST_LAMBDA_CONCURRENCY): one by default,
 * so that each one's duration is its own work, as in a Lambda sandbox, and not its share of
 * one process's CPU with the others (run 8 at once, they measured several times longer).
 */
export const LAMBDA_CONCURRENCY = Number(process.env.BENCH_COST_LAMBDA_CONCURRENCY ?? 1);
const HOUR_MS = 3_600_000;

/**
 * AWS list prices, us-east-1, in dollars per unit; checked against the AWS pricing pages
 * on the date below. DynamoDB on demand; Lambda on arm64; SES outbound email; Scheduler
 * invocations (its API calls are free); S3 Standard requests; HTTP API (first 300 M a
 * month). Not priced because free: DynamoDB Streams reads by Lambda, SES events on the
 * default EventBridge bus (AWS service events), Scheduler's Create/DeleteSchedule.
 */
export const PRICES = {
  asOf: '2026-12-04',
  region: 'us-east-1',
  dynamoWriteUnit: 0.625 / 1e6,
  dynamoReadUnit: 0.125 / 1e6,
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  sesEmail: 0.1 / 1e3,
  schedulerInvocation: 1.0 / 1e6,
  s3Put: 0.005 / 1e3,
  s3Get: 0.0004 / 1e3,
  httpApiRequest: 1.0 / 1e6,
} as const;

export interface Tally {
  writeUnits: number;
  readUnits: number;
  dynamoCalls: number;
  /** DynamoDB calls that failed (mostly a condition not met: billed, but no units are answered). */
  failedCalls: number;
  invocations: number;
  billedMs: number;
  gbSeconds: number;
  emails: number;
  schedulesCreated: number;
  schedulesDeleted: number;
  schedulerInvocations: number;
  s3Puts: number;
  s3Gets: number;
  apiRequests: number;
}

const emptyTally = (): Tally => ({
  writeUnits: 0,
  readUnits: 0,
  dynamoCalls: 0,
  failedCalls: 0,
  invocations: 0,
  billedMs: 0,
  gbSeconds: 0,
  emails: 0,
  schedulesCreated: 0,
  schedulesDeleted: 0,
  schedulerInvocations: 0,
  s3Puts: 0,
  s3Gets: 0,
  apiRequests: 0,
});

export interface Consumer {
  /** step · function · command */
  what: string;
  writeUnits: number;
  readUnits: number;
  calls: number;
  failed: number;
}

export interface CostResult {
  leads: { file: number; api: number; total: number };
  mix: Record<string, number>;
  /** Per step, over the whole run (divide by `leads.total` for per lead). */
  steps: Record<string, Tally>;
  /** The periodic sweeps, apart: they cost by the month. */
  periodic: Tally;
  consumers: Consumer[];
  /** The lead item's size at the end (bytes, as DynamoDB counts them), min / median / max. */
  itemBytes: { min: number; median: number; max: number };
  failedInvocations: string[];
  seconds: number;
}

const S3_PUTS = new Set([
  'PutObjectCommand',
  'CreateMultipartUploadCommand',
  'UploadPartCommand',
  'CompleteMultipartUploadCommand',
  'CopyObjectCommand',
  'ListObjectsV2Command',
]);
const PERIODIC = 'periodic sweeps';

/** The step an invocation belongs to, from its function and its event. */
export function stepOf(fn: FunctionName, event: unknown): string {
  const e = (event ?? {}) as Record<string, unknown>;
  switch (fn) {
    case 'api': {
      const method = (e.requestContext as { http?: { method?: string } } | undefined)?.http?.method ?? '';
      const path = String(e.rawPath ?? '');
      if (method === 'POST' && (path === '/v1/leads' || path === '/v1/leads/batch')) return 'intake';
      if (method === 'POST' && /^\/v1\/leads\/[^/]+\/(accept|reject)$/.test(path)) return 'decision';
      if (method === 'PATCH' && /^\/v1\/leads\/[^/]+$/.test(path)) return 'pipeline (PATCH)';
      if (path.startsWith('/l/')) return 'email link page';
      if (method === 'GET' && (path.startsWith('/v1/leads') || path.startsWith('/v1/reports')))
        return 'views';
      return 'api, other';
    }
    case 'ingest':
      return 'intake';
    case 'email-events':
      return `email ${String((e.detail as { eventType?: string } | undefined)?.eventType ?? '?')}`;
    case 'reroute': {
      const kind = String(e.kind ?? '');
      return kind === 'sweep' ? PERIODIC : kind === 'reminder' ? 'reminder' : 'reroute (deadline fired)';
    }
    case 'upload-sweeper':
      return PERIODIC;
    default:
      return fn;
  }
}

/** Invocations Scheduler makes (deadlines, reminders, sweeps, webhook retries): not a stream batch. */
function bySchedule(fn: FunctionName, event: unknown): boolean {
  if (fn === 'reroute' || fn === 'upload-sweeper') return true;
  return fn === 'webhooks' && !Array.isArray((event as { Records?: unknown } | null)?.Records);
}

class CostMeter {
  on = false;
  readonly steps = new Map<string, Tally>();
  readonly consumers = new Map<string, Consumer>();

  tally(step: string): Tally {
    let t = this.steps.get(step);
    if (!t) {
      t = emptyTally();
      this.steps.set(step, t);
    }
    return t;
  }

  onCall = (call: MeteredCall): void => {
    if (!this.on) return;
    const invocation = currentInvocation();
    const step = invocation ? stepOf(invocation.fn, invocation.event) : `${call.fn} (outside an invocation)`;
    const t = this.tally(step);
    if (call.service === 'DynamoDB') {
      const write = WRITES.has(call.command);
      t.dynamoCalls++;
      if (call.failed) t.failedCalls++;
      if (write) t.writeUnits += call.capacityUnits;
      else t.readUnits += call.capacityUnits;
      const what = `${step} · ${call.fn} · ${call.command.replace(/Command$/, '')}`;
      const c = this.consumers.get(what) ?? { what, writeUnits: 0, readUnits: 0, calls: 0, failed: 0 };
      c.calls++;
      if (call.failed) c.failed++;
      if (write) c.writeUnits += call.capacityUnits;
      else c.readUnits += call.capacityUnits;
      this.consumers.set(what, c);
    } else if (call.service === 'SESv2' && call.command === 'SendEmailCommand' && !call.failed) {
      t.emails++;
    } else if (call.service === 'Scheduler') {
      if (call.command === 'CreateScheduleCommand') t.schedulesCreated++;
      if (call.command === 'DeleteScheduleCommand') t.schedulesDeleted++;
    } else if (call.service === 'S3') {
      if (S3_PUTS.has(call.command)) t.s3Puts++;
      else t.s3Gets++;
    }
  };

  onInvocation = (record: InvocationRecord, event: unknown): void => {
    if (!this.on) return;
    const t = this.tally(stepOf(record.fn, event));
    const billedMs = Math.max(1, Math.ceil(record.durationMs));
    t.invocations++;
    t.billedMs += billedMs;
    t.gbSeconds += (billedMs / 1000) * (functionSpecs[record.fn].memorySize / 1024);
    if (record.fn === 'api') t.apiRequests++;
    if (bySchedule(record.fn, event)) t.schedulerInvocations++;
  };
}

const COMPONENTS = [
  'DynamoDB writes',
  'DynamoDB reads',
  'Lambda requests',
  'Lambda duration',
  'HTTP API',
  'Scheduler',
  'S3',
  'SES',
] as const;

/** Dollars of one tally, by component. */
export function dollars(t: Tally): Record<(typeof COMPONENTS)[number], number> {
  return {
    'DynamoDB writes': t.writeUnits * PRICES.dynamoWriteUnit,
    'DynamoDB reads': t.readUnits * PRICES.dynamoReadUnit,
    'Lambda requests': t.invocations * PRICES.lambdaRequest,
    'Lambda duration': t.gbSeconds * PRICES.lambdaGbSecond,
    'HTTP API': t.apiRequests * PRICES.httpApiRequest,
    Scheduler: t.schedulerInvocations * PRICES.schedulerInvocation,
    S3: t.s3Puts * PRICES.s3Put + t.s3Gets * PRICES.s3Get,
    SES: t.emails * PRICES.sesEmail,
  };
}

function add(into: Tally, t: Tally): Tally {
  for (const k of Object.keys(into) as (keyof Tally)[]) into[k] += t[k];
  return into;
}

/**
 * An item's size as DynamoDB bills it (approximately: names and values in UTF-8 bytes, a
 * number by its digits, 3 bytes per list or map and 1 per element): a write costs one unit
 * per started KB of it, on the table and on every index that holds the whole item.
 */
export function itemBytes(item: Record<string, AttributeValue>): number {
  const value = (v: AttributeValue): number => {
    if (v.S !== undefined) return Buffer.byteLength(v.S);
    if (v.N !== undefined) return Math.ceil(v.N.replace(/[-.]/g, '').replace(/^0+/, '').length / 2) + 1;
    if (v.B !== undefined) return v.B.length;
    if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
    if (v.L !== undefined) return 3 + v.L.reduce((n, e) => n + 1 + value(e), 0);
    if (v.M !== undefined)
      return 3 + Object.entries(v.M).reduce((n, [k, e]) => n + 1 + Buffer.byteLength(k) + value(e), 0);
    if (v.SS !== undefined) return v.SS.reduce((n, e) => n + Buffer.byteLength(e), 0);
    if (v.NS !== undefined) return v.NS.reduce((n, e) => n + e.length, 0);
    return 0;
  };
  return Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + value(v), 0);
}

// ---------------------------------------------------------------- the run

interface MailboxEmail {
  messageId: string;
  at: string;
  destination: { to: string[] };
  body: { html: string | null };
  tags: Record<string, string>;
}

interface Partner {
  id: string;
  key: string;
  owner: string;
}

async function inBatches<T>(items: readonly T[], work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
      }
    }),
  );
}

/** The good rows of the bench's lead file generator, as CSV cells. */
function goodRows(count: number, from: number): string[][] {
  const rows: string[][] = [];
  for (let i = from; rows.length < count; i++) if (rowKind(i) === 'good') rows.push(rowCells(i));
  return rows;
}

const csvField = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

function leadBody(cells: string[]) {
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
  const [score, region, industry, budget] = cells.slice(12);
  return {
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
    score: Number(score),
    customFields: { region, industry, budget: Number(budget) },
  };
}

async function runHere(log: (line: string) => void): Promise<CostResult> {
  const started = Date.now();
  // Where the run is, as it goes (stderr passes through the parent; stdout is read at the end).
  const progress = (line: string) => {
    process.stderr.write(`cost: ${line} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
    log(line);
  };
  const home = await mkdtemp(join(tmpdir(), 'leadrelay-cost-'));
  const meter = new CostMeter();
  let clockOffset = 0;
  installClientMeter(meter.onCall);
  let cloud: LocalCloud | undefined;
  const killOnExit = () => cloud?.killNow();
  process.once('exit', killOnExit);
  try {
    cloud = await startLocalCloud({
      home,
      port: 0,
      quiet: true,
      print: log,
      onInvocation: meter.onInvocation,
      lambdaConcurrency: LAMBDA_CONCURRENCY,
      schedulerNow: () => Date.now() + clockOffset,
    });
    const running = cloud;
    const endpoints = JSON.parse(
      await readFile(join(home, '.local', 'endpoints.json'), 'utf8'),
    ) as LocalEndpoints;
    const api = <T>(method: string, path: string, key: string, body?: unknown) =>
      call<T>(endpoints, method, path, key, body);

    // Setup (not measured): a supplier, partners in one round-robin pool.
    const { supplier, apiKey: supplierKey } = await api<{ supplier: { id: string }; apiKey: string }>(
      'POST',
      '/v1/admin/suppliers',
      endpoints.operatorKey,
      { name: 'Cost bench supplier' },
    );
    const partners: Partner[] = [];
    for (let n = 1; n <= PARTNERS; n++) {
      const owner = `owner@partner-${n}.example`;
      const made = await api<{ partner: { id: string }; apiKey: string }>(
        'POST',
        '/v1/partners',
        supplierKey,
        {
          name: `Cost Partner ${n}`,
          leadOwners: [{ email: owner }],
        },
      );
      partners.push({ id: made.partner.id, key: made.apiKey, owner });
    }
    const byOwner = new Map(partners.map((p) => [p.owner, p]));
    await api('PUT', '/v1/routing-rules', supplierKey, {
      groups: [
        {
          name: 'Everyone, in turn',
          conditions: [{ field: 'email', op: 'exists' }],
          assign: { partnerIds: partners.map((p) => p.id), strategy: 'round-robin' },
        },
      ],
    });
    await quiet(running);
    meter.on = true;

    // Intake: the file into the inbox, and the API leads one call each.
    const fileRows = goodRows(COST_FILE_LEADS, 0);
    const apiRows = goodRows(COST_API_LEADS, 50_000);
    const ids = new Set<string>();
    for (const cells of [...fileRows, ...apiRows]) ids.add(leadIdFor(supplier.id, String(cells[0])));
    const csv = `${CSV_HEADER.map(csvField).join(',')}\n${fileRows.map((r) => r.map(csvField).join(',')).join('\n')}\n`;
    const s3 = new S3Client({
      region: endpoints.region,
      credentials: endpoints.credentials,
      endpoint: endpoints.s3,
      forcePathStyle: true,
    });
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: endpoints.bucket,
          Key: `inbox/${supplier.id}/cost-bench.csv`,
          Body: csv,
        }),
      );
      meter.tally('intake').s3Puts++;
    } finally {
      s3.destroy();
    }
    await inBatches(apiRows, (cells) => api('POST', '/v1/leads', supplierKey, leadBody(cells)));
    progress(`intake: ${ids.size} leads (${fileRows.length} in the file, ${apiRows.length} by the API)`);

    const handled = new Set<string>();
    const sesSends = () => [...meter.steps.values()].reduce((n, t) => n + t.emails, 0);
    /** Waits for `count` emails not seen before; opens every one, clicks every other one. */
    const emailRound = async (count: number): Promise<MailboxEmail[]> => {
      // The sends are counted as they happen; the mailbox (which renders every email to an owner on
      // each read, in this process, beside the handlers) is read once they are all out.
      const target = handled.size + count;
      await until(
        async () => (sesSends() >= target ? true : undefined),
        () => `${sesSends() - handled.size} of ${count} emails`,
        1_800_000,
        500,
      );
      const all: MailboxEmail[] = [];
      for (const p of partners) {
        const answer = await fetch(`${endpoints.mailbox}?to=${encodeURIComponent(p.owner)}`);
        all.push(...((await answer.json()) as { emails: MailboxEmail[] }).emails);
      }
      const fresh = all.filter((m) => !handled.has(m.messageId) && ids.has(m.tags.leadId ?? ''));
      if (fresh.length !== count)
        throw new Error(`${fresh.length} new emails in the mailbox, ${count} expected`);
      for (const m of fresh) handled.add(m.messageId);
      await inBatches(
        fresh.map((m, i) => [m, i] as const),
        async ([m, i]) => {
          const pixel = await fetch(`${endpoints.ses}/t/open/${encodeURIComponent(m.messageId)}.gif`);
          await pixel.arrayBuffer();
          if (i % 2 !== 0) return;
          const link = /href="([^"]*\/t\/click\/[^"]+)"/
            .exec(m.body.html ?? '')?.[1]
            ?.replaceAll('&amp;', '&');
          if (!link) throw new Error(`no tracked link in the email ${m.messageId}`);
          const click = await fetch(link, { redirect: 'manual' });
          await click.arrayBuffer();
          const page = click.headers.get('location');
          if (page) await (await fetch(page)).arrayBuffer();
        },
      );
      return fresh;
    };

    const first = await emailRound(ids.size);
    await quiet(running);
    progress(`emails: ${first.length} sent, opened, every other one clicked`);

    // Decisions: by the lead's place in the run.
    const mix = { rerouted: 0, rejected: 0, opportunity: 0, accepted: 0 };
    const ordered = [...first].sort((a, b) => String(a.tags.leadId).localeCompare(String(b.tags.leadId)));
    const partnerOf = (m: MailboxEmail) => {
      const p = byOwner.get(m.destination.to[0] ?? '');
      if (!p) throw new Error(`an email to nobody of ours: ${m.destination.to.join(', ')}`);
      return p;
    };
    const accept = async (m: MailboxEmail) => {
      const p = partnerOf(m);
      await api('GET', `/v1/leads/${m.tags.leadId}`, p.key);
      await api('POST', `/v1/leads/${m.tags.leadId}/accept`, p.key);
    };
    await inBatches(
      ordered.map((m, i) => [m, i % 10] as const),
      async ([m, slot]) => {
        const p = partnerOf(m);
        if (slot < 2) {
          mix.rerouted++;
          return;
        }
        if (slot === 2) {
          mix.rejected++;
          await api('GET', `/v1/leads/${m.tags.leadId}`, p.key);
          await api('POST', `/v1/leads/${m.tags.leadId}/reject`, p.key, { reason: 'Outside our territory' });
          return;
        }
        await accept(m);
        if (slot < 6) {
          mix.opportunity++;
          await api('PATCH', `/v1/leads/${m.tags.leadId}`, p.key, {
            pipelineStatus: 'Opportunity',
            opportunityValue: { amount: 25_000, currency: 'USD' },
          });
        } else mix.accepted++;
      },
    );
    await quiet(running);
    progress(`decisions: ${JSON.stringify(mix)}`);

    // The deadline passes: the Scheduler's clock moves 49 hours on, the undecided leads' schedules fire
    // (one tick fires every schedule due) and the clock comes back, before the next partner's
    // deadlines (48 hours from now, by the handlers' clock) are made.
    const scheduleNames = async () => {
      const answer = await fetch(`${endpoints.scheduler}/schedules`);
      return ((await answer.json()) as { Schedules: { Name: string }[] }).Schedules.map((s) => s.Name);
    };
    const deadlinesLeft = async () => (await scheduleNames()).filter((n) => /^(reroute|remind)-/.test(n));
    if ((await deadlinesLeft()).length < mix.rerouted)
      throw new Error('the undecided leads have no deadline');
    clockOffset = 49 * HOUR_MS;
    await until(
      async () => ((await deadlinesLeft()).length === 0 ? true : undefined),
      () => 'the deadlines to fire',
      60_000,
      20,
    );
    clockOffset = 0;
    const second = await emailRound(mix.rerouted);
    await quiet(running);
    await inBatches(second, accept);
    await quiet(running);
    progress(`reroutes: ${second.length} leads moved to the next partner, emailed, accepted`);

    // Views: each partner's leads and the supplier's All Leads, a page of 50 at a time; the reports.
    const pages = async (key: string) => {
      let cursor: string | null = null;
      do {
        const page: { nextCursor: string | null } = await api(
          'GET',
          `/v1/leads?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          key,
        );
        cursor = page.nextCursor;
      } while (cursor);
    };
    await pages(supplierKey);
    for (const p of partners) await pages(p.key);
    const today = new Date().toISOString().slice(0, 10);
    for (const report of [
      'distribution-summary',
      'opportunity-overview',
      'opportunity-summary',
      'rejections',
      'opportunity-details',
    ]) {
      await api('GET', `/v1/reports/${report}?from=${today}&to=${today}`, supplierKey);
    }

    // Every schedule still waiting fires, as it would in time (a decision deletes its lead's).
    clockOffset = 72 * HOUR_MS;
    await until(
      async () => ((await deadlinesLeft()).length === 0 ? true : undefined),
      () => 'the schedules left to fire',
      60_000,
      100,
    );
    await quiet(running);
    meter.on = false;

    const sizes: number[] = [];
    const raw = new DynamoDBClient({
      endpoint: endpoints.dynamodb,
      region: endpoints.region,
      credentials: endpoints.credentials,
    });
    try {
      for (const id of ids) {
        const { Item } = await raw.send(
          new GetItemCommand({
            TableName: endpoints.table,
            Key: { PK: { S: `LEAD#${id}` }, SK: { S: 'LEAD' } },
          }),
        );
        if (Item) sizes.push(itemBytes(Item));
      }
    } finally {
      raw.destroy();
    }
    sizes.sort((a, b) => a - b);

    const periodic = meter.steps.get(PERIODIC) ?? emptyTally();
    meter.steps.delete(PERIODIC);
    return {
      leads: { file: fileRows.length, api: apiRows.length, total: ids.size },
      mix,
      steps: Object.fromEntries(meter.steps),
      periodic,
      consumers: [...meter.consumers.values()].filter((c) => !c.what.startsWith(PERIODIC)),
      itemBytes: {
        min: sizes[0] ?? 0,
        median: sizes[Math.floor(sizes.length / 2)] ?? 0,
        max: sizes.at(-1) ?? 0,
      },
      failedInvocations: failuresSince(running, started),
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    installClientMeter(undefined);
    await cloud?.stop();
    process.removeListener('exit', killOnExit);
    await rm(home, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- the tables

const RESULT_PREFIX = 'COST_RESULT ';

/** In a process of its own: the handlers read their settings (and build their clients) once per process. */
export function benchCost(options: { log?: (line: string) => void } = {}): Promise<CostResult> {
  return runInChild<CostResult>(fileURLToPath(import.meta.url), ['--child'], {
    prefix: RESULT_PREFIX,
    what: 'the cost run',
    ...(options.log ? { log: options.log } : {}),
  });
}

const PER = 100_000;
const usd = (n: number) => `$${n < 0.01 && n > 0 ? n.toFixed(4) : n.toFixed(2)}`;
const num = (n: number) => (Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));

/** The tables and lines of the cost part, as markdown. */
export function costReport(result: CostResult): string[] {
  const leads = result.leads.total;
  const scale = PER / leads;
  const total = Object.values(result.steps).reduce((sum, t) => add(sum, t), emptyTally());
  const out: string[] = [];
  const table = (header: string[], rows: string[][]) => {
    out.push(`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
    for (const row of rows) out.push(`| ${row.join(' | ')} |`);
    out.push('');
  };
  out.push(
    `${leads.toLocaleString('en-US')} leads (${result.leads.file} from a file, ${result.leads.api} from the API); ` +
      `mix ${Object.entries(result.mix)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}; every email opened, every other one clicked. ` +
      `Prices: AWS list, ${PRICES.region}, as of ${PRICES.asOf}. Lambda invocations ${LAMBDA_CONCURRENCY} at a time; ` +
      `run took ${result.seconds.toFixed(0)} s.`,
    '',
  );

  const components = dollars(total);
  const withoutSes = Object.entries(components)
    .filter(([k]) => k !== 'SES')
    .reduce((s, [, v]) => s + v, 0);
  table(
    ['component', 'per lead (count)', `$ per ${PER.toLocaleString('en-US')} leads`],
    [
      ['DynamoDB write units', num(total.writeUnits / leads), usd(components['DynamoDB writes'] * scale)],
      ['DynamoDB read units', num(total.readUnits / leads), usd(components['DynamoDB reads'] * scale)],
      ['Lambda invocations', num(total.invocations / leads), usd(components['Lambda requests'] * scale)],
      [
        `Lambda duration (GB-s; ${num(total.billedMs / leads)} billed ms)`,
        (total.gbSeconds / leads).toFixed(4),
        usd(components['Lambda duration'] * scale),
      ],
      ['HTTP API requests', num(total.apiRequests / leads), usd(components['HTTP API'] * scale)],
      [
        `Scheduler invocations (creates ${num(total.schedulesCreated / leads)}, deletes ${num(total.schedulesDeleted / leads)})`,
        num(total.schedulerInvocations / leads),
        usd(components.Scheduler * scale),
      ],
      [
        `S3 requests (PUT ${num(total.s3Puts / leads)}, GET ${num(total.s3Gets / leads)})`,
        num((total.s3Puts + total.s3Gets) / leads),
        usd(components.S3 * scale),
      ],
      ['**everything but SES**', '', `**${usd(withoutSes * scale)}**`],
      ['SES emails (the floor)', num(total.emails / leads), usd(components.SES * scale)],
      ['**total**', '', `**${usd((withoutSes + components.SES) * scale)}**`],
    ],
  );

  const order = Object.entries(result.steps).sort(
    ([, a], [, b]) => b.writeUnits + b.readUnits / 4 - (a.writeUnits + a.readUnits / 4),
  );
  table(
    [
      'step',
      'WCU / lead',
      'RCU / lead',
      'DynamoDB calls / lead',
      'invocations / lead',
      'billed ms / lead',
      `$ / ${PER / 1000}k, no SES`,
    ],
    order.map(([step, t]) => {
      const d = dollars(t);
      const noSes = Object.entries(d)
        .filter(([k]) => k !== 'SES')
        .reduce((s, [, v]) => s + v, 0);
      return [
        step,
        num(t.writeUnits / leads),
        num(t.readUnits / leads),
        num(t.dynamoCalls / leads),
        num(t.invocations / leads),
        num(t.billedMs / leads),
        usd(noSes * scale),
      ];
    }),
  );

  out.push('Largest unit consumers (step · function · command), per lead:', '');
  table(
    ['consumer', 'WCU / lead', 'RCU / lead', 'calls / lead (failed)'],
    [...result.consumers]
      .sort((a, b) => b.writeUnits + b.readUnits / 4 - (a.writeUnits + a.readUnits / 4))
      .slice(0, 12)
      .map((c) => [
        c.what,
        num(c.writeUnits / leads),
        num(c.readUnits / leads),
        `${num(c.calls / leads)} (${num(c.failed / leads)})`,
      ]),
  );

  const p = result.periodic;
  const perRun = Object.values(dollars(p)).reduce((s, v) => s + v, 0);
  out.push(
    `lead item at the end (DynamoDB's size): median ${result.itemBytes.median} bytes (${result.itemBytes.min}–${result.itemBytes.max}); ` +
      `failed DynamoDB calls (conditions not met; billed, no units answered): ${total.failedCalls}`,
    `periodic sweeps, left out above: ${p.invocations} invocations in this run, ${num(p.writeUnits)} WCU, ${num(p.readUnits)} RCU ` +
      `(${usd(perRun)}); at two rate(5 minutes) schedules that is 17,280 invocations a month whatever the leads`,
  );
  for (const failure of result.failedInvocations) out.push(`failed invocation: ${failure}`);
  return out;
}

/** Everything but SES, per 100,000 leads (the figure the target is about), and SES. */
export function costPer100k(result: CostResult): { withoutSes: number; ses: number } {
  const total = Object.values(result.steps).reduce((sum, t) => add(sum, t), emptyTally());
  const d = dollars(total);
  const scale = PER / result.leads.total;
  return {
    withoutSes: (Object.values(d).reduce((s, v) => s + v, 0) - d.SES) * scale,
    ses: d.SES * scale,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--child')) {
    const result = await runHere((line) => console.log(line));
    console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
  } else {
    const result = await benchCost({ log: (line) => console.log(line) });
    for (const line of costReport(result)) console.log(line);
  }
}
