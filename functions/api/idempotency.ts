import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { idempotencyStore } from '../shared/idempotency';
import { HttpError } from './http';

/** What makes two requests "the same" for an Idempotency-Key: who, which key, which route; the body must match too. */
export interface IdempotencyScope {
  principal: string;
  key: string;
  method: string;
  path: string;
  body: string;
}

export type IdempotentRun = (
  scope: IdempotencyScope,
  run: () => Promise<APIGatewayProxyStructuredResultV2>,
) => Promise<APIGatewayProxyStructuredResultV2>;

const KEY = /^[\x21-\x7e]{1,255}$/;

/** Checks the header value: printable ASCII, at most 255 characters. */
export function idempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!KEY.test(header)) {
    throw new HttpError(
      400,
      'validation_failed',
      'Idempotency-Key must be 1–255 printable ASCII characters',
      [{ path: 'idempotency-key', message: 'invalid header value' }],
    );
  }
  return header;
}

/**
 * Idempotency-Key with Powertools' idempotency utility, on the single table
 * (PK `IDEMPOTENCY`, SK the hash of principal + key + route, TTL `expiresAt`):
 * the same key and body within 24 hours answers the first response and creates
 * nothing; the same key with another body is a 422; a request still running
 * under that key is a 409. A request that failed is not remembered.
 */
export function powertoolsIdempotency(client: DynamoDBClient, tableName: string): IdempotentRun {
  const persistenceStore = idempotencyStore(client, tableName);
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[principal, key, method, path]',
    payloadValidationJmesPath: 'body',
    expiresAfterSeconds: 86_400,
  });
  const idempotent = makeIdempotent(
    (_scope: IdempotencyScope, run: () => Promise<APIGatewayProxyStructuredResultV2>) => run(),
    { persistenceStore, config, dataIndexArgument: 0 },
  );
  return async (scope, run) => {
    try {
      return await idempotent(scope, run);
    } catch (error) {
      if (error instanceof IdempotencyValidationError) {
        throw new HttpError(
          422,
          'idempotency_key_reused',
          'This Idempotency-Key was used with a different body',
          [{ path: 'idempotency-key', message: 'already used with another request body' }],
        );
      }
      if (error instanceof IdempotencyAlreadyInProgressError) {
        throw new HttpError(409, 'conflict', 'A request with this Idempotency-Key is still in progress', [
          { path: 'idempotency-key', message: 'in progress' },
        ]);
      }
      throw error;
    }
  };
}
