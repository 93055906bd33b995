import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * One document client per process. The endpoint comes from the SDK's own
 * settings (AWS_ENDPOINT_URL_DYNAMODB locally), never from our code.
 */
export function createDocumentClient(
  config: DynamoDBClientConfig | DynamoDBClient = {},
): DynamoDBDocumentClient {
  const client = config instanceof DynamoDBClient ? config : new DynamoDBClient(config);
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
}
