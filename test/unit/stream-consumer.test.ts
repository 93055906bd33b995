import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { streamConsumer } from '../../functions/shared/stream';

const context = { getRemainingTimeInMillis: () => 60_000 } as Context;

function batch(count: number): DynamoDBStreamEvent {
  return {
    Records: Array.from({ length: count }, (_, i) => ({
      eventID: `e${i}`,
      eventName: 'MODIFY',
      eventSource: 'aws:dynamodb',
      dynamodb: { SequenceNumber: String(1000 + i), Keys: { PK: { S: `LEAD#${i}` } } },
    })),
  };
}
const index = (record: DynamoDBRecord) => Number(record.dynamodb?.SequenceNumber) - 1000;

describe('the table-stream consumer', () => {
  it('handles a batch in slices of 10 at a time, all of it when nothing fails', async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    const consume = streamConsumer(async (record) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(index(record));
      running--;
    });

    const response = await consume(batch(25), context);

    expect(response.batchItemFailures).toEqual([]);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(most).toBe(10);
  });

  it('reports a failed record, and the rest of the batch after its slice unprocessed', async () => {
    const seen: number[] = [];
    const consume = streamConsumer(async (record) => {
      seen.push(index(record));
      if (index(record) === 12) throw new Error('boom');
    });

    const response = await consume(batch(25), context);

    const failed = response.batchItemFailures.map((f) => Number(f.itemIdentifier) - 1000);
    expect(failed).toEqual([12, 20, 21, 22, 23, 24]);
    expect(Math.max(...seen)).toBe(19);
  });

  it('reports a slice whose every record failed instead of throwing', async () => {
    const consume = streamConsumer(async () => {
      throw new Error('down');
    });
    const response = await consume(batch(3), context);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['1000', '1001', '1002']);
  });
});
