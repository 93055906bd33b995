import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpWebhookSender } from '@leadrelay/aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The webhook sender against receivers on loopback addresses (127.0.0.2 and
 * 127.0.0.3 stand for a public and a private host: no test may reach a real public
 * one, so `refused` names which is which, and the resolvers are injected).
 */
interface Receiver {
  server: Server;
  port: number;
  requests: { headers: IncomingMessage['headers']; body: string }[];
}

async function receiver(host: string, answer: (res: import('node:http').ServerResponse) => void, port = 0) {
  const requests: Receiver['requests'] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      requests.push({ headers: req.headers, body });
      answer(res);
    });
  });
  await new Promise<void>((done) => server.listen(port, host, done));
  return { server, port: (server.address() as AddressInfo).port, requests };
}

const PUBLIC = '127.0.0.2';
const PRIVATE = '127.0.0.3';
const refused = (address: string) => (address === PUBLIC ? undefined : `${address} is private`);
const request = (url: string) => ({ url, headers: { 'content-type': 'application/json' }, body: '{"a":1}' });

describe('the webhook sender', () => {
  let good: Receiver;
  let trap: Receiver;
  let slow: Receiver;
  let redirect: Receiver;
  let big: Receiver;

  beforeAll(async () => {
    good = await receiver(PUBLIC, (res) => res.writeHead(204).end());
    // The same port on the "private" address: a connection that slipped through would land here.
    trap = await receiver(PRIVATE, (res) => res.writeHead(200).end('trapped'), good.port);
    slow = await receiver(PUBLIC, () => {});
    redirect = await receiver(PUBLIC, (res) => res.writeHead(302, { location: 'http://127.0.0.3/' }).end());
    big = await receiver(PUBLIC, (res) => res.writeHead(500).end('x'.repeat(100_000)));
  });
  afterAll(async () => {
    for (const r of [good, trap, slow, redirect, big]) {
      r.server.closeAllConnections();
      await new Promise((done) => r.server.close(done));
    }
  });

  it('posts the body with its headers; a 2xx is delivered', async () => {
    const sender = new HttpWebhookSender({ allowPrivateTargets: false, refused });
    const result = await sender.send(request(`http://${PUBLIC}:${good.port}/in`));
    expect(result).toMatchObject({ ok: true, responseStatus: 204 });
    expect(good.requests.at(-1)).toMatchObject({
      body: '{"a":1}',
      headers: { 'content-type': 'application/json' },
    });
  });

  it('refuses a literal private address, and a host that resolves to one, before connecting', async () => {
    const sender = new HttpWebhookSender({
      allowPrivateTargets: false,
      refused,
      resolver: async () => [
        { address: PUBLIC, family: 4 },
        { address: PRIVATE, family: 4 },
      ],
    });
    const before = trap.requests.length;
    const literal = await sender.send(request(`http://${PRIVATE}:${trap.port}/in`));
    expect(literal).toMatchObject({ ok: false, error: expect.stringContaining('refused') });
    const named = await sender.send(request(`http://receiver.test:${trap.port}/in`));
    expect(named).toMatchObject({ ok: false, error: expect.stringContaining('refused') });
    expect(trap.requests.length).toBe(before);
  });

  it('connects to the address it checked, so a name that rebinds to a private address is never reached', async () => {
    let calls = 0;
    const sender = new HttpWebhookSender({
      allowPrivateTargets: false,
      refused,
      // Public for the check, private for whoever asks next.
      resolver: async () => [{ address: calls++ === 0 ? PUBLIC : PRIVATE, family: 4 }],
    });
    const trapped = trap.requests.length;
    const delivered = good.requests.length;
    const result = await sender.send(request(`http://rebinding.test:${good.port}/in`));
    expect(result).toMatchObject({ ok: true, responseStatus: 204 });
    expect(good.requests.length).toBe(delivered + 1);
    expect(good.requests.at(-1)?.headers.host).toBe(`rebinding.test:${good.port}`);
    expect(trap.requests.length).toBe(trapped);
  });

  it('allows private targets when told to (the local cloud)', async () => {
    const sender = new HttpWebhookSender({ allowPrivateTargets: true, refused });
    expect(await sender.send(request(`http://${PRIVATE}:${trap.port}/in`))).toMatchObject({ ok: true });
  });

  it('does not follow a redirect: a 3xx is a failure', async () => {
    const sender = new HttpWebhookSender({ allowPrivateTargets: false, refused });
    const result = await sender.send(request(`http://${PUBLIC}:${redirect.port}/in`));
    expect(result).toMatchObject({
      ok: false,
      responseStatus: 302,
      error: expect.stringContaining('not followed'),
    });
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    const sender = new HttpWebhookSender({ allowPrivateTargets: false, refused, timeoutMs: 300 });
    const result = await sender.send(request(`http://${PUBLIC}:${slow.port}/in`));
    expect(result).toMatchObject({ ok: false, error: 'no answer within 300 ms' });
    expect(result.responseStatus).toBeUndefined();
  });

  it('keeps at most 256 characters of an answer', async () => {
    const sender = new HttpWebhookSender({ allowPrivateTargets: false, refused });
    const result = await sender.send(request(`http://${PUBLIC}:${big.port}/in`));
    expect(result).toMatchObject({ ok: false, responseStatus: 500 });
    expect(result.responseExcerpt).toBe('x'.repeat(256));
  });

  it('answers a refused connection as a failure, never throwing', async () => {
    const sender = new HttpWebhookSender({ allowPrivateTargets: true });
    const result = await sender.send(request('http://127.0.0.1:1/in'));
    expect(result).toMatchObject({ ok: false });
    expect(result.error).toBeDefined();
  });
});
