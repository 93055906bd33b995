import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type FunctionName, functionNames, functionSpecs } from '../../functions/registry';
import { acknowledge } from '../nag';

/** The repository root: registry entries and the lock file are relative to it. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Construct id of a registry entry: `email-events` becomes `EmailEvents`. */
export const constructIdOf = (name: FunctionName): string =>
  name.replace(/(^|-)([a-z])/g, (_match, _dash: string, letter: string) => letter.toUpperCase());

/**
 * Every Lambda of functions/registry.ts, with the defaults they share. The other
 * constructs add the environment variables and grants each one needs, in the
 * same call (see Data.useTable, Mail.allowSending, ...), so the two cannot drift.
 */
export class Functions extends Construct {
  readonly byName: Readonly<Record<FunctionName, NodejsFunction>>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.byName = Object.fromEntries(
      functionNames.map((name) => [name, this.create(name)] as const),
    ) as Record<FunctionName, NodejsFunction>;
  }

  private create(name: FunctionName): NodejsFunction {
    const spec = functionSpecs[name];
    const id = constructIdOf(name);
    // An explicit log group with retention (not the deprecated logRetention custom
    // resource) and an explicit role with an inline grant on that log group only,
    // instead of the AWS managed AWSLambdaBasicExecutionRole.
    const logGroup = new logs.LogGroup(this, `${id}Logs`, { retention: logs.RetentionDays.ONE_MONTH });
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Lead Relay ${name} function`,
    });
    logGroup.grantWrite(role);

    const fn = new NodejsFunction(this, id, {
      entry: join(repoRoot, spec.entry),
      handler: 'handler',
      description: spec.description,
      memorySize: spec.memorySize,
      timeout: Duration.seconds(spec.timeoutSeconds),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      role,
      logGroup,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'lead-relay',
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        // Stack traces need the mappings, not a second copy of every source file.
        sourcesContent: false,
        mainFields: ['module', 'main'],
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      },
    });

    acknowledge(
      fn,
      'AwsSolutions-L1',
      'Pinned to Node.js 22 on purpose: the bundles target node22 and the team moves runtimes deliberately.',
    );
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
    );
    return fn;
  }
}
