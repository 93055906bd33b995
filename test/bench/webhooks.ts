/**
 * Webhook delivery on the local cloud: the latency from a lead change (the answer of
 * the API call that made it) to the receiver's arrival, over WEBHOOK_LEADS leads one
 * after another (each awaited, so it is latency, not queueing), p50 and p95; and the
 * deliveries a second for one subscription over a burst of WEBHOOK_BURST leads made in
 * one batch call. The receiver is a node http server on 127.0.0.1 that verifies every
 * request with the standardwebhooks package, as an integrator's would.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type LocalCloud, type LocalEndpoints, startLocalCloud } from '@leadrelay/local';
import { Webhook } from 'standardwebhooks';
import { runInChild } from './child';
import { call, percentile, quiet, until } from './latency';
import { describeMachine, machine } from './machine';

export const WEBHOOK_LEADS = Number(process.env.BENCH_WEBHOOK_LEADS ?? 200);
export const WEBHOOK_BURST = Number(process.env.BENCH_WEBHOOK_BURST ?? 500);

export interface WebhookBenchResult {
  leads: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  burst: number;
  burstSeconds: number;
  perSecond: number;
  /** When the batch call answered (its 500 leads written), from its start. */
  answeredSeconds: number;
  /** Requests that did not verify (should be none). */
  unverified: number;
}

async function receiver() {
  const arrivals = new Map<string, number>();
  let secret = '';
  let unverified = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      const at = Date.now();
      try {
        const event = new Webhook(secret).verify(body, req.headers as Record<string, string>) as {
          data: { lead: { id: string } };
        };
        if (!arrivals.has(event.data.lead.id)) arrivals.set(event.data.lead.id, at);
        res.writeHead(204).end();
      } catch {
        unverified += 1;
        res.writeHead(401).end();
      }
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrivals,
    setSecret: (s: string) => {
      secret = s;
    },
    unverified: () => unverified,
    stop: () => {
      server.closeAllConnections();
      return new Promise((done) => server.close(done));
    },
  };
}

async function benchHere(log: (line: string) => void): Promise<WebhookBenchResult> {
  const home = await mkdtemp(join(tmpdir(), 'leadrelay-webhooks-bench-'));
  const hook = await receiver();
  let cloud: LocalCloud | undefined;
  const killOnExit = () => cloud?.killNow();
  process.once('exit', killOnExit);
  try {
    cloud = await startLocalCloud({ home, port: 0, quiet: true, print: log });
    const endpoints = JSON.parse(
      await readFile(join(home, '.local', 'endpoints.json'), 'utf8'),
    ) as LocalEndpoints;
    const { apiKey: key } = await call<{ apiKey: string }>(
      endpoints,
      'POST',
      '/v1/admin/suppliers',
      endpoints.operatorKey,
      {
        name: 'Webhook bench',
      },
    );
    const { secret } = await call<{ secret: string }>(endpoints, 'POST', '/v1/webhooks', key, {
      url: hook.url,
      events: ['lead.created'],
    });
    hook.setSecret(secret);
    await quiet(cloud);

    const latencies: number[] = [];
    for (let i = 0; i < WEBHOOK_LEADS; i++) {
      const { lead } = await call<{ lead: { id: string } }>(endpoints, 'POST', '/v1/leads', key, {
        email: `latency-${i}-${Date.now()}@bench.example`,
      });
      const answered = Date.now();
      const arrived = await until(
        async () => hook.arrivals.get(lead.id),
        () => `the delivery of lead ${i}`,
        60_000,
        5,
      );
      latencies.push(arrived - answered);
    }
    latencies.sort((a, b) => a - b);
    await quiet(cloud);

    const leads = Array.from({ length: WEBHOOK_BURST }, (_, i) => ({
      email: `burst-${i}-${Date.now()}@bench.example`,
    }));
    const started = Date.now();
    const { results } = await call<{ results: { lead?: { id: string } }[] }>(
      endpoints,
      'POST',
      '/v1/leads/batch',
      key,
      {
        leads,
      },
    );
    const answeredSeconds = (Date.now() - started) / 1000;
    const ids = results.flatMap((i) => (i.lead ? [i.lead.id] : []));
    const last = await until(
      async () =>
        ids.every((id) => hook.arrivals.has(id))
          ? Math.max(...ids.map((id) => hook.arrivals.get(id) ?? 0))
          : undefined,
      () => `${ids.filter((id) => hook.arrivals.has(id)).length} of ${ids.length} burst deliveries`,
      300_000,
      20,
    );
    const burstSeconds = (last - started) / 1000;
    return {
      leads: latencies.length,
      p50Ms: percentile(latencies, 0.5),
      p95Ms: percentile(latencies, 0.95),
      maxMs: latencies.at(-1) ?? Number.NaN,
      burst: ids.length,
      burstSeconds,
      perSecond: ids.length / burstSeconds,
      answeredSeconds,
      unverified: hook.unverified(),
    };
  } finally {
    await cloud?.stop();
    process.removeListener('exit', killOnExit);
    await hook.stop();
    await rm(home, { recursive: true, force: true });
  }
}

const RESULT_PREFIX = 'WEBHOOKS_RESULT ';

/** The part in a process of its own: the local cloud's handlers read their settings once per process. */
export function benchWebhooks(options: { log?: (line: string) => void } = {}): Promise<WebhookBenchResult> {
  return runInChild<WebhookBenchResult>(fileURLToPath(import.meta.url), ['--run'], {
    prefix: RESULT_PREFIX,
    what: 'the webhook delivery bench',
    ...(options.log ? { log: (line: string) => (/^\{/.test(line) ? undefined : options.log?.(line)) } : {}),
  });
}

export function webhookRows(r: WebhookBenchResult): string[][] {
  return [
    ['webhook latency p50 (lead change → receiver)', `${r.p50Ms} ms`, '', `${r.leads} leads, one at a time`],
    ['webhook latency p95', `${r.p95Ms} ms`, '', `max ${r.maxMs} ms`],
    [
      'webhook deliveries/s, one subscription (burst)',
      `${r.perSecond.toFixed(0)}/s`,
      '',
      `${r.burst} leads in one batch call (answered after ${r.answeredSeconds.toFixed(1)} s), ${r.burstSeconds.toFixed(1)} s from the call to the last arrival`,
    ],
  ];
}

async function main(): Promise<void> {
  if (process.argv.includes('--run')) {
    const result = await benchHere((line) => console.log(line));
    console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
    return;
  }
  for (const line of describeMachine(machine())) console.log(line);
  const result = await benchWebhooks({ log: (line) => console.log(line) });
  for (const row of webhookRows(result)) console.log(row.join(' | '));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
