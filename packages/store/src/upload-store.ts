import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import {
  boundRowErrors,
  type Page,
  type PageQuery,
  type Upload,
  type UploadClaim,
  type UploadEnd,
  type UploadObject,
  type UploadOutcome,
  type UploadProgress,
  type UploadRowErrors,
  type UploadStore,
} from '@leadrelay/core';
import { decodeCursor, encodeCursor } from './cursor';
import { fromItem } from './items';
import { Entity, Keys } from './keys';
import { backoff } from './retries';
import { Index } from './table';

type Item = Record<string, unknown>;

/** DynamoDB's limit of put requests in one BatchWriteItem, and how many run at once. */
const MAX_BATCH_WRITE = 25;
const BATCH_WRITE_CONCURRENCY = 4;
const MAX_BATCH_ROUNDS = 20;
/** Other versions noted on one upload; later ones are still uploads of their own, listed with the rest. */
const MAX_OTHER_VERSIONS = 50;
/** Characters of a run's last error kept on the upload. */
const MAX_LAST_ERROR = 500;

function uploadItem(upload: Upload): Item {
  return {
    ...Object.fromEntries(Object.entries(upload).filter(([, v]) => v !== undefined)),
    ...Keys.upload(upload.supplierId, upload.id),
    ...Keys.uploadIndex(upload.supplierId, upload.id, upload.createdAt),
    ...(upload.status === 'processing'
      ? Keys.processingUpload(upload.supplierId, upload.id, upload.leaseUntil ?? upload.updatedAt)
      : {}),
    entity: Entity.upload,
  };
}

function uploadFromItem(item: Item): Upload {
  return fromItem<Upload>(item);
}

/** The SET clauses (and values) for what a run learnt about the file: the mapping it reads with, its notes. */
function readNotesUpdate(input: Pick<UploadEnd, 'mappingApplied' | 'notes'>): {
  set: string;
  values: Record<string, unknown>;
} {
  const sets: string[] = [];
  const values: Record<string, unknown> = {};
  if (input.mappingApplied) {
    sets.push('mappingApplied = :mappingApplied');
    values[':mappingApplied'] = input.mappingApplied;
  }
  if (input.notes && input.notes.length > 0) {
    sets.push('notes = :notes');
    values[':notes'] = input.notes;
  }
  return { set: sets.map((s) => `, ${s}`).join(''), values };
}

/**
 * UploadStore on the single table (keys.ts: Upload, UploadRowError). The upload
 * item's status, lease and version guard every change: a claim, a chunk's
 * progress and the end of a run are each one conditional UpdateItem.
 */
