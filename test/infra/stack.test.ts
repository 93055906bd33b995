import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigSchemas, EnvName } from '@leadrelay/aws';
import { Token } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type FunctionName, functionNames, functionSpecs } from '../../functions/registry';
import { Index, tableDefinition } from '../../packages/store/src/table';
import { logicalIdOf, referencedIds, type Synthesized, synth } from './synth';

type Resource = { Type: string; Properties: Record<string, unknown>; [key: string]: unknown };

let synthesized: Synthesized;
let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  // Bundles the six handlers with esbuild, as `cdk synth` does.
  synthesized = synth();
  template = synthesized.template;
  resources = template.toJSON().Resources as Record<string, Resource>;
}, 120_000);

const resourceOf = (logicalId: string): Resource => {
  const resource = resources[logicalId];
  if (!resource) throw new Error(`no resource ${logicalId} in the template`);
  return resource;
};
const functionResource = (name: FunctionName) =>
  resourceOf(logicalIdOf(synthesized.stack.functions.byName[name]));
const resolve = (value: unknown) => synthesized.stack.resolve(value);
const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
const policiesOfRole = (roleId: string) =>
  ofType('AWS::IAM::Policy').filter(([, policy]) => referencedIds(policy.Properties.Roles).includes(roleId));
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
const statementsOfRole = (roleId: string): Statement[] =>
  policiesOfRole(roleId).flatMap(
    ([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
  );
const actionsOf = (statement: Statement) => [statement.Action].flat();
const roleIdOf = (name: FunctionName) => {
  const role = synthesized.stack.functions.byName[name].role;
  if (!role) throw new Error(`${name} has no role`);
  return logicalIdOf(role);
};

describe('the stack', () => {
  it('is environment-agnostic, so it synthesizes offline without credentials', () => {
    expect(Token.isUnresolved(synthesized.stack.account)).toBe(true);
    expect(Token.isUnresolved(synthesized.stack.region)).toBe(true);
  });

  it('outputs the console URL, API URL, bucket, table, operator key and link keys secrets, user pool and its client, schedule group, alarm topic and backups', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'AlarmTopicArn',
        'ApiUrl',
        'BackupRoleArn',
        'BackupVaultName',
        'LinkKeysSecretArn',
        'BucketName',
        'ConsoleUrl',
        'OperatorKeySecretArn',
        'ScheduleGroupName',
        'TableName',
        'UserPoolClientId',
        'UserPoolId',
      ].sort(),
    );
    const { alarms, api, data, deadlines, users, webConsole } = synthesized.stack;
    expect(outputs.AlarmTopicArn?.Value).toEqual(resolve(alarms.topic.topicArn));
    expect(outputs.ApiUrl?.Value).toEqual(resolve(api.url));
    expect(outputs.ConsoleUrl?.Value).toEqual(resolve(webConsole.url));
    expect(outputs.BucketName?.Value).toEqual(resolve(data.inbox.bucketName));
    expect(outputs.TableName?.Value).toEqual(resolve(data.table.tableName));
    expect(outputs.OperatorKeySecretArn?.Value).toEqual(resolve(data.operatorKey.secretArn));
    expect(outputs.LinkKeysSecretArn?.Value).toEqual(resolve(data.linkKeys.secretArn));
    expect(outputs.ScheduleGroupName?.Value).toEqual(resolve(deadlines.group.scheduleGroupName));
    expect(outputs.UserPoolId?.Value).toEqual(resolve(users.pool.userPoolId));
    expect(outputs.UserPoolClientId?.Value).toEqual(resolve(users.consoleClient.userPoolClientId));
  });
});

describe('the table', () => {
  it('has the keys and GSIs of tableDefinition, all strings', () => {
    const table = template.findResources('AWS::DynamoDB::Table');
    expect(Object.keys(table)).toHaveLength(1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: tableDefinition.partitionKey, KeyType: 'HASH' },
        { AttributeName: tableDefinition.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: tableDefinition.globalSecondaryIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection:
          typeof index.projection === 'string'
            ? { ProjectionType: index.projection }
            : { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projection.include] },
      })),
    });
    const [props] = Object.values(table).map((t) => t.Properties as { AttributeDefinitions: unknown[] });
    const keyNames = [
      tableDefinition.partitionKey,
      tableDefinition.sortKey,
      ...tableDefinition.globalSecondaryIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
    ];
    expect(props?.AttributeDefinitions).toEqual(
      expect.arrayContaining(keyNames.map((name) => ({ AttributeName: name, AttributeType: 'S' }))),
    );
    expect(props?.AttributeDefinitions).toHaveLength(keyNames.length);
  });

  it('streams new and old images, keeps point-in-time recovery, expires items by TTL and bills per request', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: tableDefinition.streamViewType },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: tableDefinition.timeToLiveAttribute, Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('survives a stack deletion: deletion protection and a Retain policy', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
  });
});

