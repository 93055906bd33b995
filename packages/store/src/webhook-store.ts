import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type AttemptOutcome,
  ConflictError,
  changedMeanwhile,
  DELIVERY_RETENTION_DAYS,
  type DeliveryAttempt,
  type DeliveryStatus,
  type DeliveryStore,
  type Page,
  type PageQuery,
  type StoredDelivery,
  type StoredWebhook,
  type WebhookOwner,
  type WebhookStore,
} from '@leadrelay/core';
import { decodeCursor, encodeCursor } from './cursor';
import { fromItem } from './items';
import { Entity, Keys } from './keys';
import { queryPrefix } from './prefix-query';
import { Index } from './table';

type Item = Record<string, unknown>;

/** The owner's part of a subscription partition: SUPPLIER, or PARTNER#<partnerId>. */
export function webhookOwnerRef(owner: WebhookOwner): string {
  return owner.kind === 'supplier' ? 'SUPPLIER' : `PARTNER#${owner.partnerId}`;
}

function webhookKey(owner: WebhookOwner, webhookId: string) {
  return Keys.webhook(owner.supplierId, webhookOwnerRef(owner), webhookId);
}

/** Plain data only: DynamoDB refuses undefined anywhere in an item. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function webhookItem(webhook: StoredWebhook): Item {
  return { ...plain(webhook), ...webhookKey(webhook.owner, webhook.id), entity: Entity.webhook };
}

function deliveryItem(d: StoredDelivery): Item {
  return {
    ...plain(d),
    ...Keys.webhookDelivery(d.webhookId, d.lane, d.seq),
    ...Keys.webhookDeliveryIndex(d.webhookId, d.createdAt, d.id),
    entity: Entity.webhookDelivery,
  };
}

/** Finished deliveries leave the table (TTL) this long after they finished. */
function expiresAt(finishedAt: string): number {
  return Math.floor(Date.parse(finishedAt) / 1000) + DELIVERY_RETENTION_DAYS * 86_400;
}

const UNFINISHED: readonly DeliveryStatus[] = ['queued', 'sending', 'retrying'];

function conditionFailed(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException;
}

/**
 * The subscriptions and their deliveries on the single table (keys.ts: Webhook,
 * WebhookCount, WebhookDelivery). Every state change is conditional: a subscription
 * on its version (failing and active on its status), a delivery's put on not
 * existing, its claim on its status (and lease), its outcome on the claim.
 */
