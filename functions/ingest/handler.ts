import { LambdaClient } from '@aws-sdk/client-lambda';
import { createS3Client, LambdaInvoker, loadConfig, S3Files } from '@leadrelay/aws';
import { systemClock } from '@leadrelay/core';
import {
  createDocumentClient,
  DynamoHeaderMappingStore,
  DynamoLeadStore,
  DynamoRulesStore,
  DynamoTenantStore,
  DynamoUploadStore,
} from '@leadrelay/store';
import type { Context } from 'aws-lambda';
import { functionLogger } from '../shared/logger';
import { createIngestHandler, type IngestEvent } from './ingest';

const config = loadConfig('ingest');
const logger = functionLogger('ingest');
const db = createDocumentClient();
const files = new S3Files(createS3Client({ forcePathStyle: config.S3_FORCE_PATH_STYLE }), config.BUCKET_NAME);
const invoker = new LambdaInvoker(new LambdaClient({}));

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
});

/**
 * S3 ObjectCreated under inbox/<supplierId>/ (or ingest's own `{kind: 'resume'}`)
 * → the lead file is streamed in; see createIngestHandler.
 */
export const handler = (event: IngestEvent, context: Context): Promise<void> => ingest(event, context);
