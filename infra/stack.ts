import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { functionNames, functionSpecs } from '../functions/registry';
import { tableDefinition } from '../packages/store/src/table';
import { Alarms, ServiceAlarms } from './constructs/alarms';
import { Api } from './constructs/api';
import { Backups } from './constructs/backups';
import { Console } from './constructs/console';
import { apiServerErrorRate, Dashboard, sesReputation } from './constructs/dashboard';
import { Data } from './constructs/data';
import { Deadlines } from './constructs/deadlines';
import { Exports } from './constructs/exports';
import { Functions } from './constructs/functions';
import { Ingest } from './constructs/ingest';
import { Mail, mailFromParameter } from './constructs/mail';
import { Streams } from './constructs/streams';
import { UploadSweeper } from './constructs/upload-sweeper';
import { Users } from './constructs/users';

/** The id (and CloudFormation name) of the one stack. */
export const stackId = 'LeadRelay';

export interface LeadRelayStackProps extends StackProps {
  /** Optional custom open/click tracking domain (context `trackingDomain`). */
  readonly trackingDomain?: string;
  /**
   * How many of the table's GSIs to create, in their order (context `tableIndexes`; default
   * all). CloudFormation adds one GSI per stack update, so a stack deployed with fewer is
   * upgraded one deploy per index (README, Deploying to AWS).
   */
  readonly tableIndexes?: number;
}

/**
 * The stack's settings from CDK context (`-c trackingDomain=...`), with their defaults. The sender
 * address and the alarm email are stack parameters instead (MailFrom, AlarmEmail): CloudFormation
 * keeps their values from one deploy to the next, where a context value left off a later deploy would
 * quietly change.
 */
export function propsFromContext(scope: Construct): LeadRelayStackProps {
  const trackingDomain: unknown = scope.node.tryGetContext('trackingDomain');
  const tableIndexes: unknown = scope.node.tryGetContext('tableIndexes');
  const mailFrom: unknown = scope.node.tryGetContext('mailFrom');
  if (mailFrom !== undefined) {
    throw new Error(
      `context mailFrom is now the stack parameter ${mailFromParameter}: deploy with ` +
        `--parameters ${mailFromParameter}=${String(mailFrom)} (once; later deploys keep it)`,
    );
  }
  return {
    ...(typeof trackingDomain === 'string' && trackingDomain !== '' ? { trackingDomain } : {}),
    ...(tableIndexes === undefined ? {} : { tableIndexes: parseTableIndexes(tableIndexes) }),
  };
}

/** The `tableIndexes` context: a whole number from 1 to the table's GSIs. */
export function parseTableIndexes(value: unknown): number {
  const all = tableDefinition.globalSecondaryIndexes.length;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > all) {
    throw new Error(`context tableIndexes must be a whole number from 1 to ${all}, got ${String(value)}`);
  }
  return n;
}

/**
 * Lead Relay on AWS, one construct per concern. No `env`: the stack is
 * environment-agnostic, so `cdk synth` runs offline without credentials.
 */
