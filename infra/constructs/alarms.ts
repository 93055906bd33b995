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
