import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionName } from '../../functions/registry';
import { acknowledge } from '../nag';
import { constructIdOf } from './functions';

export interface StreamsProps {
  readonly table: dynamodb.ITable;
  /** The table stream's consumers, by name: distribute (side effects) and aggregate (report counters). */
  readonly consumers: Readonly<Partial<Record<FunctionName, lambda.IFunction>>>;
}

/** Only lead items matter to the consumers; the store writes `entity` on every item. */
export const leadRecordsOnly = lambda.FilterCriteria.filter({
  dynamodb: { NewImage: { entity: { S: lambda.FilterRule.isEqual('Lead') } } },
});

/** How long a record may be retried before it goes to the failure queue. */
export const streamRetry = { retryAttempts: 5, maxRecordAge: Duration.hours(6) } as const;

/**
 * The table's stream, read by each consumer with partial batch failures: a bad
 * record is retried alone (bisect), at most a few times, then its coordinates
 * land in that consumer's failure queue, and an alarm fires on the first one.
 */
export class Streams extends Construct {
  readonly failureQueues: Partial<Record<FunctionName, sqs.Queue>> = {};
  readonly alarms: Partial<Record<FunctionName, cloudwatch.Alarm>> = {};

  constructor(scope: Construct, id: string, props: StreamsProps) {
    super(scope, id);
    for (const [name, consumer] of Object.entries(props.consumers) as [FunctionName, lambda.IFunction][]) {
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

      consumer.addEventSource(
        new DynamoEventSource(props.table, {
          startingPosition: lambda.StartingPosition.TRIM_HORIZON,
          batchSize: 100,
          maxBatchingWindow: Duration.seconds(1),
          reportBatchItemFailures: true,
          bisectBatchOnError: true,
          ...streamRetry,
          onFailure: new SqsDlq(queue),
          filters: [leadRecordsOnly],
        }),
      );

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
    }
  }
}
