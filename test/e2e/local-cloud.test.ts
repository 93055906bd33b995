import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { SchedulerDeadlines, SesMailer } from '@leadrelay/aws';
import type { LocalEndpoints } from '@leadrelay/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  type CloudProcess,
  invocations,
  processesMentioning,
  startCloudProcess,
  waitFor,
} from './support/local-cloud-process';

/** The settings the local cloud gives the handlers (packages/local/src/cloud.ts, localSettings). */
const accountId = '000000000000';
const configurationSet = 'lead-relay';
const scheduleGroup = 'lead-relay';

const errorShape = {
  error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) },
};

describe('npm start: the local cloud, run as a user runs it', () => {
  let home: string;
  let cloud: CloudProcess;
  let endpoints: LocalEndpoints;
  let supplier: { id: string; key: string } | undefined;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'leadrelay-e2e-'));
    cloud = await startCloudProcess(home);
    endpoints = cloud.endpoints;
    console.log(`local cloud ready in ${(cloud.startupMs / 1000).toFixed(1)} s (spawn to /health)`);
  });

  afterAll(async () => {
    await cloud?.kill();
    if (home) await rm(home, { recursive: true, force: true });
  });

  const clientConfig = () => ({ region: endpoints.region, credentials: endpoints.credentials });

  it('writes .local/endpoints.json with every endpoint, the keys and the demo tenants', async () => {
    const onDisk = JSON.parse(
      await readFile(join(home, '.local', 'endpoints.json'), 'utf8'),
    ) as LocalEndpoints;
    expect(onDisk).toEqual(endpoints);
    const url = expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+/);
    expect(onDisk).toMatchObject({
      api: url,
      dynamodb: url,
      s3: url,
      ses: url,
      mailbox: url,
      scheduler: url,
      invocations: `${onDisk.api}/_local/invocations`,
      bucket: 'lead-relay-inbox',
      table: 'lead-relay',
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      operatorKey: expect.stringMatching(/^lr_op_[A-Za-z0-9_-]{43}$/),
      startedAt: expect.any(String),
    });
    expect(onDisk.credentials).toEqual({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
    expect(onDisk.demo).toMatchObject({ supplierId: expect.any(String), supplierKey: expect.any(String) });
    const partnerNames = ['Northwind Partners', 'Globex Channel', 'Initech Resellers'];
    expect(Object.keys(onDisk.demo?.partnerKeys ?? {}).sort()).toEqual([...partnerNames].sort());
    expect(Object.keys(onDisk.demo?.partnerIds ?? {}).sort()).toEqual([...partnerNames].sort());
  });

  it('answers /health and logs the invocation', async () => {
    const health = await api(endpoints.api, 'GET', '/health');

    expect(health).toEqual({ status: 200, body: { ok: true } });
    const logged = await invocations(endpoints.api, 'api');
    expect(logged[0]).toMatchObject({ fn: 'api', ok: true, summary: 'GET /health → 200' });
  });

  it('creates a supplier with the operator key and a partner with the supplier key', async () => {
    const created = await api(endpoints.api, 'POST', '/v1/admin/suppliers', endpoints.operatorKey, {
      name: `E2E Supplier ${randomUUID().slice(0, 8)}`,
    });
    expect(created).toMatchObject({
      status: 201,
      body: { supplier: { id: expect.any(String) }, apiKey: expect.any(String) },
    });
    const body = created.body as { supplier: { id: string }; apiKey: string };
    supplier = { id: body.supplier.id, key: body.apiKey };

    const partner = await api(endpoints.api, 'POST', '/v1/partners', supplier.key, {
      name: 'E2E Partner',
      leadOwners: [{ email: 'owner@partner.example' }],
    });

    expect(partner).toMatchObject({
      status: 201,
      body: { partner: { id: expect.any(String) }, apiKey: expect.any(String) },
    });
  });

  it('answers a wrong key with 401 and the error shape', async () => {
    const answer = await api(endpoints.api, 'POST', '/v1/partners', 'lr_sup_not-a-real-key', {
      name: 'Nope',
    });

    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject(errorShape);
  });

  it('does not let a partner key create partners', async () => {
    const partnerKey = Object.values(endpoints.demo?.partnerKeys ?? {})[0];
    expect(partnerKey).toBeDefined();

    const answer = await api(endpoints.api, 'POST', '/v1/partners', partnerKey, { name: 'Sneaky Partner' });

    expect([403, 404]).toContain(answer.status);
    expect(answer.body).toMatchObject(errorShape);
  });

  it('runs ingest with an S3 event for a file put under inbox/<supplierId>/', async () => {
    const supplierId = supplier?.id ?? endpoints.demo?.supplierId ?? 'e2e-supplier';
    const key = `inbox/${supplierId}/leads ${randomUUID().slice(0, 8)}.csv`;
    const s3 = new S3Client({ ...clientConfig(), endpoint: endpoints.s3, forcePathStyle: true });

    await s3.send(
      new PutObjectCommand({
        Bucket: endpoints.bucket,
        Key: key,
        Body: 'email,firstName\nada@example.com,Ada\n',
        ContentType: 'text/csv',
      }),
    );

    const run = await waitFor(
      async () => (await invocations(endpoints.api, 'ingest')).find((i) => i.summary.includes(key)),
      `an ingest invocation for ${key}`,
    );
    expect(run.summary).toBe(`ObjectCreated:Put ${key}`);
    s3.destroy();
  });

  it('passes SES Send and Delivery events for an email sent with the configuration set to email-events', async () => {
    const ses = new SESv2Client({ ...clientConfig(), endpoint: endpoints.ses });
    const mailer = new SesMailer(ses, { from: 'leads@leadrelay.local', configurationSet });

    const sent = await mailer.send({
      to: ['e2e-owner@partner.example'],
      subject: 'New lead',
      html: '<p>A lead for you.</p>',
      text: 'A lead for you.',
      tags: { leadId: 'e2e-lead', assignmentVersion: '1' },
    });

    const messageId = sent.messageId;
    expect(messageId).not.toBe('');
    const types = await waitFor(async () => {
      const mine = (await invocations(endpoints.api, 'email-events')).filter((i) =>
        i.summary.includes(messageId),
      );
      const seen = new Set(mine.map((i) => i.summary.split(' · ')[1]));
      return seen.has('Send') && seen.has('Delivery') ? seen : undefined;
    }, `Send and Delivery events for ${messageId}`);
    expect([...types]).toEqual(expect.arrayContaining(['Send', 'Delivery']));
    ses.destroy();
  });

  it('fires reroute with the schedule input when a one-time schedule comes due', async () => {
    const scheduler = new SchedulerClient({ ...clientConfig(), endpoint: endpoints.scheduler });
    const leadId = `e2e-lead-${randomUUID().slice(0, 8)}`;
    const input = { kind: 'deadline', leadId, supplierId: 'e2e-supplier', assignmentVersion: 1 };

    const deadlines = new SchedulerDeadlines(scheduler, {
      groupName: scheduleGroup,
      roleArn: `arn:aws:iam::${accountId}:role/lead-relay-scheduler`,
      targetArn: `arn:aws:lambda:${endpoints.region}:${accountId}:function:reroute`,
    });
    const name = `reroute-${leadId}-1`;
    const due = new Date(Date.now() + 2000);

    expect(await deadlines.schedule(name, due, input)).toBe('created');
    expect(await deadlines.schedule(name, due, input)).toBe('exists');

    const fired = await waitFor(
      async () => (await invocations(endpoints.api, 'reroute')).find((i) => i.summary.includes(leadId)),
      `a reroute invocation for ${leadId}`,
    );
    expect(JSON.parse(fired.summary)).toEqual(input);
    scheduler.destroy();
  });

  it("registers the registry's scheduled functions (the upload sweeper) on the Scheduler emulator", async () => {
    const scheduler = new SchedulerClient({ ...clientConfig(), endpoint: endpoints.scheduler });
    const schedule = await scheduler.send(
      new GetScheduleCommand({ Name: 'lead-relay-upload-sweeper', GroupName: scheduleGroup }),
    );
    expect(schedule.ScheduleExpression).toBe('rate(5 minutes)');
    expect(schedule.Target?.Arn).toBe(
      `arn:aws:lambda:${endpoints.region}:${accountId}:function:upload-sweeper`,
    );
    expect(JSON.parse(schedule.Target?.Input ?? '')).toEqual({ kind: 'sweep' });
    scheduler.destroy();
  });

  it('feeds Lead records from the table stream to aggregate, and filters out everything else', async () => {
    const documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({ ...clientConfig(), endpoint: endpoints.dynamodb }),
    );
    const pk = `E2E#${randomUUID()}`;

    // Written first: by the time the Lead record (same partition, so same shard, later) arrives,
    // this one has been read and must have been filtered out.
    await documents.send(
      new PutCommand({ TableName: endpoints.table, Item: { PK: pk, SK: 'NOT-A-LEAD', entity: 'Note' } }),
    );
    await documents.send(
      new PutCommand({
        TableName: endpoints.table,
        Item: {
          PK: pk,
          SK: 'LEAD',
          entity: 'Lead',
          email: 'stream@example.com',
          createdAt: new Date().toISOString(),
        },
      }),
    );

    const run = await waitFor(
      async () =>
        (await invocations(endpoints.api, 'aggregate')).find((i) => i.summary.includes(`${pk} LEAD`)),
      'an aggregate invocation for the Lead record',
    );
    expect(run.summary).toContain(`INSERT ${pk} LEAD`);
    const all = [
      ...(await invocations(endpoints.api, 'aggregate')),
      ...(await invocations(endpoints.api, 'distribute')),
    ];
    expect(all.filter((i) => i.summary.includes('NOT-A-LEAD'))).toEqual([]);
    documents.destroy();
  });

  it('keeps, until the next start, a registry-named schedule the registry no longer has', async () => {
    // What an earlier registry left behind: the reroute sweep under its former local name.
    const scheduler = new SchedulerClient({ ...clientConfig(), endpoint: endpoints.scheduler });
    await scheduler.send(
      new CreateScheduleCommand({
        Name: 'lead-relay-sweeper',
        GroupName: scheduleGroup,
        ScheduleExpression: 'rate(5 minutes)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: `arn:aws:lambda:${endpoints.region}:${accountId}:function:reroute`,
          RoleArn: `arn:aws:iam::${accountId}:role/lead-relay-scheduler`,
          Input: JSON.stringify({ kind: 'sweep' }),
        },
      }),
    );
    const listed = await scheduler.send(new ListSchedulesCommand({ GroupName: scheduleGroup }));
    expect(listed.Schedules?.map((s) => s.Name)).toContain('lead-relay-sweeper');
    scheduler.destroy();
  });

  it('stops on SIGTERM with exit code 0 and leaves no process of its home behind', async () => {
    expect(processesMentioning(home).length).toBeGreaterThan(0); // DynamoDB Local's -dbPath is under home.

    const ended = await cloud.stop('SIGTERM');

    expect(ended).toEqual({ code: 0, signal: null });
    expect(processesMentioning(home)).toEqual([]);
    await expect(readFile(join(home, '.local', 'endpoints.json'))).rejects.toThrow();
  });

  it('keeps the data and the demo keys across a restart on the same home', async () => {
    const again = await startCloudProcess(home);
    try {
      expect(again.endpoints.demo).toEqual(endpoints.demo);
      expect(again.endpoints.operatorKey).toBe(endpoints.operatorKey);
      if (supplier) {
        const partners = await api(again.endpoints.api, 'GET', '/v1/partners', supplier.key);
        expect(partners.status).toBe(200);
        expect(JSON.stringify(partners.body)).toContain('E2E Partner');
      }
    } finally {
      const ended = await again.stop('SIGTERM');
      expect(ended).toEqual({ code: 0, signal: null });
    }
    expect(processesMentioning(home)).toEqual([]);
  });

  it("leaves the registry's rate() schedules, and only them, after a restart: a retired one is deleted", async () => {
    const saved = JSON.parse(await readFile(join(home, '.local', 'scheduler', 'schedules.json'), 'utf8')) as {
      schedules: { name: string; scheduleExpression: string }[];
    };
    const rated = saved.schedules.filter((s) => s.scheduleExpression.startsWith('rate('));
    expect(rated.map((s) => s.name).sort()).toEqual(['lead-relay-reroute', 'lead-relay-upload-sweeper']);
  });
});
