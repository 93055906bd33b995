import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client, S3Files } from '@leadrelay/aws';
import { inboxPrefix } from '@leadrelay/core';
import { encodeS3EventKey, startLocalS3 } from '@leadrelay/local';
import type { Context, S3Event } from 'aws-lambda';
import { localCredentials, localRegion } from './dynamodb-local';
import { waitFor } from './wait';

/**
 * The S3 emulator (s3rver, as the local cloud runs it) on a free port with one
 * bucket, and the typed S3 events the ingest tests hand to the handler.
 */
export async function startInbox(bucket = 'inbox-test') {
  const directory = await mkdtemp(join(tmpdir(), 'leadrelay-s3-'));
  const events: S3Event[] = [];
  const s3 = await startLocalS3({
    host: '127.0.0.1',
    port: 0,
    directory,
    bucket,
    region: localRegion,
    notifications: [{ prefix: inboxPrefix, onObjectCreated: (event) => events.push(event) }],
  });
  const client = createS3Client({
    endpoint: s3.endpoint,
    region: localRegion,
    credentials: localCredentials,
    forcePathStyle: true,
  });
  const files = new S3Files(client, bucket);
  return {
    bucket,
    endpoint: s3.endpoint,
    client,
    files,
    /** Every S3 event the emulator sent, oldest first. */
    events,
    /** Puts an object with the SDK and answers the emulator's S3 event for that PUT. */
    async put(key: string, body: Uint8Array | string): Promise<S3Event> {
      const encoded = encodeS3EventKey(key);
      const forKey = () => events.filter((e) => e.Records[0]?.s3.object.key === encoded);
      const before = forKey().length;
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: typeof body === 'string' ? Buffer.from(body) : body,
        }),
      );
      return waitFor(() => forKey()[before], `the S3 event for ${key}`);
    },
    /** The emulator's first S3 event for a key, once it arrives. */
    eventFor(key: string): Promise<S3Event> {
      const encoded = encodeS3EventKey(key);
      return waitFor(
        () => events.find((e) => e.Records[0]?.s3.object.key === encoded),
        `the S3 event for ${key}`,
      );
    },
    async stop() {
      client.destroy();
      await s3.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export type Inbox = Awaited<ReturnType<typeof startInbox>>;

let sequence = 0;

/**
 * An `ObjectCreated:Put` S3 event as S3 delivers it to Lambda: the key
 * form-URL-encoded, a fresh sequencer per PUT unless one is given.
 */
export function s3Event(input: {
  bucket: string;
  key: string;
  size: number;
  eTag?: string;
  versionId?: string;
  sequencer?: string;
}): S3Event {
  const sequencer =
    input.sequencer ?? `${Date.now().toString(16).toUpperCase()}${String(++sequence).padStart(4, '0')}`;
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: localRegion,
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:TESTPRINCIPAL' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'TESTREQUEST', 'x-amz-id-2': 'TESTID2' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'inbox-object-created',
          bucket: {
            name: input.bucket,
            ownerIdentity: { principalId: 'TESTOWNER' },
            arn: `arn:aws:s3:::${input.bucket}`,
          },
          object: {
            key: encodeS3EventKey(input.key),
            size: input.size,
            eTag: input.eTag ?? '',
            ...(input.versionId ? { versionId: input.versionId } : {}),
            sequencer,
          },
        },
      },
    ],
  };
}

/**
 * A Lambda context whose remaining time is what `remainingMs` answers each time it
 * is asked (ingest asks after every chunk).
 */
export function lambdaContext(remainingMs: () => number = () => 900_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'ingest',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:ingest',
    memoryLimitInMB: '1024',
    awsRequestId: `req-${++sequence}`,
    logGroupName: '/aws/lambda/ingest',
    logStreamName: 'test',
    getRemainingTimeInMillis: remainingMs,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
