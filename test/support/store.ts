import { createDocumentClient, DynamoTenantStore } from '@leadrelay/store';
import { inject } from 'vitest';
import { createTestTable, localCredentials, localRegion } from './dynamodb-local';

/** A fresh table on the shared DynamoDB Local, and a document client on it. */
export async function testTable(prefix: string) {
  const endpoint = inject('dynamodbEndpoint');
  const tableName = await createTestTable(endpoint, prefix);
  const db = createDocumentClient({ endpoint, region: localRegion, credentials: localCredentials });
  return { endpoint, tableName, db, tenants: new DynamoTenantStore(db, tableName) };
}
