import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { HeaderMappingStore, RememberedMapping } from '@leadrelay/core';
import { fromItem } from './items';
import { Entity, Keys } from './keys';
import { queryPrefix } from './prefix-query';

/** Most remembered mappings ingest loads for one supplier (pages of a Query, never a Scan). */
const MAX_LISTED = 1000;

/**
 * HeaderMappingStore on the single table (keys.ts: HeaderMapping): one item per header
 * row a supplier gave a mapping for, in the supplier's partition.
 */
export class DynamoHeaderMappingStore implements HeaderMappingStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  // remember a mapping — main table, conditional: a mapping from a newer upload is never replaced by an older one
  async putHeaderMapping(mapping: RememberedMapping): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...Keys.headerMapping(mapping.supplierId, mapping.headerHash),
            entity: Entity.headerMapping,
            ...mapping,
          },
          ConditionExpression: 'attribute_not_exists(PK) OR learntAt <= :at',
          ExpressionAttributeValues: { ':at': mapping.learntAt },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw error;
    }
  }

  // get the mapping of one header row — main table
  async getHeaderMapping(supplierId: string, headerHash: string): Promise<RememberedMapping | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: Keys.headerMapping(supplierId, headerHash) }),
    );
    return Item ? fromItem<RememberedMapping>(Item) : undefined;
  }

  // every mapping of a supplier — main table, Query begins_with HEADERMAP#
  async listHeaderMappings(supplierId: string): Promise<RememberedMapping[]> {
    const items = await queryPrefix(this.db, this.tableName, Keys.headerMappingsOf(supplierId), {
      max: MAX_LISTED,
    });
    return items.map((item) => fromItem<RememberedMapping>(item));
  }
}
