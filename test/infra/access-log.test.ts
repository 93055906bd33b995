import { describe, expect, it } from 'vitest';
import { synth } from './synth';

describe('API Gateway access log', () => {
  it('records method, status, route and request id, and no path (an /l/ path carries a link token)', () => {
    const { template } = synth({ bundle: false });
    const stages = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    expect(stages).toHaveLength(1);
    const format = stages[0]?.Properties.AccessLogSettings.Format as string;
    expect(JSON.parse(format)).toMatchObject({
      requestId: '$context.requestId',
      httpMethod: '$context.httpMethod',
      routeKey: '$context.routeKey',
      status: '$context.status',
    });
    // $context.path is the only HTTP API variable that holds the request path.
    expect(format).not.toContain('$context.path');
  });
});
