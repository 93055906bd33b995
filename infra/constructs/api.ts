import { Fn } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';

export interface ApiProps {
  /** The api function: it serves every route, so the API has one `$default` route. */
  readonly handler: lambda.IFunction;
  /** Steady-state requests per second across the stage. */
  readonly rateLimit?: number;
  readonly burstLimit?: number;
}

/**
 * HTTP API context variables written as one JSON line per request. No path:
 * `/l/{token}` carries an email link's token (whoever holds it can view and act
 * on the lead), and an access log cannot rewrite a path, only copy it. The api
 * function's own request log has the path with the token redacted.
 */
const accessLogFormat = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    ip: '$context.identity.sourceIp',
    requestTime: '$context.requestTime',
    httpMethod: '$context.httpMethod',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    userAgent: '$context.identity.userAgent',
  }),
);

/** The public HTTPS API (API Gateway HTTP API, payload v2) in front of the api function. */
export class Api extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);

    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      apiName: 'lead-relay',
      description: 'Lead Relay HTTP API',
      defaultIntegration: new HttpLambdaIntegration('Api', props.handler),
      // The default stage cannot take throttling or access logs; ours below can.
      createDefaultStage: false,
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.THREE_MONTHS });
    this.stage = new apigw.HttpStage(this, 'Stage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit ?? 100, burstLimit: props.burstLimit ?? 200 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: accessLogFormat,
      },
    });

    const defaultRoute = this.httpApi.node.tryFindChild('DefaultRoute');
    acknowledge(
      defaultRoute ?? this.httpApi,
      'AwsSolutions-APIG4',
      'Authorization is in the api function: Bearer API keys (stored hashed) per operator, supplier or partner, ' +
        'and HMAC-signed, expiring links for email actions. /health and the link pages are public by design.',
    );
  }

  /** The base URL of the API, ending in `/`. */
  get url(): string {
    return this.stage.url;
  }

  /** The API's host name, `<id>.execute-api.<region>.amazonaws.com`: the third part of `url`. */
  get domainName(): string {
    return Fn.select(2, Fn.split('/', this.url));
  }
}
