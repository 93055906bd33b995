import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  isIpLiteral,
  refusedAddress,
  type SendResult,
  type WebhookRequest,
  type WebhookSender,
} from '@leadrelay/core';

/** Every address a host name resolves to (dns.lookup with all: what the system resolver answers). */
export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

export const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

export interface HttpWebhookSenderOptions {
  /** Local only: loopback and private targets are allowed (a developer's receiver on the same machine). */
  allowPrivateTargets: boolean;
  resolver?: Resolver;
  /** For the whole attempt: resolving, connecting and the answer (default 5 s). */
  timeoutMs?: number;
  /**
   * Which addresses are refused (default core refusedAddress). Tests name loopback
   * addresses "public" and "private" with it, since no test may reach a real public host.
   */
  refused?: (address: string) => string | undefined;
}

/** How much of an answer is read (the rest is dropped), and how much of it the log keeps. */
const READ_AT_MOST = 1024;
const EXCERPT_LENGTH = 256;
const DEFAULT_TIMEOUT_MS = 5000;

class Refused extends Error {}

/**
 * Sends a webhook over node:http(s): a POST of the body with the given headers; 2xx
 * is delivered, anything else (a redirect too: never followed) a failure. Never
 * throws: a refused target, a timeout or a broken connection is a result with an
 * error.
 *
 * Targets (unless private ones are allowed): the host is resolved, every address
 * it has must be public (core refusedAddress), and the connection goes to the
 * address checked, through a `lookup` that answers only that one, so a name that
 * resolves to a public address for the check and to a private one a moment later
 * (DNS rebinding) never reaches the private one. TLS still verifies the host name.
 */
export class HttpWebhookSender implements WebhookSender {
  private readonly resolver: Resolver;
  private readonly timeoutMs: number;
  private readonly refused: (address: string) => string | undefined;

  constructor(private readonly options: HttpWebhookSenderOptions) {
    this.resolver = options.resolver ?? systemResolver;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.refused = options.refused ?? refusedAddress;
  }

  async send(request: WebhookRequest): Promise<SendResult> {
    const at = new Date().toISOString();
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const url = new URL(request.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new Refused('only http and https URLs');
      const target = await this.target(url, controller.signal);
      const response = await this.post(url, request, target, controller.signal);
      const status = response.status;
      return {
        ok: status >= 200 && status < 300,
        at,
        responseStatus: status,
        durationMs: elapsed(),
        ...(status >= 300 && status < 400
          ? { error: `redirect to ${response.location ?? '?'} not followed` }
          : {}),
        ...(response.excerpt !== '' ? { responseExcerpt: response.excerpt } : {}),
      };
    } catch (error) {
      const message = controller.signal.aborted
        ? `no answer within ${this.timeoutMs} ms`
        : error instanceof Refused
          ? `refused: ${error.message}`
          : error instanceof Error
            ? error.message
            : String(error);
      return { ok: false, at, durationMs: elapsed(), error: message.slice(0, EXCERPT_LENGTH) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** The address to connect to, checked; undefined for an IP literal (node connects to it without a lookup). */
  private async target(
    url: URL,
    signal: AbortSignal,
  ): Promise<{ address: string; family: number } | undefined> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIpLiteral(host)) {
      const refused = this.options.allowPrivateTargets ? undefined : this.refused(host);
      if (refused) throw new Refused(refused);
      return undefined;
    }
    const addresses = await Promise.race([
      this.resolver(host),
      new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
    ]);
    if (addresses.length === 0) throw new Refused(`${host} has no address`);
    if (!this.options.allowPrivateTargets) {
      for (const { address } of addresses) {
        const refused = this.refused(address);
        if (refused) throw new Refused(`${host}: ${refused}`);
      }
    }
    return addresses[0];
  }

  private post(
    url: URL,
    request: WebhookRequest,
    target: { address: string; family: number } | undefined,
    signal: AbortSignal,
  ): Promise<{ status: number; excerpt: string; location?: string }> {
    const lookup: LookupFunction | undefined = target
      ? (_hostname, options, callback) => {
          if ((options as { all?: boolean }).all) {
            (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
              target,
            ]);
          } else callback(null, target.address, target.family);
        }
      : undefined;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const body = Buffer.from(request.body, 'utf8');
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        {
          method: 'POST',
          headers: { ...request.headers, 'content-length': String(body.length) },
          signal,
          ...(lookup ? { lookup } : {}),
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          const done = () => {
            const text = Buffer.concat(chunks).subarray(0, READ_AT_MOST).toString('utf8');
            resolve({
              status: res.statusCode ?? 0,
              excerpt: text.slice(0, EXCERPT_LENGTH),
              ...(typeof res.headers.location === 'string' ? { location: res.headers.location } : {}),
            });
          };
          res.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            size += chunk.length;
            // Enough read: the rest of a large answer is not ours to download.
            if (size >= READ_AT_MOST) {
              res.destroy();
              done();
            }
          });
          res.on('end', done);
          res.on('error', () => done());
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}
