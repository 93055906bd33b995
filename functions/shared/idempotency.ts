import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Mailer, OutgoingEmail } from '@leadrelay/core';
import type { Context } from 'aws-lambda';

/** Powertools' idempotency records on the single table: PK `IDEMPOTENCY`, SK the key's hash, TTL `expiresAt`. */
export function idempotencyStore(client: DynamoDBClient, tableName: string): DynamoDBPersistenceLayer {
  return new DynamoDBPersistenceLayer({
    tableName,
    keyAttr: 'PK',
    sortKeyAttr: 'SK',
    staticPkValue: 'IDEMPOTENCY',
    expiryAttr: 'expiresAt',
    awsSdkV3Client: client,
  });
}

/**
 * A mailer that sends each email once per idempotency key (Powertools'
 * idempotency utility): the same key again answers the first message id, and
 * a send still in flight under that key (the same stream record handled twice
 * at once) throws, so the record is retried and then answered from the record.
 * Remembered for 7 days, longer than a stream record can be retried.
 */
export function idempotentMailer(
  send: (email: OutgoingEmail) => Promise<{ messageId: string }>,
  client: DynamoDBClient,
  tableName: string,
): Mailer & { registerContext(context: Context): void } {
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'key', expiresAfterSeconds: 7 * 86_400 });
  const once = makeIdempotent((input: { key: string; email: OutgoingEmail }) => send(input.email), {
    persistenceStore: idempotencyStore(client, tableName),
    config,
  });
  return {
    send: (email, key) => once({ key, email }),
    registerContext: (context) => config.registerLambdaContext(context),
  };
}
