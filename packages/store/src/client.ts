import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The one place the product builds its DynamoDB clients (handlers, the local cloud),
 * so the marshalling options and the client settings cannot differ between them;
 * test/unit/architecture.test.ts keeps every other production module from building one.
 * The endpoint comes from the SDK's own settings (AWS_ENDPOINT_URL_DYNAMODB locally),
 * never from a handler's code.
 */
export function createDynamoClient(config: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient(config);
}

/**
 * One document client per process, over `config`'s client (or the given one, when
 * the process also needs the plain client, as Powertools idempotency does).
 */
export function createDocumentClient(
  config: DynamoDBClientConfig | DynamoDBClient = {},
): DynamoDBDocumentClient {
  const client = config instanceof DynamoDBClient ? config : createDynamoClient(config);
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
}
