import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import type { EventBridgeEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MailboxEmail, type SesEmulator, startSesEmulator } from '../../packages/local/src/ses';
import type { SesEventDetail } from '../../packages/local/src/ses-events';
import { waitFor } from '../support/wait';

type SesEvent = EventBridgeEvent<string, SesEventDetail>;

const region = 'us-east-1';
const accountId = '000000000000';

describe('local SES emulator', () => {
  let ses: SesEmulator;
  let client: SESv2Client;
  let dataDir: string;
  const events: SesEvent[] = [];
  const eventsFor = (messageId: string) => events.filter((e) => e.detail.mail.messageId === messageId);

  const send = async (input: Partial<SendEmailCommandInput> & { to: string }): Promise<string> => {
    const { to, ...rest } = input;
    const answer = await client.send(
      new SendEmailCommand({
        FromEmailAddress: 'Lead Relay <leads@supplier.example>',
        Destination: { ToAddresses: [to] },
        Content: {
          Simple: {
            Subject: { Data: 'New lead: Ada' },
            Body: {
              Html: {
                Data: '<html><body><p>Hi</p><a href="https://app.example/l/tok?x=1&amp;y=2">Accept</a> <a href=\'http://other.example/\'>Other</a></body></html>',
              },
              Text: { Data: 'Accept: https://app.example/l/tok?x=1&y=2' },
            },
          },
        },
        ...rest,
      }),
    );
    expect(answer.MessageId).toBeTruthy();
    return answer.MessageId as string;
  };

  const mailbox = async (query = ''): Promise<MailboxEmail[]> => {
    const res = await fetch(`${ses.mailboxUrl}${query}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { emails: MailboxEmail[] }).emails;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'local-ses-'));
    ses = await startSesEmulator({
      host: '127.0.0.1',
      port: 0,
      region,
      accountId,
      dataDir,
      onEvent: async (event) => {
        events.push(event);
      },
    });
    client = new SESv2Client({
      endpoint: ses.endpoint,
      region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });

  afterAll(async () => {
    client?.destroy();
    await ses?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('publishes Send then Delivery with the tags and message id of a send with a configuration set', async () => {
    const messageId = await send({
      to: 'partner@reseller.example',
      ConfigurationSetName: 'lead-relay',
      EmailTags: [
        { Name: 'leadId', Value: 'lead-1' },
        { Name: 'assignmentVersion', Value: '3' },
      ],
    });
    const mine = await waitFor(
      () => (eventsFor(messageId).length >= 2 ? eventsFor(messageId) : undefined),
      'events',
    );
    expect(mine.map((e) => e['detail-type'])).toEqual(['Email Sent', 'Email Delivered']);
    const [sent, delivered] = mine as [SesEvent, SesEvent];
    expect(sent).toMatchObject({
      version: '0',
      source: 'aws.ses',
      account: accountId,
      region,
      resources: [`arn:aws:ses:${region}:${accountId}:configuration-set/lead-relay`],
      detail: { eventType: 'Send', send: {} },
    });
    expect(sent.detail.mail).toMatchObject({
      messageId,
      source: 'Lead Relay <leads@supplier.example>',
      sendingAccountId: accountId,
      destination: ['partner@reseller.example'],
      commonHeaders: { to: ['partner@reseller.example'], subject: 'New lead: Ada', messageId },
      tags: {
        'ses:configuration-set': ['lead-relay'],
        'ses:from-domain': ['supplier.example'],
        leadId: ['lead-1'],
        assignmentVersion: ['3'],
      },
    });
    expect(delivered.detail.eventType).toBe('Delivery');
    expect(delivered.detail.delivery?.recipients).toEqual(['partner@reseller.example']);
    expect(delivered.detail.mail.tags.leadId).toEqual(['lead-1']);
  });

  it('publishes Send then a permanent Bounce for the bounce simulator address', async () => {
    const messageId = await send({
      to: 'bounce@simulator.amazonses.com',
      ConfigurationSetName: 'lead-relay',
    });
    const mine = await waitFor(
      () => (eventsFor(messageId).length >= 2 ? eventsFor(messageId) : undefined),
      'events',
    );
    expect(mine.map((e) => e.detail.eventType)).toEqual(['Send', 'Bounce']);
    expect(mine[1]?.['detail-type']).toBe('Email Bounced');
    expect(mine[1]?.detail.bounce).toMatchObject({
      bounceType: 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: [
        {
          emailAddress: 'bounce@simulator.amazonses.com',
          action: 'failed',
          status: '5.1.1',
          diagnosticCode: 'smtp; 550 5.1.1 user unknown',
        },
      ],
    });
  });

  it('publishes a Complaint after the Delivery for the complaint simulator address', async () => {
    const messageId = await send({
      to: 'complaint@simulator.amazonses.com',
      ConfigurationSetName: 'lead-relay',
    });
    const mine = await waitFor(
      () => (eventsFor(messageId).length >= 3 ? eventsFor(messageId) : undefined),
      'events',
    );
    expect(mine.map((e) => e.detail.eventType)).toEqual(['Send', 'Delivery', 'Complaint']);
    expect(mine[2]?.['detail-type']).toBe('Email Complaint Received');
    expect(mine[2]?.detail.complaint).toMatchObject({
      complainedRecipients: [{ emailAddress: 'complaint@simulator.amazonses.com' }],
      complaintFeedbackType: 'abuse',
    });
  });

  it('publishes no event for a send without a configuration set, yet keeps the email', async () => {
    const quiet = await send({ to: 'quiet@reseller.example' });
    // A later send with a configuration set is a barrier: events go out in order, so once its
    // events arrive, any event of the first send would have arrived too.
    const barrier = await send({ to: 'barrier@reseller.example', ConfigurationSetName: 'lead-relay' });
    await waitFor(() => (eventsFor(barrier).length >= 2 ? true : undefined), 'barrier events');
    expect(eventsFor(quiet)).toEqual([]);
    const emails = await mailbox('?to=quiet@reseller.example');
    expect(emails.map((e) => e.messageId)).toEqual([quiet]);
    expect(emails[0]?.configurationSet).toBeNull();
  });

  it('shows the email in the mailbox with links rewritten for click tracking and an open pixel', async () => {
    const messageId = await send({
      to: 'inbox@reseller.example',
      ConfigurationSetName: 'lead-relay',
      EmailTags: [{ Name: 'leadId', Value: 'lead-9' }],
    });
    const emails = await mailbox('?to=inbox@reseller.example');
    expect(emails).toHaveLength(1);
    const email = emails[0] as MailboxEmail;
    expect(email).toMatchObject({
      messageId,
      destination: { to: ['inbox@reseller.example'] },
      subject: 'New lead: Ada',
      configurationSet: 'lead-relay',
      tags: { leadId: 'lead-9' },
      body: { text: 'Accept: https://app.example/l/tok?x=1&y=2' },
    });
    expect(Date.parse(email.at)).not.toBeNaN();
    const html = email.body.html ?? '';
    const first = `${ses.endpoint}/t/click/${messageId}/0?u=${encodeURIComponent('https://app.example/l/tok?x=1&y=2')}`;
    const second = `${ses.endpoint}/t/click/${messageId}/1?u=${encodeURIComponent('http://other.example/')}`;
    expect(html).toContain(`href="${first}"`);
    expect(html).toContain(`href='${second}'`);
    expect(html).not.toContain('href="https://app.example');
    expect(html).toMatch(
      new RegExp(`<img [^>]*src="${ses.endpoint}/t/open/${messageId}\\.gif"[^>]*/></body></html>$`),
    );

    const all = await mailbox();
    expect(all.map((e) => e.messageId)).toContain(messageId);
    expect(all.findIndex((e) => e.messageId === messageId)).toBe(all.length - 1);

    const page = await fetch(`${ses.endpoint}/mailbox.html?to=inbox@reseller.example`);
    expect(page.headers.get('content-type')).toContain('text/html');
    const text = await page.text();
    expect(text).toContain('New lead: Ada');
    expect(text).toContain('<iframe sandbox=');
    expect(text).not.toContain('<a href="https://app.example');
  });

  it('redirects a tracked link to the original URL and publishes a Click', async () => {
    const messageId = await send({ to: 'clicker@reseller.example', ConfigurationSetName: 'lead-relay' });
    const [email] = await mailbox('?to=clicker@reseller.example');
    const href = /href="([^"]+)"/.exec(email?.body.html ?? '')?.[1] ?? '';
    const res = await fetch(href, { redirect: 'manual', headers: { 'user-agent': 'vitest-browser' } });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://app.example/l/tok?x=1&y=2');
    const clickEvent = await waitFor(
      () => eventsFor(messageId).find((e) => e.detail.eventType === 'Click'),
      'a Click event',
    );
    expect(clickEvent['detail-type']).toBe('Email Clicked');
    expect(clickEvent.detail.click).toMatchObject({
      link: 'https://app.example/l/tok?x=1&y=2',
      userAgent: 'vitest-browser',
      ipAddress: '127.0.0.1',
    });
  });

  it('answers the open pixel with a GIF and publishes an Open', async () => {
    const messageId = await send({ to: 'opener@reseller.example', ConfigurationSetName: 'lead-relay' });
    const [email] = await mailbox('?to=opener@reseller.example');
    const src = /<img [^>]*src="([^"]+)"/.exec(email?.body.html ?? '')?.[1] ?? '';
    const res = await fetch(src);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/gif');
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
    const openEvent = await waitFor(
      () => eventsFor(messageId).find((e) => e.detail.eventType === 'Open'),
      'an Open event',
    );
    expect(openEvent['detail-type']).toBe('Email Opened');
    expect(openEvent.detail.open?.ipAddress).toBe('127.0.0.1');
  });

  it('refuses to redirect to a URL that was not in the message', async () => {
    const messageId = await send({ to: 'victim@reseller.example', ConfigurationSetName: 'lead-relay' });
    const forged = `${ses.endpoint}/t/click/${messageId}/0?u=${encodeURIComponent('https://evil.example/')}`;
    const res = await fetch(forged, { redirect: 'manual' });
    expect(res.status).toBe(404);
    expect(res.headers.get('location')).toBeNull();
    const outOfRange = await fetch(`${ses.endpoint}/t/click/${messageId}/7`, { redirect: 'manual' });
    expect(outOfRange.status).toBe(404);
    const unknown = await fetch(
      `${ses.endpoint}/t/click/ses-0/0?u=${encodeURIComponent('https://app.example/')}`,
      {
        redirect: 'manual',
      },
    );
    expect(unknown.status).toBe(404);
  });

  it('shows a templated send in the mailbox as aws-ses-v2-local rendered it', async () => {
    const answer = await client.send(
      new SendEmailCommand({
        FromEmailAddress: 'leads@supplier.example',
        Destination: { ToAddresses: ['templated@reseller.example'] },
        ConfigurationSetName: 'lead-relay',
        Content: {
          Template: {
            TemplateContent: {
              Subject: 'Lead for {{partner}}',
              Html: '<p>Hello {{partner}}</p><a href="https://app.example/l/{{token}}">Open</a>',
              Text: 'Hello {{partner}}',
            },
            TemplateData: JSON.stringify({ partner: 'Acme', token: 't-42' }),
          },
        },
      }),
    );
    const [email] = await mailbox('?to=templated@reseller.example');
    expect(email).toMatchObject({ messageId: answer.MessageId, subject: 'Lead for Acme' });
    expect(email?.body.text).toBe('Hello Acme');
    expect(email?.body.html).toContain(
      `/t/click/${answer.MessageId}/0?u=${encodeURIComponent('https://app.example/l/t-42')}`,
    );
    const sent = await waitFor(
      () => events.find((e) => e.detail.mail.messageId === answer.MessageId && e.detail.eventType === 'Send'),
      'the Send event',
    );
    expect(sent.detail.mail.commonHeaders.subject).toBe('Lead for Acme');
  });

  it('passes other routes through to aws-ses-v2-local', async () => {
    const res = await fetch(`${ses.endpoint}/store`);
    expect(res.status).toBe(200);
    const store = (await res.json()) as { emails: { messageId: string }[] };
    const [email] = await mailbox('?to=partner@reseller.example');
    expect(store.emails.map((e) => e.messageId)).toContain(email?.messageId);
  });

  it('keeps the mailbox across a restart on the same data folder', async () => {
    const before = await mailbox();
    const again = await startSesEmulator({
      host: '127.0.0.1',
      port: 0,
      region,
      accountId,
      dataDir,
      onEvent: async () => {},
    });
    try {
      const res = await fetch(again.mailboxUrl);
      const after = ((await res.json()) as { emails: MailboxEmail[] }).emails;
      expect(after.map((e) => e.messageId)).toEqual(before.map((e) => e.messageId));
      expect(after[0]?.body.html).toContain(`${again.endpoint}/t/open/`);
    } finally {
      await again.stop();
    }
  });
});

describe('local SES emulator with a maximum send rate', () => {
  let ses: SesEmulator;
  const sent: string[] = [];

  beforeAll(async () => {
    ses = await startSesEmulator({
      host: '127.0.0.1',
      port: 0,
      region,
      accountId,
      maxSendRate: 2,
      onEvent: async () => {},
    });
  });
  afterAll(async () => {
    await ses?.stop();
  });

  const client = (retries: { maxAttempts: number; retryMode?: string }) =>
    new SESv2Client({
      endpoint: ses.endpoint,
      region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      ...retries,
    });
  const email = (subject: string) =>
    new SendEmailCommand({
      FromEmailAddress: 'leads@supplier.example',
      Destination: { ToAddresses: ['rate@reseller.example'] },
      Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: 'Hi' } } } },
    });
  const subjects = async () => {
    const res = await fetch(`${ses.mailboxUrl}?to=rate@reseller.example`);
    return ((await res.json()) as { emails: MailboxEmail[] }).emails.map((e) => e.subject).sort();
  };

  it('refuses sends over the rate as SES does (429 TooManyRequestsException), and sends none of them', async () => {
    const once = client({ maxAttempts: 1 });
    const outcomes = await Promise.allSettled(
      ['a1', 'a2', 'a3', 'a4', 'a5'].map((subject) => once.send(email(subject))),
    );
    once.destroy();
    const refused = outcomes
      .filter((o) => o.status === 'rejected')
      .map((o) => (o as PromiseRejectedResult).reason);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(2);
    expect(refused).toHaveLength(3);
    for (const error of refused) {
      expect(error).toMatchObject({
        name: 'TooManyRequestsException',
        message: 'Maximum sending rate exceeded.',
        $metadata: { httpStatusCode: 429 },
      });
    }
    const accepted = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [`a${i + 1}`] : []));
    sent.push(...accepted);
    expect(await subjects()).toEqual([...sent].sort());
  });

  it('lets the SDK’s retries send every email over the rate, each exactly once', async () => {
    const patient = client({ maxAttempts: 10, retryMode: 'adaptive' });
    const batch = ['b1', 'b2', 'b3', 'b4'];
    const answers = await Promise.all(batch.map((subject) => patient.send(email(subject))));
    patient.destroy();
    expect(new Set(answers.map((a) => a.MessageId)).size).toBe(batch.length);
    sent.push(...batch);
    expect(await subjects()).toEqual([...sent].sort());
  });
});