export class DynamoWebhookStore implements WebhookStore, DeliveryStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  // put a subscription and count it — one transaction, the count conditional on the limit
  async createWebhook(webhook: StoredWebhook, max: number): Promise<void> {
    const ref = webhookOwnerRef(webhook.owner);
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: webhookItem(webhook),
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: Keys.webhookCount(webhook.owner.supplierId, ref),
                UpdateExpression: 'SET entity = :entity ADD #count :one',
                ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
                ExpressionAttributeNames: { '#count': 'count' },
                ExpressionAttributeValues: { ':one': 1, ':max': max, ':entity': Entity.webhookCount },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[1]?.Code === 'ConditionalCheckFailed'
      ) {
        throw new ConflictError(`At most ${max} webhooks per tenant: delete one first`, [
          { path: 'url', message: `the limit of ${max} webhooks is reached` },
        ]);
      }
      throw error;
    }
  }

  // one subscription — GetItem in the owner's partition (another tenant's id is not there)
  async getWebhook(owner: WebhookOwner, webhookId: string): Promise<StoredWebhook | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: webhookKey(owner, webhookId), ConsistentRead: true }),
    );
    return Item ? fromItem<StoredWebhook>(Item) : undefined;
  }

  // an owner's subscriptions, oldest first — Query of its partition, begins_with WEBHOOK#
  async listWebhooks(owner: WebhookOwner, page: PageQuery): Promise<Page<StoredWebhook>> {
    const { PK, SKPrefix } = Keys.webhooksOf(owner.supplierId, webhookOwnerRef(owner));
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
      items: Items.map((i) => fromItem<StoredWebhook>(i)),
      nextCursor: encodeCursor(LastEvaluatedKey),
    };
  }

  // every subscription of an owner (at most 20) — the same Query, all pages
  async webhooksOf(owner: WebhookOwner): Promise<StoredWebhook[]> {
    const items = await queryPrefix(
      this.db,
      this.tableName,
      Keys.webhooksOf(owner.supplierId, webhookOwnerRef(owner)),
    );
    return items.map((i) => fromItem<StoredWebhook>(i));
  }

  // replace a subscription if unchanged since read — conditional put on its version
  async replaceWebhook(previous: StoredWebhook, next: StoredWebhook): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: webhookItem(next),
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':expected': previous.version },
        }),
      );
    } catch (error) {
      if (conditionFailed(error)) throw changedMeanwhile(`Webhook ${previous.id}`);
      throw error;
    }
  }

  // delete a subscription and uncount it — one transaction, conditional on it existing
  async deleteWebhook(owner: WebhookOwner, webhookId: string): Promise<boolean> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.tableName,
                Key: webhookKey(owner, webhookId),
                ConditionExpression: 'attribute_exists(PK)',
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: Keys.webhookCount(owner.supplierId, webhookOwnerRef(owner)),
                UpdateExpression: 'ADD #count :minus',
                ExpressionAttributeNames: { '#count': 'count' },
                ExpressionAttributeValues: { ':minus': -1 },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      ) {
        return false;
      }
      throw error;
    }
  }

  // active → failing — conditional update on the status (only one caller starts a failing spell)
  async markFailing(owner: WebhookOwner, webhookId: string, now: string): Promise<boolean> {
    return this.setStatus(owner, webhookId, {
      update: 'SET #status = :to, failingSince = :now, updatedAt = :now ADD version :one',
      from: 'active',
      to: 'failing',
      now,
    });
  }

  // failing → active — conditional update on the status
  async clearFailing(owner: WebhookOwner, webhookId: string, now: string): Promise<void> {
    await this.setStatus(owner, webhookId, {
      update: 'SET #status = :to, updatedAt = :now REMOVE failingSince ADD version :one',
      from: 'failing',
      to: 'active',
      now,
    });
  }

  private async setStatus(
    owner: WebhookOwner,
    webhookId: string,
    change: { update: string; from: string; to: string; now: string },
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: webhookKey(owner, webhookId),
          UpdateExpression: change.update,
          ConditionExpression: '#status = :from',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':from': change.from,
            ':to': change.to,
            ':now': change.now,
            ':one': 1,
          },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  // put a delivery — conditional on it being new (a replayed stream record adds nothing)
  async putDelivery(delivery: StoredDelivery): Promise<'created' | 'exists'> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: deliveryItem(delivery),
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return 'created';
    } catch (error) {
      if (conditionFailed(error)) return 'exists';
      throw error;
    }
  }

  // one delivery — GetItem by its lane and place (from its id), consistent
  async getDelivery(webhookId: string, lane: string, seq: string): Promise<StoredDelivery | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: Keys.webhookDelivery(webhookId, lane, seq),
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem<StoredDelivery>(Item) : undefined;
  }

  // a lane's head — consistent Query of the lane in order, the first not finished (finished ones are filtered)
  async laneHead(webhookId: string, lane: string): Promise<StoredDelivery | undefined> {
    const { PK, SKPrefix } = Keys.webhookLane(webhookId, lane);
    let start: Item | undefined;
    do {
      const { Items = [], LastEvaluatedKey } = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          FilterExpression: '#status IN (:q, :s, :r)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':pk': PK,
            ':prefix': SKPrefix,
            ':q': UNFINISHED[0],
            ':s': UNFINISHED[1],
            ':r': UNFINISHED[2],
          },
          ConsistentRead: true,
          Limit: 50,
          ExclusiveStartKey: start,
        }),
      );
      const head = Items[0];
      if (head) return fromItem<StoredDelivery>(head);
      start = LastEvaluatedKey;
    } while (start);
    return undefined;
  }

  // claim a delivery for an attempt — conditional update on its status (a sending one: its lease ran out)
  async claimDelivery(
    delivery: StoredDelivery,
    claim: { token: string; now: string; leaseUntil: string; from: readonly DeliveryStatus[] },
  ): Promise<StoredDelivery | undefined> {
    if (claim.from.length === 0) return undefined;
    const values: Record<string, unknown> = {
      ':sending': 'sending',
      ':token': claim.token,
      ':now': claim.now,
      ':lease': claim.leaseUntil,
    };
    const conditions = claim.from.map((status, i) => {
      values[`:from${i}`] = status;
      return status === 'sending' ? `(#status = :from${i} AND leaseUntil < :now)` : `#status = :from${i}`;
    });
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: Keys.webhookDelivery(delivery.webhookId, delivery.lane, delivery.seq),
          UpdateExpression: 'SET #status = :sending, claim = :token, leaseUntil = :lease, updatedAt = :now',
          ConditionExpression: `attribute_exists(PK) AND (${conditions.join(' OR ')})`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? fromItem<StoredDelivery>(Attributes) : undefined;
    } catch (error) {
      if (conditionFailed(error)) return undefined;
      throw error;
    }
  }

  // record a claimed attempt's outcome — conditional update on the claim still being this one
  async finishAttempt(delivery: StoredDelivery, token: string, outcome: AttemptOutcome): Promise<boolean> {
    const finished = outcome.status !== 'retrying';
    const sets = [
      '#status = :status',
      'lastAttempt = :attempt',
      'firstAttemptAt = :first',
      'updatedAt = :now',
      ...(outcome.nextAttemptAt ? ['nextAttemptAt = :next'] : []),
      ...(finished ? ['finishedAt = :now', 'expiresAt = :expires'] : []),
    ];
    const removes = ['claim', 'leaseUntil', ...(outcome.nextAttemptAt ? [] : ['nextAttemptAt'])];
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: Keys.webhookDelivery(delivery.webhookId, delivery.lane, delivery.seq),
          UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')} ADD attempts :one`,
          ConditionExpression: '#status = :sending AND claim = :token',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': outcome.status,
            ':attempt': plain(outcome.lastAttempt),
            ':first': outcome.firstAttemptAt,
            ':now': outcome.now,
            ':sending': 'sending',
            ':token': token,
            ':one': 1,
            ...(outcome.nextAttemptAt ? { ':next': outcome.nextAttemptAt } : {}),
            ...(finished ? { ':expires': expiresAt(outcome.now) } : {}),
          },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  // an attempt by hand — update conditional on the delivery existing; delivered finishes it
  async recordManualAttempt(
    delivery: StoredDelivery,
    attempt: DeliveryAttempt,
    delivered: boolean,
  ): Promise<StoredDelivery> {
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: Keys.webhookDelivery(delivery.webhookId, delivery.lane, delivery.seq),
        UpdateExpression: delivered
          ? 'SET lastAttempt = :attempt, updatedAt = :at, #status = :delivered, finishedAt = :at, expiresAt = :expires, firstAttemptAt = if_not_exists(firstAttemptAt, :at) REMOVE nextAttemptAt, claim, leaseUntil ADD attempts :one'
          : 'SET lastAttempt = :attempt, updatedAt = :at, firstAttemptAt = if_not_exists(firstAttemptAt, :at) ADD attempts :one',
        ConditionExpression: 'attribute_exists(PK)',
        ...(delivered ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
        ExpressionAttributeValues: {
          ':attempt': plain(attempt),
          ':at': attempt.at,
          ':one': 1,
          ...(delivered ? { ':delivered': 'delivered', ':expires': expiresAt(attempt.at) } : {}),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return fromItem<StoredDelivery>(Attributes ?? {});
  }

  // a subscription's delivery log, newest first — byCreated, WEBHOOK#<id>#DELIVERIES
  async listDeliveries(webhookId: string, page: PageQuery): Promise<Page<StoredDelivery>> {
    const { GSI1PK } = Keys.webhookDeliveryIndex(webhookId, '', '');
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
    return {
      items: Items.map((i) => fromItem<StoredDelivery>(i)),
      nextCursor: encodeCursor(LastEvaluatedKey),
    };
  }
}
