import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import sirv from 'sirv';
import { type FunctionName, functionNames } from '../../../functions/registry';
import { readBody } from './http-body';
import type { InvocationLog } from './lambda';

export interface HttpApiOptions {
  host: string;
  port: number;
  accountId: string;
  /** Invokes the `api` function (RequestResponse) with the event; rejects when the handler fails. */
  invoke(event: APIGatewayProxyEventV2): Promise<unknown>;
  /** Served at GET /_local/invocations. */
  log: InvocationLog;
  /**
   * The Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`), for handlers
   * that invoke a function with the SDK (AWS_ENDPOINT_URL_LAMBDA points here).
   */
  lambda?: LambdaInvokeApi;
  /** The built web console, served at `/` and `/console/` as CloudFront serves it in AWS. */
  console?: ConsoleHosting;
}

export interface ConsoleHosting {
  /** The Vite build (index.html, assets/). */
  dir: string;
  /** What `/console/config.json` answers (the user pool to sign in to). */
  config(): unknown;
  /** Sent with every console file (the same security headers CloudFront adds in AWS). */
  headers?: Record<string, string>;
}

export interface LambdaInvokeApi {
  /** The local function a FunctionName (name or ARN) names, if any. */
  resolve(nameOrArn: string): FunctionName | undefined;
  /** RequestResponse: the handler's result; rejects with its error. */
  invoke(fn: FunctionName, event: unknown): Promise<unknown>;
  /** Event: queued at once, run in the background with Lambda's retries. */
  invokeAsync(fn: FunctionName, event: unknown): void;
  region: string;
}

export interface HttpApi {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** API Gateway refuses request payloads over 10 MB before the function sees them. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const API_ID = 'local';

/**
 * API Gateway (HTTP API, payload format 2.0, one `$default` route) in front of
 * the `api` handler: each request becomes the event API Gateway would send, and
 * the handler's result becomes the response the way API Gateway reads it.
 */
export async function startHttpApi(options: HttpApiOptions): Promise<HttpApi> {
  const consoleFiles = options.console ? consoleServer(options.console) : undefined;
  const server = createServer((req, res) => {
    handle(req, res, options, consoleFiles).catch((error: unknown) => {
      // Only reached when writing the response itself failed (client gone): nothing left to answer.
      process.stderr.write(`http-api: ${error instanceof Error ? error.message : String(error)}\n`);
      res.destroy();
    });
  });
  // API Gateway holds idle connections for a while; keep-alive matters for clients that reuse them.
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host}:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: HttpApiOptions,
  consoleFiles: ConsoleServer | undefined,
): Promise<void> {
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  const rawPath = queryAt === -1 ? url : url.slice(0, queryAt);

  if (consoleFiles && isConsolePath(rawPath) && (req.method === 'GET' || req.method === 'HEAD')) {
    consoleFiles(req, res, rawPath);
    return;
  }

  if (rawPath === '/_local/invocations') {
    serveInvocations(req, res, url, options.log);
    return;
  }
  const invocation = INVOKE_PATH.exec(rawPath);
  if (invocation && options.lambda) {
    await serveInvoke(req, res, decodeURIComponent(invocation[1] ?? ''), options.lambda, options.accountId);
    return;
  }

  const body = await readBody(req, MAX_BODY_BYTES);
  if (body === undefined) {
    send(
      res,
      413,
      { 'content-type': 'application/json' },
      JSON.stringify({ message: 'Request Entity Too Large' }),
    );
    return;
  }

  const event = toEvent(req, body, options.accountId);
  let result: unknown;
  try {
    result = await options.invoke(event);
  } catch {
    // The runtime already logged the error; API Gateway hides it from the client.
    send(
      res,
      500,
      { 'content-type': 'application/json' },
      JSON.stringify({ message: 'Internal Server Error' }),
    );
    return;
  }
  writeResult(res, result);
}

type ConsoleServer = (req: IncomingMessage, res: ServerResponse, rawPath: string) => void;

const isConsolePath = (path: string) => path === '/' || path === '/console' || path.startsWith('/console/');

/**
 * The console's files as the distribution serves them: `/` and every `/console/...` path
 * without a file of its own answer index.html (the console routes in the browser), hashed
 * assets are cached for good, index.html and config.json never.
 */