describe('the inbox bucket', () => {
  const inbox = () => resourceOf(logicalIdOf(synthesized.stack.data.inbox));

  it('is private, encrypted, versioned and retained', () => {
    expect(inbox()).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(inbox().Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  it('allows browser PUTs (presigned uploads) and expires old versions', () => {
    expect(inbox().Properties).toMatchObject({
      CorsConfiguration: { CorsRules: [expect.objectContaining({ AllowedMethods: ['PUT'] })] },
      LifecycleConfiguration: {
        Rules: [
          expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }),
          // Export files (test/infra/exports.test.ts).
          expect.objectContaining({ Prefix: 'exports/', ExpirationInDays: 7, Status: 'Enabled' }),
        ],
      },
    });
  });

  it('logs access to a separate bucket and refuses plain HTTP', () => {
    const logging = inbox().Properties.LoggingConfiguration as { DestinationBucketName: unknown };
    const [logBucketId] = referencedIds(logging.DestinationBucketName);
    expect(logBucketId).toBeDefined();
    expect(logBucketId).not.toBe(logicalIdOf(synthesized.stack.data.inbox));
    expect(resourceOf(logBucketId as string).Type).toBe('AWS::S3::Bucket');

    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalIdOf(synthesized.stack.data.inbox) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('the functions', () => {
  it('creates one Lambda per registry entry, and no other Node.js Lambda', () => {
    const nodeFunctions = ofType('AWS::Lambda::Function').filter(([, fn]) =>
      String(fn.Properties.Runtime).startsWith('nodejs'),
    );
    expect(nodeFunctions.map(([id]) => id).sort()).toEqual(
      functionNames.map((name) => logicalIdOf(synthesized.stack.functions.byName[name])).sort(),
    );
  });

  it.each(functionNames)('runs %s on Node 22, arm64, traced, with its registry size and timeout', (name) => {
    const spec = functionSpecs[name];
    expect(functionResource(name).Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Description: spec.description,
      MemorySize: spec.memorySize,
      Timeout: spec.timeoutSeconds,
      TracingConfig: { Mode: 'Active' },
    });
  });

  it.each(functionNames)('logs %s to its own log group with a retention', (name) => {
    const logging = functionResource(name).Properties.LoggingConfig as { LogGroup: unknown };
    const [logGroupId] = referencedIds(logging.LogGroup);
    const logGroup = resourceOf(logGroupId as string);
    expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup.Properties.RetentionInDays).toBeGreaterThan(0);
  });

  it.each(functionNames)('gives %s a role of its own, with no AWS managed policy', (name) => {
    const role = resourceOf(roleIdOf(name));
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument).toMatchObject({
      Statement: [{ Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } }],
    });
    const others = functionNames.filter((other) => other !== name).map(roleIdOf);
    expect(others).not.toContain(roleIdOf(name));
  });

  /** What each handler must get on AWS: what its schema requires, plus the AWS side of an either/or. */
  const awsSide: Partial<Record<FunctionName, string[]>> = {
    api: [
      EnvName.operatorKeySecretArn,
      EnvName.linkKeysSecretArn,
      // Optional for the handler (API keys only without them); the stack always has the pool.
      EnvName.userPoolId,
      EnvName.userPoolClientId,
      EnvName.tokenIssuer,
    ],
    distribute: [EnvName.linkKeysSecretArn],
    reroute: [EnvName.linkKeysSecretArn],
  };
  const common = ['NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME'];
  const requiredBy = (name: FunctionName): string[] => {
    const shape = ConfigSchemas[name].shape as Record<
      string,
      { safeParse(value: unknown): { success: boolean } }
    >;
    return Object.keys(shape).filter((key) => !shape[key]?.safeParse(undefined).success);
  };

  it.each(functionNames)('sets exactly the environment variables the %s config schema requires', (name) => {
    const env = (functionResource(name).Properties.Environment as { Variables: Record<string, unknown> })
      .Variables;
    const expected = [...requiredBy(name), ...(awsSide[name] ?? []), ...common];
    expect(Object.keys(env).sort()).toEqual([...new Set(expected)].sort());
    // ...and that set is enough for the handler's loadConfig at cold start (the issuer is a URL).
    const asStrings = Object.fromEntries(
      Object.keys(env).map((key) => [key, key === EnvName.tokenIssuer ? 'https://issuer.example' : 'x']),
    );
    expect(ConfigSchemas[name].safeParse(asStrings).success).toBe(true);
  });

  it('points each environment variable at the resource it names', () => {
    const { stack } = synthesized;
    const expected: Record<string, unknown> = {
      [EnvName.tableName]: stack.data.table.tableName,
      [EnvName.bucketName]: stack.data.inbox.bucketName,
      [EnvName.operatorKeySecretArn]: stack.data.operatorKey.secretArn,
      [EnvName.linkKeysSecretArn]: stack.data.linkKeys.secretArn,
      [EnvName.sesConfigurationSet]: stack.mail.configurationSet.configurationSetName,
      [EnvName.mailFrom]: stack.mail.mailFrom,
      [EnvName.scheduleGroup]: stack.deadlines.group.scheduleGroupName,
      [EnvName.schedulerRoleArn]: stack.deadlines.role.roleArn,
      [EnvName.rerouteFunctionArn]: stack.functions.byName.reroute.functionArn,
      [EnvName.deadlineDeadLetterArn]: stack.deadlines.deadLetters.queue.queueArn,
      // Email links on the console's origin (the distribution routes /l/* to the API).
      [EnvName.publicUrl]: `${stack.webConsole.origin}/`,
      [EnvName.ingestFunctionName]: stack.functions.byName.ingest.functionArn,
      [EnvName.exportFunctionName]: stack.functions.byName.export.functionArn,
      [EnvName.userPoolId]: stack.users.pool.userPoolId,
      [EnvName.userPoolClientId]: stack.users.consoleClient.userPoolClientId,
      [EnvName.tokenIssuer]: stack.users.tokenIssuer,
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'lead-relay',
    };
    for (const name of functionNames) {
      const env = (functionResource(name).Properties.Environment as { Variables: Record<string, unknown> })
        .Variables;
      for (const [key, value] of Object.entries(env)) {
        expect({ name, key, value }).toEqual({ name, key, value: resolve(expected[key]) });
      }
    }
  });

  it.each(functionNames)('bundles %s as one minified ESM file with a source map', (name) => {
    const code = functionResource(name).Properties.Code as { S3Key: string };
    const assetDir = join(synthesized.app.outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
    expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
    const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(bundle.startsWith("import { createRequire } from 'module';")).toBe(true);
    expect(bundle).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
  });

  /**
   * What each function's code paths call on the table, read through packages/store,
   * packages/core and Powertools idempotency (which puts, gets, updates and, after a
   * failure, deletes its records), by resource: `table`, a GSI, or the stream (whose
   * reads the event source mapping grants, with ListStreams on `*`).
   */
  const stream = {
    stream: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
    '*': ['dynamodb:ListStreams'],
  };
  const expectedTableGrants: Record<FunctionName, Record<string, string[]>> = {
    // Tenants, keys (a self-revoke checks the key kept active), leads, rules, uploads, a partner
    // rename's name claims, Idempotency-Key records.
    api: {
      table: [
        'BatchGetItem',
        'ConditionCheckItem',
        'DeleteItem',
        'GetItem',
        'PutItem',
        'Query',
        'UpdateItem',
      ].map((a) => `dynamodb:${a}`),
      GSI1: ['dynamodb:Query'],
      GSI2: ['dynamodb:Query'],
      GSI4: ['dynamodb:Query'],
      GSI5: ['dynamodb:Query'],
      GSI6: ['dynamodb:Query'],
      GSI7: ['dynamodb:Query'],
      GSI8: ['dynamodb:Query'],
      GSI9: ['dynamodb:Query'],
    },
    // Intake (with the supplier's partners), the upload's state, row errors in batches.
    ingest: {
      table: ['BatchGetItem', 'BatchWriteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'].map(
        (a) => `dynamodb:${a}`,
      ),
    },
    // The lead, supplier and partner, the notification written back, the mailer's idempotency records,
    // and a rejected lead's reroute (rules, partners, loads, sequences, the lead with its loads).
    distribute: {
      table: ['BatchGetItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'].map(
        (a) => `dynamodb:${a}`,
      ),
      ...stream,
    },
    'email-events': { table: ['dynamodb:GetItem', 'dynamodb:PutItem'] },
    // Reroutes (rules, partners, loads, sequences, the lead with its loads) and the deadline index; the
    // reminder's lead, supplier and partner, and the mailer's idempotency records (deleted after a failure).
    reroute: {
      table: ['BatchGetItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'].map(
        (a) => `dynamodb:${a}`,
      ),
      GSI3: ['dynamodb:Query'],
    },
    // Report generations, applied contributions, and the transactions onto the counters; the token
    // state items and the token items put and deleted in batches.
    aggregate: {
      table: ['BatchGetItem', 'BatchWriteItem', 'GetItem', 'PutItem', 'UpdateItem'].map(
        (a) => `dynamodb:${a}`,
      ),
      ...stream,
    },
    // The supplier's leads (byCreated) into a new generation, through the aggregate's writes.
    'reports-rebuild': {
      table: ['BatchGetItem', 'GetItem', 'PutItem', 'UpdateItem'].map((a) => `dynamodb:${a}`),
      GSI1: ['dynamodb:Query'],
    },
    // The processing index of uploads whose lease ran out; the resumes go to ingest.
    'upload-sweeper': { GSI2: ['dynamodb:Query'] },
    // The export record (read, claimed, finished) and the view's leads through the lead indexes.
    export: {
      table: ['BatchGetItem', 'GetItem', 'Query', 'UpdateItem'].map((a) => `dynamodb:${a}`),
      ...Object.fromEntries(
        ['GSI1', 'GSI2', 'GSI4', 'GSI5', 'GSI6', 'GSI7', 'GSI8', 'GSI9'].map((g) => [g, ['dynamodb:Query']]),
      ),
    },
    // Subscriptions, deliveries put once, claimed and finished, lanes read in order; the failing mark,
    // its email's recipients and the mailer's idempotency records.
    webhooks: {
      table: ['DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'].map((a) => `dynamodb:${a}`),
      ...stream,
    },
  };

  /** A role's DynamoDB actions, by the resource they are granted on. */
  const tableGrantsOf = (name: FunctionName): Record<string, string[]> => {
    const tableId = logicalIdOf(synthesized.stack.data.table);
    const kindOf = (resource: unknown): string => {
      const text = JSON.stringify(resource);
      if (text === JSON.stringify({ 'Fn::GetAtt': [tableId, 'Arn'] })) return 'table';
      if (text === JSON.stringify({ 'Fn::GetAtt': [tableId, 'StreamArn'] })) return 'stream';
      const index = tableDefinition.globalSecondaryIndexes.find(
        ({ indexName }) =>
          text ===
          JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, `/index/${indexName}`]] }),
      );
      return index?.indexName ?? text.replace(/^"|"$/g, '');
    };
    const grants: Record<string, Set<string>> = {};
    for (const statement of statementsOfRole(roleIdOf(name))) {
      const actions = actionsOf(statement).filter((a) => a.startsWith('dynamodb:'));
      if (actions.length === 0) continue;
      expect(statement.Condition).toBeUndefined();
      for (const resource of [statement.Resource].flat()) {
        const kind = kindOf(resource);
        grants[kind] ??= new Set();
        for (const action of actions) grants[kind].add(action);
      }
    }
    return Object.fromEntries(Object.entries(grants).map(([kind, actions]) => [kind, [...actions].sort()]));
  };

  it.each(functionNames)(
    'grants %s exactly the DynamoDB actions its code calls, each on its resource',
    (name) => {
      expect(tableGrantsOf(name)).toEqual(expectedTableGrants[name]);
    },
  );

  it.each(functionNames)('grants %s the table access its registry entry declares, and only that', (name) => {
    const { items, query = [] } = functionSpecs[name].table;
    const declared: Record<string, string[]> = {};
    const onTable = [...items, ...(query.includes('table') ? ['Query'] : [])].map((a) => `dynamodb:${a}`);
    if (onTable.length > 0) declared.table = onTable.sort();
    // The registry names an index by its access pattern; the grant is on the physical index.
    for (const index of query.filter((q) => q !== 'table'))
      declared[Index[index].indexName] = ['dynamodb:Query'];
    const { stream: _stream, '*': _any, ...granted } = tableGrantsOf(name);
    expect(granted).toEqual(declared);
  });

  it('lets no role in the stack Scan, or use a DynamoDB or service-wide wildcard action', () => {
    const actions = ofType('AWS::IAM::Policy').flatMap(([, policy]) =>
      (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.flatMap(actionsOf),
    );
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => a === 'dynamodb:Scan' || a.endsWith(':*') || a === '*')).toEqual([]);
  });

  it('grants the inbox only to api (PutObject under inbox/, GetObject under exports/), ingest (GetObject under inbox/) and export (writes under exports/)', () => {
    const inboxId = logicalIdOf(synthesized.stack.data.inbox);
    const s3Statements = (name: FunctionName) =>
      statementsOfRole(roleIdOf(name)).filter((statement) =>
        actionsOf(statement).some((a) => a.startsWith('s3:')),
      );
    const underInbox = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [inboxId, 'Arn'] }, '/inbox/*']] };
    const underExports = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [inboxId, 'Arn'] }, '/exports/*']] };
    expect(s3Statements('api')).toEqual([
      { Effect: 'Allow', Action: 's3:PutObject', Resource: underInbox },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: underExports },
    ]);
    expect(s3Statements('ingest')).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: underInbox },
    ]);
    expect(s3Statements('export')).toEqual([
      { Effect: 'Allow', Action: ['s3:AbortMultipartUpload', 's3:PutObject'], Resource: underExports },
    ]);
    for (const name of functionNames.filter((n) => n !== 'api' && n !== 'ingest' && n !== 'export')) {
      expect(s3Statements(name)).toEqual([]);
    }
  });

  it('lets only api read the operator key secret', () => {
    const secretId = logicalIdOf(synthesized.stack.data.operatorKey);
    for (const name of functionNames) {
      const readsSecret = statementsOfRole(roleIdOf(name)).some(
        (statement) =>
          actionsOf(statement).includes('secretsmanager:GetSecretValue') &&
          referencedIds(statement.Resource).includes(secretId),
      );
      expect({ name, readsSecret }).toEqual({ name, readsSecret: name === 'api' });
    }
  });

  it('lets only api (verifies), distribute and reroute (sign, for the lead email and its reminder) read the link keys secret', () => {
    const secretId = logicalIdOf(synthesized.stack.data.linkKeys);
    for (const name of functionNames) {
      const readsSecret = statementsOfRole(roleIdOf(name)).some(
        (statement) =>
          actionsOf(statement).includes('secretsmanager:GetSecretValue') &&
          referencedIds(statement.Resource).includes(secretId),
      );
      expect({ name, readsSecret }).toEqual({
        name,
        readsSecret: name === 'api' || name === 'distribute' || name === 'reroute',
      });
    }
  });
});

