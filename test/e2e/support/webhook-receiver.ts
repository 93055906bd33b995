import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request a test receiver got, verified. */
export interface Received {
  path: string;
  id: string;
  /** The parsed body (verified with the subscription's secret), or undefined when it did not verify. */
  event: { id: string; type: string; timestamp: string; data: Record<string, unknown> } | undefined;
  headers: Record<string, string>;
  /** The status the receiver answered. */
  status: number;
}

/**
 * A webhook receiver on 127.0.0.1, as an integrator would write one: every request
 * verified with the standardwebhooks package under the secret of its path's
 * subscription (`secrets`, filled in as the test subscribes), recorded, and answered
 * with what `answer` says for that path (default 200).
 */
export async function startReceiver() {
  const received: Received[] = [];
  const secrets = new Map<string, string>();
  const answers = new Map<string, (count: number) => number>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      const path = req.url ?? '/';
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]),
      );
      let event: Received['event'];
      try {
        event = new Webhook(secrets.get(path) ?? '').verify(body, headers) as Received['event'];
      } catch {
        event = undefined;
      }
      const count = received.filter((r) => r.path === path).length;
      const status = event === undefined ? 401 : (answers.get(path)?.(count) ?? 200);
      received.push({ path, id: headers['webhook-id'] ?? '', event, headers, status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'not now');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    received,
    /** Where a subscription posts to, and the secret its deliveries verify with. */
    path(path: string, secret: string, answer?: (count: number) => number) {
      secrets.set(path, secret);
      if (answer) answers.set(path, answer);
    },
    at: (path: string) => received.filter((r) => r.path === path),
    async stop() {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    },
  };
}
