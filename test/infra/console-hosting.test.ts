import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { runInNewContext } from 'node:vm';
import { App, Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../infra/constructs/api';
import { apiPaths, Console, consoleDist } from '../../infra/constructs/console';
import { Data } from '../../infra/constructs/data';
import { Users } from '../../infra/constructs/users';
import { consoleCsp, HSTS_MAX_AGE_SECONDS, securityHeaders } from '../../packages/console/hosting';
import { logicalIdOf, referencedIds, type Synthesized, synth } from './synth';

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };
type Behavior = {
  PathPattern?: string;
  TargetOriginId: string;
  ViewerProtocolPolicy: string;
  AllowedMethods: string[];
  CachePolicyId: unknown;
  OriginRequestPolicyId?: unknown;
  ResponseHeadersPolicyId?: unknown;
  FunctionAssociations?: { EventType: string; FunctionARN: unknown }[];
};
type Origin = {
  Id: string;
  DomainName: unknown;
  OriginAccessControlId?: unknown;
  S3OriginConfig?: { OriginAccessIdentity: string };
  CustomOriginConfig?: { OriginProtocolPolicy: string; OriginSSLProtocols: string[] };
};
type DistributionConfig = {
  DefaultCacheBehavior: Behavior;
  CacheBehaviors: Behavior[];
  Origins: Origin[];
  HttpVersion: string;
  Logging: { Bucket: unknown; Prefix: string };
  CustomErrorResponses?: unknown;
};
type PolicyStatement = {
  Effect: string;
  Action: string | string[];
  Principal: unknown;
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

let synthesized: Synthesized;
let resources: Record<string, Resource>;

beforeAll(() => {
  // The console's construct reads the built console (built once by test/support/console-build.ts); no handlers to bundle.
  synthesized = synth({ bundle: false });
  resources = synthesized.template.toJSON().Resources as Record<string, Resource>;
}, 120_000);

const site = () => synthesized.stack.webConsole;
const resolve = (value: unknown) => synthesized.stack.resolve(value);
const resourceOf = (logicalId: string): Resource => {
  const resource = resources[logicalId];
  if (!resource) throw new Error(`no resource ${logicalId} in the template`);
  return resource;
};
const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
const config = () =>
  resourceOf(logicalIdOf(site().distribution)).Properties.DistributionConfig as DistributionConfig;
const originOf = (behavior: Behavior): Origin => {
  const origin = config().Origins.find((o) => o.Id === behavior.TargetOriginId);
  if (!origin) throw new Error(`no origin ${behavior.TargetOriginId}`);
  return origin;
};
const bucketId = () => logicalIdOf(site().bucket);

/** A template value with its intrinsics replaced by example values: what CloudFront would get. */
function render(value: unknown, values: Record<string, string>): string {
  if (typeof value === 'string') return value;
  const node = value as Record<string, unknown>;
  if (Array.isArray(node['Fn::Join'])) {
    const [delimiter, parts] = node['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => render(part, values)).join(delimiter);
  }
  const key =
    typeof node.Ref === 'string'
      ? node.Ref
      : Array.isArray(node['Fn::GetAtt'])
        ? (node['Fn::GetAtt'] as string[]).join('.')
        : undefined;
  if (key === undefined || values[key] === undefined)
    throw new Error(`no example for ${JSON.stringify(value)}`);
  return values[key];
}

describe("the console's bucket", () => {
  it('is private and encrypted, logs access to the access-logs bucket, and refuses plain HTTP', () => {
    const bucket = resourceOf(bucketId());
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
    expect(bucket.Properties.WebsiteConfiguration).toBeUndefined();
    const logging = bucket.Properties.LoggingConfiguration as { DestinationBucketName: unknown };
    expect(referencedIds(logging.DestinationBucketName)).toEqual([
      logicalIdOf(synthesized.stack.data.accessLogs),
    ]);
  });

  it('lets only this distribution read it (origin access control, SourceArn), and only objects', () => {
    const policies = ofType('AWS::S3::BucketPolicy').filter(
      ([, policy]) => referencedIds(policy.Properties.Bucket)[0] === bucketId(),
    );
    expect(policies).toHaveLength(1);
    const [[, policy]] = policies as [[string, Resource]];
    const statements = (policy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement;
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Resource: resolve(site().bucket.arnForObjects('*')),
        Condition: {
          StringEquals: {
            'AWS:SourceArn': resolve(
              Stack.of(site()).formatArn({
                service: 'cloudfront',
                region: '',
                resource: 'distribution',
                resourceName: site().distribution.distributionId,
              }),
            ),
          },
        },
      },
    ]);
    const denies = statements.filter((s) => s.Effect === 'Deny');
    expect(denies).toEqual([
      expect.objectContaining({ Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
  });

  it('is the origin of the default behaviour through an origin access control, no legacy identity', () => {
    const origin = originOf(config().DefaultCacheBehavior);
    expect(origin.DomainName).toEqual({ 'Fn::GetAtt': [bucketId(), 'RegionalDomainName'] });
    expect(origin.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    const [oacId] = referencedIds(origin.OriginAccessControlId);
    expect(resourceOf(oacId as string)).toMatchObject({
      Type: 'AWS::CloudFront::OriginAccessControl',
      Properties: {
        OriginAccessControlConfig: {
          OriginAccessControlOriginType: 's3',
          SigningBehavior: 'always',
          SigningProtocol: 'sigv4',
        },
      },
    });
    expect(ofType('AWS::CloudFront::CloudFrontOriginAccessIdentity')).toEqual([]);
  });
});

describe('the distribution', () => {
  it('is the only one, served over HTTP/2 and HTTP/3, and logs to a bucket of its own', () => {
    expect(ofType('AWS::CloudFront::Distribution')).toHaveLength(1);
    expect(config().HttpVersion).toBe('http2and3');
    const [logBucketId] = referencedIds(config().Logging.Bucket);
    const logBucket = resourceOf(logBucketId as string);
    expect(logBucket.Type).toBe('AWS::S3::Bucket');
    // CloudFront's standard logs are written with ACLs.
    expect(logBucket.Properties.OwnershipControls).toEqual({
      Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }],
    });
    expect(logBucket.Properties.PublicAccessBlockConfiguration).toMatchObject({ BlockPublicAcls: true });
  });

  it('sends /v1/*, /l/* and /health to the HTTP API, uncached, with every method and the viewer request', () => {
    const behaviors = config().CacheBehaviors;
    expect(behaviors.map((b) => b.PathPattern)).toEqual([...apiPaths]);
    expect([...apiPaths].sort()).toEqual(['/health', '/l/*', '/v1/*']);
    for (const behavior of behaviors) {
      expect({ path: behavior.PathPattern, ...behavior }).toMatchObject({
        path: behavior.PathPattern,
        ViewerProtocolPolicy: 'https-only',
        CachePolicyId: resolve(cloudfront.CachePolicy.CACHING_DISABLED.cachePolicyId),
        OriginRequestPolicyId: resolve(
          cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER.originRequestPolicyId,
        ),
      });
      expect([...behavior.AllowedMethods].sort()).toEqual(
        ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'].sort(),
      );
      expect(behavior.ResponseHeadersPolicyId).toBeUndefined();
      expect(behavior.FunctionAssociations).toBeUndefined();
      const origin = originOf(behavior);
      expect(origin.CustomOriginConfig).toEqual({
        OriginProtocolPolicy: 'https-only',
        OriginSSLProtocols: ['TLSv1.2'],
      });
    }
    // All three to one origin: the API's host, taken from its URL.
    const [first] = behaviors as [Behavior];
    expect(new Set(behaviors.map((b) => b.TargetOriginId))).toEqual(new Set([first.TargetOriginId]));
    const domain = originOf(first).DomainName;
    expect(domain).toEqual({ 'Fn::Select': [2, { 'Fn::Split': ['/', resolve(synthesized.stack.api.url)] }] });
    expect(
      render(resolve(synthesized.stack.api.url), {
        [logicalIdOf(synthesized.stack.api.httpApi)]: 'abc123',
        'AWS::Region': 'eu-west-1',
        'AWS::URLSuffix': 'amazonaws.com',
      }).split('/')[2],
    ).toBe('abc123.execute-api.eu-west-1.amazonaws.com');
    expect(referencedIds(domain)).toContain(logicalIdOf(synthesized.stack.api.httpApi));
  });

  it('serves the console by default: HTTPS (HTTP redirected), GET and HEAD, the rewrite and the headers', () => {
    const behavior = config().DefaultCacheBehavior;
    expect(behavior).toMatchObject({
      ViewerProtocolPolicy: 'redirect-to-https',
      CachePolicyId: resolve(cloudfront.CachePolicy.CACHING_OPTIMIZED.cachePolicyId),
      ResponseHeadersPolicyId: { Ref: logicalIdOf(site().responseHeaders) },
      FunctionAssociations: [
        {
          EventType: 'viewer-request',
          FunctionARN: { 'Fn::GetAtt': [logicalIdOf(site().viewerRequest), 'FunctionARN'] },
        },
      ],
    });
    expect([...behavior.AllowedMethods].sort()).toEqual(['GET', 'HEAD']);
  });

  it('answers no request over plain HTTP', () => {
    const policies = [config().DefaultCacheBehavior, ...config().CacheBehaviors].map(
      (b) => b.ViewerProtocolPolicy,
    );
    expect(policies).not.toContain('allow-all');
    expect(new Set(policies)).toEqual(new Set(['redirect-to-https', 'https-only']));
  });

  it('has no custom error pages (they would replace the API errors too)', () => {
    expect(config().CustomErrorResponses).toBeUndefined();
  });
});

describe("the console's paths (the viewer-request function)", () => {
  type Handler = (event: unknown) => { uri: string; querystring: unknown; method: string };
  let handler: Handler;

  beforeAll(() => {
    const fn = resourceOf(logicalIdOf(site().viewerRequest));
    expect(fn.Properties.FunctionConfig).toMatchObject({ Runtime: 'cloudfront-js-2.0' });
    expect(fn.Properties.AutoPublish).toBe(true);
    // The code CloudFront runs, as the template holds it: plain JS, evaluated here on its own.
    handler = runInNewContext(`${fn.Properties.FunctionCode as string}\nhandler;`, {}) as Handler;
  });

  const uriAfter = (uri: string, method = 'GET'): string =>
    handler({
      version: '1.0',
      context: { eventType: 'viewer-request' },
      viewer: { ip: '192.0.2.1' },
      request: { method, uri, querystring: { a: { value: '1' } }, headers: {}, cookies: {} },
    }).uri;

  it.each([
    '/',
    '/console',
    '/console/',
    '/console/leads',
    '/console/leads/123',
    '/console/partners/p-1/settings',
  ])('serves %s the index.html (a client-side path)', (uri) => {
    expect(uriAfter(uri)).toBe('/console/index.html');
  });

  it.each([
    '/console/index.html',
    '/console/config.json',
    '/console/assets/index-FvB6VOA6.js',
    '/console/assets/index-DkDcegiM.css',
    '/favicon.ico',
    '/other',
    '/consoles/x',
  ])('leaves %s as it is', (uri) => {
    expect(uriAfter(uri)).toBe(uri);
  });

  it('keeps the query string and the method', () => {
    const request = handler({
      request: { method: 'HEAD', uri: '/console/leads/1', querystring: { tab: { value: 'history' } } },
    });
    expect(request).toEqual({
      method: 'HEAD',
      uri: '/console/index.html',
      querystring: { tab: { value: 'history' } },
    });
  });

  it('passes every file of the built console through unchanged', () => {
    const files = readdirSync(consoleDist, { recursive: true, encoding: 'utf8' })
      .filter((path) => statSync(join(consoleDist, path)).isFile())
      .map((path) => `/console/${path.split(sep).join('/')}`);
    expect(files).toContain('/console/index.html');
    for (const file of files) expect(uriAfter(file)).toBe(file);
  });
});

describe("the console's response headers", () => {
  const headersConfig = () =>
    (
      resourceOf(logicalIdOf(site().responseHeaders)).Properties.ResponseHeadersPolicyConfig as {
        SecurityHeadersConfig: Record<string, Record<string, unknown>>;
      }
    ).SecurityHeadersConfig;

  it("send the CSP of packages/console/hosting.ts: Cognito's API and the inbox bucket besides 'self'", () => {
    const csp = headersConfig().ContentSecurityPolicy as {
      ContentSecurityPolicy: unknown;
      Override: boolean;
    };
    expect(csp.Override).toBe(true);
    const inboxId = logicalIdOf(synthesized.stack.data.inbox);
    const rendered = render(csp.ContentSecurityPolicy, {
      'AWS::Region': 'eu-west-1',
      'AWS::URLSuffix': 'amazonaws.com',
      [`${inboxId}.RegionalDomainName`]: 'leadrelay-inbox.s3.eu-west-1.amazonaws.com',
    });
    expect(rendered).toBe(
      consoleCsp({
        cognito: ['https://cognito-idp.eu-west-1.amazonaws.com'],
        uploads: ['https://leadrelay-inbox.s3.eu-west-1.amazonaws.com'],
      }),
    );
    expect(rendered).toContain(
      "connect-src 'self' https://cognito-idp.eu-west-1.amazonaws.com https://leadrelay-inbox.s3.eu-west-1.amazonaws.com;",
    );
    expect(rendered).toContain("script-src 'self';");
    expect(rendered).not.toContain('unsafe');
  });

  it('send HSTS, nosniff, X-Frame-Options DENY and strict-origin-when-cross-origin, as hosting.ts says', () => {
    const config = headersConfig();
    expect(config.StrictTransportSecurity).toEqual({
      AccessControlMaxAgeSec: HSTS_MAX_AGE_SECONDS,
      IncludeSubdomains: true,
      Override: true,
    });
    expect(securityHeaders['strict-transport-security']).toBe(
      `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains`,
    );
    expect(config.ContentTypeOptions).toEqual({ Override: true });
    expect(securityHeaders['x-content-type-options']).toBe('nosniff');
    expect(config.FrameOptions).toEqual({ FrameOption: securityHeaders['x-frame-options'], Override: true });
    expect(config.ReferrerPolicy).toEqual({
      ReferrerPolicy: securityHeaders['referrer-policy'],
      Override: true,
    });
  });
});

describe("the console's files", () => {
  const deployment = (name: 'assets' | 'pages') => {
    const cr = site().deployments[name].node.findChild('CustomResource');
    return { id: logicalIdOf(cr), ...resourceOf(logicalIdOf(cr)) };
  };

  it('deploy the hashed assets under console/, cached a year, immutable, keeping earlier builds', () => {
    expect(deployment('assets').Properties).toMatchObject({
      DestinationBucketName: { Ref: bucketId() },
      DestinationBucketKeyPrefix: 'console/',
      Exclude: ['index.html', 'config.json'],
      Prune: false,
      SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' },
    });
  });

  it('deploy index.html and config.json (the pool and client) after them, revalidated on every load', () => {
    const pages = deployment('pages');
    expect(pages.Properties).toMatchObject({
      DestinationBucketName: { Ref: bucketId() },
      DestinationBucketKeyPrefix: 'console/',
      Exclude: ['*'],
      Include: ['index.html', 'config.json'],
      Prune: false,
      SystemMetadata: { 'cache-control': 'no-cache' },
    });
    expect(pages.DependsOn).toContain(deployment('assets').id);
    // config.json's values: the region, the pool and the console's client, no endpoint.
    const markers = pages.Properties.SourceMarkers as Record<string, unknown>[];
    expect(markers.flatMap((m) => Object.values(m))).toEqual([
      { Ref: 'AWS::Region' },
      { Ref: logicalIdOf(synthesized.stack.users.pool) },
      { Ref: logicalIdOf(synthesized.stack.users.consoleClient) },
    ]);
  });

  it('refuse to synth without a built console, saying how to build it', () => {
    const stack = new Stack(new App(), 'Scratch');
    const handler = lambda.Function.fromFunctionArn(
      stack,
      'Handler',
      'arn:aws:lambda:eu-west-1:123456789012:function:api',
    );
    const props = {
      api: new Api(stack, 'Api', { handler }),
      users: new Users(stack, 'Users'),
      data: new Data(stack, 'Data'),
      dist: mkdtempSync(join(tmpdir(), 'no-console-')),
    };
    expect(() => new Console(stack, 'Console', props)).toThrow(
      /console is not built.*npm run build -w @leadrelay\/console.*npx vite build/,
    );
  });
});

describe('the console URL and the email links', () => {
  it('outputs https://<distribution domain>/console/', () => {
    const outputs = synthesized.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.ConsoleUrl?.Value).toEqual({
      'Fn::Join': [
        '',
        ['https://', { 'Fn::GetAtt': [logicalIdOf(site().distribution), 'DomainName'] }, '/console/'],
      ],
    });
  });

  it("puts the email links on the console's origin", () => {
    const fn = resourceOf(logicalIdOf(synthesized.stack.functions.byName.distribute));
    const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env.PUBLIC_URL).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalIdOf(site().distribution), 'DomainName'] }, '/']],
    });
  });
});

describe('cdk-nag', () => {
  it('finds nothing unacknowledged in the console, its distribution or the deployment handler', () => {
    const report = new AwsSolutionsChecks().validateScope(synthesized.stack);
    const here = report.violations.filter((violation) =>
      violation.violatingResources.some((r) => /\/Console\/|CDKBucketDeployment/.test(r.constructPath ?? '')),
    );
    expect(here.map((v) => v.ruleName)).toEqual([]);
  });
});