describe('the table stream', () => {
  const mappingOf = (name: FunctionName) => {
    const fnId = logicalIdOf(synthesized.stack.functions.byName[name]);
    const mappings = ofType('AWS::Lambda::EventSourceMapping').filter(
      ([, mapping]) => referencedIds(mapping.Properties.FunctionName)[0] === fnId,
    );
    expect(mappings).toHaveLength(1);
    return (mappings[0] as [string, Resource])[1].Properties;
  };

  it('feeds distribute, aggregate and webhooks, and nothing else', () => {
    const consumers = ofType('AWS::Lambda::EventSourceMapping').map(([, m]) =>
      referencedIds(m.Properties.FunctionName),
    );
    expect(consumers.flat().sort()).toEqual(
      [
        logicalIdOf(synthesized.stack.functions.byName.distribute),
        logicalIdOf(synthesized.stack.functions.byName.aggregate),
        logicalIdOf(synthesized.stack.functions.byName.webhooks),
      ].sort(),
    );
  });

  it.each(['distribute', 'aggregate', 'webhooks'] as const)(
    'reads the stream into %s from the trim horizon, lead records only',
    (name) => {
      const mapping = mappingOf(name);
      expect(mapping.EventSourceArn).toEqual({
        'Fn::GetAtt': [logicalIdOf(synthesized.stack.data.table), 'StreamArn'],
      });
      expect(mapping.StartingPosition).toBe('TRIM_HORIZON');
      const filters = (mapping.FilterCriteria as { Filters: { Pattern: string }[] }).Filters;
      expect(filters.map((filter) => JSON.parse(filter.Pattern))).toEqual([
        { dynamodb: { NewImage: { entity: { S: ['Lead'] } } } },
      ]);
    },
  );

  it.each(['distribute', 'aggregate', 'webhooks'] as const)(
    'retries a bad record alone in %s, boundedly, then sends it to an SQS queue',
    (name) => {
      const mapping = mappingOf(name);
      expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      expect(mapping.BisectBatchOnFunctionError).toBe(true);
      expect(mapping.MaximumRetryAttempts).toBeGreaterThanOrEqual(1);
      expect(mapping.MaximumRetryAttempts).toBeLessThanOrEqual(10);
      expect(mapping.MaximumRecordAgeInSeconds).toBeGreaterThan(0);
      expect(mapping.MaximumRecordAgeInSeconds).toBeLessThanOrEqual(24 * 3600);

      const destination = (mapping.DestinationConfig as { OnFailure: { Destination: unknown } }).OnFailure
        .Destination;
      const [queueId] = referencedIds(destination);
      const queue = resourceOf(queueId as string);
      expect(queue.Type).toBe('AWS::SQS::Queue');
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    },
  );

  it.each(['distribute', 'aggregate', 'webhooks'] as const)(
    'alarms as soon as a record lands in the %s failure queue',
    (name) => {
      const destination = (mappingOf(name).DestinationConfig as { OnFailure: { Destination: unknown } })
        .OnFailure.Destination;
      const [queueId] = referencedIds(destination);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
      });
    },
  );
});

