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
  type ApiKeyRecord,
  ConflictError,
  changedMeanwhile,
  NotFoundError,
  normaliseName,
  type Page,
  type PageQuery,
  type Partner,
  type PatchSupplierSettings,
  type Principal,
  partnerNameTaken,
  type StoredPartner,
  type Supplier,
  SupplierSettings,
  type TenantStore,
  withPartnerDefaults,
} from '@leadrelay/core';
import { decodeCursor, encodeCursor } from './cursor';
import { fromItem } from './items';
import { Entity, Keys } from './keys';
import { Index } from './table';

/** Settings pass through their schema on the way out: a stable field order, and defaults for settings added later. */
function toSupplier(item: Record<string, unknown>): Supplier {
  const supplier = fromItem<Supplier>(item);
  return { ...supplier, settings: SupplierSettings.parse(supplier.settings ?? {}) };
}

/** A partner written before a setting existed reads with the setting's default. */
function toPartner(item: Record<string, unknown>): Partner {
  return withPartnerDefaults(fromItem<StoredPartner>(item));
}

function principalId(p: Principal): string {
  return p.kind === 'operator'
    ? 'operator'
    : p.kind === 'supplier'
      ? `SUP#${p.supplierId}`
      : `PTR#${p.partnerId}`;
}

function apiKeyPut(tableName: string, record: ApiKeyRecord) {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...Keys.apiKey(record.keyHash),
        ...Keys.apiKeyIndex(principalId(record.principal), record.createdAt, record.id),
        entity: Entity.apiKey,
        version: 1,
        ...record,
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  };
}

/**
 * A key record as the store holds it. Keys issued before keys had ids get one
 * from their hash, so they can be listed and revoked like the others.
 */
function toApiKeyRecord(item: Record<string, unknown>): ApiKeyRecord {
  const record = fromItem<ApiKeyRecord>(item);
  return {
    ...record,
    id: record.id ?? `H${record.keyHash.slice(0, 25).toUpperCase()}`,
    prefix: record.prefix ?? 'lr_',
  };
}

/** Which parts of a cancelled transaction failed their condition. */
function failedConditions(error: TransactionCanceledException): boolean[] {
  return (error.CancellationReasons ?? []).map((r) => r.Code === 'ConditionalCheckFailed');
}

