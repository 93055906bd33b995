import { EnvName } from '@leadrelay/aws';
import { EXPORT_RETENTION_DAYS, exportsPrefix, inboxPrefix } from '@leadrelay/core';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { TableAccess } from '../../functions/registry';
import { Index, tableDefinition } from '../../packages/store/src/table';
import { acknowledge, nagResource } from '../nag';

/**
 * The stateful resources: the single table, the inbox bucket and the operator key.
 * All of them are retained when the stack goes away: the data is the product.
 *
 * A function gets access through one of the `use*` methods, which sets the
 * environment variable and the grant together.
 */
export class Data extends Construct {
  readonly table: dynamodb.Table;
  readonly inbox: s3.Bucket;
  /** Receives the server access logs of the stack's other buckets, each under a prefix of its own. */
  readonly accessLogs: s3.Bucket;
  readonly operatorKey: secretsmanager.Secret;
  readonly linkKeys: secretsmanager.Secret;

  /** `indexes`: how many of the table's GSIs to create, in order (default all; see LeadRelayStackProps). */
  constructor(scope: Construct, id: string, options: { indexes?: number | undefined } = {}) {
    super(scope, id);

    const str = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: str(tableDefinition.partitionKey),
      sortKey: str(tableDefinition.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      stream: dynamodb.StreamViewType[tableDefinition.streamViewType],
      timeToLiveAttribute: tableDefinition.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const { globalSecondaryIndexes } = tableDefinition;
    for (const index of globalSecondaryIndexes.slice(0, options.indexes ?? globalSecondaryIndexes.length)) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: str(index.partitionKey),
        sortKey: str(index.sortKey),
        ...(typeof index.projection === 'string'
          ? { projectionType: dynamodb.ProjectionType[index.projection] }
          : {
              projectionType: dynamodb.ProjectionType.INCLUDE,
              nonKeyAttributes: [...index.projection.include],
            }),
      });
    }

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      accessLogs,
      'AwsSolutions-S1',
      'This bucket receives the server access logs of the other buckets; logging it to itself would loop.',
    );
    this.accessLogs = accessLogs;

    this.inbox = new s3.Bucket(this, 'Inbox', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'inbox-bucket/',
      // The console uploads lead files straight from the browser with presigned PUT URLs;
      // the signature, not the origin, is what authorizes the upload.
      cors: [
        {
          allowedMethods: [s3.HttpMethods.PUT],
          allowedOrigins: ['*'],
          allowedHeaders: ['*'],
          exposedHeaders: ['ETag'],
          maxAge: 3600,
        },
      ],
      lifecycleRules: [
        {
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
        // Large lead exports (exports/<supplierId>/<id>.csv) are downloads, not data: kept a week, as their records.
        { prefix: exportsPrefix, expiration: Duration.days(EXPORT_RETENTION_DAYS) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.operatorKey = new secretsmanager.Secret(this, 'OperatorKey', {
      description: 'Lead Relay platform operator API key (Authorization: Bearer <key>)',
      generateSecretString: { excludePunctuation: true, passwordLength: 48 },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.operatorKey,
      'AwsSolutions-SMG4',
      'The operator key is handed to a person, not to a service: the operator rotates it by hand ' +
        '(put a new secret value; the api rereads it within five minutes), so there is no rotation Lambda.',
    );

    // {"current": "k1", "k1": "<secret>"}: rotate by adding a key and pointing "current" at it.
    this.linkKeys = new secretsmanager.Secret(this, 'LinkKeys', {
      description:
        'Lead Relay email link signing keys (HMAC-SHA256), JSON {"current": "<keyId>", "<keyId>": "<secret>"}',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ current: 'k1' }),
        generateStringKey: 'k1',
        excludePunctuation: true,
        passwordLength: 64,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.linkKeys,
      'AwsSolutions-SMG4',
      'Link keys rotate by adding a key id beside the old one (old links keep working until they expire), ' +
        'a step an operator takes with the README; the functions reread the secret within five minutes.',
    );
  }

  /** LINK_KEYS_SECRET_ARN, and read of that one secret (api verifies links, distribute signs them). */
  readLinkKeys(fn: lambda.Function): void {
    fn.addEnvironment(EnvName.linkKeysSecretArn, this.linkKeys.secretArn);
    this.linkKeys.grantRead(fn);
  }

  /**
   * TABLE_NAME, and exactly the table access the function declares in the registry:
   * its item actions on the table, and Query on the table and on each GSI it names
   * (each index by its physical name, no index/*; two access patterns on one index
   * grant it once). A function that declares nothing gets no grant.
   */
  useTable(fn: lambda.Function, access: TableAccess): void {
    fn.addEnvironment(EnvName.tableName, this.table.tableName);
    const query = new Set(access.query ?? []);
    const onTable = [...new Set(access.items)].map((action) => `dynamodb:${action}`);
    if (query.has('table')) onTable.push('dynamodb:Query');
    if (onTable.length > 0) {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: onTable, resources: [this.table.tableArn] }));
    }
    const indexNames = [...query].flatMap((target) => (target === 'table' ? [] : [Index[target].indexName]));
    const indexArns = [...new Set(indexNames)].map(
      (indexName) => `${this.table.tableArn}/index/${indexName}`,
    );
    if (indexArns.length > 0) {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: indexArns }));
    }
  }

  /** BUCKET_NAME, and read of any uploaded lead file under inbox/. */
  readInbox(fn: lambda.Function): void {
    this.allowOnInbox(
      fn,
      's3:GetObject',
      'ingest reads whichever lead file a supplier drops under inbox/<supplierId>/.',
    );
  }

  /** BUCKET_NAME, and the right to sign PUT URLs for uploads under inbox/. */
  presignInboxUploads(fn: lambda.Function): void {
    this.allowOnInbox(
      fn,
      's3:PutObject',
      'The api presigns upload URLs for new lead files under inbox/<supplierId>/; the key is chosen per upload.',
    );
  }

  /** BUCKET_NAME, and the writes of export files under exports/ (a multipart upload, aborted on an error). */
  writeExports(fn: lambda.Function): void {
    this.allowOnPrefix(
      fn,
      exportsPrefix,
      ['s3:PutObject', 's3:AbortMultipartUpload'],
      'The export function writes each large export to its own key exports/<supplierId>/<exportId>.csv.',
    );
  }

  /** BUCKET_NAME, and the right to sign GET URLs for export files under exports/. */
  presignExportDownloads(fn: lambda.Function): void {
    this.allowOnPrefix(
      fn,
      exportsPrefix,
      ['s3:GetObject'],
      'The api presigns download URLs for finished exports under exports/<supplierId>/; the key is chosen per export.',
    );
  }

  /** OPERATOR_KEY_SECRET_ARN, and read of that one secret. */
  readOperatorKey(fn: lambda.Function): void {
    fn.addEnvironment(EnvName.operatorKeySecretArn, this.operatorKey.secretArn);
    this.operatorKey.grantRead(fn);
  }

  private allowOnInbox(fn: lambda.Function, action: string, reason: string): void {
    this.allowOnPrefix(fn, inboxPrefix, [action], reason);
  }

  private allowOnPrefix(fn: lambda.Function, prefix: string, actions: string[], reason: string): void {
    fn.addEnvironment(EnvName.bucketName, this.inbox.bucketName);
    const objects = this.inbox.arnForObjects(`${prefix}*`);
    fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources: [objects] }));
    if (fn.role) acknowledge(fn.role, `AwsSolutions-IAM5[Resource::${nagResource(fn, objects)}]`, reason);
  }
}