describe('ingest', () => {
  it('runs on objects created under inbox/ in the inbox bucket', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: logicalIdOf(synthesized.stack.data.inbox) },
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'inbox/' }] } },
            LambdaFunctionArn: {
              'Fn::GetAtt': [logicalIdOf(synthesized.stack.functions.byName.ingest), 'Arn'],
            },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [logicalIdOf(synthesized.stack.functions.byName.ingest), 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [logicalIdOf(synthesized.stack.data.inbox), 'Arn'] },
    });
  });
});

describe('mail', () => {
  const configurationSetId = () => logicalIdOf(synthesized.stack.mail.configurationSet);

  it('sends over TLS only, with the default open and click tracking domain', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      DeliveryOptions: { TlsPolicy: 'REQUIRE' },
      TrackingOptions: Match.absent(),
    });
  });

  it('publishes exactly send, delivery, open, click, bounce, complaint and reject to the default bus', () => {
    const destinations = template.findResources('AWS::SES::ConfigurationSetEventDestination');
    expect(Object.keys(destinations)).toHaveLength(1);
    const [destination] = Object.values(destinations).map((d) => d.Properties);
    expect(destination.ConfigurationSetName).toEqual({ Ref: configurationSetId() });
    expect(destination.EventDestination.Enabled).toBe(true);
    expect([...destination.EventDestination.MatchingEventTypes].sort()).toEqual(
      ['send', 'delivery', 'open', 'click', 'bounce', 'complaint', 'reject'].sort(),
    );
    expect(JSON.stringify(destination.EventDestination.EventBridgeDestination.EventBusArn)).toContain(
      ':event-bus/default',
    );
  });

  it("routes this configuration set's SES events to email-events", () => {
    const emailEventsArn = {
      'Fn::GetAtt': [logicalIdOf(synthesized.stack.functions.byName['email-events']), 'Arn'],
    };
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ses'],
        detail: { mail: { tags: { 'ses:configuration-set': [{ Ref: configurationSetId() }] } } },
      },
      Targets: [Match.objectLike({ Arn: emailEventsArn })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'events.amazonaws.com',
      FunctionName: emailEventsArn,
    });
  });

  it('lets only distribute, reroute (the reminder) and webhooks (a failing webhook) send, from MAIL_FROM, with this configuration set', () => {
    for (const name of functionNames) {
      const sends = statementsOfRole(roleIdOf(name)).filter((s) => actionsOf(s).includes('ses:SendEmail'));
      if (name !== 'distribute' && name !== 'reroute' && name !== 'webhooks') {
        expect({ name, sends }).toEqual({ name, sends: [] });
        continue;
      }
      expect(sends).toHaveLength(1);
      expect(sends[0]?.Condition).toEqual({ StringEquals: { 'ses:FromAddress': { Ref: 'MailFrom' } } });
      expect(referencedIds(sends[0]?.Resource)).toContain(configurationSetId());
    }
  });
});

