/**
 * Builders for the email sending events SES publishes through a configuration set's event
 * destination, in the shape SES documents for EventBridge (source `aws.ses`). Pure: every clock
 * reading and random id comes in through the arguments or `randomUUID`, so the emulator and tests
 * share one definition of the format.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from 'aws-lambda';

export type SesEventType =
  | 'Send'
  | 'Delivery'
  | 'Open'
  | 'Click'
  | 'Bounce'
  | 'Complaint'
  | 'Reject'
  | 'Rendering Failure'
  | 'DeliveryDelay';

/** The EventBridge `detail-type` SES uses for each event type. */
export const SES_DETAIL_TYPES: Readonly<Record<SesEventType, string>> = {
  Send: 'Email Sent',
  Delivery: 'Email Delivered',
  Open: 'Email Opened',
  Click: 'Email Clicked',
  Bounce: 'Email Bounced',
  Complaint: 'Email Complaint Received',
  Reject: 'Email Rejected',
  'Rendering Failure': 'Email Rendering Failed',
  DeliveryDelay: 'Email Delivery Delayed',
};

export interface SesMailHeader {
  name: string;
  value: string;
}

export interface SesCommonHeaders {
  from: string[];
  to: string[];
  cc?: string[];
  bcc?: string[];
  messageId: string;
  subject: string;
}

export interface SesMail {
  timestamp: string;
  source: string;
  sourceArn: string;
  sendingAccountId: string;
  messageId: string;
  destination: string[];
  headersTruncated: boolean;
  headers: SesMailHeader[];
  commonHeaders: SesCommonHeaders;
  tags: Record<string, string[]>;
}

export interface SesDelivery {
  timestamp: string;
  processingTimeMillis: number;
  recipients: string[];
  smtpResponse: string;
  reportingMTA: string;
  remoteMtaIp?: string;
}

export interface SesOpen {
  ipAddress: string;
  timestamp: string;
  userAgent: string;
}

export interface SesClick {
  ipAddress: string;
  link: string;
  linkTags: Record<string, string[]>;
  timestamp: string;
  userAgent: string;
}

export interface SesBouncedRecipient {
  emailAddress: string;
  action?: string;
  status?: string;
  diagnosticCode?: string;
}

export type SesBounceType = 'Undetermined' | 'Permanent' | 'Transient';

export interface SesBounce {
  bounceType: SesBounceType;
  bounceSubType: string;
  bouncedRecipients: SesBouncedRecipient[];
  timestamp: string;
  feedbackId: string;
  reportingMTA?: string;
  remoteMtaIp?: string;
}

export interface SesComplaint {
  complainedRecipients: { emailAddress: string }[];
  timestamp: string;
  feedbackId: string;
  complaintSubType?: string | null;
  userAgent?: string;
  complaintFeedbackType?: string;
  arrivalDate?: string;
}

export interface SesReject {
  reason: string;
}

export interface SesRenderingFailure {
  errorMessage: string;
  templateName: string;
}

export interface SesDeliveryDelay {
  delayType: string;
  delayedRecipients: { emailAddress: string; status: string; diagnosticCode: string }[];
  expirationTime: string;
  reportingMTA?: string;
  timestamp: string;
}

/** The `detail` of an SES event on EventBridge: `eventType`, `mail`, and the one matching object. */
export interface SesEventDetail {
  eventType: SesEventType;
  mail: SesMail;
  send?: Record<string, never>;
  delivery?: SesDelivery;
  open?: SesOpen;
  click?: SesClick;
  bounce?: SesBounce;
  complaint?: SesComplaint;
  reject?: SesReject;
  failure?: SesRenderingFailure;
  deliveryDelay?: SesDeliveryDelay;
}

export type SesEventBridgeEvent = EventBridgeEvent<string, SesEventDetail>;