export class LeadRelayStack extends Stack {
  readonly data: Data;
  readonly functions: Functions;
  readonly api: Api;
  readonly ingest: Ingest;
  readonly mail: Mail;
  readonly deadlines: Deadlines;
  readonly streams: Streams;
  readonly alarms: Alarms;
  readonly backups: Backups;
  readonly uploadSweeper: UploadSweeper;
  readonly exports: Exports;
  readonly users: Users;
  readonly webConsole: Console;
  readonly serviceAlarms: ServiceAlarms;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: LeadRelayStackProps) {
    super(scope, id, { description: 'Lead Relay: channel lead distribution', ...props });

    // Stateful: the table, the inbox bucket, the operator key.
    this.data = new Data(this, 'Data', { indexes: props.tableIndexes });

    // Every alarm of the stack notifies one topic; ops subscribe with the AlarmEmail parameter.
    this.alarms = new Alarms(this, 'Alarms');

    // The table's backups beyond point-in-time recovery: daily and monthly, in a vault of their own.
    this.backups = new Backups(this, 'Backups', { table: this.data.table, alarmTopic: this.alarms.topic });

    // Stateless: every function of functions/registry.ts, each with the table access it declares there.
    this.functions = new Functions(this, 'Functions');
    const fns = this.functions.byName;
    for (const name of functionNames) this.data.useTable(fns[name], functionSpecs[name].table);

    // 1. Intake: the HTTP API and the inbox bucket.
    this.api = new Api(this, 'Api', { handler: fns.api });
    this.data.presignInboxUploads(fns.api);
    this.data.readOperatorKey(fns.api);
    this.data.readLinkKeys(fns.api);
    this.data.readLinkKeys(fns.distribute);
    this.data.readLinkKeys(fns.reroute);
    this.ingest = new Ingest(this, 'Ingest', { inbox: this.data.inbox, handler: fns.ingest });
    this.data.readInbox(fns.ingest);
    this.uploadSweeper = new UploadSweeper(this, 'UploadSweeper', {
      sweeper: fns['upload-sweeper'],
      ingest: fns.ingest,
    });

    // People's sign-in (the console): the api verifies the pool's ID tokens and invites people into it.
    this.users = new Users(this, 'Users');
    this.users.allowManaging(fns.api);

    // The All Leads view's large exports, written to the bucket by a function of their own.
    this.exports = new Exports(this, 'Exports', { api: fns.api, exporter: fns.export, data: this.data });

    // 2. Distribution and 5. reports: the table's stream, to each consumer the registry names.
    this.streams = new Streams(this, 'Streams', { table: this.data.table, functions: fns });

    // 2. and 3. Lead emails and their events.
    this.mail = new Mail(this, 'Mail', {
      trackingDomain: props.trackingDomain,
      eventsHandler: fns['email-events'],
    });
    this.mail.allowSending(fns.distribute);
    // The reminder before a deadline: sent by reroute, which the reminder's schedule fires.
    this.mail.allowSending(fns.reroute);

    // 4. Reroute deadlines.
    this.deadlines = new Deadlines(this, 'Deadlines', { reroute: fns.reroute });
    this.deadlines.allowScheduling(fns.distribute);

    // 6. Webhooks: the third stream consumer (Streams above); its retries are one-time schedules, and a
    // subscription that starts failing is told by email.
    this.deadlines.allowWebhookRetries(fns.webhooks);
    this.mail.allowSending(fns.webhooks);

    // 7. The web console, and the one origin of the product: the console's files and the API (links included).
    this.webConsole = new Console(this, 'Console', { api: this.api, users: this.users, data: this.data });
    this.webConsole.linkFrom(fns.distribute);
    this.webConsole.linkFrom(fns.reroute);

    // Operating it: the product-wide alarms and the one dashboard (after every queue it shows).
    this.serviceAlarms = new ServiceAlarms(this, 'ServiceAlarms', {
      apiServerErrorRate: apiServerErrorRate(this.api.httpApi),
      sesBounceRate: sesReputation('BounceRate'),
      sesComplaintRate: sesReputation('ComplaintRate'),
    });
    this.dashboard = new Dashboard(this, 'Dashboard', { functions: fns, api: this.api.httpApi });

    new CfnOutput(this, 'ConsoleUrl', {
      value: this.webConsole.url,
      description:
        'The web console; the same origin serves the API (/v1/*, /health) and the email links (/l/*)',
    });
    new CfnOutput(this, 'ApiUrl', {
      value: this.api.url,
      description: 'Base URL of the HTTP API itself (API Gateway; the console origin routes to it)',
    });
    new CfnOutput(this, 'BucketName', {
      value: this.data.inbox.bucketName,
      description: 'Inbox bucket: drop lead files under inbox/<supplierId>/',
    });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    new CfnOutput(this, 'OperatorKeySecretArn', {
      value: this.data.operatorKey.secretArn,
      description: 'Secret holding the operator API key',
    });
    new CfnOutput(this, 'LinkKeysSecretArn', {
      value: this.data.linkKeys.secretArn,
      description: 'Secret holding the email link signing keys (rotate by adding a key: README)',
    });
    new CfnOutput(this, 'BackupVaultName', {
      value: this.backups.vault.backupVaultName,
      description: "AWS Backup vault of the table's daily and monthly recovery points",
    });
    new CfnOutput(this, 'BackupRoleArn', {
      value: this.backups.role.roleArn,
      description: 'Role AWS Backup takes the backups with; pass it to start-restore-job',
    });
    new CfnOutput(this, 'UserPoolId', {
      value: this.users.pool.userPoolId,
      description: "Cognito user pool of people's sign-in (the console)",
    });
    new CfnOutput(this, 'UserPoolClientId', {
      value: this.users.consoleClient.userPoolClientId,
      description: "The console's app client of that pool (no secret)",
    });
    new CfnOutput(this, 'ScheduleGroupName', { value: this.deadlines.group.scheduleGroupName });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.alarms.topic.topicArn,
      description: 'SNS topic of every alarm (subscribed to AlarmEmail when set)',
    });
  }
}
