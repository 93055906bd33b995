/**
 * What a Lambda event source mapping does for a DynamoDB stream, for the local cloud: each
 * consumer reads every shard in order (parents before children), gets real `DynamoDBStreamEvent`
 * batches, and has its own checkpoints, retries, ReportBatchItemFailures handling and
 * dead-lettering, like separate mappings on one stream.
 */
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type AttributeValue as SdkAttributeValue,
  type _Record as SdkRecord,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import { createDynamoClient } from '@leadrelay/store';
import type {
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  AttributeValue as LambdaAttributeValue,
  StreamRecord as LambdaStreamRecord,
} from 'aws-lambda';
import { appendJsonLine, createJsonFileWriter, readJsonFile } from './json-store';

export interface StreamConsumer {
  /** e.g. 'distribute'; names the consumer's checkpoints and dead letters. */
  name: string;
  // biome-ignore lint/suspicious/noConfusingVoidType: the aws-lambda DynamoDBStreamHandler result, so handlers that return nothing fit.
  invoke: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;
  /** Keep only records matching this, like Lambda filter criteria (e.g. NewImage.entity = 'Lead'); default: all. */
  filter?: (record: DynamoDBRecord) => boolean;
  /** This consumer's batch size, as its event source mapping has one; default the poller's. */
  batchSize?: number;
  /** This consumer's retries of a failing batch; default the poller's. */
  maxRetries?: number;
}

export interface StreamPollerOptions {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  tableName: string;
  /** Checkpoints per consumer per shard in `${dataDir}/stream-checkpoints.json`. */
  dataDir: string;
  consumers: StreamConsumer[];
  /** Default 100. */
  batchSize?: number;
  /** Default 200. */
  pollIntervalMs?: number;
  /** Default 5, then the batch's failed records are written to `${dataDir}/dead-letters.jsonl` and skipped. */
  maxRetries?: number;
}

export interface StreamPoller {
  stop(): Promise<void>;
  /** Resolves when every consumer has processed every record written so far. */
  drain(timeoutMs?: number): Promise<void>;
}

interface ShardCheckpoint {
  /** The last sequence number this consumer is done with (processed, filtered out or dead-lettered). */
  sequenceNumber?: string;
  /** The shard is closed and fully read: never read again, and its children may start. */
  finished?: boolean;
}

interface CheckpointFile {
  consumers: Record<string, Record<string, ShardCheckpoint>>;
}

interface ShardInfo {
  shardId: string;
  parentShardId?: string;
  startingSequenceNumber: bigint;
}

interface Topology {
  streamArn: string;
  shards: ShardInfo[];
  /** When the fetch that produced this began. */
  fetchedAt: number;
}

interface ShardCursor {
  iterator?: string;
  /** Records read but not yet checkpointed: the head of a batch being retried, or a fresh batch. */
  pending: SdkRecord[];
  /** GetRecords answered no next iterator: the shard is closed and read to its end. */
  endOfShard: boolean;
  /** Failed attempts on the current head record. */
  failures: number;
}

interface ConsumerState {
  consumer: StreamConsumer;
  cursors: Map<string, ShardCursor>;
  /** Start time of the latest pass that found nothing to do on any shard. */
  quietPassStartedAt: number;
  wake?: () => void;
}

/** How stale the shard list may be: DynamoDB rolls shards, and a new one must be found. */
const DISCOVERY_INTERVAL_MS = 1000;
const ERROR_BACKOFF_MS = 1000;

function errorName(error: unknown): string {
  return (error as { name?: string } | undefined)?.name ?? '';
}

function toLambdaAttributeValue(value: SdkAttributeValue): LambdaAttributeValue {
  // Lambda delivers binary as base64 text; the SDK hands us bytes.
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaAttributeValue) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  // The Streams client's deserializer turns an empty map ({"M": {}}) into a value with
  // no member at all; Lambda delivers {"M": {}}. Empty lists survive and sets cannot be
  // empty, so a value without a member was an empty map.
  if (Object.values(value).every((member) => member === undefined)) return { M: {} };
  return value as LambdaAttributeValue;
}

function toLambdaImage(image: Record<string, SdkAttributeValue>): Record<string, LambdaAttributeValue> {
  return Object.fromEntries(
    Object.entries(image).map(([name, value]) => [name, toLambdaAttributeValue(value)]),
  );
}

