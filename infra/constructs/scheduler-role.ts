import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type FunctionName, functionSpecs } from '../../functions/registry';

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

/**
 * The rate() schedule functions/registry.ts gives `fn`, invoking `target` with the
 * registry's input through `role`; what Scheduler cannot deliver goes to
 * `deadLetterQueue` (the target grants the role sqs:SendMessage on it).
 */
export function registrySchedule(
  scope: Construct,
  id: string,
  props: {
    fn: FunctionName;
    target: lambda.IFunction;
    role: iam.IRole;
    deadLetterQueue: sqs.IQueue;
    description: string;
  },
): scheduler.Schedule {
  const schedule = functionSpecs[props.fn].schedule;
  if (!schedule) throw new Error(`functions/registry.ts gives ${props.fn} no schedule`);
  return new scheduler.Schedule(scope, id, {
    description: props.description,
    schedule: scheduler.ScheduleExpression.rate(Duration.minutes(schedule.everyMinutes)),
    target: new LambdaInvoke(props.target, {
      role: props.role,
      input: scheduler.ScheduleTargetInput.fromObject(schedule.input),
      // A missed run is caught by the next one.
      maxEventAge: Duration.minutes(schedule.everyMinutes),
      retryAttempts: 2,
      deadLetterQueue: props.deadLetterQueue,
    }),
  });
}