describe('the upload sweeper', () => {
  const sweeperId = () => logicalIdOf(synthesized.stack.functions.byName['upload-sweeper']);
  const ingestId = () => logicalIdOf(synthesized.stack.functions.byName.ingest);
  const roleId = () => logicalIdOf(synthesized.stack.uploadSweeper.role);
  const queueId = () => logicalIdOf(synthesized.stack.uploadSweeper.deadLetters.queue);

  it("runs on the registry's schedule, invoking the sweeper with its input through a role of its own", () => {
    const schedules = ofType('AWS::Scheduler::Schedule').filter(([, s]) =>
      JSON.stringify(s.Properties.Target).includes(sweeperId()),
    );
    expect(schedules).toHaveLength(1);
    const [, schedule] = schedules[0] as [string, Resource];
    const target = schedule.Properties.Target as { Arn: unknown; RoleArn: unknown; Input: string };
    expect(schedule.Properties.ScheduleExpression).toBe('rate(5 minutes)');
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [sweeperId(), 'Arn'] });
    expect(target.RoleArn).toEqual({ 'Fn::GetAtt': [roleId(), 'Arn'] });
    expect(JSON.parse(target.Input)).toEqual(functionSpecs['upload-sweeper'].schedule?.input);
    expect(schedule.Properties.Target).toMatchObject({
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId(), 'Arn'] } },
    });
    const trust = resourceOf(roleId()).Properties.AssumeRolePolicyDocument as { Statement: unknown[] };
    expect(trust.Statement).toEqual([
      expect.objectContaining({ Principal: { Service: 'scheduler.amazonaws.com' } }),
    ]);
  });

  it('lets the schedule invoke only the sweeper, and the sweeper invoke only ingest', () => {
    for (const [role, fn] of [
      [roleId(), sweeperId()],
      [roleIdOf('upload-sweeper'), ingestId()],
    ] as const) {
      const invoking = statementsOfRole(role).filter((s) => actionsOf(s).includes('lambda:InvokeFunction'));
      expect(invoking).toHaveLength(1);
      expect(actionsOf(invoking[0] as Statement)).toEqual(['lambda:InvokeFunction']);
      expect(new Set(referencedIds(invoking[0]?.Resource))).toEqual(new Set([fn]));
    }
  });

  it("lets the schedule send to the sweeper's dead-letter queue, and do nothing else", () => {
    const statements = statementsOfRole(roleId());
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      if (actionsOf(statement).includes('lambda:InvokeFunction')) continue;
      expect({ actions: actionsOf(statement), resource: statement.Resource }).toEqual({
        actions: ['sqs:SendMessage'],
        resource: { 'Fn::GetAtt': [queueId(), 'Arn'] },
      });
    }
    expect(statements.filter((s) => actionsOf(s).includes('sqs:SendMessage'))).toHaveLength(1);
    // And what the sweeper fails on after Lambda's retries lands in the same queue.
    const configs = ofType('AWS::Lambda::EventInvokeConfig').filter(
      ([, config]) => referencedIds(config.Properties.FunctionName)[0] === sweeperId(),
    );
    expect(configs).toHaveLength(1);
    expect(referencedIds((configs[0] as [string, Resource])[1].Properties.DestinationConfig)).toEqual([
      queueId(),
    ]);
  });
});

