/**
 * SES v2 emulator: a front in front of `aws-ses-v2-local` that adds what that emulator leaves out
 * and the product depends on: configuration-set event publishing (Send, Delivery, Bounce,
 * Complaint, Open, Click) with the SES mailbox simulator addresses, open/click tracking in the
 * HTML as SES rewrites it, and a mailbox a test or a person can read.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
} from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { escapeHtml } from '@leadrelay/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { readBody } from './http-body';
import { appendJsonLine, readJsonLines } from './json-store';
import {
  bounceDetail,
  buildSesMail,
  clickDetail,
  complaintDetail,
  deliveryDetail,
  emailAddressOf,
  openDetail,
  type SesEventDetail,
  type SesMail,
  sendDetail,
  toEventBridgeEvent,
} from './ses-events';

export type { SesEventDetail } from './ses-events';

export interface SesEmulatorOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  region: string;
  accountId: string;
  /** When given, the mailbox is appended to `${dataDir}/ses-mailbox.jsonl` and reloaded on start. */
  dataDir?: string;
  /** Called with each SES event exactly as SES publishes it to EventBridge (source aws.ses). */
  onEvent: (event: EventBridgeEvent<string, SesEventDetail>) => Promise<void>;
  /**
   * The account's maximum send rate (recipients a second), as SES enforces it: a send over it
   * answers 429 TooManyRequestsException "Maximum sending rate exceeded." and is not sent.
   * Omitted: no limit.
   */
  maxSendRate?: number;
}

/**
 * SES's maximum send rate: a bucket that holds one second of recipients and refills at the
 * rate. As SES does, a message goes through while any of the second's quota is left, however
 * many recipients it has, and the sends after it are refused until the bucket has refilled.
 */
export function sendRateLimit(rate: number, now: () => number = () => performance.now()) {
  let tokens = rate;
  let at = now();
  return (recipients: number): boolean => {
    const t = now();
    tokens = Math.min(rate, tokens + ((t - at) / 1000) * rate);
    at = t;
    if (tokens < 1) return false;
    tokens -= recipients;
    return true;
  };
}

/** The local cloud's setting of the SES send rate (`LEADRELAY_SES_MAX_SEND_RATE`): undefined for none. */
export function parseMaxSendRate(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const rate = Number(value);
  if (!Number.isFinite(rate) || rate <= 0) {
    throw new Error(
      `LEADRELAY_SES_MAX_SEND_RATE must be a number of emails a second above 0 (SES's own is 14 for a new account), not "${value}"`,
    );
  }
  return rate;
}

export interface SesEmulator {
  endpoint: string;
  mailboxUrl: string;
  stop(): Promise<void>;
}

/** One email as the partner's inbox shows it (`GET /mailbox`). */
export interface MailboxEmail {
  messageId: string;
  from: string;
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { html: string | null; text: string | null };
  /** ISO 8601 time the email was accepted. */
  at: string;
  configurationSet: string | null;
  /** The send's EmailTags, Name -> Value. */
  tags: Record<string, string>;
}

interface TrackedLink {
  url: string;
  tags: Record<string, string[]>;
}

/** What the emulator keeps per accepted email; rendering happens on read so links follow the endpoint. */
interface SentEmail {
  messageId: string;
  from: string;
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  html?: string;
  text?: string;
  at: string;
  configurationSet?: string;
  emailTags: { Name: string; Value: string }[];
  links: TrackedLink[];
}

interface SendEmailBody {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
  Content?: {
    Simple?: { Subject?: { Data?: string }; Body?: { Html?: { Data?: string }; Text?: { Data?: string } } };
    Raw?: unknown;
    Template?: unknown;
  };
  ConfigurationSetName?: string;
  EmailTags?: { Name: string; Value: string }[];
}

interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

type SesLocalServer = (config?: Partial<{ host: string; port: number }>) => Promise<Server>;

const SIMULATOR_DOMAIN = 'simulator.amazonses.com';
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);
// The smallest transparent GIF: what tracking pixels answer.
const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

function loadSesLocal(): SesLocalServer {
  // aws-ses-v2-local is CommonJS with `exports.default`; require sidesteps ESM interop differences
  // between node, tsx and vitest.
  const required = createRequire(import.meta.url)('aws-ses-v2-local') as
    | SesLocalServer
    | { default?: SesLocalServer };
  const start = typeof required === 'function' ? required : required.default;
  if (typeof start !== 'function') throw new Error('aws-ses-v2-local does not export a server function');
  return start;
}

