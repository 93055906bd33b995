import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';

/**
 * Every item of one partition whose sort key begins with `SKPrefix`, paging the Query
 * until the end or until `max` items (a small, bounded collection: a person's
 * memberships, a supplier's header mappings).
 */
export async function queryPrefix(
  db: DynamoDBDocumentClient,
  tableName: string,
  key: { PK: string; SKPrefix: string },
  options: { consistent?: boolean; max?: number } = {},
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const { Items = [], LastEvaluatedKey } = await db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': key.PK, ':prefix': key.SKPrefix },
        ...(options.consistent ? { ConsistentRead: true } : {}),
        ExclusiveStartKey: start,
      }),
    );
    out.push(...Items);
    start = LastEvaluatedKey;
  } while (start && out.length < (options.max ?? Number.POSITIVE_INFINITY));
  return out;
}