describe('reroute deadlines', () => {
  const roleId = () => logicalIdOf(synthesized.stack.deadlines.role);
  const rerouteId = () => logicalIdOf(synthesized.stack.functions.byName.reroute);
  const webhooksId = () => logicalIdOf(synthesized.stack.functions.byName.webhooks);

  it('has a scheduler role that only EventBridge Scheduler of this account can assume', () => {
    const role = resourceOf(roleId());
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();
    const trust = role.Properties.AssumeRolePolicyDocument as {
      Statement: { Condition: { StringEquals: Record<string, unknown> } }[];
    };
    expect(trust.Statement).toHaveLength(1);
    expect(trust.Statement[0]).toMatchObject({
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Principal: { Service: 'scheduler.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
    const sourceArns = trust.Statement[0]?.Condition.StringEquals['aws:SourceArn'];
    expect(sourceArns).toContainEqual(resolve(synthesized.stack.deadlines.group.scheduleGroupArn));
  });

  it('lets the scheduler role invoke the reroute and webhooks functions (and their versions), send to its dead-letter queue, nothing else', () => {
    const statements = statementsOfRole(roleId());
    const queueId = logicalIdOf(synthesized.stack.deadlines.deadLetters.queue);
    const invoking = statements.filter((s) => actionsOf(s).includes('lambda:InvokeFunction'));
    expect(invoking.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      if (invoking.includes(statement)) {
        expect(actionsOf(statement)).toEqual(['lambda:InvokeFunction']);
        const invoked = new Set(referencedIds(statement.Resource));
        expect([rerouteId(), webhooksId()]).toEqual(expect.arrayContaining([...invoked]));
      } else {
        expect({ actions: actionsOf(statement), resource: statement.Resource }).toEqual({
          actions: ['sqs:SendMessage'],
          resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
        });
      }
    }
    expect(new Set(invoking.flatMap((s) => referencedIds(s.Resource)))).toEqual(
      new Set([rerouteId(), webhooksId()]),
    );
    expect(statements.length).toBeGreaterThan(invoking.length);
    const resourcesText = JSON.stringify(statements.map((s) => s.Resource));
    expect(resourcesText).not.toContain('"*"');
  });

  it('sweeps every five minutes by invoking reroute with {"kind":"sweep"}', () => {
    const schedules = ofType('AWS::Scheduler::Schedule').filter(([, s]) =>
      JSON.stringify(s.Properties.Target).includes(rerouteId()),
    );
    expect(schedules).toHaveLength(1);
    const [, sweeper] = schedules[0] as [string, Resource];
    const target = sweeper.Properties.Target as {
      Arn: unknown;
      RoleArn: unknown;
      Input: string;
      DeadLetterConfig: unknown;
    };
    expect(sweeper.Properties.ScheduleExpression).toBe('rate(5 minutes)');
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [rerouteId(), 'Arn'] });
    expect(target.RoleArn).toEqual({ 'Fn::GetAtt': [roleId(), 'Arn'] });
    expect(JSON.parse(target.Input)).toEqual({ kind: 'sweep' });
    expect(target.DeadLetterConfig).toEqual({
      Arn: { 'Fn::GetAtt': [logicalIdOf(synthesized.stack.deadlines.deadLetters.queue), 'Arn'] },
    });
  });

  it("lets distribute (create, delete) and webhooks (create) use the deadline group's schedules and pass the scheduler role, nothing more", () => {
    const groupName = resolve(synthesized.stack.deadlines.group.scheduleGroupName);
    expect(typeof groupName).toBe('string');
    for (const name of functionNames) {
      const statements = statementsOfRole(roleIdOf(name));
      const scheduling = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('scheduler:')));
      const passing = statements.filter((s) => actionsOf(s).includes('iam:PassRole'));
      if (name !== 'distribute' && name !== 'webhooks') {
        expect({ name, scheduling, passing }).toEqual({ name, scheduling: [], passing: [] });
        continue;
      }
      expect(scheduling).toHaveLength(1);
      // Webhook retries only create (each deletes itself when it has fired); deadlines are also cancelled.
      expect(actionsOf(scheduling[0] as Statement).sort()).toEqual(
        name === 'distribute'
          ? ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule']
          : ['scheduler:CreateSchedule'],
      );
      expect(JSON.stringify(scheduling[0]?.Resource)).toContain(`:schedule/${groupName}/*`);
      expect(passing).toEqual([
        { Effect: 'Allow', Action: 'iam:PassRole', Resource: { 'Fn::GetAtt': [roleId(), 'Arn'] } },
      ]);
    }
  });
});

