import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One POST the receiver got, as it came. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body parsed (`{id, type, timestamp, data}`), or undefined when it was not JSON. */
  json: { id?: string; type?: string; timestamp?: string; data?: { lead?: { id?: string } } } | undefined;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>` */
  url: string;
  received: Received[];
  /** The status a path answers (default 200). */
  answer(path: string, status: number): void;
  close(): Promise<void>;
}

/**
 * A webhook receiver on 127.0.0.1 that records every request and answers 200, or the status
 * set for its path: the integrator's end of a delivery, so a test sees what really arrived.
 */
export async function startReceiver(): Promise<WebhookReceiver> {
  const received: Received[] = [];
  const answers = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: Received['json'];
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      received.push({ path, headers: req.headers, body, json });
      const status = answers.get(path) ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status < 300 ? 'thanks' : 'receiver is down for the test');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer: (path, status) => answers.set(path, status),
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/**
 * Whether the request verifies under `secret` (`whsec_...`) with the standardwebhooks package
 * itself, as an integrator's receiver would: one of its `v1,` signatures and a fresh timestamp.
 */
export function signedBy(request: Received, secret: string): boolean {
  const headers = {
    'webhook-id': String(request.headers['webhook-id'] ?? ''),
    'webhook-timestamp': String(request.headers['webhook-timestamp'] ?? ''),
    'webhook-signature': String(request.headers['webhook-signature'] ?? ''),
  };
  try {
    new Webhook(secret).verify(request.body, headers);
    return true;
  } catch {
    return false;
  }
}
