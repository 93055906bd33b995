import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { CreateScheduleGroupCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SchedulerDeadlines, SesMailer } from '@leadrelay/aws';
import type { Clock, DistributeDeps, Lead, RerouteDeps } from '@leadrelay/core';
import type { Context, DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, expect } from 'vitest';
import { idempotentMailer } from '../../functions/shared/idempotency';
import { type SchedulerEmulator, startSchedulerEmulator } from '../../packages/local/src/scheduler';
import {
  type MailboxEmail,
  type SesEmulator,
  type SesEventDetail,
  startSesEmulator,
} from '../../packages/local/src/ses';
import { type Answer, answer, type TestApi, testApi } from './api';
import { apiEvent } from './events';
import { testLinkKeys } from './link-keys';
import { rawLeadItem, testTable } from './store';
import { waitFor } from './wait';

/**
 * Distribution on real parts, for the integration files that drive it: DynamoDB
 * Local, the SES emulator (mailbox and events), the Scheduler emulator (deadlines
 * kept, never fired: its tick is a minute), Powertools idempotency on the table,
 * and the API over the same table. The stream is fed by hand with a lead's real
 * item as a stream image (the poller itself is tested in
 * local-stream-poller.test.ts). Time is the rig's: set `time.now` to move it.
 */

const region = 'us-east-1';
const accountId = '000000000000';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface Setup {
  supplierId: string;
  key: string;
  partners: Record<string, { id: string; key: string }>;
}

/** aws-lambda's stream AttributeValue is the SDK's under another declaration. */
type StreamImage = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>;

export interface DistributionRig {
  /** Filled in by the file's beforeAll. */
  table: Awaited<ReturnType<typeof testTable>>;
  scheduler: SchedulerEmulator;
  deps: DistributeDeps & RerouteDeps;
  api: TestApi;
  /** The clock every part reads; tests move `time.now`. */
  time: { now: Date };
  clock: Clock;
  call(method: string, path: string, key: string, body?: unknown): Promise<Answer>;
  /** A supplier and partners (name → lead owners, auto-accept) made over the API. */
  supplierWith(
    partners: Record<string, { owners?: string[]; autoAccept?: boolean }>,
    settings?: Record<string, unknown>,
  ): Promise<Setup>;
  /** A lead given to the named partner, with markup in its values. */
  newLead(setup: Setup, partner: string): Promise<string>;
  /** The lead's item as the stream carries it (DynamoDB JSON). */
  image(leadId: string): Promise<Record<string, AttributeValue>>;
  record(newImage: Record<string, AttributeValue>, oldImage?: Record<string, AttributeValue>): DynamoDBRecord;
  lead(id: string): Promise<Lead>;
  mailboxTo(address: string): Promise<MailboxEmail[]>;
  eventsOf(messageId: string, type: string): Promise<SesEventDetail>;
}

/**
 * Registers the file's beforeAll/afterAll and answers the rig they fill: one
 * table `name`, one schedule group `group`, the operator key `operatorKey`.
 */