function toLambdaRecord(record: SdkRecord, streamArn: string, region: string): DynamoDBRecord {
  const source = record.dynamodb ?? {};
  const dynamodb: LambdaStreamRecord = {};
  if (source.ApproximateCreationDateTime !== undefined) {
    dynamodb.ApproximateCreationDateTime = source.ApproximateCreationDateTime.getTime() / 1000;
  }
  if (source.Keys !== undefined) dynamodb.Keys = toLambdaImage(source.Keys);
  if (source.NewImage !== undefined) dynamodb.NewImage = toLambdaImage(source.NewImage);
  if (source.OldImage !== undefined) dynamodb.OldImage = toLambdaImage(source.OldImage);
  if (source.SequenceNumber !== undefined) dynamodb.SequenceNumber = source.SequenceNumber;
  if (source.SizeBytes !== undefined) dynamodb.SizeBytes = source.SizeBytes;
  if (source.StreamViewType !== undefined) dynamodb.StreamViewType = source.StreamViewType;
  const out: DynamoDBRecord = {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    // DynamoDB Local says `ddblocal`; Lambda reports the function's region.
    awsRegion: region,
    eventSourceARN: streamArn,
    dynamodb,
  };
  if (record.userIdentity !== undefined) out.userIdentity = record.userIdentity;
  return out;
}

function sequenceOf(record: SdkRecord): string {
  return record.dynamodb?.SequenceNumber ?? '';
}

