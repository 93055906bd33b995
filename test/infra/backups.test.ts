import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { backupRetention, failedBackupStates } from '../../infra/constructs/backups';
import { logicalIdOf, referencedIds, type Synthesized, synth } from './synth';

type Resource = { Type: string; Properties: Record<string, unknown>; [key: string]: unknown };

let synthesized: Synthesized;
let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  // The template is what is asserted: no need to bundle the handlers.
  synthesized = synth({ bundle: false });
  template = synthesized.template;
  resources = template.toJSON().Resources as Record<string, Resource>;
}, 120_000);

const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
const only = (type: string): [string, Resource] => {
  const found = ofType(type);
  expect(found.map(([id]) => id)).toHaveLength(1);
  return found[0] as [string, Resource];
};

describe('the backups of the table', () => {
  it('keep the vault when the stack is deleted, and refuse to delete its recovery points', () => {
    const [vaultId, vault] = only('AWS::Backup::BackupVault');
    expect(vaultId).toBe(logicalIdOf(synthesized.stack.backups.vault));
    expect(vault).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    // Encrypted with AWS Backup's own managed key (no EncryptionKeyArn), as the table is with DynamoDB's.
    expect(vault.Properties.EncryptionKeyArn).toBeUndefined();
    expect(vault.Properties.AccessPolicy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: ['backup:DeleteRecoveryPoint', 'backup:UpdateRecoveryPointLifecycle'],
          Resource: '*',
        },
      ],
    });
  });

  it('back up daily, kept 35 days, and monthly, kept a year, into that vault', () => {
    const [, plan] = only('AWS::Backup::BackupPlan');
    const { BackupPlanRule: rules } = plan.Properties.BackupPlan as {
      BackupPlanRule: {
        RuleName: string;
        ScheduleExpression: string;
        Lifecycle: { DeleteAfterDays: number };
        StartWindowMinutes: number;
        CompletionWindowMinutes: number;
        TargetBackupVault: unknown;
      }[];
    };
    const vaultId = logicalIdOf(synthesized.stack.backups.vault);
    expect(
      rules.map((rule) => [rule.RuleName, rule.ScheduleExpression, rule.Lifecycle.DeleteAfterDays]),
    ).toEqual([
      ['Daily', 'cron(0 5 * * ? *)', 35],
      ['Monthly', 'cron(0 5 1 * ? *)', 365],
    ]);
    expect(backupRetention.daily.toDays()).toBe(35);
    for (const rule of rules) {
      expect(referencedIds(rule.TargetBackupVault)).toEqual([vaultId]);
      expect(rule.CompletionWindowMinutes).toBeGreaterThan(rule.StartWindowMinutes);
    }
  });

  it('select the table, and only the table, with a role AWS Backup can take', () => {
    const [, selection] = only('AWS::Backup::BackupSelection');
    const { BackupSelection: chosen } = selection.Properties as {
      BackupSelection: { Resources: unknown[]; IamRoleArn: unknown; ListOfTags?: unknown };
    };
    expect(chosen.Resources).toHaveLength(1);
    expect(referencedIds(chosen.Resources)).toEqual([logicalIdOf(synthesized.stack.data.table)]);
    expect(chosen.ListOfTags).toBeUndefined();

    const roleId = logicalIdOf(synthesized.stack.backups.role);
    expect(referencedIds(chosen.IamRoleArn)).toEqual([roleId]);
    const role = resources[roleId];
    expect(role?.Properties.AssumeRolePolicyDocument).toMatchObject({
      Statement: [
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'backup.amazonaws.com' } },
      ],
    });
    const policies = JSON.stringify(role?.Properties.ManagedPolicyArns);
    expect(policies).toContain('service-role/AWSBackupServiceRolePolicyForBackup');
    // The same role restores (the README's runbook passes it to start-restore-job).
    expect(policies).toContain('service-role/AWSBackupServiceRolePolicyForRestores');
  });

  it('tell the alarm topic when a backup job fails, aborts or expires', () => {
    const topicId = logicalIdOf(synthesized.stack.alarms.topic);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.backup'],
        'detail-type': ['Backup Job State Change'],
        detail: { state: [...failedBackupStates] },
      },
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { Ref: topicId },
          InputTransformer: Match.anyValue(),
          RoleArn: Match.anyValue(),
        }),
      ],
    });
    // It publishes with a role of its own, allowed that one topic; the topic's policy stays CloudWatch's alone.
    const [ruleId, rule] = ofType('AWS::Events::Rule').find(([, r]) =>
      JSON.stringify(r.Properties.EventPattern).includes('aws.backup'),
    ) as [string, Resource];
    const roleId = referencedIds((rule.Properties.Targets as { RoleArn: unknown }[])[0]?.RoleArn)[0] ?? '';
    expect(resources[roleId]?.Properties.AssumeRolePolicyDocument).toMatchObject({
      Statement: [{ Principal: { Service: 'events.amazonaws.com' } }],
    });
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, policy]) => referencedIds(policy.Properties.Roles).includes(roleId))
      .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: unknown[] }).Statement);
    expect(statements).toEqual([{ Action: 'sns:Publish', Effect: 'Allow', Resource: { Ref: topicId } }]);
    expect(ruleId).toBe(logicalIdOf(synthesized.stack.backups.failures));
    const topicPolicies = JSON.stringify(ofType('AWS::SNS::TopicPolicy'));
    expect(topicPolicies).not.toContain('events.amazonaws.com');
  });

  it('output the vault and the role the restore runbook needs', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const { backups } = synthesized.stack;
    expect(outputs.BackupVaultName?.Value).toEqual(synthesized.stack.resolve(backups.vault.backupVaultName));
    expect(outputs.BackupRoleArn?.Value).toEqual(synthesized.stack.resolve(backups.role.roleArn));
  });
});
