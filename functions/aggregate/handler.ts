import { loadConfig } from '@leadrelay/aws';
import { createDocumentClient, createDynamoClient, DynamoReportStore } from '@leadrelay/store';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { functionLogger } from '../shared/logger';
import { functionMetrics, Metric } from '../shared/metrics';
import { functionTracer } from '../shared/tracer';
import { aggregateBatch } from './aggregate';
import { tableSearchIndexer } from './search';

const config = loadConfig('aggregate');
const logger = functionLogger('aggregate');
const { traced } = functionTracer('aggregate');
const metrics = functionMetrics('aggregate');
const db = createDocumentClient(traced(createDynamoClient()));
const reports = aggregateBatch({ reports: new DynamoReportStore(db, config.TABLE_NAME) }, logger);
const indexSearch = tableSearchIndexer(db, config.TABLE_NAME);

/** The token items' step: its failures, and its errors logged (the stream retries the failed records). */
async function search(records: DynamoDBStreamEvent['Records']): Promise<DynamoDBBatchResponse> {
  const { batchItemFailures, errors } = await indexSearch(records);
  for (const error of errors) logger.error('search indexing failed', { error });
  return { batchItemFailures };
}

/**
 * Table stream → the report counters (per supplier, day, partner and the cells of
 * core reports/contribution.ts), so reports read a few items and never scan leads,
 * and the keyword-search token items (search.ts); both exact under duplicates,
 * replays, any order and partial failure (version-gated per lead). Each step gets the whole batch and answers its batch item failures; the
 * handler reports the union (the stream retries from the earliest).
 */
export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const failures = new Map<string, { itemIdentifier: string }>();
  const steps: ((records: DynamoDBStreamEvent['Records']) => Promise<DynamoDBBatchResponse>)[] = [
    reports,
    search,
  ];
  for (const step of steps) {
    for (const failure of (await step(event.Records)).batchItemFailures) {
      failures.set(failure.itemIdentifier, failure);
    }
  }
  if (failures.size > 0) logger.warn('records failed', { failed: failures.size, of: event.Records.length });
  metrics.count(Metric.streamRecordsFailed, failures.size);
  metrics.flush();
  return { batchItemFailures: [...failures.values()] };
};
