import { EnvName } from '@leadrelay/aws';
import { CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { functionSpecs } from '../../functions/registry';
import { acknowledge, nagResource } from '../nag';
import { DeadLetters } from './alarms';

/** What SES publishes for every email; email-events turns them into the lead's email status. */
export const mailEvents = [
  ses.EmailSendingEvent.SEND,
  ses.EmailSendingEvent.DELIVERY,
  ses.EmailSendingEvent.OPEN,
  ses.EmailSendingEvent.CLICK,
  ses.EmailSendingEvent.BOUNCE,
  ses.EmailSendingEvent.COMPLAINT,
  ses.EmailSendingEvent.REJECT,
];

/** The stack parameter ops set to the sender address: `cdk deploy --parameters MailFrom=leads@example.com`. */
export const mailFromParameter = 'MailFrom';

/**
 * A bare address (no display name: it is matched by ses:FromAddress), as a CloudFormation
 * AllowedPattern.
 */
export const mailFromPattern = '^[^\\s@<>]+@[^\\s@<>]+\\.[^\\s@<>]+$';

export interface MailProps {
  /** The email-events function, fed by the SES events. */
  readonly eventsHandler: lambda.IFunction;
  /**
   * A custom domain for open and click tracking links (its CNAME points at the SES
   * tracking domain). With one, tracking links are HTTPS only; without one SES
   * uses its own awstrack.me domain.
   */
  readonly trackingDomain?: string;
}

/**
 * The SES configuration set every lead email is sent with: it turns on open and
 * click tracking and publishes the sending events to the default EventBridge bus,
 * where a rule hands this configuration set's events to the email-events function.
 */
export class Mail extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  /**
   * The sender of every email, the MailFrom parameter: an address of a domain (or the address itself)
   * verified in SES. It has no default, so the first deploy names it; later deploys keep it unless given.
   */
  readonly mailFrom: string;
  readonly mailFromParameter: CfnParameter;
  /** SES events that never reached email-events, or that email-events failed on after its retries. */
  readonly deadLetters: DeadLetters;

  constructor(scope: Construct, id: string, props: MailProps) {
    super(scope, id);
    this.mailFromParameter = new CfnParameter(Stack.of(this), mailFromParameter, {
      type: 'String',
      description:
        'Sender of the lead emails: a bare address of a domain verified in SES (or a verified address), like leads@example.com',
      allowedPattern: mailFromPattern,
      constraintDescription: 'must be a bare email address like leads@example.com (no display name)',
    });
    this.mailFromParameter.overrideLogicalId(mailFromParameter);
    this.mailFrom = this.mailFromParameter.valueAsString;

    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      // Only deliver over TLS: lead emails carry personal data.
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
      sendingEnabled: true,
      ...(props.trackingDomain === undefined
        ? {}
        : {
            customTrackingRedirectDomain: props.trackingDomain,
            customTrackingHttpsPolicy: ses.HttpsPolicy.REQUIRE,
          }),
    });

    // SES publishes only to the default bus. The OPEN and CLICK event types are what
    // make SES add the tracking pixel and rewrite the links.
    const defaultBus = events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    this.configurationSet.addEventDestination('ToEventBridge', {
      destination: ses.EventDestination.eventBus(defaultBus),
      events: mailEvents,
    });

    this.deadLetters = new DeadLetters(this, 'EmailEventsDeadLetters', {
      holds: 'SES events that did not reach email-events, or that it failed on after its retries',
    });
    const trigger = functionSpecs['email-events'].events;
    if (!trigger) throw new Error('functions/registry.ts gives email-events no EventBridge pattern');
    new events.Rule(this, 'EmailEvents', {
      description: 'SES events of the Lead Relay configuration set to email-events',
      eventPattern: trigger.pattern({ configurationSet: this.configurationSet.configurationSetName }),
      targets: [
        new targets.LambdaFunction(props.eventsHandler, {
          // EventBridge retries only what it could not hand to Lambda (throttling, service errors), which
          // clears in minutes: after two hours the event goes to the queue and the alarm, not on retrying.
          retryAttempts: 20,
          maxEventAge: Duration.hours(2),
          deadLetterQueue: this.deadLetters.queue,
        }),
      ],
    });
    // EventBridge invokes asynchronously: a function error is retried by Lambda, then lands here too.
    props.eventsHandler.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.deadLetters.queue),
    });
  }

  /** SES_CONFIGURATION_SET and MAIL_FROM, and sending with this configuration set from MAIL_FROM only. */
  allowSending(fn: lambda.Function): void {
    fn.addEnvironment(EnvName.sesConfigurationSet, this.configurationSet.configurationSetName);
    fn.addEnvironment(EnvName.mailFrom, this.mailFrom);

    const stack = Stack.of(this);
    const identities = stack.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' });
    const configurationSet = stack.formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
    });
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [identities, configurationSet],
        conditions: { StringEquals: { 'ses:FromAddress': this.mailFrom } },
      }),
    );
    if (fn.role) {
      acknowledge(
        fn.role,
        `AwsSolutions-IAM5[Resource::${nagResource(fn, identities)}]`,
        'SES authorizes a send against the sender identity (the address or its domain) and, in the sandbox, ' +
          'the recipient identities too; the ses:FromAddress condition pins the sender to MAIL_FROM.',
      );
    }
  }
}