export function distributionRig(opts: { name: string; group: string; operatorKey: string }): DistributionRig {
  const time = { now: new Date() };
  const clock: Clock = { now: () => time.now };
  const sesEvents: SesEventDetail[] = [];
  let ses: SesEmulator | undefined;
  let dataDir: string | undefined;

  const rig = {
    time,
    clock,
    async call(method: string, path: string, key: string, body?: unknown) {
      return answer(rig.api, apiEvent({ method, path, key, ...(body === undefined ? {} : { body }) }));
    },
    async supplierWith(
      partners: Record<string, { owners?: string[]; autoAccept?: boolean }>,
      settings: Record<string, unknown> = {},
    ) {
      const created = await rig.call('POST', '/v1/admin/suppliers', opts.operatorKey, {
        name: `Supplier ${crypto.randomUUID().slice(0, 8)}`,
      });
      const key: string = created.body.apiKey;
      if (Object.keys(settings).length > 0)
        expect((await rig.call('PATCH', '/v1/settings', key, settings)).status).toBe(200);
      const made: Setup['partners'] = {};
      for (const [name, p] of Object.entries(partners)) {
        const res = await rig.call('POST', '/v1/partners', key, {
          name,
          leadOwners: (p.owners ?? []).map((email) => ({ email })),
          autoAccept: p.autoAccept ?? false,
        });
        expect(res.status).toBe(201);
        made[name] = { id: res.body.partner.id, key: res.body.apiKey };
      }
      return { supplierId: created.body.supplier.id, key, partners: made };
    },
    async newLead(setup: Setup, partner: string) {
      const res = await rig.call('POST', '/v1/leads', setup.key, {
        email: `${crypto.randomUUID()}@buyer.example`,
        firstName: 'Ada <b>',
        company: 'Analytical & Co',
        partnerId: partner,
      });
      expect(res.status).toBe(201);
      return res.body.lead.id as string;
    },
    image: (leadId: string) => rawLeadItem(rig.table, leadId),
    record(
      newImage: Record<string, AttributeValue>,
      oldImage?: Record<string, AttributeValue>,
    ): DynamoDBRecord {
      return {
        eventName: oldImage ? 'MODIFY' : 'INSERT',
        dynamodb: {
          NewImage: newImage as StreamImage,
          ...(oldImage ? { OldImage: oldImage as StreamImage } : {}),
        },
      };
    },
    async lead(id: string) {
      const found = await rig.table.leads.getLead(id);
      if (!found) throw new Error(`no lead ${id}`);
      return found;
    },
    async mailboxTo(address: string) {
      if (!ses) throw new Error('the SES emulator is not started');
      const res = await fetch(ses.mailboxUrl);
      const { emails } = (await res.json()) as { emails: MailboxEmail[] };
      return emails.filter((e) => e.destination.to.includes(address));
    },
    eventsOf(messageId: string, type: string) {
      return waitFor(
        () => sesEvents.find((e) => e.mail.messageId === messageId && e.eventType === type),
        `${type} event of ${messageId}`,
      );
    },
  } as DistributionRig;

  beforeAll(async () => {
    rig.table = await testTable(opts.name);
    dataDir = await mkdtemp(join(tmpdir(), `${opts.name}-`));
    ses = await startSesEmulator({
      host: '127.0.0.1',
      port: 0,
      region,
      accountId,
      onEvent: async (event) => {
        sesEvents.push(event.detail);
      },
    });
    rig.scheduler = await startSchedulerEmulator({
      host: '127.0.0.1',
      port: 0,
      region,
      accountId,
      dataDir,
      invoke: async () => {},
      tickMs: 60_000,
    });
    const schedulerClient = new SchedulerClient({ endpoint: rig.scheduler.endpoint, region, credentials });
    await schedulerClient.send(new CreateScheduleGroupCommand({ Name: opts.group }));
    const sesMailer = new SesMailer(new SESv2Client({ endpoint: ses.endpoint, region, credentials }), {
      from: 'leads@relay.example',
      configurationSet: 'lead-relay',
    });
    const mailer = idempotentMailer((email) => sesMailer.send(email), rig.table.client, rig.table.tableName);
    // The Lambda context the handler registers: how long an in-flight send holds its idempotency key.
    mailer.registerContext({ getRemainingTimeInMillis: () => 60_000 } as Context);
    rig.deps = {
      leads: rig.table.leads,
      tenants: rig.table.tenants,
      rules: rig.table.rules,
      mailer,
      deadlines: new SchedulerDeadlines(schedulerClient, {
        groupName: opts.group,
        roleArn: `arn:aws:iam::${accountId}:role/scheduler`,
        targetArn: `arn:aws:lambda:${region}:${accountId}:function:reroute`,
      }),
      linkKeys: async () => testLinkKeys,
      publicUrl: 'https://api.relay.example',
      clock,
    };
    rig.api = testApi(rig.table, opts.operatorKey, { clock });
  });

  afterAll(async () => {
    await ses?.stop();
    await rig.scheduler?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  return rig;
}
