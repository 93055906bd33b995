import { Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/**
 * An execution role EventBridge Scheduler may assume only for this account's
 * schedules in the given groups (the default group included), so another
 * account's or group's schedule cannot borrow it. The caller grants what it invokes.
 */
export function schedulerExecutionRole(
  scope: Construct,
  description: string,
  groupArns: readonly string[] = [],
): iam.Role {
  const defaultGroupArn = Stack.of(scope).formatArn({
    service: 'scheduler',
    resource: 'schedule-group',
    resourceName: 'default',
  });
  const sourceArns = [...groupArns, defaultGroupArn];
  return new iam.Role(scope, 'ExecutionRole', {
    description,
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
      conditions: {
        StringEquals: {
          'aws:SourceAccount': Aws.ACCOUNT_ID,
          'aws:SourceArn': sourceArns.length === 1 ? sourceArns[0] : sourceArns,
        },
      },
    }),
  });
}