export interface SesMailInput {
  messageId: string;
  /** FromEmailAddress as sent, possibly `Name <address>`. */
  from: string;
  to: string[];
  cc?: string[];
  bcc?: string[];
  subject: string;
  sentAt: Date;
  region: string;
  accountId: string;
  configurationSet?: string;
  emailTags?: { Name: string; Value: string }[];
  callerIdentity?: string;
  sourceIp?: string;
}

/** `Name <a@b.c>` -> `a@b.c`; a bare address is answered trimmed. */
export function emailAddressOf(value: string): string {
  const angle = /<([^<>]+)>\s*$/.exec(value);
  return (angle?.[1] ?? value).trim();
}

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at === -1 ? address : address.slice(at + 1);
}

export function configurationSetArn(region: string, accountId: string, name: string): string {
  return `arn:aws:ses:${region}:${accountId}:configuration-set/${name}`;
}

/** SES feedback ids look like `<16 hex>-<uuid>-000000`. */
export function newFeedbackId(): string {
  return `${randomBytes(8).toString('hex')}-${randomUUID()}-000000`;
}

export function buildSesMail(input: SesMailInput): SesMail {
  const fromAddress = emailAddressOf(input.from);
  const fromDomain = domainOf(fromAddress);
  const cc = input.cc ?? [];
  const bcc = input.bcc ?? [];
  const headers: SesMailHeader[] = [
    { name: 'From', value: input.from },
    { name: 'To', value: input.to.join(', ') },
  ];
  if (cc.length > 0) headers.push({ name: 'Cc', value: cc.join(', ') });
  headers.push(
    { name: 'Subject', value: input.subject },
    { name: 'MIME-Version', value: '1.0' },
    { name: 'Content-Type', value: 'multipart/alternative; boundary="----=_Part_local"' },
  );
  if (input.configurationSet !== undefined) {
    headers.unshift({ name: 'X-SES-CONFIGURATION-SET', value: input.configurationSet });
  }
  const emailTags = input.emailTags ?? [];
  if (emailTags.length > 0) {
    headers.push({
      name: 'X-SES-MESSAGE-TAGS',
      value: emailTags.map((tag) => `${tag.Name}=${tag.Value}`).join(', '),
    });
  }

  const tags: Record<string, string[]> = {};
  if (input.configurationSet !== undefined) tags['ses:configuration-set'] = [input.configurationSet];
  tags['ses:source-ip'] = [input.sourceIp ?? '127.0.0.1'];
  tags['ses:from-domain'] = [fromDomain];
  tags['ses:caller-identity'] = [input.callerIdentity ?? 'local-user'];
  for (const tag of emailTags) tags[tag.Name] = [tag.Value];

  const commonHeaders: SesCommonHeaders = {
    from: [input.from],
    to: [...input.to],
    messageId: input.messageId,
    subject: input.subject,
  };
  if (cc.length > 0) commonHeaders.cc = [...cc];

  return {
    timestamp: input.sentAt.toISOString(),
    source: input.from,
    sourceArn: `arn:aws:ses:${input.region}:${input.accountId}:identity/${fromDomain}`,
    sendingAccountId: input.accountId,
    messageId: input.messageId,
    destination: [...input.to, ...cc, ...bcc],
    headersTruncated: false,
    headers,
    commonHeaders,
    tags,
  };
}

export function sendDetail(mail: SesMail): SesEventDetail {
  return { eventType: 'Send', mail, send: {} };
}

export function deliveryDetail(
  mail: SesMail,
  args: { recipients: string[]; at: Date; reportingMTA?: string; smtpResponse?: string },
): SesEventDetail {
  // SES adds the outgoing IP to the tags of delivery events only.
  const withOutgoingIp: SesMail = { ...mail, tags: { ...mail.tags, 'ses:outgoing-ip': ['127.0.0.1'] } };
  return {
    eventType: 'Delivery',
    mail: withOutgoingIp,
    delivery: {
      timestamp: args.at.toISOString(),
      processingTimeMillis: Math.max(0, args.at.getTime() - Date.parse(mail.timestamp)),
      recipients: [...args.recipients],
      smtpResponse: args.smtpResponse ?? '250 2.6.0 Message received',
      reportingMTA: args.reportingMTA ?? 'a1-1.smtp-out.local.amazonses.com',
      remoteMtaIp: '127.0.0.1',
    },
  };
}

