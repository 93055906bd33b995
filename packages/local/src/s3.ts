import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import { Transform, type TransformCallback } from 'node:stream';
import type { S3Event, S3EventRecord } from 'aws-lambda';

/** The part of s3rver (a CommonJS module without typings) that the local cloud uses. */
interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: { Records: S3rverRecord[] }) => void): void;
  middleware: KoaMiddleware[];
  store: { getMetadata(bucket: string, key: string): Promise<{ etag?: string; 'content-length'?: number }> };
}
type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
interface KoaContext {
  req: NodeJS.ReadableStream & { headers: IncomingHttpHeaders; destroy(error?: Error): void };
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  type: string;
  body: unknown;
}
interface S3rverRecord {
  eventName: string;
  eventTime: string;
  requestParameters: { sourceIPAddress: string };
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string; sequencer: string } };
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

/** Browsers PUT files straight to presigned URLs, so the bucket answers CORS from any origin. */
const CORS_CONFIG = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>POST</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

/** The only credentials s3rver accepts. DynamoDB Local takes any, so the whole local cloud uses these. */
export const s3rverCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface LocalS3Options {
  host: string;
  port: number;
  /** Where objects live between restarts. */
  directory: string;
  bucket: string;
  region: string;
  /** The bucket's event notifications: each created object under a prefix notifies its receiver. */
  notifications: readonly ObjectCreatedNotification[];
}

/** An ObjectCreated notification of the bucket, filtered on a key prefix as the stack's is. */
export interface ObjectCreatedNotification {
  prefix: string;
  /** One S3 event per created object, as S3 delivers them to Lambda. */
  onObjectCreated(event: S3Event): void;
}

export interface LocalS3 {
  endpoint: string;
  stop(): Promise<void>;
}

/** s3rver with the inbox bucket, S3-shaped ObjectCreated notifications, and aws-chunked uploads decoded. */
export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  const server = new S3rver({
    address: options.host,
    port: options.port,
    silent: true,
    directory: options.directory,
    configureBuckets: [{ name: options.bucket, configs: [CORS_CONFIG] }],
  });
  // Run before s3rver's own middleware (composed when the server starts listening).
  server.middleware.unshift(decodeAwsChunkedUploads, honestReads(server));
  const sequencer = sequencers();

  server.on('event', (raw) => {
    for (const record of raw.Records) {
      const { name: bucket } = record.s3.bucket;
      const { key } = record.s3.object;
      if (!record.eventName.startsWith('ObjectCreated:')) continue;
      const notified = options.notifications.filter((n) => key.startsWith(n.prefix));
      if (bucket !== options.bucket || notified.length === 0) continue;
      toS3EventRecord(record, options.region, server, sequencer()).then(
        (fixed) => {
          for (const notification of notified) notification.onObjectCreated({ Records: [fixed] });
        },
        (error: unknown) => process.stderr.write(`s3: no notification for ${key}: ${String(error)}\n`),
      );
    }
  });

  const address = await server.run();
  return {
    endpoint: `http://${options.host}:${address.port}`,
    stop: () => server.close(),
  };
}

/**
 * S3 sequencers grow with every event of a key and are never the same for two PUTs;
 * s3rver's is the millisecond, so two PUTs of the same bytes in one millisecond would
 * look like one event delivered twice. Fixed width hex: time, then a counter.
 */
function sequencers(): () => string {
  let last = 0;
  let counter = 0;
  return () => {
    const now = Date.now();
    counter = now === last ? counter + 1 : 0;
    last = now;
    return `${now.toString(16).padStart(12, '0')}${counter.toString(16).padStart(6, '0')}`.toUpperCase();
  };
}

/**
 * s3rver keeps no versions (an overwrite replaces the object) and ignores If-Match,
 * so a reader pinned to the first of two files under one key would silently read the
 * second. This makes reads honest about that, as S3 is: `If-Match` with another ETag
 * is a 412 PreconditionFailed, and a `versionId` (which this bucket cannot serve) is
 * refused instead of answered with whatever is current. Events carry no versionId.
 */
function honestReads(server: S3rverInstance): KoaMiddleware {
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    const [bucket, ...rest] = ctx.path.slice(1).split('/').map(decodeURIComponent);
    const key = rest.join('/');
    if (!bucket || key === '') return next();
    if (ctx.query.versionId !== undefined) {
      return refuse(ctx, 501, 'NotImplemented', 'The local S3 emulator keeps no object versions');
    }
    const ifMatch = ctx.req.headers['if-match'];
    if (typeof ifMatch === 'string') {
      const metadata = await server.store.getMetadata(bucket, key).catch(() => undefined);
      const wanted = ifMatch.split(',').map((tag) => tag.trim().replaceAll('"', ''));
      const current = metadata?.etag?.replaceAll('"', '');
      if (current !== undefined && !wanted.includes('*') && !wanted.includes(current)) {
        return refuse(
          ctx,
          412,
          'PreconditionFailed',
          'At least one of the pre-conditions you specified did not hold',
        );
      }
    }
    return next();
  };
}