function consoleServer(hosting: ConsoleHosting): ConsoleServer {
  let files: ReturnType<typeof sirv> | undefined;
  const secure = hosting.headers ?? {};
  return (req, res, rawPath) => {
    for (const [name, value] of Object.entries(secure)) res.setHeader(name, value);
    if (rawPath === '/console/config.json') {
      send(
        res,
        200,
        { 'content-type': 'application/json', 'cache-control': 'no-store' },
        JSON.stringify(hosting.config()),
      );
      return;
    }
    files ??= sirv(hosting.dir, {
      single: true,
      etag: true,
      setHeaders: (response, pathname) =>
        response.setHeader(
          'cache-control',
          pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        ),
      onNoMatch: (_req, response) => {
        files = undefined; // Built later: look again next time.
        send(
          response,
          503,
          { 'content-type': 'text/plain; charset=utf-8' },
          'The console is not built yet: restart npm start (it builds it), or run npx vite build in packages/console.\n',
        );
      },
    });
    req.url = (req.url ?? '/').replace(/^\/console(?=\/|$|\?)/, '') || '/';
    files(req, res);
  };
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;

/**
 * Lambda's Invoke, as the SDK's InvokeCommand sends it: the payload is the body, the
 * invocation type the `X-Amz-Invocation-Type` header. `Event` answers 202 at once and
 * runs the handler in the background through the runtime (with its retries);
 * `RequestResponse` answers 200 with the result (a handler error is a 200 with
 * `X-Amz-Function-Error`, as on Lambda); `DryRun` answers 204.
 */
async function serveInvoke(
  req: IncomingMessage,
  res: ServerResponse,
  nameOrArn: string,
  lambda: LambdaInvokeApi,
  accountId: string,
): Promise<void> {
  const requestId = randomUUID();
  const fail = (status: number, type: string, message: string) =>
    send(
      res,
      status,
      { 'content-type': 'application/json', 'x-amzn-errortype': type, 'x-amzn-requestid': requestId },
      JSON.stringify({ Type: 'User', message }),
    );
  const body = await readBody(req, MAX_BODY_BYTES);
  if (req.method !== 'POST') return fail(405, 'MethodNotAllowedException', 'Invoke takes POST');
  const fn = lambda.resolve(nameOrArn);
  if (!fn) {
    return fail(
      404,
      'ResourceNotFoundException',
      `Function not found: arn:aws:lambda:${lambda.region}:${accountId}:function:${nameOrArn}`,
    );
  }
  if (body === undefined) return fail(413, 'RequestTooLargeException', 'Request must be smaller than 10 MB');
  let event: unknown;
  try {
    event = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch {
    return fail(400, 'InvalidRequestContentException', 'Could not parse request body into json');
  }
  const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  const headers = { 'x-amzn-requestid': requestId };
  if (type === 'Event') {
    lambda.invokeAsync(fn, event);
    return send(res, 202, headers, '');
  }
  if (type === 'DryRun') return send(res, 204, headers, '');
  if (type !== 'RequestResponse') {
    return fail(400, 'InvalidParameterValueException', `Unknown InvocationType ${type}`);
  }
  const json = { ...headers, 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' };
  try {
    const result = await lambda.invoke(fn, event);
    send(res, 200, json, JSON.stringify(result ?? null));
  } catch (error) {
    const failure =
      error instanceof Error
        ? { errorType: error.name, errorMessage: error.message }
        : { errorType: 'Error', errorMessage: String(error) };
    send(res, 200, { ...json, 'x-amz-function-error': 'Unhandled' }, JSON.stringify(failure));
  }
}

/** The request as API Gateway HTTP API (payload format 2.0) hands it to Lambda. */
export function toEvent(req: IncomingMessage, body: Buffer, accountId: string): APIGatewayProxyEventV2 {
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  const rawPath = queryAt === -1 ? url : url.slice(0, queryAt);
  const rawQueryString = queryAt === -1 ? '' : url.slice(queryAt + 1);

  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values === undefined) continue;
    // Format 2.0 moves cookies out of the headers into their own list.
    if (name === 'cookie') {
      cookies = values
        .flatMap((v) => v.split(';'))
        .map((c) => c.trim())
        .filter(Boolean);
      continue;
    }
    headers[name] = values.join(',');
  }
  const sourceIp = normaliseIp(req.socket.remoteAddress);
  const forwardedFor = headers['x-forwarded-for'];
  headers['x-forwarded-for'] = forwardedFor ? `${forwardedFor}, ${sourceIp}` : sourceIp;
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-port'] = String(req.socket.localPort ?? '');

  const queryStringParameters = parseQuery(rawQueryString);
  const now = new Date();
  const host = headers.host ?? 'localhost';
  const hasBody = body.length > 0;
  const text = isTextContentType(headers['content-type']);

  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies && cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId,
      apiId: API_ID,
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method: req.method ?? 'GET',
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      // API Gateway request ids look like "JKJaXmPLvHcESHA=".
      requestId: `${randomBytes(10).toString('base64').slice(0, 14)}=`,
      routeKey: '$default',
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    ...(hasBody ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: hasBody && !text,
  };
}

/**
 * Which bodies API Gateway passes as text; everything else arrives base64
 * encoded. Form posts (application/x-www-form-urlencoded) are base64 on AWS
 * too, a classic surprise for email-link pages, so they are kept that way here.
 */
function isTextContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type.endsWith('+json') ||
    type === 'application/xml' ||
    type.endsWith('+xml') ||
    type === 'application/javascript' ||
    type === 'application/graphql'
  );
}

