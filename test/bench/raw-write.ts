/**
 * The floor the ingest is compared with: plain BatchWriteItem of lead items of
 * the real size onto the same table the ingest wrote (new keys, so nothing is
 * overwritten), with no reads, no routing, no conditions and no transactions.
 *
 * One lead the ingest created is read back (GetItem, as stored, not unmarshalled)
 * and cloned with new keys (PK, id, GSI1PK shard, GSI1SK), so every raw item has
 * the byte size and the attribute shape of a real lead item. Items are built
 * batch by batch, never all at once.
 */
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';

const BATCH = 25;
const MAX_ROUNDS = 20;

export interface RawWriteResult {
  tableName: string;
  items: number;
  /** DynamoDB's size of the cloned item (attribute names + values). */
  itemBytes: number;
  seconds: number;
  itemsPerSecond: number;
  requests: number;
  /** BatchWriteItem calls that only re-sent UnprocessedItems. */
  retries: number;
  concurrency: number;
}

type Item = Record<string, AttributeValue>;

/** An item's size as DynamoDB counts it (names and values in bytes; numbers approximated). */
export function itemSize(item: Item): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += Buffer.byteLength(name) + valueSize(value);
  return bytes;
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\.|e.*$/gi, '').length / 2) + 1;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.B !== undefined) return value.B.length;
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + valueSize(v), 0);
  if (value.M !== undefined) return 3 + itemSize(value.M) + Object.keys(value.M).length;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + Buffer.byteLength(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + n.length, 0);
  return 0;
}

/** A lead item as stored, read with the low-level client (attribute values untouched). */
export async function readLeadItem(client: DynamoDBClient, tableName: string, leadId: string): Promise<Item> {
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: tableName,
      Key: { PK: { S: `LEAD#${leadId}` }, SK: { S: 'LEAD' } },
      ConsistentRead: true,
    }),
  );
  if (!Item) throw new Error(`Lead ${leadId} is not in ${tableName}: did the ingest create it?`);
  return Item;
}

/** The template with new keys for clone `n`: same attributes, same size give or take a few bytes. */
function cloneItem(template: Item, n: number): Item {
  const id = `R${String(n).padStart(25, '0')}`;
  const gsi1pk = template.GSI1PK?.S ?? '';
  const createdAt = template.createdAt?.S ?? new Date(0).toISOString();
  return {
    ...template,
    PK: { S: `LEAD#${id}` },
    id: { S: id },
    GSI1PK: { S: gsi1pk.replace(/#\d+$/, `#${n % 16}`) },
    GSI1SK: { S: `${createdAt}#${id}` },
  };
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Writes `count` clones of `template` onto the table, `concurrency` BatchWriteItem calls in flight. */
export async function rawBatchWrite(options: {
  client: DynamoDBClient;
  /** The table to write to: the ingest's own, so the raw rate compares with the ingest's. */
  tableName: string;
  template: Item;
  count: number;
  concurrency: number;
}): Promise<RawWriteResult> {
  const { client, tableName, template, count, concurrency } = options;
  const batches = Math.ceil(count / BATCH);
  let next = 0;
  let requests = 0;
  let retries = 0;

  const writeBatch = async (b: number) => {
    const from = b * BATCH;
    let pending: WriteRequest[] = Array.from({ length: Math.min(BATCH, count - from) }, (_, k) => ({
      PutRequest: { Item: cloneItem(template, from + k) },
    }));
    for (let round = 0; pending.length > 0; round++) {
      if (round >= MAX_ROUNDS) throw new Error(`BatchWriteItem left items unprocessed ${MAX_ROUNDS} times`);
      if (round > 0) {
        retries++;
        await pause(Math.random() * Math.min(1_000, 20 * 2 ** round));
      }
      requests++;
      const { UnprocessedItems } = await client.send(
        new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }),
      );
      pending = UnprocessedItems?.[tableName] ?? [];
    }
  };
  const worker = async () => {
    for (let b = next++; b < batches; b = next++) await writeBatch(b);
  };

  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return {
    tableName,
    items: count,
    itemBytes: itemSize(cloneItem(template, 0)),
    seconds,
    itemsPerSecond: count / seconds,
    requests,
    retries,
    concurrency,
  };
}
