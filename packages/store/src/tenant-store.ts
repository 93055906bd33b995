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
  NotFoundError,
  normaliseName,
  type Page,
  type PageQuery,
  type Partner,
  type PatchSupplierSettings,
  type Supplier,
  SupplierSettings,
  type TenantStore,
} from '@leadrelay/core';
import { decodeCursor, encodeCursor } from './cursor';
import { fromItem } from './items';
import { Entity, Keys } from './keys';

/** Settings pass through their schema on the way out: a stable field order, and defaults for settings added later. */
function toSupplier(item: Record<string, unknown>): Supplier {
  const supplier = fromItem<Supplier>(item);
  return { ...supplier, settings: SupplierSettings.parse(supplier.settings ?? {}) };
}

function principalId(record: ApiKeyRecord): string {
  const p = record.principal;
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
        ...Keys.apiKeyIndex(principalId(record), record.createdAt),
        entity: Entity.apiKey,
        version: 1,
        ...record,
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  };
}

/** Which parts of a cancelled transaction failed their condition. */
function failedConditions(error: TransactionCanceledException): boolean[] {
  return (error.CancellationReasons ?? []).map((r) => r.Code === 'ConditionalCheckFailed');
}

const nameTaken = (name: string) =>
  new ConflictError(`A partner named "${name}" already exists for this supplier`, [
    { path: 'name', message: 'already used by another partner of this supplier' },
  ]);

const concurrentChange = (what: string) =>
  new ConflictError(`${what} was changed by someone else meanwhile; read it again and retry`, [
    { path: 'version', message: 'stale version' },
  ]);

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
    const sets = entries.map(([field, value], i) => {
      names[`#f${i}`] = field;
      values[`:v${i}`] = value;
      return `#settings.#f${i} = :v${i}`;
    });
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: Keys.supplier(supplierId),
          UpdateExpression: `SET ${[...sets, 'updatedAt = :now'].join(', ')} ADD version :one`,
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
        throw nameTaken(partner.name);
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
    return Item ? fromItem<Partner>(Item) : undefined;
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
    return { items: Items.map((i) => fromItem<Partner>(i)), nextCursor: encodeCursor(LastEvaluatedKey) };
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
        if (error instanceof ConditionalCheckFailedException) throw concurrentChange(`Partner ${next.id}`);
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
      if (name) throw nameTaken(next.name);
      if (version) throw concurrentChange(`Partner ${next.id}`);
      throw error;
    }
  }

  // authenticate — main table, by key hash
  async getApiKey(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: Keys.apiKey(keyHash) }),
    );
    return Item ? fromItem<ApiKeyRecord>(Item) : undefined;
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
