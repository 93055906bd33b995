import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { indexLeadTexts, type SearchTokenStore } from '@leadrelay/core';
import { DynamoSearchStore, leadFromStreamImage } from '@leadrelay/store';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';

type Image = Record<string, AttributeValue>;

/**
 * Table stream → the keyword-search token items (core search/index-text.ts): the
 * `aggregate` consumer calls this once per batch, beside the report counters. Only
 * Lead images count (other entities are ignored); a record whose text did not
 * change reads and writes nothing. Answers the batch item failures: the records of
 * a lead whose indexing failed, from the failed one on (the stream retries from the
 * first of them, in order).
 */
export function searchIndexer(store: SearchTokenStore) {
  return async (
    records: readonly DynamoDBRecord[],
  ): Promise<{ batchItemFailures: DynamoDBBatchResponse['batchItemFailures']; errors: unknown[] }> => {
    const changes = records.map((record) => ({
      old: leadFromStreamImage(record.dynamodb?.OldImage as Image | undefined),
      lead: leadFromStreamImage(record.dynamodb?.NewImage as Image | undefined),
    }));
    const { failed, errors } = await indexLeadTexts(store, changes);
    return {
      batchItemFailures: failed.map((i) => ({ itemIdentifier: records[i]?.dynamodb?.SequenceNumber ?? '' })),
      errors,
    };
  };
}

/** The indexer on the table (what the handler builds once per process). */
export function tableSearchIndexer(db: DynamoDBDocumentClient, tableName: string) {
  return searchIndexer(new DynamoSearchStore(db, tableName));
}
