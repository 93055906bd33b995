import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { LambdaClient } from '@aws-sdk/client-lambda';
import {
  CognitoIdentities,
  createS3Client,
  HttpWebhookSender,
  IdTokenVerifier,
  LambdaInvoker,
  linkKeysSource,
  loadConfig,
  operatorKeySource,
  S3ExportFiles,
  S3Files,
} from '@leadrelay/aws';
import { DEFAULT_EXPORT_LIMITS, systemClock } from '@leadrelay/core';
import {
  createDocumentClient,
  createDynamoClient,
  DynamoExportStore,
  DynamoReportStore,
  DynamoRulesStore,
  DynamoTenantStore,
  DynamoUploadStore,
  DynamoUserStore,
  DynamoWebhookStore,
  searchableLeadStore,
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
const s3 = createS3Client({ forcePathStyle: config.S3_FORCE_PATH_STYLE });
const invoker = new LambdaInvoker(new LambdaClient({}));
const api = createApi(
  {
    store: new DynamoTenantStore(db, config.TABLE_NAME),
    leads: searchableLeadStore(db, config.TABLE_NAME),
    rules: new DynamoRulesStore(db, config.TABLE_NAME),
    clock: systemClock,
    operatorKey: operatorKeySource(config),
    linkKeys: linkKeysSource(config),
    idempotency: powertoolsIdempotency(dynamo, config.TABLE_NAME),
    uploads: {
      store: new DynamoUploadStore(db, config.TABLE_NAME),
      signer: new S3Files(s3, config.BUCKET_NAME),
    },
    exports: {
      store: new DynamoExportStore(db, config.TABLE_NAME),
      files: new S3ExportFiles(s3, config.BUCKET_NAME),
      startRun: (event) => invoker.invokeAsync(config.EXPORT_FUNCTION_NAME, event),
      limits: {
        inlineMaxRows: config.EXPORT_INLINE_MAX_ROWS ?? DEFAULT_EXPORT_LIMITS.inlineMaxRows,
        inlineMaxBytes: config.EXPORT_INLINE_MAX_BYTES ?? DEFAULT_EXPORT_LIMITS.inlineMaxBytes,
      },
    },
    reports: new DynamoReportStore(db, config.TABLE_NAME),
    webhooks: {
      store: new DynamoWebhookStore(db, config.TABLE_NAME),
      sender: new HttpWebhookSender({ allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS }),
      targets: { allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS },
    },
    ...(config.USER_POOL_ID && config.USER_POOL_CLIENT_ID && config.TOKEN_ISSUER
      ? {
          people: {
            users: new DynamoUserStore(db, config.TABLE_NAME),
            identities: new CognitoIdentities(config.USER_POOL_ID),
            verifier: new IdTokenVerifier({
              issuer: config.TOKEN_ISSUER,
              clientId: config.USER_POOL_CLIENT_ID,
            }),
          },
        }
      : {}),
  },
  logger,
);

/** API Gateway HTTP API ($default route) → the router. */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler((event) => api.handle(event));
