/** What the view's indexes carry beside their keys: the attributes its FilterExpressions test. */
export const VIEW_ATTRIBUTES = [
  'createdAt',
  'updatedAt',
  'type',
  'distributionStatus',
  'emailStatus',
  'pipelineStatus',
  'partnerId',
  'source',
  'conflict',
  'registration',
] as const;

/** A GSI's projection: whole items, its keys alone, or its keys and these attributes. */
export type Projection = 'ALL' | 'KEYS_ONLY' | { readonly include: readonly string[] };

const view = { include: VIEW_ATTRIBUTES } as const;

/**
 * The one table, described once. The CDK stack (infra/constructs/data.ts) and the
 * local cloud (DynamoDB Local) both build the table from this definition, so the
 * keys, indexes, stream and TTL cannot drift apart between AWS and a laptop.
 *
 * All attributes named here are strings. The GSIs are generic: what each one
 * holds for each entity is written down in keys.ts, and `Index` names them by the
 * access pattern they serve.
 *
 * Projections: GSI1 carries whole items (`ALL`: suppliers, keys, uploads and webhook
 * deliveries are listed off it). GSI2 (a partner's leads, the uploads processing) and the
 * All Leads view's indexes (GSI4..GSI9) carry only what a view's post-filter tests
 * (`VIEW_ATTRIBUTES`), GSI3 (the deadlines) its keys alone: with `ALL`, every write of a
 * lead rewrote its whole item (about 2 KB) in each of them, up to eight more times a
 * change; the readers read the items they found off the table (BatchGetItem, GetItem).
 */
export const tableDefinition = {
  partitionKey: 'PK',
  sortKey: 'SK',
  globalSecondaryIndexes: [
    { indexName: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK', projection: 'ALL' as Projection },
    { indexName: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK', projection: view as Projection },
    { indexName: 'GSI3', partitionKey: 'GSI3PK', sortKey: 'GSI3SK', projection: 'KEYS_ONLY' as Projection },
    { indexName: 'GSI4', partitionKey: 'GSI4PK', sortKey: 'GSI4SK', projection: view as Projection },
    { indexName: 'GSI5', partitionKey: 'GSI5PK', sortKey: 'GSI5SK', projection: view as Projection },
    { indexName: 'GSI6', partitionKey: 'GSI6PK', sortKey: 'GSI6SK', projection: view as Projection },
    { indexName: 'GSI7', partitionKey: 'GSI7PK', sortKey: 'GSI7SK', projection: view as Projection },
    { indexName: 'GSI8', partitionKey: 'GSI8PK', sortKey: 'GSI8SK', projection: view as Projection },
    { indexName: 'GSI9', partitionKey: 'GSI9PK', sortKey: 'GSI9SK', projection: view as Projection },
  ],
  /** Epoch seconds; DynamoDB deletes expired markers (idempotency records, upload checkpoints) on its own. */
  timeToLiveAttribute: 'expiresAt',
  streamViewType: 'NEW_AND_OLD_IMAGES',
} as const;

export type TableDefinition = typeof tableDefinition;

const [gsi1, gsi2, gsi3, gsi4, gsi5, gsi6, gsi7, gsi8, gsi9] = tableDefinition.globalSecondaryIndexes;

/**
 * The GSIs as the code names them: by the access pattern each serves (keys.ts has what
 * every entity writes into them). DynamoDB's own names stay GSI1..GSI9, because renaming
 * an index deletes it and builds a new one. Two patterns share GSI2: a partner's leads
 * (SUP#…#PARTNER#…) and the uploads processing (UPLOADS#PROCESSING) never share a
 * partition key, so one index serves both.
 */
export const Index = {
  /** Lists in creation order: suppliers, a principal's API keys, a supplier's leads and uploads. */
  byCreated: gsi1,
  /** The leads a partner has now, newest first. */
  byPartner: gsi2,
  /** The uploads processing, by the end of their lease (the upload sweeper). */
  byLease: gsi2,
  /** Waiting leads by their reroute deadline (the reroute sweep). */
  byDeadline: gsi3,
  /** A supplier's leads by their last change (sort=updated). */
  byUpdated: gsi4,
  /** A supplier's leads of one distribution status, newest first. */
  byStatus: gsi5,
  /** A supplier's leads of one email status, newest first. */
  byEmail: gsi6,
  /** A supplier's leads of one type and source, newest first. */
  bySource: gsi7,
  /** A supplier's leads of one pipeline status (sparse), newest first. */
  byPipeline: gsi8,
  /** A supplier's leads in a channel conflict (sparse), newest first. */
  byConflict: gsi9,
} as const;

/** A GSI by its access pattern (what the registry's table access and the stores name). */
export type IndexName = keyof typeof Index;
