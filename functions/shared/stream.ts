import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

/** Records handled at once: a batch's first side effects go out early instead of all at the end. */
export const RECORDS_AT_ONCE = 10;

/**
 * A table-stream consumer with partial batch failure reporting (Powertools'
 * BatchProcessor): one bad record is reported, and the stream retries from it,
 * instead of failing the whole batch. The stack sets reportBatchItemFailures;
 * the local poller honours it.
 *
 * {@link RECORDS_AT_ONCE} workers take the batch's records in order, each the next one
 * as soon as its last is done: the first leads' emails leave after one record's work,
 * and a slow record holds up only its own worker (slices of the batch, each awaited
 * whole, made every record of a slice wait for the slowest). Once a record fails no
 * further one is started: the records running finish, and the failed ones and every
 * record not started are reported, since the stream replays everything after the
 * first failure anyway (consumers are idempotent).
 */
export function streamConsumer(
  recordHandler: (record: DynamoDBRecord) => Promise<void>,
): (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse> {
  return async (event, context) => {
    const records = event.Records;
    const failed = new Set<number>();
    let next = 0;
    const worker = async () => {
      // A processor per worker: a BatchProcessor holds the state of the batch it is processing.
      const processor = new BatchProcessor(EventType.DynamoDBStreams);
      while (next < records.length && failed.size === 0) {
        const at = next++;
        const record = records[at] as DynamoDBRecord;
        const response = await processPartialResponse({ Records: [record] }, recordHandler, processor, {
          context,
          throwOnFullBatchFailure: false,
        });
        if (response.batchItemFailures.length > 0) failed.add(at);
      }
    };
    await Promise.all(Array.from({ length: Math.min(RECORDS_AT_ONCE, records.length) }, worker));
    const reported = records.filter((_, i) => failed.has(i) || (failed.size > 0 && i >= next));
    return { batchItemFailures: reported.map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? '' })) };
  };
}