/** TenantStore on the single table (see keys.ts for every key). */
export class DynamoTenantStore implements TenantStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  // put a supplier and its first key — one transaction
  async createSupplier(supplier: Supplier, key: ApiKeyRecord): Promise<void> {
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: {
                ...Keys.supplier(supplier.id),
                ...Keys.supplierIndex(supplier.id, supplier.createdAt),
                entity: Entity.supplier,
                ...supplier,
              },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
          apiKeyPut(this.tableName, key),
        ],
      }),
    );
  }

  // get a supplier — main table
  async getSupplier(supplierId: string): Promise<Supplier | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: Keys.supplier(supplierId), ConsistentRead: true }),
    );
    return Item ? toSupplier(Item) : undefined;
  }

  // set some settings of a supplier — one conditional update, no read
  async updateSupplierSettings(
    supplierId: string,
    patch: PatchSupplierSettings,
    now: string,
  ): Promise<Supplier> {
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined);
    const names: Record<string, string> = { '#settings': 'settings' };
    const values: Record<string, unknown> = { ':now': now, ':one': 1 };
    const sets: string[] = [];
    const removes: string[] = [];
    // A null clears an optional setting: the attribute goes, so the setting reads as absent.
    entries.forEach(([field, value], i) => {
      names[`#f${i}`] = field;
      if (value === null) {
        removes.push(`#settings.#f${i}`);
        return;
      }
      values[`:v${i}`] = value;
      sets.push(`#settings.#f${i} = :v${i}`);
    });
    const remove = removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : '';
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: Keys.supplier(supplierId),
          UpdateExpression: `SET ${[...sets, 'updatedAt = :now'].join(', ')}${remove} ADD version :one`,
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toSupplier(Attributes ?? {});
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new NotFoundError(`Supplier ${supplierId} not found`);
      throw error;
    }
  }

  // put a partner, claim its name, store its key — one transaction
  async createPartner(partner: Partner, key: ApiKeyRecord): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...Keys.partner(partner.supplierId, partner.id), entity: Entity.partner, ...partner },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            this.claimName(partner),
            apiKeyPut(this.tableName, key),
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException && failedConditions(error)[1])
        throw partnerNameTaken(partner.name);
      throw error;
    }
  }

  // get a partner — main table
  async getPartner(supplierId: string, partnerId: string): Promise<Partner | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: Keys.partner(supplierId, partnerId),
        ConsistentRead: true,
      }),
    );
    return Item ? toPartner(Item) : undefined;
  }

  // list a supplier's partners, oldest first — main table, SK prefix PARTNER#
  async listPartners(supplierId: string, page: PageQuery): Promise<Page<Partner>> {
    const { PK, SKPrefix } = Keys.partnersOf(supplierId);
    const { Items = [], LastEvaluatedKey } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': PK, ':prefix': SKPrefix },
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor(page.cursor, { attribute: 'PK', value: PK }),
      }),
    );
    return { items: Items.map(toPartner), nextCursor: encodeCursor(LastEvaluatedKey) };
  }

  // replace a partner if unchanged since read; move its name claim on rename — one transaction
  async replacePartner(previous: Partner, next: Partner): Promise<void> {
    const put = {
      Put: {
        TableName: this.tableName,
        Item: { ...Keys.partner(next.supplierId, next.id), entity: Entity.partner, ...next },
        ConditionExpression: 'version = :expected',
        ExpressionAttributeValues: { ':expected': previous.version },
      },
    };
    if (normaliseName(previous.name) === normaliseName(next.name)) {
      try {
        await this.db.send(new PutCommand(put.Put));
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) throw changedMeanwhile(`Partner ${next.id}`);
        throw error;
      }
      return;
    }
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            put,
            {
              Delete: {
                TableName: this.tableName,
                Key: Keys.partnerName(previous.supplierId, previous.name),
                ConditionExpression: 'partnerId = :id',
                ExpressionAttributeValues: { ':id': previous.id },
              },
            },
            this.claimName(next),
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [version, , name] = failedConditions(error);
      if (name) throw partnerNameTaken(next.name);
      if (version) throw changedMeanwhile(`Partner ${next.id}`);
      throw error;
    }
  }

  // authenticate — main table, by key hash
  async getApiKey(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: Keys.apiKey(keyHash) }),
    );
    return Item ? toApiKeyRecord(Item) : undefined;
  }

  // issue another key — one conditional put
  async createApiKey(record: ApiKeyRecord): Promise<void> {
    await this.db.send(new PutCommand(apiKeyPut(this.tableName, record).Put));
  }

  // a principal's keys, oldest first — byCreated, KEYS#<principal>
  async listApiKeys(principal: Principal, page: PageQuery): Promise<Page<ApiKeyRecord>> {
    const { GSI1PK } = Keys.apiKeyIndex(principalId(principal), '', '');
    const { Items = [], LastEvaluatedKey } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: Index.byCreated.indexName,
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': GSI1PK },
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor(page.cursor, { attribute: 'GSI1PK', value: GSI1PK }),
      }),
    );
    return { items: Items.map(toApiKeyRecord), nextCursor: encodeCursor(LastEvaluatedKey) };
  }

  // revoke a key (only while `keep` is active) — conditional update, or a transaction with a condition check
  async revokeApiKey(keyHash: string, now: string, keep?: string): Promise<ApiKeyRecord> {
    const update = {
      TableName: this.tableName,
      Key: Keys.apiKey(keyHash),
      UpdateExpression: 'SET revokedAt = :now ADD version :one',
      ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(revokedAt)',
      ExpressionAttributeValues: { ':now': now, ':one': 1 },
    };
    try {
      if (keep === undefined) {
        await this.db.send(new UpdateCommand(update));
      } else {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              { Update: update },
              {
                ConditionCheck: {
                  TableName: this.tableName,
                  Key: Keys.apiKey(keep),
                  ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(revokedAt)',
                },
              },
            ],
          }),
        );
      }
    } catch (error) {
      const revokeFailed =
        error instanceof ConditionalCheckFailedException ||
        (error instanceof TransactionCanceledException && failedConditions(error)[0]);
      if (error instanceof TransactionCanceledException && !revokeFailed) {
        // The key kept was revoked meanwhile, or a racing transaction held it (TransactionConflict): look again.
        throw new ConflictError('The key kept active was revoked or changed meanwhile', [
          { path: 'keyId', message: 'no other active key for sure' },
        ]);
      }
      if (!revokeFailed) throw error;
      // Gone, or revoked by someone else first: either way the answer is the key as it is now.
    }
    const record = await this.getApiKeyConsistent(keyHash);
    if (!record) throw new NotFoundError('API key not found');
    return record;
  }

  // note a key's use — conditional update, at most once per `staleBefore` window
  async touchApiKey(keyHash: string, now: string, staleBefore: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: Keys.apiKey(keyHash),
          UpdateExpression: 'SET lastUsedAt = :now',
          ConditionExpression:
            'attribute_exists(PK) AND (attribute_not_exists(lastUsedAt) OR lastUsedAt < :stale)',
          ExpressionAttributeValues: { ':now': now, ':stale': staleBefore },
        }),
      );
    } catch (error) {
      // Another request noted it first: exactly what the condition is for.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private async getApiKeyConsistent(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: Keys.apiKey(keyHash), ConsistentRead: true }),
    );
    return Item ? toApiKeyRecord(Item) : undefined;
  }

  private claimName(partner: Partner) {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...Keys.partnerName(partner.supplierId, partner.name),
          entity: Entity.partnerName,
          version: 1,
          partnerId: partner.id,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    };
  }
}
