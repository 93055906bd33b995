import { LambdaClient } from '@aws-sdk/client-lambda';
import { createS3Client, LambdaInvoker, loadConfig, S3Files } from '@leadrelay/aws';
import { systemClock } from '@leadrelay/core';
import {
  createDocumentClient,
  createDynamoClient,
  DynamoHeaderMappingStore,
  DynamoLeadStore,
  DynamoRulesStore,
  DynamoTenantStore,
  DynamoUploadStore,
} from '@leadrelay/store';
import type { Context } from 'aws-lambda';
import { functionLogger } from '../shared/logger';
import { functionMetrics } from '../shared/metrics';
import { functionTracer } from '../shared/tracer';
import { createIngestHandler, type IngestEvent } from './ingest';

const config = loadConfig('ingest');
const logger = functionLogger('ingest');
const metrics = functionMetrics('ingest');
const { traced } = functionTracer('ingest');
const db = createDocumentClient(traced(createDynamoClient()));
const files = new S3Files(
  traced(createS3Client({ forcePathStyle: config.S3_FORCE_PATH_STYLE })),
  config.BUCKET_NAME,
);
const invoker = new LambdaInvoker(traced(new LambdaClient({})));

const ingest = createIngestHandler({
  leads: new DynamoLeadStore(db, config.TABLE_NAME),
  tenants: new DynamoTenantStore(db, config.TABLE_NAME),
  rules: new DynamoRulesStore(db, config.TABLE_NAME),
  uploads: new DynamoUploadStore(db, config.TABLE_NAME),
  mappings: new DynamoHeaderMappingStore(db, config.TABLE_NAME),
  clock: systemClock,
  bucket: config.BUCKET_NAME,
  open: (key, object) => files.opener(key, object),
  invokeAsync: (functionName, event) => invoker.invokeAsync(functionName, event),
  logger,
  counter: metrics,
});

/**
 * S3 ObjectCreated under inbox/<supplierId>/ (or ingest's own `{kind: 'resume'}`)
 * → the lead file is streamed in; see createIngestHandler. What the runs read is
 * counted and written once per invocation, also when a later record throws (the
 * earlier records' leads are in).
 */
export const handler = async (event: IngestEvent, context: Context): Promise<void> => {
  try {
    await ingest(event, context);
  } finally {
    metrics.flush();
  }
};
