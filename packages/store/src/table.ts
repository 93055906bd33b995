/**
 * The one table, described once. The CDK stack (infra/constructs/data.ts) and the
 * local cloud (DynamoDB Local) both build the table from this definition, so the
 * keys, indexes, stream and TTL cannot drift apart between AWS and a laptop.
 *
 * All attributes named here are strings. The GSIs are generic: what each one
 * holds for each entity is written down in keys.ts.
 */
export const tableDefinition = {
  partitionKey: 'PK',
  sortKey: 'SK',
  globalSecondaryIndexes: [
    { indexName: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
    { indexName: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK' },
    { indexName: 'GSI3', partitionKey: 'GSI3PK', sortKey: 'GSI3SK' },
  ],
  /** Epoch seconds; DynamoDB deletes expired markers (idempotency records, upload checkpoints) on its own. */
  timeToLiveAttribute: 'expiresAt',
  streamViewType: 'NEW_AND_OLD_IMAGES',
} as const;

export type TableDefinition = typeof tableDefinition;
export type IndexName = (typeof tableDefinition.globalSecondaryIndexes)[number]['indexName'];
