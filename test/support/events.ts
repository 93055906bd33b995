import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** A typed API Gateway v2 ($default route) event, as API Gateway and the local cloud build it. */
export function apiEvent(input: {
  method: string;
  path: string;
  key?: string;
  body?: unknown;
  rawBody?: string;
  contentType?: string;
  query?: Record<string, string>;
}): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = { host: 'api.test', 'user-agent': 'vitest' };
  if (input.key !== undefined) headers.authorization = `Bearer ${input.key}`;
  const body = input.rawBody ?? (input.body === undefined ? undefined : JSON.stringify(input.body));
  if (body !== undefined) headers['content-type'] = input.contentType ?? 'application/json';
  const rawQueryString = new URLSearchParams(input.query ?? {}).toString();
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: input.path,
    rawQueryString,
    headers,
    ...(input.query ? { queryStringParameters: input.query } : {}),
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'api.test',
      domainPrefix: 'api',
      http: {
        method: input.method,
        path: input.path,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'vitest',
      },
      requestId: `req-${now.getTime()}`,
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
  };
}
