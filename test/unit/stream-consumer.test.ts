import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { RECORDS_AT_ONCE, streamConsumer } from '../../functions/shared/stream';

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
  it(`handles a batch ${RECORDS_AT_ONCE} records at a time, in order, all of it when nothing fails`, async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const consume = streamConsumer(async (record) => {
      started.push(index(record));
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
    });

    const response = await consume(batch(25), context);

    expect(response.batchItemFailures).toEqual([]);
    expect(started).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(most).toBe(RECORDS_AT_ONCE);
  });

  it('starts the next record as soon as a worker is free: one slow record holds up nobody else', async () => {
    let releaseSlow: () => void = () => {};
    const slow = new Promise<void>((resolve) => {
      releaseSlow = resolve;
    });
    const done: number[] = [];
    const consume = streamConsumer(async (record) => {
      if (index(record) === 0) await slow;
      done.push(index(record));
      // Every other record is done while the first is still running.
      if (done.length === 24) releaseSlow();
    });

    const response = await consume(batch(25), context);

    expect(response.batchItemFailures).toEqual([]);
    expect(done.at(-1)).toBe(0);
    expect(done.slice(0, 24)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
  });

  it('reports a failed record and every record not started after it; the running ones finish', async () => {
    const seen: number[] = [];
    const consume = streamConsumer(async (record) => {
      seen.push(index(record));
      if (index(record) === 12) throw new Error('boom');
      await new Promise((resolve) => setImmediate(resolve));
    });

    const response = await consume(batch(25), context);

    const failed = response.batchItemFailures.map((f) => Number(f.itemIdentifier) - 1000);
    // 12 fails while 3..11 and 13.. are running or done; nothing after the last one started begins.
    const last = Math.max(...seen);
    expect(failed).toEqual([12, ...Array.from({ length: 24 - last }, (_, i) => last + 1 + i)]);
    expect(last).toBeLessThan(24);
    expect(seen).toEqual(Array.from({ length: last + 1 }, (_, i) => i));
  });

  it('reports a batch whose every record failed instead of throwing', async () => {
    const consume = streamConsumer(async () => {
      throw new Error('down');
    });
    const response = await consume(batch(3), context);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['1000', '1001', '1002']);
  });
});