describe('dead letters and alarms', () => {
  const queueIdOf = (arn: unknown) => {
    const [id] = referencedIds(arn);
    expect(resourceOf(id as string).Type).toBe('AWS::SQS::Queue');
    return id as string;
  };
  const invokeConfigOf = (name: FunctionName) => {
    const fnId = logicalIdOf(synthesized.stack.functions.byName[name]);
    return ofType('AWS::Lambda::EventInvokeConfig').filter(
      ([, config]) => referencedIds(config.Properties.FunctionName)[0] === fnId,
    );
  };
  /**
   * Invoked asynchronously (S3, ingest itself and the upload sweeper, EventBridge, Scheduler): Lambda
   * retries, then drops.
   */
  const invokedAsynchronously: FunctionName[] = [
    'ingest',
    'email-events',
    'reroute',
    'upload-sweeper',
    'export',
    'webhooks',
  ];

  it.each(invokedAsynchronously)(
    'sends what %s failed on after a bounded number of retries to an SQS queue (on-failure destination)',
    (name) => {
      const configs = invokeConfigOf(name);
      expect(configs).toHaveLength(1);
      const config = (configs[0] as [string, Resource])[1].Properties as {
        MaximumRetryAttempts: number;
        MaximumEventAgeInSeconds: number;
        DestinationConfig: { OnFailure: { Destination: unknown } };
      };
      expect(config.MaximumRetryAttempts).toBeGreaterThanOrEqual(1);
      expect(config.MaximumRetryAttempts).toBeLessThanOrEqual(2);
      expect(config.MaximumEventAgeInSeconds).toBeGreaterThan(0);
      expect(config.MaximumEventAgeInSeconds).toBeLessThanOrEqual(6 * 3600);
      queueIdOf(config.DestinationConfig.OnFailure.Destination);
    },
  );

  it('configures no asynchronous invocation for the functions nothing invokes asynchronously', () => {
    for (const name of functionNames.filter((n) => !invokedAsynchronously.includes(n))) {
      expect({ name, configs: invokeConfigOf(name) }).toEqual({ name, configs: [] });
    }
  });

  it('gives the EventBridge rule to email-events a retry policy and a dead-letter queue: its on-failure queue', () => {
    const emailEventsId = logicalIdOf(synthesized.stack.functions.byName['email-events']);
    const rules = ofType('AWS::Events::Rule').filter(([, r]) =>
      referencedIds(r.Properties.Targets).includes(emailEventsId),
    );
    expect(rules).toHaveLength(1);
    const [[, rule]] = rules as [[string, Resource]];
    const [target] = rule.Properties.Targets as {
      RetryPolicy: { MaximumRetryAttempts: number; MaximumEventAgeInSeconds: number };
      DeadLetterConfig: { Arn: unknown };
    }[];
    expect(target?.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(target?.RetryPolicy.MaximumEventAgeInSeconds).toBeLessThanOrEqual(24 * 3600);
    const queueId = queueIdOf(target?.DeadLetterConfig.Arn);
    const [[, config]] = invokeConfigOf('email-events') as [[string, Resource]];
    expect(referencedIds(config.Properties.DestinationConfig)).toEqual([queueId]);
    // EventBridge sends with a queue policy of its own, for this rule only.
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
          }),
        ]),
      },
    });
  });

  it("gives every deadline schedule (created by distribute at run time) the reroute path's dead-letter queue", () => {
    const queueId = logicalIdOf(synthesized.stack.deadlines.deadLetters.queue);
    const env = (
      functionResource('distribute').Properties.Environment as { Variables: Record<string, unknown> }
    ).Variables;
    expect(env[EnvName.deadlineDeadLetterArn]).toEqual({ 'Fn::GetAtt': [queueId, 'Arn'] });
    const [[, config]] = invokeConfigOf('reroute') as [[string, Resource]];
    expect(referencedIds(config.Properties.DestinationConfig)).toEqual([queueId]);
  });

  it('keeps every queue encrypted, TLS only, for 14 days, each watched by an alarm on its first message', () => {
    const queues = ofType('AWS::SQS::Queue');
    // distribute, aggregate and webhooks (stream failures), email-events, ingest, reroute, upload-sweeper,
    // export (webhook retries share the deadlines' queue).
    expect(queues).toHaveLength(8);
    const alarms = ofType('AWS::CloudWatch::Alarm');
    for (const [queueId, queue] of queues) {
      expect(queue.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 86_400,
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
      const watching = alarms.filter(([, alarm]) =>
        referencedIds(alarm.Properties.Dimensions).includes(queueId),
      );
      expect({ queueId, alarms: watching.length }).toEqual({ queueId, alarms: 1 });
      expect((watching[0] as [string, Resource])[1].Properties).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        EvaluationPeriods: 1,
      });
    }
  });

  it('sends every alarm in the stack to the one alarm topic', () => {
    const topicId = logicalIdOf(synthesized.stack.alarms.topic);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    const alarms = ofType('AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThanOrEqual(6);
    for (const [alarmId, alarm] of alarms) {
      expect({ alarmId, actions: alarm.Properties.AlarmActions }).toEqual({
        alarmId,
        actions: [{ Ref: topicId }],
      });
    }
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          // The same order as the template: arrayWith matches in order.
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
          }),
        ]),
      },
    });
  });

  it('subscribes the AlarmEmail parameter to the topic, only when it is set', () => {
    const json = template.toJSON() as {
      Parameters: Record<string, { Type: string; Default: string; AllowedPattern: string }>;
      Conditions: Record<string, unknown>;
    };
    const parameter = json.Parameters.AlarmEmail;
    expect(parameter).toMatchObject({ Type: 'String', Default: '' });
    const pattern = new RegExp(parameter?.AllowedPattern ?? '');
    expect(['', 'ops@example.com'].map((v) => pattern.test(v))).toEqual([true, true]);
    expect(['ops', 'ops@example', 'a b@example.com'].map((v) => pattern.test(v))).toEqual([
      false,
      false,
      false,
    ]);

    const subscriptions = ofType('AWS::SNS::Subscription');
    expect(subscriptions).toHaveLength(1);
    const [, subscription] = subscriptions[0] as [string, Resource];
    expect(subscription.Properties).toEqual({
      Protocol: 'email',
      Endpoint: { Ref: 'AlarmEmail' },
      TopicArn: { Ref: logicalIdOf(synthesized.stack.alarms.topic) },
    });
    const condition = subscription.Condition as string;
    expect(json.Conditions[condition]).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AlarmEmail' }, ''] }],
    });
  });
});

