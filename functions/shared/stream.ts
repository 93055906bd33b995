import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

/**
 * A table-stream consumer with partial batch failure reporting: one bad record is
 * reported (and retried by itself after bisecting) instead of failing the whole
 * batch. The stack sets reportBatchItemFailures; the local poller honours it.
 */
export function streamConsumer(
  recordHandler: (record: DynamoDBRecord) => Promise<void>,
): (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse> {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  return (event, context) => processPartialResponse(event, recordHandler, processor, { context });
}
