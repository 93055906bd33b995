import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type StreamConsumer,
  type StreamPoller,
  startStreamPoller,
} from '../../packages/local/src/stream-poller';
import {
  localCredentials as dynamoCredentials,
  localRegion as dynamoRegion,
} from '../support/dynamodb-local';
import { waitFor } from '../support/wait';

describe('local DynamoDB stream poller', () => {
  const dynamo = { endpoint: inject('dynamodbEndpoint') };
  let client: DynamoDBClient;
  const pollers: StreamPoller[] = [];
  const dirs: string[] = [];
  let tableCount = 0;

  beforeAll(async () => {
    client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: dynamoRegion,
      credentials: dynamoCredentials,
    });
  });

  afterEach(async () => {
    await Promise.all(pollers.splice(0).map((p) => p.stop()));
  });

  afterAll(async () => {
    client?.destroy();
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  /** Every test gets its own table, hence its own stream starting empty. */
  const newTable = async (): Promise<string> => {
    tableCount += 1;
    const tableName = `poller-${process.pid}-${tableCount}`;
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        KeySchema: [
          { AttributeName: 'PK', KeyType: 'HASH' },
          { AttributeName: 'SK', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'PK', AttributeType: 'S' },
          { AttributeName: 'SK', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    return tableName;
  };

  const newDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'local-stream-'));
    dirs.push(dir);
    return dir;
  };

  const start = (tableName: string, dataDir: string, consumers: StreamConsumer[], maxRetries?: number) => {
    const poller = startStreamPoller({
      endpoint: dynamo.endpoint,
      region: dynamoRegion,
      credentials: dynamoCredentials,
      tableName,
      dataDir,
      consumers,
      pollIntervalMs: 50,
      ...(maxRetries === undefined ? {} : { maxRetries }),
    });
    pollers.push(poller);
    return poller;
  };

  const put = (tableName: string, id: string, extra: Record<string, { S: string } | { N: string }> = {}) =>
    client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { PK: { S: `LEAD#${id}` }, SK: { S: 'LEAD' }, entity: { S: 'Lead' }, ...extra },
      }),
    );

  const recording = (
    name: string,
    answer?: (event: DynamoDBStreamEvent, call: number) => DynamoDBBatchResponse | undefined,
  ) => {
    const batches: DynamoDBRecord[][] = [];
    const consumer: StreamConsumer = {
      name,
      invoke: async (event) => {
        batches.push(event.Records);
        return answer?.(event, batches.length);
      },
    };
    return { batches, consumer, all: () => batches.flat() };
  };

  const pkOf = (record: DynamoDBRecord | undefined) => record?.dynamodb?.Keys?.PK?.S;

  it('delivers empty maps and empty lists as Lambda does ({"M": {}}, {"L": []})', async () => {
    const tableName = await newTable();
    const { consumer, all } = recording('distribute');
    start(tableName, await newDir(), [consumer]);
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { PK: { S: 'LEAD#e' }, SK: { S: 'LEAD' }, customFields: { M: {} }, previous: { L: [] } },
      }),
    );
    const [record] = await waitFor(() => (all().length > 0 ? all() : undefined), 'the record');
    expect(record?.dynamodb?.NewImage?.customFields).toEqual({ M: {} });
    expect(record?.dynamodb?.NewImage?.previous).toEqual({ L: [] });
  });

  it('delivers writes as DynamoDBStreamEvent records with new and old images', async () => {
    const tableName = await newTable();
    const { consumer, all } = recording('distribute');
    const poller = start(tableName, await newDir(), [consumer]);
    await put(tableName, '1', { status: { S: 'Pending' }, blob: { S: 'x' } });
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { PK: { S: 'LEAD#1' }, SK: { S: 'LEAD' } },
        UpdateExpression: 'SET #s = :s, score = :n, payload = :b',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':s': { S: 'Accepted' },
          ':n': { N: '50' },
          ':b': { B: Buffer.from('hi') },
        },
      }),
    );
    await client.send(
      new DeleteItemCommand({ TableName: tableName, Key: { PK: { S: 'LEAD#1' }, SK: { S: 'LEAD' } } }),
    );
    await poller.drain();

    const records = all();
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    const [insert, modify, remove] = records as [DynamoDBRecord, DynamoDBRecord, DynamoDBRecord];
    expect(insert).toMatchObject({
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: dynamoRegion,
      eventSourceARN: expect.stringContaining(`table/${tableName}/stream/`),
      dynamodb: {
        Keys: { PK: { S: 'LEAD#1' }, SK: { S: 'LEAD' } },
        NewImage: { PK: { S: 'LEAD#1' }, status: { S: 'Pending' } },
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    expect(typeof insert.eventID).toBe('string');
    expect(typeof insert.dynamodb?.ApproximateCreationDateTime).toBe('number');
    expect(typeof insert.dynamodb?.SequenceNumber).toBe('string');
    expect(insert.dynamodb?.SizeBytes).toBeGreaterThan(0);
    expect(insert.dynamodb?.OldImage).toBeUndefined();
    expect(modify.dynamodb?.OldImage?.status).toEqual({ S: 'Pending' });
    expect(modify.dynamodb?.NewImage).toMatchObject({
      status: { S: 'Accepted' },
      score: { N: '50' },
      payload: { B: Buffer.from('hi').toString('base64') },
    });
    expect(remove.dynamodb?.NewImage).toBeUndefined();
    expect(remove.dynamodb?.OldImage?.status).toEqual({ S: 'Accepted' });
  });

  it('redelivers from the first reported batch item failure and not the records before it', async () => {
    const tableName = await newTable();
    // Written before the poller starts, so the first batch (from TRIM_HORIZON) holds all three.
    await put(tableName, 'a');
    await put(tableName, 'b');
    await put(tableName, 'c');
    const { consumer, batches } = recording('aggregate', (event, call) =>
      call === 1
        ? { batchItemFailures: [{ itemIdentifier: event.Records[1]?.dynamodb?.SequenceNumber ?? '' }] }
        : undefined,
    );
    const poller = start(tableName, await newDir(), [consumer]);
    await poller.drain();
    expect(batches.map((batch) => batch.map(pkOf))).toEqual([
      ['LEAD#a', 'LEAD#b', 'LEAD#c'],
      ['LEAD#b', 'LEAD#c'],
    ]);
  });

  it('retries a whole batch when the consumer throws, then dead-letters it after maxRetries', async () => {
    const tableName = await newTable();
    const dataDir = await newDir();
    await put(tableName, 'poison');
    let calls = 0;
    const poller = start(
      tableName,
      dataDir,
      [
        {
          name: 'distribute',
          invoke: async (event) => {
            calls += 1;
            if (event.Records.some((record) => pkOf(record) === 'LEAD#poison'))
              throw new Error('handler is broken');
          },
        },
      ],
      2,
    );
    await poller.drain();
    expect(calls).toBe(3);
    const lines = (await readFile(join(dataDir, 'dead-letters.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);
    const letter = JSON.parse(lines[0] ?? '{}') as {
      consumer: string;
      error: string;
      records: DynamoDBRecord[];
    };
    expect(letter.consumer).toBe('distribute');
    expect(letter.error).toContain('handler is broken');
    expect(letter.records.map(pkOf)).toEqual(['LEAD#poison']);
    // Skipped, not stuck: later records still flow.
    await put(tableName, 'next');
    await poller.drain();
    expect(calls).toBe(4);
  });

  it('drops records the consumer filter does not match', async () => {
    const tableName = await newTable();
    const leads = recording('distribute');
    const everything = recording('aggregate');
    const poller = start(tableName, await newDir(), [
      { ...leads.consumer, filter: (record) => record.dynamodb?.NewImage?.entity?.S === 'Lead' },
      everything.consumer,
    ]);
    await put(tableName, '1');
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { PK: { S: 'SUPPLIER#1' }, SK: { S: 'COUNTER#2024-01-01' }, entity: { S: 'Counter' } },
      }),
    );
    await put(tableName, '2');
    await poller.drain();
    expect(leads.all().map(pkOf)).toEqual(['LEAD#1', 'LEAD#2']);
    expect(everything.all().map(pkOf)).toEqual(['LEAD#1', 'SUPPLIER#1', 'LEAD#2']);
  });

  it('does not redeliver processed records after a restart on the same data folder', async () => {
    const tableName = await newTable();
    const dataDir = await newDir();
    const first = recording('distribute');
    const poller = start(tableName, dataDir, [first.consumer]);
    await put(tableName, 'before-1');
    await put(tableName, 'before-2');
    await poller.drain();
    await poller.stop();
    expect(first.all().map(pkOf)).toEqual(['LEAD#before-1', 'LEAD#before-2']);

    await put(tableName, 'while-down');
    const second = recording('distribute');
    const newcomer = recording('reports');
    const restarted = start(tableName, dataDir, [second.consumer, newcomer.consumer]);
    await put(tableName, 'after');
    await restarted.drain();
    expect(second.all().map(pkOf)).toEqual(['LEAD#while-down', 'LEAD#after']);
    // A consumer without checkpoints starts at the trim horizon, like a new event source mapping.
    expect(newcomer.all().map(pkOf)).toEqual([
      'LEAD#before-1',
      'LEAD#before-2',
      'LEAD#while-down',
      'LEAD#after',
    ]);
  });
});
