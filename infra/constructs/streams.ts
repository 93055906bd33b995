import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type FunctionName, type StreamTrigger, triggersOf } from '../../functions/registry';
import { acknowledge } from '../nag';
import { iteratorAgeThresholdMs } from './alarms';
import { iteratorAge } from './dashboard';
import { constructIdOf } from './functions';

export interface StreamsProps {
  readonly table: dynamodb.ITable;
  /** Every function of the registry: those with a stream trigger become the stream's consumers. */
  readonly functions: Readonly<Record<FunctionName, lambda.IFunction>>;
}

/** The event source mapping of a registry stream trigger, its failures going to `queue`. */
function streamSource(table: dynamodb.ITable, trigger: StreamTrigger, queue: sqs.IQueue): DynamoEventSource {
  return new DynamoEventSource(table, {
    startingPosition: lambda.StartingPosition.TRIM_HORIZON,
    batchSize: trigger.batchSize,
    maxBatchingWindow: Duration.seconds(trigger.maxBatchingWindowSeconds),
    reportBatchItemFailures: true,
    bisectBatchOnError: true,
    retryAttempts: trigger.retryAttempts,
    maxRecordAge: Duration.hours(trigger.maxRecordAgeHours),
    onFailure: new SqsDlq(queue),
    filters: [
      lambda.FilterCriteria.filter({
        dynamodb: { NewImage: { entity: { S: lambda.FilterRule.isEqual(trigger.entity) } } },
      }),
    ],
  });
}

/**
 * The table's stream, read by each consumer with partial batch failures: a bad
 * record is retried alone (bisect), at most a few times, then its coordinates
 * land in that consumer's failure queue, and an alarm fires on the first one.
 * Another fires when a consumer falls more than 5 minutes behind.
 */
export class Streams extends Construct {
  readonly failureQueues: Partial<Record<FunctionName, sqs.Queue>> = {};
  readonly alarms: Partial<Record<FunctionName, cloudwatch.Alarm>> = {};
  /** Per consumer: its oldest record is over 5 minutes old (stuck on a record, or too slow). */
  readonly iteratorAgeAlarms: Partial<Record<FunctionName, cloudwatch.Alarm>> = {};

  constructor(scope: Construct, id: string, props: StreamsProps) {
    super(scope, id);
    for (const { fn: name, trigger } of triggersOf('stream')) {
      const consumer = props.functions[name];
      const consumerId = constructIdOf(name);
      const queue = new sqs.Queue(this, `${consumerId}Failures`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      acknowledge(
        queue,
        'AwsSolutions-SQS3',
        `This queue is itself the dead-letter destination of the ${name} stream mapping; nothing consumes it automatically.`,
      );

      consumer.addEventSource(streamSource(props.table, trigger, queue));

      if (consumer.role) {
        acknowledge(
          consumer.role,
          'AwsSolutions-IAM5[Resource::*]',
          'dynamodb:ListStreams, granted with the stream read, supports no resource-level permissions.',
        );
      }

      this.alarms[name] = new cloudwatch.Alarm(this, `${consumerId}FailuresAlarm`, {
        alarmDescription: `Stream records the ${name} consumer gave up on are waiting in its failure queue`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      this.failureQueues[name] = queue;

      this.iteratorAgeAlarms[name] = new cloudwatch.Alarm(this, `${consumerId}IteratorAgeAlarm`, {
        alarmDescription: `The ${name} consumer is more than 5 minutes behind the table's stream`,
        metric: iteratorAge(consumer),
        threshold: iteratorAgeThresholdMs,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // No batch in the period: nothing is waiting.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
  }
}
