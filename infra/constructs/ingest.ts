import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';
import { functionSpecs } from '../../functions/registry';
import { acknowledge } from '../nag';
import { DeadLetters } from './alarms';

export interface IngestProps {
  readonly inbox: s3.IBucket;
  readonly handler: lambda.IFunction;
}

/**
 * A file created under the registry's prefix (`inbox/`) starts an ingest run (S3 event notification, at least
 * once). A file longer than one invocation continues in the next: ingest invokes
 * itself asynchronously, so it may invoke exactly itself.
 */
export class Ingest extends Construct {
  /** The grant that lets ingest invoke itself (a policy of its own: see below). */
  readonly selfInvoke: iam.Policy;
  /** S3 events and continuations that ingest failed on after Lambda's retries. */
  readonly failures: DeadLetters;

  constructor(scope: Construct, id: string, props: IngestProps) {
    super(scope, id);
    const trigger = functionSpecs.ingest.objectCreated;
    if (!trigger) throw new Error('functions/registry.ts gives ingest no objectCreated trigger');
    // A separate policy, not the role's default one: the function's own ARN in its
    // default policy would make the function depend on itself (a circular dependency).
    this.selfInvoke = new iam.Policy(this, 'SelfInvoke', {
      statements: [
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: [props.handler.functionArn],
        }),
      ],
    });
    if (props.handler.role) this.selfInvoke.attachToRole(props.handler.role);
    props.inbox.addEventNotification(s3.EventType.OBJECT_CREATED, new LambdaDestination(props.handler), {
      prefix: trigger.prefix,
    });

    // S3 and ingest itself (a continuation) both invoke asynchronously: after Lambda's two retries the
    // event would be dropped, leaving the upload unfinished with nobody told. It lands here instead.
    this.failures = new DeadLetters(this, 'Failures', {
      holds: 'S3 events and continuations that ingest failed on after its retries',
    });
    props.handler.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.failures.queue),
    });

    // CloudFormation has no native resource for bucket notifications, so CDK adds one
    // singleton Lambda-backed custom resource per stack; its shape is CDK's, not ours.
    const notificationsHandler = Stack.of(this).node.tryFindChild(
      'BucketNotificationsHandler050a0587b7544547bf325f094a3db834',
    );
    if (notificationsHandler) {
      acknowledge(
        notificationsHandler,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        "CDK's bucket-notifications custom resource handler: it only writes its own logs during deployment.",
      );
    }
  }
}
