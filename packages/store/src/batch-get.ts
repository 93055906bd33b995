import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backoff, chunks } from './retries';

type Item = Record<string, unknown>;

/** Keys per BatchGetItem (DynamoDB's most). */
const MAX_BATCH_GET_KEYS = 100;
/** BatchGetItem calls in flight at once. */
const BATCH_GET_CONCURRENCY = 4;
/** Rounds of UnprocessedKeys before giving up (backing off between them). */
const MAX_BATCH_ROUNDS = 20;

/**
 * The items of any number of keys of one table, by BatchGetItem (100 keys a call, a few
 * calls at once), retrying UnprocessedKeys with backoff. Items in no particular order; a
 * key with no item is left out.
 */
export async function batchGetItems(
  db: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Item[],
  options: { consistent: boolean },
): Promise<Item[]> {
  const found: Item[] = [];
  for (const group of chunks(chunks(keys, MAX_BATCH_GET_KEYS), BATCH_GET_CONCURRENCY)) {
    await Promise.all(
      group.map(async (chunk) => {
        let pending: Item[] = chunk;
        for (let round = 1; pending.length > 0; round++) {
          if (round > MAX_BATCH_ROUNDS) {
            throw new Error(
              `BatchGetItem left ${pending.length} keys unprocessed after ${MAX_BATCH_ROUNDS} rounds`,
            );
          }
          if (round > 1) await backoff(round);
          const { Responses, UnprocessedKeys } = await db.send(
            new BatchGetCommand({
              RequestItems: {
                [tableName]: { Keys: pending, ...(options.consistent ? { ConsistentRead: true } : {}) },
              },
            }),
          );
          found.push(...(Responses?.[tableName] ?? []));
          pending = UnprocessedKeys?.[tableName]?.Keys ?? [];
        }
      }),
    );
  }
  return found;
}
