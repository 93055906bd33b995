import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import {
  EXPORT_RETENTION_DAYS,
  type ExportOutcome,
  type ExportStore,
  type LeadExport,
} from '@leadrelay/core';
import { fromItem } from './items';
import { Entity, Keys } from './keys';

type Item = Record<string, unknown>;

/** The record lives as long as its file (the bucket's lifecycle rule on exports/). */
function expiresAt(createdAt: string): number {
  return Math.floor(Date.parse(createdAt) / 1000) + EXPORT_RETENTION_DAYS * 86_400;
}

function exportItem(exp: LeadExport): Item {
  return {
    // The view's filter as plain data: no undefined anywhere in it.
    ...(JSON.parse(JSON.stringify(exp)) as Item),
    ...Keys.export(exp.supplierId, exp.id),
    entity: Entity.export,
    expiresAt: expiresAt(exp.createdAt),
  };
}

/**
 * ExportStore on the single table (keys.ts: Export). One item per export; a run's
 * claim and its end are each one UpdateItem conditional on the status and the version.
 */
export class DynamoExportStore implements ExportStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  // create an export — main table, conditional on the id being new
  async createExport(exp: LeadExport): Promise<'created' | 'exists'> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: exportItem(exp),
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return 'created';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'exists';
      throw error;
    }
  }

  // get an export — main table, consistent (a status read right after a run ended sees it)
  async getExport(supplierId: string, exportId: string): Promise<LeadExport | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: Keys.export(supplierId, exportId),
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem<LeadExport>(Item) : undefined;
  }

  // a run starts — main table, conditional on running at the version read
  claimExport(
    supplierId: string,
    exportId: string,
    version: number,
    claim: { now: string; staleAfter: string },
  ): Promise<LeadExport | undefined> {
    return this.update({
      TableName: this.tableName,
      Key: Keys.export(supplierId, exportId),
      UpdateExpression: 'SET updatedAt = :now, staleAfter = :stale ADD attempts :one, version :one',
      ConditionExpression: '#status = :running AND version = :version',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':now': claim.now,
        ':stale': claim.staleAfter,
        ':running': 'running',
        ':version': version,
        ':one': 1,
      },
    });
  }

  // a run ends: done (rows, size) or failed — main table, conditional on running at the version
  finishExport(
    supplierId: string,
    exportId: string,
    version: number,
    outcome: ExportOutcome,
    now: string,
  ): Promise<LeadExport | undefined> {
    const done = outcome.status === 'done';
    return this.update({
      TableName: this.tableName,
      Key: Keys.export(supplierId, exportId),
      UpdateExpression: `SET #status = :final, updatedAt = :now, finishedAt = :now, ${
        done ? '#rows = :rows, #bytes = :bytes' : 'failure = :failure'
      } ADD version :one`,
      ConditionExpression: '#status = :running AND version = :version',
      ExpressionAttributeNames: {
        '#status': 'status',
        ...(done ? { '#rows': 'rows', '#bytes': 'bytes' } : {}),
      },
      ExpressionAttributeValues: {
        ':final': outcome.status,
        ':now': now,
        ...(done ? { ':rows': outcome.rows, ':bytes': outcome.bytes } : { ':failure': outcome.failure }),
        ':running': 'running',
        ':version': version,
        ':one': 1,
      },
    });
  }

  private async update(input: UpdateCommandInput): Promise<LeadExport | undefined> {
    try {
      const { Attributes } = await this.db.send(new UpdateCommand({ ...input, ReturnValues: 'ALL_NEW' }));
      return Attributes ? fromItem<LeadExport>(Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }
}
