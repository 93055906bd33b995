import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * What DynamoDB Local reports a client's calls cost, counted by middleware on the client
 * (the benches' only instrument: no store of ours is wrapped).
 */

/** The DynamoDB commands that write (their units are write units). */
export const WRITES: ReadonlySet<string> = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'TransactWriteItemsCommand',
  'BatchWriteItemCommand',
]);

type Capacity = { CapacityUnits?: number; WriteCapacityUnits?: number; ReadCapacityUnits?: number };

export interface Units {
  writeUnits: number;
  readUnits: number;
  calls: number;
}

/**
 * Consumed capacity while `measure` runs: every call is sent with
 * `ReturnConsumedCapacity: INDEXES` and its units summed, the table's and every GSI's
 * (DynamoDB Local's TOTAL leaves the indexes out, where AWS's includes them), writes
 * (PutItem, UpdateItem, DeleteItem, TransactWriteItems, BatchWriteItem) apart from reads.
 * Calls outside `measure` are not touched.
 */
export function capacityMeter(client: DynamoDBClient): {
  measure: (work: () => Promise<unknown>) => Promise<Units>;
} {
  const meter = { on: false, writeUnits: 0, readUnits: 0, calls: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!meter.on) return next(args);
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'INDEXES';
      const result = await next(args);
      const consumed = (result.output as { ConsumedCapacity?: Capacity | Capacity[] }).ConsumedCapacity;
      const units = [consumed ?? []].flat().reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
      meter.calls++;
      if (WRITES.has(context.commandName ?? '')) meter.writeUnits += units;
      else meter.readUnits += units;
      return result;
    },
    { step: 'initialize', name: 'consumedCapacityMeter' },
  );
  return {
    async measure(work) {
      Object.assign(meter, { on: true, writeUnits: 0, readUnits: 0, calls: 0 });
      try {
        await work();
      } finally {
        meter.on = false;
      }
      return { writeUnits: meter.writeUnits, readUnits: meter.readUnits, calls: meter.calls };
    },
  };
}

/**
 * What DynamoDB reads for a view: the ScannedCount of every Query (what it reads and
 * bills, before a FilterExpression) plus the items of every BatchGetItem, and the
 * Queries sent. Reset it before the call measured.
 */
export function readMeter(client: DynamoDBClient): { read: number; queries: number } {
  const meter = { read: 0, queries: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const output = result.output as { ScannedCount?: number; Responses?: Record<string, unknown[]> };
      if (context.commandName === 'QueryCommand') {
        meter.queries++;
        meter.read += output.ScannedCount ?? 0;
      } else if (context.commandName === 'BatchGetItemCommand') {
        meter.read += Object.values(output.Responses ?? {}).reduce((n, items) => n + items.length, 0);
      }
      return result;
    },
    { step: 'initialize', name: 'viewsMeter' },
  );
  return meter;
}
