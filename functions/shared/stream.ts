import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

/** Records handled at once: a batch's first side effects go out early instead of all at the end. */
const RECORDS_AT_ONCE = 10;

/**
 * A table-stream consumer with partial batch failure reporting (Powertools'
 * BatchProcessor): one bad record is reported, and the stream retries from it,
 * instead of failing the whole batch. The stack sets reportBatchItemFailures;
 * the local poller honours it.
 *
 * The batch is handled in slices of {@link RECORDS_AT_ONCE} records, each slice
 * in parallel: the first leads' emails leave after one slice's work rather than
 * after the whole batch's. After a slice with a failure the rest of the batch is
 * reported failed unprocessed, since the stream replays everything after the
 * first failure anyway (consumers are idempotent).
 */
export function streamConsumer(
  recordHandler: (record: DynamoDBRecord) => Promise<void>,
): (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse> {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  return async (event, context) => {
    const failures: DynamoDBBatchResponse['batchItemFailures'] = [];
    for (let start = 0; start < event.Records.length; start += RECORDS_AT_ONCE) {
      const slice = event.Records.slice(start, start + RECORDS_AT_ONCE);
      if (failures.length > 0) {
        failures.push(...slice.map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? '' })));
        continue;
      }
      const response = await processPartialResponse({ Records: slice }, recordHandler, processor, {
        context,
        throwOnFullBatchFailure: false,
      });
      failures.push(...response.batchItemFailures);
    }
    return { batchItemFailures: failures };
  };
}