export class DynamoUploadStore implements UploadStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  // create an upload — main table, conditional on the id being new
  async createUpload(upload: Upload): Promise<'created' | 'exists'> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: uploadItem(upload),
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return 'created';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'exists';
      throw error;
    }
  }

  // get an upload — main table
  async getUpload(supplierId: string, uploadId: string): Promise<Upload | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: Keys.upload(supplierId, uploadId),
        ConsistentRead: true,
      }),
    );
    return Item ? uploadFromItem(Item) : undefined;
  }

  // list a supplier's uploads, newest first — byCreated
  async listUploads(supplierId: string, page: PageQuery): Promise<Page<Upload>> {
    const { GSI1PK } = Keys.uploadsOf(supplierId);
    const { Items = [], LastEvaluatedKey } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: Index.byCreated.indexName,
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': GSI1PK },
        ScanIndexForward: false,
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor(page.cursor, { attribute: 'GSI1PK', value: GSI1PK }),
      }),
    );
    return { items: Items.map(uploadFromItem), nextCursor: encodeCursor(LastEvaluatedKey) };
  }

  // claim an upload for a run — main table, conditional on its status and lease
  async claimUpload(supplierId: string, uploadId: string, claim: UploadClaim): Promise<Upload | undefined> {
    // An `awaiting-file` upload can only start from the S3 event, which names the object.
    const startable = claim.object ? '#status = :received OR #status = :awaiting' : '#status = :received';
    const processing = Keys.processingUpload(supplierId, uploadId, claim.leaseUntil);
    return this.update({
      TableName: this.tableName,
      Key: Keys.upload(supplierId, uploadId),
      // Every claim counts: a run that crashes (out of time or memory) cannot count its own failure.
      UpdateExpression: `SET #status = :processing, leaseUntil = :lease, updatedAt = :now, GSI2PK = :gsi2pk, GSI2SK = :gsi2sk${
        claim.object ? ', #object = if_not_exists(#object, :object)' : ''
      } ADD version :one, attempts :one`,
      ConditionExpression: `attribute_exists(PK) AND (${startable} OR (#status = :processing AND (attribute_not_exists(leaseUntil) OR leaseUntil <= :now)))`,
      ExpressionAttributeNames: { '#status': 'status', ...(claim.object ? { '#object': 'object' } : {}) },
      ExpressionAttributeValues: {
        ':received': 'received',
        ...(claim.object ? { ':awaiting': 'awaiting-file', ':object': claim.object } : {}),
        ':processing': 'processing',
        ':lease': claim.leaseUntil,
        ':now': claim.now,
        ':gsi2pk': processing.GSI2PK,
        ':gsi2sk': processing.GSI2SK,
        ':one': 1,
      },
    });
  }

  // bind the first object PUT to an API upload's URL — main table, conditional on none being bound yet
  attachObject(
    supplierId: string,
    uploadId: string,
    object: UploadObject,
    now: string,
  ): Promise<Upload | undefined> {
    return this.update({
      TableName: this.tableName,
      Key: Keys.upload(supplierId, uploadId),
      UpdateExpression: 'SET #status = :received, #object = :object, updatedAt = :now ADD version :one',
      ConditionExpression: '#status = :awaiting AND attribute_not_exists(#object)',
      ExpressionAttributeNames: { '#status': 'status', '#object': 'object' },
      ExpressionAttributeValues: {
        ':received': 'received',
        ':awaiting': 'awaiting-file',
        ':object': object,
        ':now': now,
        ':one': 1,
      },
    });
  }

  // note another file PUT to this upload's URL — main table, conditional on it not being noted yet
  async addOtherVersion(
    supplierId: string,
    uploadId: string,
    otherUploadId: string,
    now: string,
  ): Promise<void> {
    await this.update({
      TableName: this.tableName,
      Key: Keys.upload(supplierId, uploadId),
      UpdateExpression:
        'SET otherVersions = list_append(if_not_exists(otherVersions, :empty), :other), updatedAt = :now ADD version :one',
      ConditionExpression:
        'attribute_exists(PK) AND (attribute_not_exists(otherVersions) OR (NOT contains(otherVersions, :id) AND size(otherVersions) < :max))',
      ExpressionAttributeValues: {
        ':empty': [],
        ':other': [otherUploadId],
        ':id': otherUploadId,
        ':max': MAX_OTHER_VERSIONS,
        ':now': now,
        ':one': 1,
      },
    });
  }

  // uploads processing whose lease ended before now, oldest lease first — byLease (sparse: only while processing)
  async listStalledUploads(now: string, limit: number): Promise<Upload[]> {
    const { GSI2PK } = Keys.processingUploads();
    const out: Upload[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const { Items = [], LastEvaluatedKey } = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: Index.byLease.indexName,
          // `<lease>#...` sorts before `<now>` exactly when the lease ended before now.
          KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK < :now',
          ExpressionAttributeValues: { ':pk': GSI2PK, ':now': now },
          Limit: limit - out.length,
          ExclusiveStartKey: start,
        }),
      );
      // The index holds keys and the view's attributes: each upload is read off the table, and one
      // that is no longer processing on that lease (resumed or finished since) is left out.
      for (const found of Items) {
        const { Item } = await this.db.send(
          new GetCommand({
            TableName: this.tableName,
            Key: { PK: found.PK, SK: found.SK },
            ConsistentRead: true,
          }),
        );
        if (Item && Item.GSI2PK === GSI2PK && Item.GSI2SK === found.GSI2SK) out.push(uploadFromItem(Item));
      }
      start = LastEvaluatedKey;
    } while (start && out.length < limit);
    return out;
  }

  // save a chunk's counts and checkpoint, renewing the lease — main table, conditional on the version
  saveProgress(
    supplierId: string,
    uploadId: string,
    version: number,
    progress: UploadProgress,
  ): Promise<Upload | undefined> {
    const readNotes = readNotesUpdate(progress);
    return this.update({
      TableName: this.tableName,
      Key: Keys.upload(supplierId, uploadId),
      // Progress saved: the runs count again from here, this one being the first.
      UpdateExpression: `SET #rows = :rows, #checkpoint = :checkpoint, leaseUntil = :lease, routing = :routing, updatedAt = :now, GSI2SK = :gsi2sk, attempts = :one${readNotes.set} REMOVE lastError ADD version :one`,
      ConditionExpression: '#status = :processing AND version = :version',
      ExpressionAttributeNames: { '#status': 'status', '#rows': 'rows', '#checkpoint': 'checkpoint' },
      ExpressionAttributeValues: {
        ...readNotes.values,
        ':rows': progress.rows,
        ':checkpoint': progress.checkpoint,
        ':lease': progress.leaseUntil,
        ':gsi2sk': Keys.processingUpload(supplierId, uploadId, progress.leaseUntil).GSI2SK,
        ':routing': progress.routing,
        ':now': progress.now,
        ':processing': 'processing',
        ':version': version,
        ':one': 1,
      },
    });
  }

  // hand the upload over: the lease ends now — main table, conditional on the version
  async releaseUpload(
    supplierId: string,
    uploadId: string,
    version: number,
    now: string,
    error?: string,
  ): Promise<boolean> {
    const released = await this.update({
      TableName: this.tableName,
      Key: Keys.upload(supplierId, uploadId),
      UpdateExpression: `SET leaseUntil = :now, updatedAt = :now, GSI2SK = :gsi2sk${
        error === undefined ? '' : ', lastError = :error'
      } ADD version :one`,
      ConditionExpression: '#status = :processing AND version = :version',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':now': now,
        ':gsi2sk': Keys.processingUpload(supplierId, uploadId, now).GSI2SK,
        ...(error === undefined ? {} : { ':error': error.slice(0, MAX_LAST_ERROR) }),
        ':processing': 'processing',
        ':version': version,
        ':one': 1,
      },
    });
    return released !== undefined;
  }

  // end a run: done or failed — main table, conditional on the version
  finishUpload(
    supplierId: string,
    uploadId: string,
    version: number,
    outcome: UploadOutcome,
    end: UploadEnd,
  ): Promise<Upload | undefined> {
    const failed = outcome.status === 'failed';
    const sets = ['#status = :final', '#rows = :rows', 'updatedAt = :now', 'finishedAt = :now'];
    if (failed) sets.push('failure = :failure');
    if (end.routing) sets.push('routing = :routing');
    const readNotes = readNotesUpdate(end);
    return this.update({
      TableName: this.tableName,
      Key: Keys.upload(supplierId, uploadId),
      UpdateExpression: `SET ${sets.join(', ')}${readNotes.set} REMOVE leaseUntil, #checkpoint, attempts, lastError, GSI2PK, GSI2SK ADD version :one`,
      ConditionExpression: '#status = :processing AND version = :version',
      ExpressionAttributeNames: { '#status': 'status', '#rows': 'rows', '#checkpoint': 'checkpoint' },
      ExpressionAttributeValues: {
        ':final': outcome.status,
        ':rows': end.rows,
        ':now': end.now,
        ...(failed ? { ':failure': outcome.failure } : {}),
        ...(end.routing ? { ':routing': end.routing } : {}),
        ...readNotes.values,
        ':processing': 'processing',
        ':version': version,
        ':one': 1,
      },
    });
  }

  // put the errors of rejected rows — main table, BatchWriteItem 25 rows at a time (a row again replaces its item)
  async putRowErrors(supplierId: string, uploadId: string, rows: readonly UploadRowErrors[]): Promise<void> {
    // One put per key: a batch refuses the same key twice.
    const byRow = new Map(rows.map((r) => [r.row, r]));
    const requests = [...byRow.values()].map((r) => ({
      PutRequest: {
        Item: {
          ...Keys.uploadRowError(supplierId, uploadId, r.row),
          entity: Entity.uploadRowError,
          supplierId,
          uploadId,
          row: r.row,
          // Bounded here too: whatever a caller passes, one row's item stays far below 400 KB.
          errors: boundRowErrors(r.errors),
        },
      },
    }));
    const batches: (typeof requests)[] = [];
    for (let at = 0; at < requests.length; at += MAX_BATCH_WRITE) {
      batches.push(requests.slice(at, at + MAX_BATCH_WRITE));
    }
    for (let at = 0; at < batches.length; at += BATCH_WRITE_CONCURRENCY) {
      await Promise.all(batches.slice(at, at + BATCH_WRITE_CONCURRENCY).map((b) => this.batchWrite(b)));
    }
  }

  // list an upload's rejected rows in row order — main table, Query begins_with ERR#
  async listRowErrors(supplierId: string, uploadId: string, page: PageQuery): Promise<Page<UploadRowErrors>> {
    const { PK, SKPrefix } = Keys.uploadRowErrorsOf(supplierId, uploadId);
    const { Items = [], LastEvaluatedKey } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': PK, ':prefix': SKPrefix },
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor(page.cursor, { attribute: 'PK', value: PK }),
      }),
    );
    return {
      items: Items.map((item) => ({
        row: Number(item.row),
        errors: item.errors as UploadRowErrors['errors'],
      })),
      nextCursor: encodeCursor(LastEvaluatedKey),
    };
  }

  /** A conditional UpdateItem answering the item after it; undefined when the condition failed. */
  private async update(input: UpdateCommandInput): Promise<Upload | undefined> {
    try {
      const { Attributes } = await this.db.send(new UpdateCommand({ ...input, ReturnValues: 'ALL_NEW' }));
      return Attributes ? uploadFromItem(Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  private async batchWrite(requests: { PutRequest: { Item: Item } }[]): Promise<void> {
    let pending: unknown[] = requests;
    for (let round = 1; pending.length > 0; round++) {
      if (round > MAX_BATCH_ROUNDS) {
        throw new Error(
          `BatchWriteItem left ${pending.length} row errors unprocessed after ${MAX_BATCH_ROUNDS} rounds`,
        );
      }
      if (round > 1) await backoff(round);
      const { UnprocessedItems } = await this.db.send(
        new BatchWriteCommand({
          RequestItems: { [this.tableName]: pending as { PutRequest: { Item: Item } }[] },
        }),
      );
      pending = UnprocessedItems?.[this.tableName] ?? [];
    }
  }
}