describe('the HTTP API', () => {
  it('sends every request ($default route) to the api function', () => {
    const apiFnArn = { 'Fn::GetAtt': [logicalIdOf(synthesized.stack.functions.byName.api), 'Arn'] };
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    const routes = ofType('AWS::ApiGatewayV2::Route');
    expect(routes.map(([, route]) => route.Properties.RouteKey)).toEqual(['$default']);
    const [integrationId] = referencedIds((routes[0] as [string, Resource])[1].Properties.Target);
    expect(resourceOf(integrationId as string).Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: apiFnArn,
      PayloadFormatVersion: '2.0',
    });
  });

  it('throttles the stage and writes JSON access logs', () => {
    const [[, stage]] = ofType('AWS::ApiGatewayV2::Stage') as [[string, Resource]];
    expect(stage.Properties).toMatchObject({ StageName: '$default', AutoDeploy: true });
    const throttle = stage.Properties.DefaultRouteSettings as Record<string, number>;
    expect(throttle.ThrottlingRateLimit).toBeGreaterThan(0);
    expect(throttle.ThrottlingBurstLimit).toBeGreaterThan(0);
    const logs = stage.Properties.AccessLogSettings as { DestinationArn: unknown; Format: string };
    expect(resourceOf(referencedIds(logs.DestinationArn)[0] as string).Type).toBe('AWS::Logs::LogGroup');
    expect(JSON.parse(logs.Format)).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
    });
  });
});

describe('context settings', () => {
  it('wraps open and click tracking links on the trackingDomain, HTTPS only', () => {
    const { template: withDomain } = synth({
      context: { trackingDomain: 'track.example.com' },
      bundle: false,
    });
    withDomain.hasResourceProperties('AWS::SES::ConfigurationSet', {
      TrackingOptions: { CustomRedirectDomain: 'track.example.com', HttpsPolicy: 'REQUIRE' },
    });
  });

  it('creates only the first tableIndexes GSIs, for an upgrade one index per deploy', () => {
    const { template: partial } = synth({ context: { tableIndexes: '4' }, bundle: false });
    const [table] = Object.values(partial.findResources('AWS::DynamoDB::Table'));
    const indexes = (table?.Properties.GlobalSecondaryIndexes ?? []) as { IndexName: string }[];
    const names = indexes.map((i) => i.IndexName);
    expect(names).toEqual(tableDefinition.globalSecondaryIndexes.slice(0, 4).map((i) => i.indexName));
    expect(() => synth({ context: { tableIndexes: '0' }, bundle: false })).toThrow(/tableIndexes/);
    expect(() => synth({ context: { tableIndexes: 'all' }, bundle: false })).toThrow(/tableIndexes/);
  });
});
