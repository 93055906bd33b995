import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { OutgoingEmail } from '@leadrelay/core';

export interface MailerOptions {
  from: string;
  /** The configuration set with open/click tracking and the event destination. */
  configurationSet: string;
}

const TAG_VALUE = /^[A-Za-z0-9_.@-]{1,256}$/;

/**
 * Sends email through SES v2 with the configuration set, so Send, Delivery, Open,
 * Click, Bounce, Complaint and Reject come back as events. Throttling is retried
 * by the client's retry strategy (create it with retryMode "adaptive").
 */
export class SesMailer {
  constructor(
    private readonly ses: SESv2Client,
    private readonly options: MailerOptions,
  ) {}

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    const tags = Object.entries(email.tags ?? {}).map(([Name, Value]) => {
      if (!TAG_VALUE.test(Name) || !TAG_VALUE.test(Value)) {
        throw new Error(`SES message tag ${Name}=${Value} has characters SES does not allow`);
      }
      return { Name, Value };
    });
    const result = await this.ses.send(
      new SendEmailCommand({
        FromEmailAddress: this.options.from,
        Destination: { ToAddresses: [...email.to] },
        ConfigurationSetName: this.options.configurationSet,
        EmailTags: tags,
        Content: {
          Simple: {
            Subject: { Data: email.subject, Charset: 'UTF-8' },
            Body: {
              Html: { Data: email.html, Charset: 'UTF-8' },
              Text: { Data: email.text, Charset: 'UTF-8' },
            },
          },
        },
      }),
    );
    if (!result.MessageId) throw new Error('SES accepted the email but returned no MessageId');
    return { messageId: result.MessageId };
  }
}
