import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { loadConfig, operatorKeySource } from '@leadrelay/aws';
import { systemClock } from '@leadrelay/core';
import { createDocumentClient, DynamoTenantStore } from '@leadrelay/store';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createApi } from './app';

const config = loadConfig('api');
const logger = new Logger({ serviceName: 'lead-relay' });
const store = new DynamoTenantStore(createDocumentClient(), config.TABLE_NAME);
const api = createApi({ store, clock: systemClock, operatorKey: operatorKeySource(config) }, logger);

/** API Gateway HTTP API ($default route) → the router. */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler((event) => api.handle(event));
