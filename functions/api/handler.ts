import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { createS3Client, linkKeysSource, loadConfig, operatorKeySource, S3Files } from '@leadrelay/aws';
import { systemClock } from '@leadrelay/core';
import {
  createDocumentClient,
  createDynamoClient,
  DynamoLeadStore,
  DynamoReportStore,
  DynamoRulesStore,
  DynamoTenantStore,
  DynamoUploadStore,
} from '@leadrelay/store';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { functionLogger } from '../shared/logger';
import { createApi } from './app';
import { powertoolsIdempotency } from './idempotency';

const config = loadConfig('api');
const logger = functionLogger('api');
const dynamo = createDynamoClient();
const db = createDocumentClient(dynamo);
const api = createApi(
  {
    store: new DynamoTenantStore(db, config.TABLE_NAME),
    leads: new DynamoLeadStore(db, config.TABLE_NAME),
    rules: new DynamoRulesStore(db, config.TABLE_NAME),
    clock: systemClock,
    operatorKey: operatorKeySource(config),
    linkKeys: linkKeysSource(config),
    idempotency: powertoolsIdempotency(dynamo, config.TABLE_NAME),
    uploads: {
      store: new DynamoUploadStore(db, config.TABLE_NAME),
      signer: new S3Files(createS3Client({ forcePathStyle: config.S3_FORCE_PATH_STYLE }), config.BUCKET_NAME),
    },
    reports: new DynamoReportStore(db, config.TABLE_NAME),
  },
  logger,
);

/** API Gateway HTTP API ($default route) → the router. */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler((event) => api.handle(event));
