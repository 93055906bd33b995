import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type RulesKind, type RulesStore, rulesChangedMeanwhile, type StoredRules } from '@leadrelay/core';
import { Entity, Keys } from './keys';

/** RulesStore on the single table: one item per supplier and kind (see keys.ts). */
export class DynamoRulesStore implements RulesStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  // get a supplier's rules of one kind — main table
  async getRules(supplierId: string, kind: RulesKind): Promise<StoredRules | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: Keys.rules(supplierId, kind), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return {
      rules: Item.rules,
      version: Number(Item.version),
      updatedAt: String(Item.updatedAt),
      ...(typeof Item.updatedBy === 'string' && { updatedBy: Item.updatedBy }),
    };
  }

  // put a supplier's rules if the version is still the one read — main table, conditional put
  async putRules(
    supplierId: string,
    kind: RulesKind,
    rules: unknown,
    expectedVersion: number,
    now: string,
    updatedBy?: string,
  ): Promise<number> {
    const version = expectedVersion + 1;
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...Keys.rules(supplierId, kind),
            entity: Entity.rules,
            supplierId,
            kind,
            rules,
            version,
            updatedAt: now,
            ...(updatedBy !== undefined && { updatedBy }),
          },
          ...(expectedVersion === 0
            ? { ConditionExpression: 'attribute_not_exists(PK)' }
            : {
                ConditionExpression: 'version = :expected',
                ExpressionAttributeValues: { ':expected': expectedVersion },
              }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw rulesChangedMeanwhile(kind, expectedVersion);
      }
      throw error;
    }
    return version;
  }
}