/** Decoded values, repeated names joined with commas; absent when there is no query string. */
function parseQuery(raw: string): Record<string, string> | undefined {
  if (raw === '') return undefined;
  const out: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(raw)) {
    out[name] = name in out ? `${out[name]},${value}` : value;
  }
  return out;
}

/** Writes the function's result the way HTTP API reads a format 2.0 response. */
function writeResult(res: ServerResponse, result: unknown): void {
  if (!isStructured(result)) {
    // No statusCode: API Gateway assumes 200, JSON, and the result itself as the body.
    const body = typeof result === 'string' ? result : (JSON.stringify(result) ?? '');
    send(res, 200, { 'content-type': 'application/json' }, body);
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  if (result.cookies && result.cookies.length > 0) {
    const existing = headers['set-cookie'];
    headers['set-cookie'] = [...(existing === undefined ? [] : [existing].flat()), ...result.cookies];
  }
  const body =
    result.body === undefined
      ? Buffer.alloc(0)
      : result.isBase64Encoded
        ? Buffer.from(result.body, 'base64')
        : Buffer.from(result.body, 'utf8');
  send(res, result.statusCode ?? 200, headers, body);
}

function isStructured(result: unknown): result is APIGatewayProxyStructuredResultV2 {
  return typeof result === 'object' && result !== null && 'statusCode' in result;
}

function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string | string[]>,
  body: string | Buffer,
): void {
  const buffer = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { ...headers, 'content-length': String(buffer.length) });
  res.end(buffer);
}

function serveInvocations(req: IncomingMessage, res: ServerResponse, url: string, log: InvocationLog): void {
  const json = { 'content-type': 'application/json' };
  if (req.method !== 'GET') {
    send(
      res,
      405,
      json,
      JSON.stringify({ error: { code: 'method_not_allowed', message: 'use GET', details: [] } }),
    );
    return;
  }
  const query = new URL(url, 'http://local').searchParams;
  const fn = query.get('fn') ?? undefined;
  const limit = Number(query.get('limit') ?? 100);
  const details: { path: string; message: string }[] = [];
  if (fn !== undefined && !(functionNames as readonly string[]).includes(fn)) {
    details.push({ path: 'fn', message: `unknown function; one of ${functionNames.join(', ')}` });
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > 2000) {
    details.push({ path: 'limit', message: 'a whole number from 1 to 2000' });
  }
  if (details.length > 0) {
    send(
      res,
      400,
      json,
      JSON.stringify({ error: { code: 'validation_failed', message: 'bad query', details } }),
    );
    return;
  }
  send(res, 200, json, JSON.stringify({ items: log.list({ ...(fn ? { fn } : {}), limit }) }));
}

function normaliseIp(address: string | undefined): string {
  if (!address) return '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's requestContext.time format: 12/Mar/2020:19:03:58 +0000. */
function clfTime(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`
  );
}
