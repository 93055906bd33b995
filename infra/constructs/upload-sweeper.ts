import { EnvName } from '@leadrelay/aws';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Construct } from 'constructs';
import { functionSpecs } from '../../functions/registry';
import { acknowledge, nagResource } from '../nag';
import { DeadLetters } from './alarms';
import { registrySchedule, schedulerExecutionRole } from './scheduler-role';

export interface UploadSweeperProps {
  /** The sweeper function (functions/upload-sweeper). */
  readonly sweeper: lambda.Function;
  /** The ingest function, which the sweeper sends the uploads to resume. */
  readonly ingest: lambda.IFunction;
}

/**
 * The safety net of ingest: a rate() schedule (the registry's, as the reroute
 * sweeper's) invokes the upload sweeper, which finds uploads left `processing`
 * with an expired lease (a Query on a sparse index) and sends each to ingest.
 */
export class UploadSweeper extends Construct {
  readonly role: iam.Role;
  /**
   * Sweeps that never reached the sweeper (Scheduler's dead-letter queue), or that it
   * failed on after Lambda's retries.
   */
  readonly deadLetters: DeadLetters;

  constructor(scope: Construct, id: string, props: UploadSweeperProps) {
    super(scope, id);
    const schedule = functionSpecs['upload-sweeper'].schedule;
    if (!schedule) throw new Error('functions/registry.ts gives upload-sweeper no schedule');

    props.sweeper.addEnvironment(EnvName.ingestFunctionName, props.ingest.functionArn);
    // The function itself, not its versions (`:*`): ingest is invoked unqualified.
    props.sweeper.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.ingest.functionArn] }),
    );

    this.role = schedulerExecutionRole(
      this,
      'EventBridge Scheduler: invokes the Lead Relay upload sweeper, nothing else',
    );
    // The schedule's target grants the role lambda:InvokeFunction on the sweeper (and its versions).
    acknowledge(
      this.role,
      `AwsSolutions-IAM5[Resource::${nagResource(this, props.sweeper.functionArn)}:*]`,
      'lambda:InvokeFunction on the upload sweeper function and its versions and aliases (function ARN with :*) only.',
    );

    this.deadLetters = new DeadLetters(this, 'DeadLetters', {
      holds: 'upload sweeps that did not reach the upload sweeper, or that it failed on after its retries',
    });
    // Scheduler invokes asynchronously: a function error is retried by Lambda, then lands in the same queue.
    props.sweeper.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.minutes(schedule.everyMinutes),
      onFailure: new SqsDestination(this.deadLetters.queue),
    });

    registrySchedule(this, 'Schedule', {
      fn: 'upload-sweeper',
      target: props.sweeper,
      role: this.role,
      deadLetterQueue: this.deadLetters.queue,
      description: 'Resumes uploads left processing with an expired lease',
    });
  }
}
