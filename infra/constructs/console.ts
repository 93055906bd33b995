import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EnvName } from '@leadrelay/aws';
import { DefaultStackSynthesizer, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct, type IConstruct } from 'constructs';
import { consoleCsp, HSTS_MAX_AGE_SECONDS } from '../../packages/console/hosting';
import { acknowledge, nagResource } from '../nag';
import type { Api } from './api';
import type { Data } from './data';
import { repoRoot } from './functions';
import type { Users } from './users';

/** Where Vite writes the built console (`npm run build -w @leadrelay/console`). */
export const consoleDist = join(repoRoot, 'packages', 'console', 'dist');

/** The key prefix of the console's files in its bucket, and the path it is served under: Vite's `base`. */
export const consolePrefix = 'console/';

/** The paths the distribution sends to the HTTP API; everything else is the console. */
export const apiPaths = ['/v1/*', '/l/*', '/health'] as const;

/** Hashed file names (assets/index-FvB6VOA6.js) never change content: browsers and CloudFront keep them a year. */
const ASSETS_CACHE = [
  s3deploy.CacheControl.setPublic(),
  s3deploy.CacheControl.maxAge(Duration.days(365)),
  s3deploy.CacheControl.immutable(),
];
/** index.html and config.json name the current build and pool: revalidated on every load. */
const PAGES_CACHE = [s3deploy.CacheControl.noCache()];
const PAGES = ['index.html', 'config.json'];

export interface ConsoleProps {
  /** The HTTP API: the distribution's origin for `apiPaths`. */
  readonly api: Api;
  /** The user pool and the console's app client, written into config.json. */
  readonly users: Users;
  /** The inbox bucket (presigned uploads, in the CSP) and the access-logs bucket. */
  readonly data: Data;
  /** The built console; default `consoleDist`. */
  readonly dist?: string;
}

/**
 * The web console in AWS, and the product's one origin: a CloudFront distribution whose
 * default behaviour serves the console's static files from a private S3 bucket (origin
 * access control), and whose `/v1/*`, `/l/*` and `/health` go to the HTTP API, uncached.
 * The browser talks to one origin, so there is no CORS; the email links use it too.
 *
 * The console's files are Vite's build (`consoleDist`) and its config.json (the pool and
 * client ids), written by the same deploy under `console/`.
 */
