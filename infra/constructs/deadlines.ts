import { EnvName } from '@leadrelay/aws';
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { acknowledge, nagResource } from '../nag';
import { DeadLetters } from './alarms';
import { registrySchedule, schedulerExecutionRole } from './scheduler-role';

export interface DeadlinesProps {
  /** The reroute function: the only thing a deadline schedule may invoke. */
  readonly reroute: lambda.IFunction;
}

/**
 * Reroute deadlines on EventBridge Scheduler. distribute creates a one-time
 * schedule per assignment in the deadline group; when it fires, Scheduler invokes
 * reroute with the execution role below, which can do nothing else. A sweeper in
 * the default group (so distribute, which may delete deadline schedules, cannot
 * touch it) runs on the registry's schedule of reroute as the safety net. Webhook
 * retries are one-time schedules in the same group, invoking the webhooks function.
 */
export class Deadlines extends Construct {
  readonly group: scheduler.ScheduleGroup;
  readonly role: iam.Role;
  /**
   * Deadline and sweep invocations that never reached reroute (Scheduler's dead-letter
   * queue, on every schedule), or that reroute failed on after Lambda's retries.
   */
  readonly deadLetters: DeadLetters;
  private readonly reroute: lambda.IFunction;

  constructor(scope: Construct, id: string, props: DeadlinesProps) {
    super(scope, id);
    this.reroute = props.reroute;

    this.group = new scheduler.ScheduleGroup(this, 'Group');

    this.role = schedulerExecutionRole(
      this,
      'EventBridge Scheduler: invokes the Lead Relay reroute and webhooks functions, nothing else',
      [this.group.scheduleGroupArn],
    );
    props.reroute.grantInvoke(this.role);

    this.deadLetters = new DeadLetters(this, 'DeadLetters', {
      holds:
        'reroute deadlines and sweeps that did not reach reroute, or that it failed on after its retries',
    });
    // Scheduler sends what it could not deliver with its execution role.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetters.queue.queueArn] }),
    );
    // Scheduler invokes asynchronously: a function error is retried by Lambda, then lands in the same queue.
    props.reroute.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.deadLetters.queue),
    });
    acknowledge(
      this.role,
      `AwsSolutions-IAM5[Resource::${nagResource(this, props.reroute.functionArn)}:*]`,
      'lambda:InvokeFunction on the reroute function and its versions and aliases (function ARN with :*) only.',
    );

    registrySchedule(this, 'Sweeper', {
      fn: 'reroute',
      target: props.reroute,
      role: this.role,
      deadLetterQueue: this.deadLetters.queue,
      description: 'Reroutes leads whose deadline schedule was lost',
    });
  }

  /**
   * Webhook retries: each is a one-time schedule in the deadline group that invokes
   * `fn` (the webhooks function) itself. The execution role may invoke it too, and
   * `fn` gets SCHEDULE_GROUP, SCHEDULER_ROLE_ARN and DEADLINE_DLQ_ARN and the right to
   * create schedules there (they delete themselves when done) and pass the role.
   */
  allowWebhookRetries(fn: lambda.Function): void {
    fn.grantInvoke(this.role);
    fn.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.deadLetters.queue),
    });
    acknowledge(
      this.role,
      `AwsSolutions-IAM5[Resource::${nagResource(this, fn.functionArn)}:*]`,
      'lambda:InvokeFunction on the webhooks function and its versions and aliases (function ARN with :*) only.',
    );
    fn.addEnvironment(EnvName.scheduleGroup, this.group.scheduleGroupName);
    fn.addEnvironment(EnvName.schedulerRoleArn, this.role.roleArn);
    fn.addEnvironment(EnvName.deadlineDeadLetterArn, this.deadLetters.queue.queueArn);
    const schedules = this.groupSchedules();
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['scheduler:CreateSchedule'], resources: [schedules] }),
    );
    this.role.grantPassRole(fn.grantPrincipal);
    if (fn.role) {
      acknowledge(
        fn.role,
        `AwsSolutions-IAM5[Resource::${nagResource(fn, schedules)}]`,
        'One schedule per webhook retry, named at run time (deterministic, per delivery and attempt), ' +
          'so the grant covers the schedules of the deadline group only.',
      );
    }
  }

  private groupSchedules(): string {
    return Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.group.scheduleGroupName}/*`,
    });
  }

  /**
   * SCHEDULE_GROUP, SCHEDULER_ROLE_ARN, REROUTE_FUNCTION_ARN and DEADLINE_DLQ_ARN (each
   * deadline schedule's dead-letter queue), and the rights to create and delete
   * schedules in the deadline group and to pass the execution role.
   */
  allowScheduling(fn: lambda.Function): void {
    fn.addEnvironment(EnvName.scheduleGroup, this.group.scheduleGroupName);
    fn.addEnvironment(EnvName.schedulerRoleArn, this.role.roleArn);
    fn.addEnvironment(EnvName.rerouteFunctionArn, this.reroute.functionArn);
    fn.addEnvironment(EnvName.deadlineDeadLetterArn, this.deadLetters.queue.queueArn);

    const schedules = this.groupSchedules();
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
        resources: [schedules],
      }),
    );
    this.role.grantPassRole(fn.grantPrincipal);
    if (fn.role) {
      acknowledge(
        fn.role,
        `AwsSolutions-IAM5[Resource::${nagResource(fn, schedules)}]`,
        'One schedule per lead assignment, named at run time (deterministic, per lead and version), ' +
          'so the grant covers the schedules of the deadline group only.',
      );
    }
  }
}
