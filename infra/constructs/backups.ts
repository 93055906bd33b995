import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';

/** How long each kind of recovery point is kept. */
export const backupRetention = { daily: Duration.days(35), monthly: Duration.days(365) } as const;

/** The backup job states that mean a night's backup is missing. */
export const failedBackupStates = ['FAILED', 'ABORTED', 'EXPIRED', 'PARTIAL'] as const;

/** The AWS managed policies of the Backup service role: taking backups, and restoring them. */
const serviceRolePolicies = [
  'service-role/AWSBackupServiceRolePolicyForBackup',
  'service-role/AWSBackupServiceRolePolicyForRestores',
];

export interface BackupsProps {
  readonly table: dynamodb.ITable;
  /** Where a failed backup job is told (the stack's alarm topic). */
  readonly alarmTopic: sns.ITopic;
}

/**
 * AWS Backup for the table, beside its point-in-time recovery (35 days, to the
 * second): a daily backup kept 35 days and a monthly one kept a year, in a vault of
 * the stack's own. The vault is retained with the stack's data and refuses the
 * deletion of recovery points (its access policy denies it to everyone; the plan's
 * lifecycle still expires them). It is encrypted with the AWS managed key of AWS
 * Backup, as the table is with DynamoDB's: no key to keep or pay for. A job that
 * fails, is aborted or expires unstarted is told to the alarm topic.
 *
 * The role is AWS Backup's for the plan and for restores (README, Backups and restoring the table).
 */
export class Backups extends Construct {
  readonly vault: backup.BackupVault;
  readonly plan: backup.BackupPlan;
  readonly role: iam.Role;
  readonly failures: events.Rule;

  constructor(scope: Construct, id: string, props: BackupsProps) {
    super(scope, id);

    this.vault = new backup.BackupVault(this, 'Vault', {
      removalPolicy: RemovalPolicy.RETAIN,
      blockRecoveryPointDeletion: true,
    });

    // 05:00 UTC, the quiet hours of both American and European business days.
    const at = (schedule: { day?: string }) => events.Schedule.cron({ minute: '0', hour: '5', ...schedule });
    const windows = { startWindow: Duration.hours(1), completionWindow: Duration.hours(4) };
    this.plan = new backup.BackupPlan(this, 'Plan', {
      backupVault: this.vault,
      backupPlanRules: [
        new backup.BackupPlanRule({
          ruleName: 'Daily',
          scheduleExpression: at({}),
          deleteAfter: backupRetention.daily,
          ...windows,
        }),
        new backup.BackupPlanRule({
          ruleName: 'Monthly',
          scheduleExpression: at({ day: '1' }),
          deleteAfter: backupRetention.monthly,
          ...windows,
        }),
      ],
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      description: 'AWS Backup: back up the Lead Relay table, and restore its recovery points to new tables',
      managedPolicies: serviceRolePolicies.map((name) => iam.ManagedPolicy.fromAwsManagedPolicyName(name)),
    });
    for (const name of serviceRolePolicies) {
      acknowledge(
        this.role,
        `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${name}]`,
        'AWS Backup documents these managed policies as its service role; they follow the resource types it ' +
          'adds, which a policy of our own would have to track.',
      );
    }
    this.plan.addSelection('Table', {
      resources: [backup.BackupResource.fromDynamoDbTable(props.table)],
      role: this.role,
    });

    // AWS Backup publishes every job's state changes to the default bus. The pattern matches on the state
    // alone, so a failed job of any backup of the account and region is told (a shared account's other backups
    // count, as its other mail does for the SES alarms); the message names the resource.
    this.failures = new events.Rule(this, 'Failures', {
      description:
        'AWS Backup jobs that failed, were aborted or expired: a missing backup of the Lead Relay table',
      eventPattern: {
        source: ['aws.backup'],
        detailType: ['Backup Job State Change'],
        detail: { state: [...failedBackupStates] },
      },
      targets: [
        // A role of the rule's own publishes: the topic's policy stays CloudWatch's alone.
        new targets.SnsTopic(props.alarmTopic, {
          authorizeUsingRole: true,
          message: events.RuleTargetInput.fromText(
            `AWS Backup job ${events.EventField.fromPath('$.detail.backupJobId')} ended ` +
              `${events.EventField.fromPath('$.detail.state')} for ` +
              `${events.EventField.fromPath('$.detail.resourceArn')}: ` +
              `${events.EventField.fromPath('$.detail.statusMessage')}`,
          ),
        }),
      ],
    });
  }
}
