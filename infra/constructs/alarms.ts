import {
  ArnFormat,
  Aspects,
  CfnCondition,
  CfnParameter,
  Duration,
  Fn,
  type IAspect,
  Stack,
} from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { acknowledge } from '../nag';

/** The stack parameter ops set to receive the alarms: `cdk deploy --parameters AlarmEmail=ops@example.com`. */
export const alarmEmailParameter = 'AlarmEmail';

/** How long a dead letter waits for ops (SQS's maximum): long enough to outlast a holiday. */
export const deadLetterRetention = Duration.days(14);

/**
 * The one SNS topic every alarm of the stack notifies, and the ops subscription to
 * it. The subscription exists only when the AlarmEmail parameter is set, so a
 * deploy without it still works (and ops can subscribe to the topic by hand).
 *
 * Every CloudWatch alarm anywhere in the stack is sent to the topic (an aspect,
 * so an alarm added later needs no wiring of its own).
 */
export class Alarms extends Construct {
  readonly topic: sns.Topic;
  readonly email: CfnParameter;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);

    this.email = new CfnParameter(stack, alarmEmailParameter, {
      type: 'String',
      default: '',
      description: 'Email address that receives the Lead Relay alarms (dead letters waiting); empty: none',
      allowedPattern: '^$|^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$',
      constraintDescription: 'must be an email address, or empty',
    });
    this.email.overrideLogicalId(alarmEmailParameter);

    this.topic = new sns.Topic(this, 'Topic', { displayName: 'Lead Relay alarms', enforceSSL: true });
    // A topic policy replaces the default one: say explicitly that this account's alarms may publish.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    acknowledge(
      this.topic,
      'AwsSolutions-SNS2',
      'Alarm notifications carry alarm names and states only, no lead data; CloudWatch cannot publish to a topic ' +
        'encrypted with the AWS managed SNS key, and a customer managed key would protect nothing here.',
    );

    const subscription = new sns.Subscription(this, 'OpsEmail', {
      topic: this.topic,
      protocol: sns.SubscriptionProtocol.EMAIL,
      endpoint: this.email.valueAsString,
    });
    const hasEmail = new CfnCondition(this, 'HasAlarmEmail', {
      expression: Fn.conditionNot(Fn.conditionEquals(this.email.valueAsString, '')),
    });
    (subscription.node.defaultChild as sns.CfnSubscription).cfnOptions.condition = hasEmail;

    Aspects.of(stack).add(new NotifyTopic(new SnsAction(this.topic)));
  }
}

/** Adds the topic to every alarm's actions, wherever the alarm was created. */
class NotifyTopic implements IAspect {
  private readonly seen = new WeakSet<cloudwatch.Alarm>();

  constructor(private readonly action: cloudwatch.IAlarmAction) {}

  visit(node: IConstruct): void {
    if (!(node instanceof cloudwatch.Alarm) || this.seen.has(node)) return;
    this.seen.add(node);
    node.addAlarmAction(this.action);
  }
}

export interface DeadLettersProps {
  /** What lands in the queue, for the alarm's description and the reviewer: "SES events email-events gave up on". */
  readonly holds: string;
}

/**
 * The dead-letter queue of one asynchronous path (encrypted, TLS only, kept 14
 * days), and an alarm that fires on its first message. Nothing consumes the
 * queue: ops read the messages, fix the cause and redrive them (README).
 */
export class DeadLetters extends Construct {
  readonly queue: sqs.Queue;
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DeadLettersProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: deadLetterRetention,
    });
    acknowledge(
      this.queue,
      'AwsSolutions-SQS3',
      `This queue is itself a dead-letter queue (${props.holds}); nothing consumes it automatically.`,
    );
    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmDescription: `Dead letters are waiting: ${props.holds}`,
      metric: this.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}

/** SES puts an account under review at a 5 % bounce rate and a 0.1 % complaint rate (fractions here). */
export const sesReviewThresholds = { bounceRate: 0.05, complaintRate: 0.001 } as const;
/** A stream consumer this far behind (the age of its oldest record) is stuck or too slow. */
export const iteratorAgeThresholdMs = 5 * 60_000;
/** The share of API requests answered 5xx (percent, per 5 minutes, twice in a row) that wakes ops. */
export const apiServerErrorRateThreshold = 1;

export interface ServiceAlarmsProps {
  /** The API's 5xx rate in percent (see dashboard.ts apiServerErrorRate). */
  readonly apiServerErrorRate: cloudwatch.IMetric;
  /** SES's reputation metrics of the account. */
  readonly sesBounceRate: cloudwatch.IMetric;
  readonly sesComplaintRate: cloudwatch.IMetric;
}

/**
 * The alarms on how the product as a whole is doing (the per-queue and per-consumer
 * ones sit beside their resources): the account's SES bounce and complaint rates
 * over SES's own review thresholds, and the API's 5xx rate. SES's Reputation
 * metrics are used, not the configuration set's event counts: they are the very
 * figures SES reviews (and pauses) the account by, computed by SES over a
 * representative window of the account's sending, where a rate of our own
 * counts in a 5-minute period would swing on a handful of emails. They cover
 * everything the account sends: a shared account's other mail counts too, as it
 * does for SES.
 */
export class ServiceAlarms extends Construct {
  readonly bounceRate: cloudwatch.Alarm;
  readonly complaintRate: cloudwatch.Alarm;
  readonly apiServerErrors: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    const over = (threshold: number, evaluationPeriods = 1) => ({
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods,
      // No mail sent or no request made: nothing to judge, not a problem.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.bounceRate = new cloudwatch.Alarm(this, 'SesBounceRate', {
      alarmDescription:
        'The SES account bounce rate is over 5 %, where SES reviews the account (and pauses sending at 10 %): ' +
        'check the partners’ lead owner addresses',
      metric: props.sesBounceRate,
      ...over(sesReviewThresholds.bounceRate),
    });
    this.complaintRate = new cloudwatch.Alarm(this, 'SesComplaintRate', {
      alarmDescription:
        'The SES account complaint rate is over 0.1 %, where SES reviews the account (and pauses sending at 0.5 %)',
      metric: props.sesComplaintRate,
      ...over(sesReviewThresholds.complaintRate),
    });
    this.apiServerErrors = new cloudwatch.Alarm(this, 'ApiServerErrorRate', {
      alarmDescription: `More than ${apiServerErrorRateThreshold} % of API requests answered 5xx for 10 minutes: read the api function's errors`,
      metric: props.apiServerErrorRate,
      ...over(apiServerErrorRateThreshold, 2),
    });
  }
}