export function bounceDetail(
  mail: SesMail,
  args: {
    recipients: string[];
    at: Date;
    bounceType: SesBounceType;
    bounceSubType: string;
    status?: string;
    diagnosticCode?: string;
    reportingMTA?: string;
    feedbackId?: string;
  },
): SesEventDetail {
  return {
    eventType: 'Bounce',
    mail,
    bounce: {
      bounceType: args.bounceType,
      bounceSubType: args.bounceSubType,
      bouncedRecipients: args.recipients.map((emailAddress) => ({
        emailAddress,
        action: 'failed',
        status: args.status ?? '5.1.1',
        diagnosticCode: args.diagnosticCode ?? 'smtp; 550 5.1.1 user unknown',
      })),
      timestamp: args.at.toISOString(),
      feedbackId: args.feedbackId ?? newFeedbackId(),
      reportingMTA: args.reportingMTA ?? 'dsn; a1-1.smtp-out.local.amazonses.com',
    },
  };
}

export function complaintDetail(
  mail: SesMail,
  args: {
    recipients: string[];
    at: Date;
    complaintFeedbackType?: string;
    userAgent?: string;
    feedbackId?: string;
  },
): SesEventDetail {
  return {
    eventType: 'Complaint',
    mail,
    complaint: {
      complainedRecipients: args.recipients.map((emailAddress) => ({ emailAddress })),
      timestamp: args.at.toISOString(),
      feedbackId: args.feedbackId ?? newFeedbackId(),
      complaintSubType: null,
      userAgent: args.userAgent ?? 'Amazon SES Mailbox Simulator',
      complaintFeedbackType: args.complaintFeedbackType ?? 'abuse',
      arrivalDate: args.at.toISOString(),
    },
  };
}

export function openDetail(
  mail: SesMail,
  args: { at: Date; ipAddress: string; userAgent: string },
): SesEventDetail {
  return {
    eventType: 'Open',
    mail,
    open: { ipAddress: args.ipAddress, timestamp: args.at.toISOString(), userAgent: args.userAgent },
  };
}

export function clickDetail(
  mail: SesMail,
  args: { at: Date; ipAddress: string; userAgent: string; link: string; linkTags?: Record<string, string[]> },
): SesEventDetail {
  return {
    eventType: 'Click',
    mail,
    click: {
      ipAddress: args.ipAddress,
      link: args.link,
      linkTags: args.linkTags ?? {},
      timestamp: args.at.toISOString(),
      userAgent: args.userAgent,
    },
  };
}

export function rejectDetail(mail: SesMail, args: { reason: string }): SesEventDetail {
  return { eventType: 'Reject', mail, reject: { reason: args.reason } };
}

export function renderingFailureDetail(
  mail: SesMail,
  args: { errorMessage: string; templateName: string },
): SesEventDetail {
  return {
    eventType: 'Rendering Failure',
    mail,
    failure: { errorMessage: args.errorMessage, templateName: args.templateName },
  };
}

/** Wraps a detail in the EventBridge envelope SES uses; `resources` names the configuration set. */
export function toEventBridgeEvent(
  detail: SesEventDetail,
  args: { region: string; accountId: string; configurationSet: string; at?: Date },
): SesEventBridgeEvent {
  // EventBridge envelopes carry whole seconds.
  const time = (args.at ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': SES_DETAIL_TYPES[detail.eventType],
    source: 'aws.ses',
    account: args.accountId,
    time,
    region: args.region,
    resources: [configurationSetArn(args.region, args.accountId, args.configurationSet)],
    detail,
  };
}