function endpointHost(host: string): string {
  if (host === '' || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function forward(
  upstreamPort: number,
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): Promise<UpstreamResponse> {
  const outHeaders: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name) && name !== 'host') outHeaders[name] = value;
  }
  outHeaders.host = `127.0.0.1:${upstreamPort}`;
  if (body.length > 0 || outHeaders['content-length'] !== undefined) {
    outHeaders['content-length'] = String(body.length);
  }
  return new Promise((resolve, reject) => {
    const upstream = request(
      { host: '127.0.0.1', port: upstreamPort, method, path, headers: outHeaders },
      (res) => {
        readBody(res).then(
          (data) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: data }),
          reject,
        );
      },
    );
    upstream.on('error', reject);
    upstream.end(body);
  });
}

function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|amp|quot|apos|lt|gt);/gi, (whole, entity: string) => {
    const lower = entity.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10));
    const named: Record<string, string> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>' };
    return named[lower] ?? whole;
  });
}

/** `ses:tags="campaign:spring;variant:b"` on an anchor becomes the click event's linkTags. */
function parseLinkTags(tag: string): Record<string, string[]> {
  const attr = /\bses:tags\s*=\s*(?:"([^"]*)"|'([^']*)')/i.exec(tag);
  const raw = attr ? decodeEntities(attr[1] ?? attr[2] ?? '') : '';
  const tags: Record<string, string[]> = {};
  for (const pair of raw.split(';')) {
    const colon = pair.indexOf(':');
    if (colon <= 0) continue;
    const key = pair.slice(0, colon).trim();
    const value = pair.slice(colon + 1).trim();
    if (key !== '') tags[key] = [...(tags[key] ?? []), value];
  }
  return tags;
}

/**
 * Walks the http(s) links of an HTML body in document order, as SES's click tracking does
 * (anchors marked `ses:no-track` are left alone), optionally rewriting each href.
 */
function walkLinks(
  html: string,
  rewrite?: (link: TrackedLink, index: number) => string,
): { html: string; links: TrackedLink[] } {
  const links: TrackedLink[] = [];
  const out = html.replace(/<(?:a|area)\b[^>]*>/gi, (tag) => {
    if (/\sses:no-track\b/i.test(tag)) return tag;
    const href = /(\bhref\s*=\s*)(?:"([^"]*)"|'([^']*)')/i.exec(tag);
    if (!href) return tag;
    const url = decodeEntities((href[2] ?? href[3] ?? '').trim());
    if (!/^https?:\/\//i.test(url)) return tag;
    const link: TrackedLink = { url, tags: parseLinkTags(tag) };
    const index = links.length;
    links.push(link);
    if (!rewrite) return tag;
    const quote = href[2] !== undefined ? '"' : "'";
    const replaced = `${href[1]}${quote}${rewrite(link, index)}${quote}`;
    return tag.slice(0, href.index) + replaced + tag.slice(href.index + href[0].length);
  });
  return { html: out, links };
}

