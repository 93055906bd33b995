import { type AttributeValue, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createDocumentClient, DynamoLeadStore, DynamoRulesStore, DynamoTenantStore } from '@leadrelay/store';
import { inject } from 'vitest';
import { createTestTable, localCredentials, localRegion } from './dynamodb-local';

/**
 * A fresh table on the shared DynamoDB Local, and a document client on it. No
 * stream unless the test reads it (`stream: true`): DynamoDB Local writes several
 * times slower on every stream table created after one whose stream was written
 * (see createTestTable), and the files share one DynamoDB Local.
 */
/** A table of its own on the project's DynamoDB Local (or on `options.endpoint`'s), with the stores on it. */
export async function testTable(prefix: string, options: { stream?: boolean; endpoint?: string } = {}) {
  const endpoint = options.endpoint ?? inject('dynamodbEndpoint');
  const tableName = await createTestTable(endpoint, prefix, { stream: options.stream ?? false });
  const client = new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials });
  const db = createDocumentClient(client);
  return {
    endpoint,
    tableName,
    client,
    db,
    tenants: new DynamoTenantStore(db, tableName),
    leads: new DynamoLeadStore(db, tableName),
    rules: new DynamoRulesStore(db, tableName),
  };
}

/** A lead's item as DynamoDB holds it (DynamoDB JSON, as the stream carries it), read consistently. */
export async function rawLeadItem(
  table: { client: DynamoDBClient; tableName: string },
  leadId: string,
): Promise<Record<string, AttributeValue>> {
  const { Item } = await table.client.send(
    new GetItemCommand({
      TableName: table.tableName,
      Key: { PK: { S: `LEAD#${leadId}` }, SK: { S: 'LEAD' } },
      ConsistentRead: true,
    }),
  );
  if (!Item) throw new Error(`no lead ${leadId}`);
  return Item;
}