function refuse(ctx: KoaContext, status: number, code: string, message: string): void {
  ctx.status = status;
  if (ctx.method === 'HEAD') return;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

/**
 * s3rver's records differ from S3's in ways a handler can notice: the key is
 * not URL-encoded, the bucket ARN has spaces, the region is fixed, a copy has
 * no eTag and the sequencer is only the millisecond. This rebuilds the record as
 * S3 sends it, for a bucket without versioning (no versionId: s3rver keeps none).
 * (A completed multipart upload still says ObjectCreated:Post; S3 says
 * CompleteMultipartUpload.)
 */
async function toS3EventRecord(
  record: S3rverRecord,
  region: string,
  server: S3rverInstance,
  sequencer: string,
): Promise<S3EventRecord> {
  const { name: bucket } = record.s3.bucket;
  const { key } = record.s3.object;
  let { eTag, size } = record.s3.object;
  if (eTag === undefined || size === undefined) {
    const metadata = await server.store.getMetadata(bucket, key);
    eTag ??= metadata.etag?.replaceAll('"', '');
    size ??= Number(metadata['content-length'] ?? 0);
  }
  const hex = (bytes: number) => randomBytes(bytes).toString('hex').toUpperCase();
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: region,
    eventTime: record.eventTime,
    eventName: record.eventName,
    userIdentity: { principalId: `AWS:${hex(10)}` },
    requestParameters: { sourceIPAddress: record.requestParameters.sourceIPAddress },
    responseElements: { 'x-amz-request-id': hex(8), 'x-amz-id-2': randomBytes(48).toString('base64') },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'inbox-object-created',
      bucket: { name: bucket, ownerIdentity: { principalId: hex(7) }, arn: `arn:aws:s3:::${bucket}` },
      object: { key: encodeS3EventKey(key), size, eTag: eTag ?? '', sequencer },
    },
  };
}

/**
 * S3 event notifications carry the key form-URL-encoded: spaces as '+', other
 * reserved characters as %XX, the '/' separators kept. Handlers must decode it
 * (`decodeURIComponent(key.replace(/\+/g, ' '))`), so the emulator encodes it too.
 */
export function encodeS3EventKey(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment)
        .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
        .replaceAll('%20', '+'),
    )
    .join('/');
}

/**
 * Newer SDKs and the AWS CLI upload with `Content-Encoding: aws-chunked` (a
 * checksum in a trailer). s3rver would store the chunk framing as the file's
 * content, so the body is decoded before s3rver reads it. s3rver does not
 * verify SigV4 signatures, so rewriting the headers is safe.
 */
const decodeAwsChunkedUploads: KoaMiddleware = async (ctx, next) => {
  const headers = ctx.req.headers;
  const encodings = String(headers['content-encoding'] ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const streaming = String(headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
  if (encodings.includes('aws-chunked') || streaming) {
    const original = ctx.req;
    const decoded = new AwsChunkedDecoder();
    // A malformed body cannot be reported through s3rver's own stream handling; resetting the
    // connection makes the client fail loudly instead of storing a broken object.
    decoded.on('error', (error) => original.destroy(error));
    original.pipe(decoded);
    const rest = encodings.filter((e) => e !== 'aws-chunked');
    if (rest.length > 0) headers['content-encoding'] = rest.join(',');
    else delete headers['content-encoding'];
    const decodedLength = headers['x-amz-decoded-content-length'];
    if (decodedLength !== undefined) headers['content-length'] = String(decodedLength);
    ctx.req = Object.assign(decoded, { headers }) as unknown as KoaContext['req'];
  }
  await next();
};

/** Strips aws-chunked framing: `<hex size>[;chunk-signature=...]\r\n<data>\r\n` ... `0\r\n<trailers>\r\n\r\n`. */
export class AwsChunkedDecoder extends Transform {
  private state: 'size' | 'data' | 'crlf' | 'trailer' = 'size';
  private line = '';
  private remaining = 0;
  private crlfSeen = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'size') {
        const newline = chunk.indexOf(0x0a, i);
        const end = newline === -1 ? chunk.length : newline;
        this.line += chunk.toString('latin1', i, end);
        i = end;
        if (newline === -1) break;
        i += 1;
        const sizeText = this.line.replace(/\r$/, '').split(';')[0]?.trim() ?? '';
        this.line = '';
        const size = Number.parseInt(sizeText, 16);
        if (!/^[0-9a-fA-F]+$/.test(sizeText) || Number.isNaN(size)) {
          callback(new Error(`aws-chunked: bad chunk size "${sizeText}"`));
          return;
        }
        if (size === 0) {
          this.state = 'trailer';
        } else {
          this.remaining = size;
          this.state = 'data';
        }
      } else if (this.state === 'data') {
        const take = Math.min(this.remaining, chunk.length - i);
        this.push(chunk.subarray(i, i + take));
        i += take;
        this.remaining -= take;
        if (this.remaining === 0) {
          this.state = 'crlf';
          this.crlfSeen = 0;
        }
      } else if (this.state === 'crlf') {
        const expected = this.crlfSeen === 0 ? 0x0d : 0x0a;
        if (chunk[i] !== expected) {
          callback(new Error('aws-chunked: chunk data is not followed by CRLF'));
          return;
        }
        i += 1;
        this.crlfSeen += 1;
        if (this.crlfSeen === 2) this.state = 'size';
      } else {
        // Trailers (x-amz-checksum-*) follow the last chunk; the checksum is not verified here.
        break;
      }
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    callback(
      this.state === 'trailer' ? undefined : new Error('aws-chunked: body ended before the last chunk'),
    );
  }
}