export class Console extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** Rewrites the console's client-side paths to its index.html (viewer request, default behaviour). */
  readonly viewerRequest: cloudfront.Function;
  readonly responseHeaders: cloudfront.ResponseHeadersPolicy;
  /** The hashed assets, then (after them) index.html and config.json. */
  readonly deployments: {
    readonly assets: s3deploy.BucketDeployment;
    readonly pages: s3deploy.BucketDeployment;
  };

  constructor(scope: Construct, id: string, props: ConsoleProps) {
    super(scope, id);
    const dist = props.dist ?? consoleDist;
    if (!existsSync(join(dist, 'index.html'))) {
      throw new Error(
        `The console is not built: ${join(dist, 'index.html')} is missing. Build it first: ` +
          '`npm run build -w @leadrelay/console` (or `npx vite build` in packages/console), then synth again.',
      );
    }
    const stack = Stack.of(this);
    const { accessLogs, inbox } = props.data;

    // Build output, not data: kept when the stack goes (an S3 bucket with files cannot be deleted by
    // CloudFormation) and rewritten by every deploy.
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'console-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // CloudFront's standard logs need a bucket with ACLs; the other access logs stay in a bucket without.
    const distributionLogs = new s3.Bucket(this, 'DistributionLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'distribution-logs-bucket/',
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.viewerRequest = new cloudfront.Function(this, 'ViewerRequest', {
      comment: 'Lead Relay console: client-side paths to /console/index.html',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromFile({
        filePath: join(repoRoot, 'infra', 'constructs', 'console-viewer-request.js'),
      }),
    });

    const csp = consoleCsp({
      cognito: [`https://cognito-idp.${stack.region}.${stack.urlSuffix}`],
      uploads: [`https://${inbox.bucketRegionalDomainName}`],
    });
    this.responseHeaders = new cloudfront.ResponseHeadersPolicy(this, 'ResponseHeaders', {
      comment: 'Lead Relay console: strict CSP and security headers (packages/console/hosting.ts)',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: csp, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.seconds(HSTS_MAX_AGE_SECONDS),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
      },
    });

    const apiBehavior: cloudfront.BehaviorOptions = {
      origin: new HttpOrigin(props.api.domainName, {
        protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      }),
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      // Every request reaches the api as the browser sent it (Authorization, query, body), never from a cache.
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      // The API's writes, and the email links' forms (POST /l/{token}).
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
    };

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Lead Relay: the console and the HTTP API on one origin',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        compress: true,
        responseHeadersPolicy: this.responseHeaders,
        functionAssociations: [
          { function: this.viewerRequest, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
        ],
      },
      additionalBehaviors: Object.fromEntries(apiPaths.map((path) => [path, apiBehavior])),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: distributionLogs,
      logFilePrefix: 'distribution/',
    });
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR1',
      'No geo restriction: suppliers and their channel partners sign in and follow email links from any country.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR2',
      'No AWS WAF web ACL yet: a CloudFront web ACL lives in us-east-1 and the stack is region-agnostic. The API ' +
        'stage is throttled, every API route authenticates in the api function, and link tokens are HMAC-signed.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR4',
      'The distribution has no custom domain yet, so it serves the default *.cloudfront.net certificate, whose ' +
        'security policy CloudFront fixes; a custom domain with an ACM certificate would take TLSv1.2_2021.',
    );

    const config = {
      cognito: {
        region: stack.region,
        userPoolId: props.users.pool.userPoolId,
        clientId: props.users.consoleClient.userPoolClientId,
      },
    };
    // One build, two deploys by cache lifetime; neither prunes, so a browser still on the previous index.html
    // loads the previous build's chunks (hashed names never collide).
    const build = s3deploy.Source.asset(dist);
    const assets = new s3deploy.BucketDeployment(this, 'DeployAssets', {
      destinationBucket: this.bucket,
      destinationKeyPrefix: consolePrefix,
      sources: [build],
      exclude: PAGES,
      prune: false,
      cacheControl: ASSETS_CACHE,
    });
    const pages = new s3deploy.BucketDeployment(this, 'DeployPages', {
      destinationBucket: this.bucket,
      destinationKeyPrefix: consolePrefix,
      sources: [build, s3deploy.Source.jsonData('config.json', config)],
      exclude: ['*'],
      include: PAGES,
      prune: false,
      cacheControl: PAGES_CACHE,
    });
    // The new index.html only once the files it names are there.
    pages.node.addDependency(assets);
    this.deployments = { assets, pages };
    acknowledgeDeploymentHandler(this, assets);
  }

  /** The console, `https://<distribution domain>/console/`. */
  get url(): string {
    return `${this.origin}/${consolePrefix}`;
  }

  /** The product's origin for browsers: `https://<distribution domain>`. */
  get origin(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }

  /** PUBLIC_URL: email links are `<origin>/l/<token>`, on the same origin as the console. */
  linkFrom(fn: lambda.Function): void {
    fn.addEnvironment(EnvName.publicUrl, `${this.origin}/`);
  }
}

/**
 * The findings on CDK's BucketDeployment handler (one Lambda per stack, shared by both
 * deployments), one by one: it runs only during a deploy, copying the build from the CDK
 * assets bucket into the console bucket, with the grants and runtime CDK gives it.
 */
function acknowledgeDeploymentHandler(scope: Console, deployment: s3deploy.BucketDeployment): void {
  const handler: IConstruct | undefined = deployment.handlerRole.node.scope;
  if (!handler) throw new Error('the BucketDeployment handler role has no scope');
  const stack = Stack.of(scope);
  const qualifier =
    (stack.synthesizer instanceof DefaultStackSynthesizer
      ? stack.synthesizer.bootstrapQualifier
      : undefined) ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  const assetsBucket = DefaultStackSynthesizer.DEFAULT_FILE_ASSETS_BUCKET_NAME.replace(
    /\$\{Qualifier\}/,
    qualifier,
  );
  acknowledge(
    handler,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    "CDK's BucketDeployment handler writes its own logs with the AWS managed basic execution policy, nothing more.",
  );
  const reason =
    "CDK's BucketDeployment handler, run only by a deploy, reads the console build from the CDK assets bucket " +
    'and writes it under console/ in the console bucket: the wildcards are the object actions of that copy.';
  for (const action of ['s3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:Abort*', 's3:DeleteObject*']) {
    acknowledge(handler, `AwsSolutions-IAM5[Action::${action}]`, reason);
  }
  acknowledge(
    handler,
    `AwsSolutions-IAM5[Resource::${nagResource(scope, `arn:\${AWS::Partition}:s3:::${assetsBucket}/*`)}]`,
    reason,
  );
  acknowledge(
    handler,
    `AwsSolutions-IAM5[Resource::${nagResource(scope, scope.bucket.arnForObjects('*'))}]`,
    reason,
  );
  acknowledge(
    handler,
    'AwsSolutions-L1',
    "The runtime of CDK's BucketDeployment handler (Python, with the AWS CLI layer) is CDK's choice, " +
      'upgraded with aws-cdk-lib; it runs only during a deploy and serves no request.',
  );
}