export function startStreamPoller(opts: StreamPollerOptions): StreamPoller {
  const batchSize = opts.batchSize ?? 100;
  const pollIntervalMs = opts.pollIntervalMs ?? 200;
  const maxRetries = opts.maxRetries ?? 5;
  const clientConfig = { endpoint: opts.endpoint, region: opts.region, credentials: opts.credentials };
  const dynamo = createDynamoClient(clientConfig);
  const streams = new DynamoDBStreamsClient(clientConfig);
  const checkpointPath = join(opts.dataDir, 'stream-checkpoints.json');
  const deadLetterPath = join(opts.dataDir, 'dead-letters.jsonl');
  const writer = createJsonFileWriter(checkpointPath);

  let checkpoints: CheckpointFile = { consumers: {} };
  const ready = readJsonFile<CheckpointFile>(checkpointPath, { consumers: {} }).then((loaded) => {
    checkpoints = { consumers: loaded.consumers ?? {} };
  });

  let stopped = false;
  let drainRequestedAt = 0;
  const drainWaiters = new Set<() => void>();
  const sleepers = new Set<() => void>();

  const sleep = (ms: number, state?: ConsumerState): Promise<void> =>
    new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        if (state) state.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleepers.add(done);
      if (state) state.wake = done;
    });

  const checkpointOf = (consumer: string, shardId: string): ShardCheckpoint | undefined =>
    checkpoints.consumers[consumer]?.[shardId];

  const saveCheckpoint = async (
    consumer: string,
    shardId: string,
    change: ShardCheckpoint,
  ): Promise<void> => {
    const perConsumer = checkpoints.consumers[consumer] ?? {};
    checkpoints.consumers[consumer] = perConsumer;
    perConsumer[shardId] = { ...perConsumer[shardId], ...change };
    await writer.write(checkpoints);
  };

  let topology: Topology | undefined;
  let topologyFetch: { startedAt: number; promise: Promise<Topology | undefined> } | undefined;

  const fetchTopology = async (): Promise<Topology | undefined> => {
    const fetchedAt = Date.now();
    const table = await dynamo.send(new DescribeTableCommand({ TableName: opts.tableName }));
    const streamArn = table.Table?.LatestStreamArn;
    if (streamArn === undefined || table.Table?.StreamSpecification?.StreamEnabled === false) {
      throw new Error(`table ${opts.tableName} has no stream enabled`);
    }
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const page = await streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
      );
      shards.push(...(page.StreamDescription?.Shards ?? []));
      exclusiveStartShardId = page.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId !== undefined);
    const infos = shards
      .filter((shard): shard is Shard & { ShardId: string } => shard.ShardId !== undefined)
      .map((shard) => {
        const info: ShardInfo = {
          shardId: shard.ShardId,
          startingSequenceNumber: BigInt(shard.SequenceNumberRange?.StartingSequenceNumber ?? '0'),
        };
        if (shard.ParentShardId !== undefined) info.parentShardId = shard.ParentShardId;
        return info;
      })
      // Children start after their parents, so this order reads parents first.
      .sort((a, b) => (a.startingSequenceNumber < b.startingSequenceNumber ? -1 : 1));
    const next = { streamArn, shards: infos, fetchedAt };
    topology = next;
    return next;
  };

  /** The shard list, fetched no earlier than `notBefore`; concurrent callers share one fetch. */
  const getTopology = async (notBefore: number): Promise<Topology | undefined> => {
    if (topology !== undefined && topology.fetchedAt >= notBefore) return topology;
    if (topologyFetch !== undefined && topologyFetch.startedAt >= notBefore) return topologyFetch.promise;
    const fetch = { startedAt: Date.now(), promise: fetchTopology() };
    topologyFetch = fetch;
    try {
      return await fetch.promise;
    } finally {
      if (topologyFetch === fetch) topologyFetch = undefined;
    }
  };

  const shardIterator = async (
    streamArn: string,
    shardId: string,
    after?: string,
  ): Promise<string | undefined> => {
    const ask = async (type: ShardIteratorType, sequenceNumber?: string) =>
      (
        await streams.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: shardId,
            ShardIteratorType: type,
            SequenceNumber: sequenceNumber,
          }),
        )
      ).ShardIterator;
    if (after === undefined) return ask('TRIM_HORIZON');
    try {
      return await ask('AFTER_SEQUENCE_NUMBER', after);
    } catch (error) {
      // The checkpoint fell off the 24-hour retention: the oldest record left is next.
      if (errorName(error) === 'TrimmedDataAccessException') return ask('TRIM_HORIZON');
      throw error;
    }
  };

  const deadLetter = async (
    state: ConsumerState,
    streamArn: string,
    shardId: string,
    records: DynamoDBRecord[],
    error: unknown,
    attempts: number,
  ): Promise<void> => {
    console.error(
      `stream poller: ${state.consumer.name} gave up on ${records.length} record(s) of ${shardId} after ${attempts} attempts; written to ${deadLetterPath}`,
      error,
    );
    await appendJsonLine(deadLetterPath, {
      at: new Date().toISOString(),
      consumer: state.consumer.name,
      streamArn,
      shardId,
      attempts,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      records,
    });
  };

  /** One invocation attempt on the cursor's pending records; moves the checkpoint as far as it can. */
  const processPending = async (
    state: ConsumerState,
    cursor: ShardCursor,
    shardId: string,
    streamArn: string,
  ): Promise<void> => {
    const { consumer } = state;
    const records = cursor.pending;
    const converted = records.map((record) => toLambdaRecord(record, streamArn, opts.region));
    const kept = converted.filter((record) => consumer.filter?.(record) ?? true);
    const last = records[records.length - 1];
    if (last === undefined) return;
    if (kept.length === 0) {
      // Filtered-out records count as processed, as with Lambda filter criteria.
      await saveCheckpoint(consumer.name, shardId, { sequenceNumber: sequenceOf(last) });
      cursor.pending = [];
      cursor.failures = 0;
      return;
    }

    let failedFrom: number | undefined;
    let failure: unknown;
    try {
      const answer = await consumer.invoke({ Records: kept });
      const reported = answer?.batchItemFailures ?? [];
      if (reported.length > 0) {
        failure = new Error(`batchItemFailures: ${reported.map((f) => f.itemIdentifier).join(', ')}`);
        failedFrom = Math.min(
          ...reported.map((f) => {
            const index = f.itemIdentifier
              ? records.findIndex((r) => sequenceOf(r) === f.itemIdentifier)
              : -1;
            // An identifier that names no record of the batch fails the whole batch, as on Lambda.
            return index === -1 ? 0 : index;
          }),
        );
      }
    } catch (error) {
      failure = error;
      failedFrom = 0;
    }

    if (failedFrom === undefined) {
      await saveCheckpoint(consumer.name, shardId, { sequenceNumber: sequenceOf(last) });
      cursor.pending = [];
      cursor.failures = 0;
      return;
    }
    const before = records[failedFrom - 1];
    if (before !== undefined) {
      await saveCheckpoint(consumer.name, shardId, { sequenceNumber: sequenceOf(before) });
      cursor.pending = records.slice(failedFrom);
      cursor.failures = 1;
    } else {
      cursor.failures += 1;
    }
    const retries = consumer.maxRetries ?? maxRetries;
    if (cursor.failures > retries) {
      const rest = cursor.pending.map((record) => toLambdaRecord(record, streamArn, opts.region));
      await deadLetter(
        state,
        streamArn,
        shardId,
        rest.filter((record) => consumer.filter?.(record) ?? true),
        failure,
        cursor.failures,
      );
      await saveCheckpoint(consumer.name, shardId, {
        sequenceNumber: sequenceOf(cursor.pending.at(-1) ?? last),
      });
      cursor.pending = [];
      cursor.failures = 0;
      return;
    }
    console.error(
      `stream poller: ${consumer.name} failed on ${shardId} (failure ${cursor.failures} of ${retries + 1}), retrying`,
      failure,
    );
    await sleep(Math.min(100 * 2 ** (cursor.failures - 1), 5000), state);
  };

  /** Does one unit of work on a shard; answers whether there was anything to do. */
  const step = async (state: ConsumerState, shard: ShardInfo, streamArn: string): Promise<boolean> => {
    const name = state.consumer.name;
    let cursor = state.cursors.get(shard.shardId);
    if (cursor === undefined) {
      cursor = { pending: [], endOfShard: false, failures: 0 };
      state.cursors.set(shard.shardId, cursor);
    }
    if (cursor.pending.length === 0) {
      if (cursor.endOfShard) {
        await saveCheckpoint(name, shard.shardId, { finished: true });
        return true;
      }
      if (cursor.iterator === undefined) {
        cursor.iterator = await shardIterator(
          streamArn,
          shard.shardId,
          checkpointOf(name, shard.shardId)?.sequenceNumber,
        );
        if (cursor.iterator === undefined) {
          cursor.endOfShard = true;
          return true;
        }
      }
      let answer: GetRecordsCommandOutput;
      try {
        answer = await streams.send(
          new GetRecordsCommand({
            ShardIterator: cursor.iterator,
            Limit: state.consumer.batchSize ?? batchSize,
          }),
        );
      } catch (error) {
        const kind = errorName(error);
        if (kind === 'ExpiredIteratorException' || kind === 'TrimmedDataAccessException') {
          // Start again from the checkpoint with a fresh iterator.
          cursor.iterator = undefined;
          return true;
        }
        throw error;
      }
      cursor.iterator = answer.NextShardIterator ?? undefined;
      cursor.endOfShard = answer.NextShardIterator === undefined || answer.NextShardIterator === null;
      cursor.pending = answer.Records ?? [];
      cursor.failures = 0;
      if (cursor.pending.length === 0) return cursor.endOfShard;
    }
    await processPending(state, cursor, shard.shardId, streamArn);
    return true;
  };

  const isEligible = (consumer: string, shard: ShardInfo, shards: ShardInfo[]): boolean => {
    if (checkpointOf(consumer, shard.shardId)?.finished) return false;
    const parent = shard.parentShardId;
    // A parent that is gone (trimmed) cannot hold back its children.
    if (parent === undefined || !shards.some((s) => s.shardId === parent)) return true;
    return checkpointOf(consumer, parent)?.finished === true;
  };

  const notifyDrainWaiters = () => {
    for (const check of [...drainWaiters]) check();
  };

  const runConsumer = async (state: ConsumerState): Promise<void> => {
    await ready;
    let lastErrorLog = 0;
    while (!stopped) {
      const passStartedAt = Date.now();
      let busy = false;
      try {
        const current = await getTopology(Math.max(passStartedAt - DISCOVERY_INTERVAL_MS, drainRequestedAt));
        if (current !== undefined) {
          for (const shard of current.shards) {
            if (stopped) break;
            if (!isEligible(state.consumer.name, shard, current.shards)) continue;
            if (await step(state, shard, current.streamArn)) busy = true;
          }
        }
      } catch (error) {
        if (stopped) break;
        // DynamoDB Local not up yet, or the table not created yet: keep trying, quietly.
        if (Date.now() - lastErrorLog > 10_000) {
          console.error(
            `stream poller: ${state.consumer.name} cannot read the stream of ${opts.tableName}`,
            error,
          );
          lastErrorLog = Date.now();
        }
        await sleep(ERROR_BACKOFF_MS, state);
        continue;
      }
      if (!busy && !stopped) {
        state.quietPassStartedAt = passStartedAt;
        notifyDrainWaiters();
        await sleep(pollIntervalMs, state);
      }
    }
  };

  const states: ConsumerState[] = opts.consumers.map((consumer) => ({
    consumer,
    cursors: new Map(),
    quietPassStartedAt: 0,
  }));
  const loops = states.map((state) =>
    runConsumer(state).catch((error: unknown) => {
      console.error(`stream poller: ${state.consumer.name} stopped on an unexpected error`, error);
    }),
  );

  return {
    async stop() {
      stopped = true;
      for (const wake of [...sleepers]) wake();
      await Promise.all(loops);
      await writer.flush();
      for (const check of [...drainWaiters]) check();
      dynamo.destroy();
      streams.destroy();
    },

    drain(timeoutMs = 10_000) {
      const requestedAt = Date.now();
      drainRequestedAt = Math.max(drainRequestedAt, requestedAt);
      // Sleeping consumers start a pass now rather than after their poll interval.
      for (const state of states) state.wake?.();
      return new Promise<void>((resolve, reject) => {
        const finish = (error?: Error) => {
          clearTimeout(timer);
          drainWaiters.delete(check);
          if (error) reject(error);
          else resolve();
        };
        const check = () => {
          if (states.every((state) => state.quietPassStartedAt >= requestedAt)) finish();
          else if (stopped) finish(new Error('stream poller stopped before it drained'));
        };
        const timer = setTimeout(() => {
          const busy = states
            .filter((state) => state.quietPassStartedAt < requestedAt)
            .map((s) => s.consumer.name);
          finish(new Error(`stream poller not drained after ${timeoutMs} ms: ${busy.join(', ')} still busy`));
        }, timeoutMs);
        drainWaiters.add(check);
        check();
      });
    },
  };
}