function trackedHtml(html: string, endpoint: string, messageId: string): string {
  const id = encodeURIComponent(messageId);
  const rewritten = walkLinks(html, (link, index) => {
    // encodeURIComponent leaves ' alone, which would end a single-quoted attribute.
    const u = encodeURIComponent(link.url).replace(/'/g, '%27');
    return `${endpoint}/t/click/${id}/${index}?u=${u}`;
  }).html;
  const pixel = `<img alt="" src="${endpoint}/t/open/${id}.gif" width="1" height="1" style="border:0;width:1px;height:1px" />`;
  const bodyClose = rewritten.search(/<\/body\s*>(?![\s\S]*<\/body\s*>)/i);
  return bodyClose === -1
    ? `${rewritten}${pixel}`
    : `${rewritten.slice(0, bodyClose)}${pixel}${rewritten.slice(bodyClose)}`;
}

type RecipientFate = 'deliver' | 'bounce' | 'suppressed' | 'complaint';

/** The SES mailbox simulator: `bounce+label@simulator.amazonses.com` behaves like `bounce@...`. */
function fateOf(recipient: string): RecipientFate {
  const address = emailAddressOf(recipient).toLowerCase();
  const at = address.lastIndexOf('@');
  if (at === -1 || address.slice(at + 1) !== SIMULATOR_DOMAIN) return 'deliver';
  const local = address.slice(0, at).split('+')[0];
  if (local === 'bounce') return 'bounce';
  if (local === 'suppressionlist') return 'suppressed';
  if (local === 'complaint') return 'complaint';
  return 'deliver';
}

/** The recipients of a SendEmail body (what the send rate counts); 1 when it names none readable. */
function recipientsOf(body: Buffer): number {
  try {
    const { Destination: d } = JSON.parse(body.toString('utf8')) as SendEmailBody;
    const count =
      (d?.ToAddresses?.length ?? 0) + (d?.CcAddresses?.length ?? 0) + (d?.BccAddresses?.length ?? 0);
    return Math.max(1, count);
  } catch {
    return 1;
  }
}

function matchesRecipient(email: SentEmail, wanted: string): boolean {
  const target = emailAddressOf(wanted).toLowerCase();
  const all = [...email.destination.to, ...email.destination.cc, ...email.destination.bcc];
  return all.some((address) => emailAddressOf(address).toLowerCase() === target);
}

function clientIp(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
}

export async function startSesEmulator(opts: SesEmulatorOptions): Promise<SesEmulator> {
  const upstream = await loadSesLocal()({ host: '127.0.0.1', port: 0 });
  const upstreamPort = (upstream.address() as AddressInfo).port;

  const mailboxFile = opts.dataDir === undefined ? undefined : join(opts.dataDir, 'ses-mailbox.jsonl');
  const emails: SentEmail[] = mailboxFile === undefined ? [] : await readJsonLines<SentEmail>(mailboxFile);
  const byId = new Map(emails.map((email) => [email.messageId, email]));

  let endpoint = '';
  const withinRate = opts.maxSendRate === undefined ? undefined : sendRateLimit(opts.maxSendRate);
  // One chain keeps events in the order SES would publish them (Send before Delivery, ...).
  let eventChain: Promise<void> = Promise.resolve();

  const publish = (email: SentEmail, details: (mail: SesMail) => SesEventDetail[]): void => {
    const configurationSet = email.configurationSet;
    if (configurationSet === undefined) return;
    eventChain = eventChain.then(async () => {
      const mail = buildSesMail({
        messageId: email.messageId,
        from: email.from,
        to: email.destination.to,
        cc: email.destination.cc,
        bcc: email.destination.bcc,
        subject: email.subject,
        sentAt: new Date(email.at),
        region: opts.region,
        accountId: opts.accountId,
        configurationSet,
        emailTags: email.emailTags,
      });
      for (const detail of details(mail)) {
        const event = toEventBridgeEvent(detail, {
          region: opts.region,
          accountId: opts.accountId,
          configurationSet,
        });
        try {
          await opts.onEvent(event);
        } catch (error) {
          console.error(`ses emulator: onEvent failed for ${event['detail-type']} ${email.messageId}`, error);
        }
      }
    });
  };

  const publishSendOutcome = (email: SentEmail): void => {
    const recipients = [...email.destination.to, ...email.destination.cc, ...email.destination.bcc];
    const delivered = recipients.filter((r) => ['deliver', 'complaint'].includes(fateOf(r)));
    const bounced = recipients.filter((r) => fateOf(r) === 'bounce');
    const suppressed = recipients.filter((r) => fateOf(r) === 'suppressed');
    const complained = recipients.filter((r) => fateOf(r) === 'complaint');
    publish(email, (mail) => {
      const details = [sendDetail(mail)];
      const now = () => new Date();
      if (delivered.length > 0) details.push(deliveryDetail(mail, { recipients: delivered, at: now() }));
      if (bounced.length > 0) {
        details.push(
          bounceDetail(mail, {
            recipients: bounced,
            at: now(),
            bounceType: 'Permanent',
            bounceSubType: 'General',
            status: '5.1.1',
            diagnosticCode: 'smtp; 550 5.1.1 user unknown',
          }),
        );
      }
      if (suppressed.length > 0) {
        details.push(
          bounceDetail(mail, {
            recipients: suppressed,
            at: now(),
            bounceType: 'Permanent',
            bounceSubType: 'OnAccountSuppressionList',
            status: '5.1.1',
            diagnosticCode:
              'Amazon SES did not send the message to this address because it is on the suppression list for your account.',
            reportingMTA: 'dns; amazonses.com',
          }),
        );
      }
      if (complained.length > 0) {
        details.push(
          complaintDetail(mail, { recipients: complained, at: now(), complaintFeedbackType: 'abuse' }),
        );
      }
      return details;
    });
  };

  /** Raw and templated sends are rendered by aws-ses-v2-local: read its result back from /store. */
  const storedCopy = async (messageId: string): Promise<Partial<SentEmail> | undefined> => {
    const since = Math.floor(Date.now() / 1000) - 60;
    const res = await forward(upstreamPort, 'GET', `/store?since=${since}`, {}, Buffer.alloc(0));
    if (res.status !== 200) return undefined;
    const store = JSON.parse(res.body.toString('utf8')) as {
      emails?: {
        messageId: string;
        from?: string;
        subject?: string;
        destination?: { to?: string[]; cc?: string[]; bcc?: string[] };
        body?: { html?: string; text?: string };
      }[];
    };
    const found = store.emails?.find((email) => email.messageId === messageId);
    if (!found) return undefined;
    return {
      from: found.from,
      subject: found.subject,
      destination: {
        to: found.destination?.to ?? [],
        cc: found.destination?.cc ?? [],
        bcc: found.destination?.bcc ?? [],
      },
      html: found.body?.html,
      text: found.body?.text,
    };
  };

  const recordSend = async (body: SendEmailBody, messageId: string): Promise<SentEmail> => {
    const simple = body.Content?.Simple;
    const fromRequest: Partial<SentEmail> = {
      from: body.FromEmailAddress,
      subject: simple?.Subject?.Data,
      destination: {
        to: body.Destination?.ToAddresses ?? [],
        cc: body.Destination?.CcAddresses ?? [],
        bcc: body.Destination?.BccAddresses ?? [],
      },
      html: simple?.Body?.Html?.Data,
      text: simple?.Body?.Text?.Data,
    };
    const content = simple ? fromRequest : { ...fromRequest, ...(await storedCopy(messageId)) };
    const html = content.html;
    const email: SentEmail = {
      messageId,
      from: content.from ?? body.FromEmailAddress ?? '',
      destination: content.destination ?? { to: [], cc: [], bcc: [] },
      subject: content.subject ?? '',
      at: new Date().toISOString(),
      emailTags: body.EmailTags ?? [],
      links: html === undefined ? [] : walkLinks(html).links,
    };
    if (html !== undefined) email.html = html;
    if (content.text !== undefined) email.text = content.text;
    if (body.ConfigurationSetName !== undefined) email.configurationSet = body.ConfigurationSetName;
    emails.push(email);
    byId.set(messageId, email);
    if (mailboxFile !== undefined) await appendJsonLine(mailboxFile, email);
    return email;
  };

  const recordSendSafely = async (
    requestBody: Buffer,
    answerBody: Buffer,
  ): Promise<SentEmail | undefined> => {
    try {
      const sent = JSON.parse(requestBody.toString('utf8')) as SendEmailBody;
      const messageId = (JSON.parse(answerBody.toString('utf8')) as { MessageId?: unknown }).MessageId;
      if (typeof messageId !== 'string') return undefined;
      return await recordSend(sent, messageId);
    } catch (error) {
      console.error('ses emulator: could not record a sent email', error);
      return undefined;
    }
  };

  const mailboxView = (email: SentEmail): MailboxEmail => ({
    messageId: email.messageId,
    from: email.from,
    destination: email.destination,
    subject: email.subject,
    body: {
      html: email.html === undefined ? null : trackedHtml(email.html, endpoint, email.messageId),
      text: email.text ?? null,
    },
    at: email.at,
    configurationSet: email.configurationSet ?? null,
    tags: Object.fromEntries(email.emailTags.map((tag) => [tag.Name, tag.Value])),
  });

  const mailboxHtml = (list: MailboxEmail[], filter: string | null): string => {
    const items = [...list]
      .reverse()
      .map((email) => {
        const tags = Object.entries(email.tags)
          .map(([name, value]) => `${escapeHtml(name)}=${escapeHtml(value)}`)
          .join(', ');
        // Links in the sandboxed frame open a new tab, so the mailbox page itself stays put.
        const frame =
          email.body.html === null
            ? ''
            : `<iframe sandbox="allow-popups allow-popups-to-escape-sandbox" srcdoc="${escapeHtml(
                `<base target="_blank">${email.body.html}`,
              )}"></iframe>`;
        const text = email.body.text === null ? '' : `<pre>${escapeHtml(email.body.text)}</pre>`;
        return `<article>
<h2>${escapeHtml(email.subject)}</h2>
<dl>
<dt>From</dt><dd>${escapeHtml(email.from)}</dd>
<dt>To</dt><dd>${escapeHtml(email.destination.to.join(', '))}</dd>
<dt>At</dt><dd>${escapeHtml(email.at)}</dd>
<dt>Message id</dt><dd>${escapeHtml(email.messageId)}</dd>
<dt>Configuration set</dt><dd>${escapeHtml(email.configurationSet ?? '(none: no events)')}</dd>
<dt>Tags</dt><dd>${tags}</dd>
</dl>
${frame}
${text}
</article>`;
      })
      .join('\n');
    const heading = filter === null ? 'Mailbox' : `Mailbox for ${escapeHtml(filter)}`;
    return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${heading}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; }
article { border: 1px solid #ccc; border-radius: 6px; padding: 1rem; margin-bottom: 1.5rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; }
iframe { width: 100%; height: 24rem; border: 1px solid #ddd; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: .5rem; }
</style>
</head>
<body>
<h1>${heading} (${list.length})</h1>
<p><a href="${escapeHtml(`${endpoint}/mailbox${filter === null ? '' : `?to=${encodeURIComponent(filter)}`}`)}">JSON</a></p>
${list.length === 0 ? '<p>No email yet.</p>' : items}
</body>
</html>`;
  };

  const server = createServer((req, res) => {
    const handle = async (): Promise<void> => {
      const url = new URL(req.url ?? '/', 'http://local');
      const method = req.method ?? 'GET';

      if (method === 'GET' && (url.pathname === '/mailbox' || url.pathname === '/mailbox.html')) {
        const filter = url.searchParams.get('to');
        const list = emails
          .filter((email) => filter === null || matchesRecipient(email, filter))
          .map(mailboxView);
        if (url.pathname === '/mailbox.html' || url.searchParams.get('format') === 'html') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
          res.end(mailboxHtml(list, filter));
        } else {
          res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
          res.end(JSON.stringify({ emails: list }));
        }
        return;
      }

      const open = /^\/t\/open\/([^/]+)\.gif$/.exec(url.pathname);
      if (method === 'GET' && open) {
        const email = byId.get(decodeURIComponent(open[1] ?? ''));
        res.writeHead(200, {
          'content-type': 'image/gif',
          'content-length': PIXEL_GIF.length,
          'cache-control': 'no-store',
        });
        res.end(PIXEL_GIF);
        if (email) {
          const ipAddress = clientIp(req);
          const userAgent = req.headers['user-agent'] ?? '';
          publish(email, (mail) => [openDetail(mail, { at: new Date(), ipAddress, userAgent })]);
        }
        return;
      }

      const click = /^\/t\/click\/([^/]+)\/(\d+)$/.exec(url.pathname);
      if (method === 'GET' && click) {
        const email = byId.get(decodeURIComponent(click[1] ?? ''));
        const link = email?.links[Number(click[2])];
        const claimed = url.searchParams.get('u');
        // Only links that were in that very message: this endpoint must not be an open redirect.
        if (!email || !link || (claimed !== null && claimed !== link.url)) {
          res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
          res.end('Unknown link: it is not one of the links of that message.\n');
          return;
        }
        res.writeHead(302, { location: link.url, 'cache-control': 'no-store' });
        res.end();
        const ipAddress = clientIp(req);
        const userAgent = req.headers['user-agent'] ?? '';
        publish(email, (mail) => [
          clickDetail(mail, { at: new Date(), ipAddress, userAgent, link: link.url, linkTags: link.tags }),
        ]);
        return;
      }

      const body = await readBody(req);
      const sending = method === 'POST' && url.pathname === '/v2/email/outbound-emails';
      if (sending && withinRate && !withinRate(recipientsOf(body))) {
        // What SES's v2 API answers over the rate: the SDK reads the error type from the header.
        const refusal = JSON.stringify({ message: 'Maximum sending rate exceeded.' });
        res.writeHead(429, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'TooManyRequestsException',
          'content-length': String(Buffer.byteLength(refusal)),
        });
        res.end(refusal);
        return;
      }
      const answer = await forward(upstreamPort, method, req.url ?? '/', req.headers, body);
      // Recorded before replying, so a caller that reads the mailbox right after the send sees it.
      const email = sending && answer.status === 200 ? await recordSendSafely(body, answer.body) : undefined;
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
      }
      headers['content-length'] = String(answer.body.length);
      res.writeHead(answer.status, headers);
      res.end(answer.body);
      if (email) publishSendOutcome(email);
    };
    handle().catch((error: unknown) => {
      console.error('ses emulator: request failed', error);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Internal error in the local SES emulator' }));
      }
    });
  });

  let port: number;
  try {
    port = await listen(server, opts.port, opts.host);
  } catch (error) {
    await closeServer(upstream);
    throw error;
  }
  endpoint = `http://${endpointHost(opts.host)}:${port}`;

  return {
    endpoint,
    mailboxUrl: `${endpoint}/mailbox`,
    async stop() {
      await Promise.all([closeServer(server), closeServer(upstream)]);
      await eventChain;
    },
  };
}
