import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { leadIdFor } from '@leadrelay/core';
import type { LocalEndpoints } from '@leadrelay/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  type CloudProcess,
  invocations,
  startCloudProcess,
  waitFor,
} from './support/local-cloud-process';

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;

/**
 * Lead files through the local cloud as a supplier sends them: an upload through a
 * presigned URL, and a file dropped into the inbox with the SDK. Both reach the
 * ingest handler as S3 events; the leads are routed by the supplier's rules.
 */
describe('intake: lead files through the local cloud', () => {
  let home: string;
  let cloud: CloudProcess;
  let endpoints: LocalEndpoints;
  let supplier: { id: string; key: string };
  let partners: { north: string; south: string };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'leadrelay-intake-'));
    cloud = await startCloudProcess(home);
    endpoints = cloud.endpoints;

    const created = await api(endpoints.api, 'POST', '/v1/admin/suppliers', endpoints.operatorKey, {
      name: 'Intake E2E',
    });
    const body = created.body as Json;
    supplier = { id: body.supplier.id, key: body.apiKey };
    const partner = async (name: string) =>
      ((await api(endpoints.api, 'POST', '/v1/partners', supplier.key, { name })).body as Json).partner
        .id as string;
    partners = { north: await partner('North Channel'), south: await partner('South Channel') };
    const rules = await api(endpoints.api, 'PUT', '/v1/routing-rules', supplier.key, {
      groups: [
        {
          name: 'EMEA',
          conditions: [{ field: 'custom.Region', op: 'equals', value: 'EMEA' }],
          assign: { partnerId: partners.north },
        },
        {
          name: 'Everyone else',
          conditions: [{ field: 'email', op: 'exists' }],
          assign: { partnerIds: [partners.south], strategy: 'round-robin' },
        },
      ],
    });
    expect(rules.status).toBe(200);
  });

  afterAll(async () => {
    await cloud?.kill();
    if (home) await rm(home, { recursive: true, force: true });
  });

  const uploadDone = (id: string) =>
    waitFor(
      async () => {
        const res = await api(endpoints.api, 'GET', `/v1/uploads/${id}`, supplier.key);
        const upload = (res.body as Json).upload;
        return upload?.status === 'done' || upload?.status === 'failed' ? upload : undefined;
      },
      `upload ${id} to finish`,
      60_000,
    );

  const lead = async (email: string) => {
    const res = await api(endpoints.api, 'GET', `/v1/leads/${leadIdFor(supplier.id, email)}`, supplier.key);
    expect(res.status).toBe(200);
    return (res.body as Json).lead;
  };

  it('reads a CSV PUT to the presigned URL of POST /v1/uploads, and routes its leads by the rules', async () => {
    const created = await api(endpoints.api, 'POST', '/v1/uploads', supplier.key, {
      fileName: 'presigned.csv',
    });
    expect(created.status).toBe(201);
    const { upload, uploadUrl } = created.body as Json;

    const csv =
      'Email,First Name,Region\nemea1@example.com,Ann,EMEA\namer1@example.com,Bo,AMER\nbroken,Cy,EMEA\n';
    const put = await fetch(uploadUrl, { method: 'PUT', body: csv });
    expect(put.status).toBe(200);

    const done = await uploadDone(upload.id);
    expect(done).toMatchObject({ status: 'done', rows: { total: 3, created: 2, updated: 0, rejected: 1 } });
    expect(done.errors).toEqual([{ row: 4, column: 'Email', message: expect.stringContaining('email') }]);
    const emea = await lead('emea1@example.com');
    expect(emea).toMatchObject({
      partnerId: partners.north,
      source: 'CSV Upload',
      distributionStatus: 'Pending',
    });
    expect(emea.history.find((e: Json) => e.type === 'routed')).toMatchObject({
      actor: 'system',
      detail: { path: 'rule', group: 'EMEA', partnerId: partners.north },
    });
    const amer = await lead('amer1@example.com');
    expect(amer).toMatchObject({ partnerId: partners.south });
    expect(amer.history.find((e: Json) => e.type === 'routed')).toMatchObject({
      detail: { group: 'Everyone else', strategy: 'round-robin', partnerId: partners.south },
    });
  });

  it('reads a file dropped with the SDK under inbox/<supplierId>/, with an upload record of its own', async () => {
    const key = `inbox/${supplier.id}/dropped leads.csv`;
    const s3 = new S3Client({
      region: endpoints.region,
      credentials: endpoints.credentials,
      endpoint: endpoints.s3,
      forcePathStyle: true,
    });
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: endpoints.bucket,
          Key: key,
          Body: 'email;first name;region\nemea2@example.com;Dee;EMEA\namer2@example.com;Eve;APAC\n',
        }),
      );
    } finally {
      s3.destroy();
    }

    const dropped = await waitFor(
      async () => {
        const res = await api(endpoints.api, 'GET', '/v1/uploads', supplier.key);
        return (res.body as Json).items.find((u: Json) => u.key === key);
      },
      `an upload for ${key}`,
      30_000,
    );
    const done = await uploadDone(dropped.id);
    expect(done).toMatchObject({
      origin: 'drop',
      fileName: 'dropped leads.csv',
      routing: { mode: 'rules' },
      rows: { total: 2, created: 2, rejected: 0 },
      errors: [],
    });
    expect(await lead('emea2@example.com')).toMatchObject({ partnerId: partners.north, firstName: 'Dee' });
    const apac = await lead('amer2@example.com');
    expect(apac).toMatchObject({ partnerId: partners.south });
    // Created and routed once (distribution adds its email entries after these).
    const intakeEntries = apac.history
      .map((e: Json) => e.type)
      .filter((t: string) => !t.startsWith('email.'));
    expect(intakeEntries).toEqual(['created', 'routed']);
  });

  it('serves Lambda Invoke for the handlers: an Event invocation answers 202 and runs ingest', async () => {
    const lambda = new LambdaClient({
      region: endpoints.region,
      credentials: endpoints.credentials,
      endpoint: endpoints.api,
    });
    try {
      const uploads = (await api(endpoints.api, 'GET', '/v1/uploads', supplier.key)).body as Json;
      const uploadId = uploads.items[0].id as string;
      const event = { kind: 'resume', supplierId: supplier.id, uploadId };

      const answer = await lambda.send(
        new InvokeCommand({
          FunctionName: 'ingest',
          InvocationType: 'Event',
          Payload: Buffer.from(JSON.stringify(event)),
        }),
      );

      expect(answer.StatusCode).toBe(202);
      const run = await waitFor(
        async () =>
          (await invocations(endpoints.api, 'ingest')).find(
            (i) => i.invocationType === 'Event' && i.summary.includes(uploadId),
          ),
        'the resume invocation of ingest',
      );
      expect(run.ok).toBe(true);
      // The upload was done: a resume leaves it as it was.
      expect((await api(endpoints.api, 'GET', `/v1/uploads/${uploadId}`, supplier.key)).body).toMatchObject({
        upload: { status: 'done' },
      });
      await expect(
        lambda.send(new InvokeCommand({ FunctionName: 'no-such-function', InvocationType: 'Event' })),
      ).rejects.toBeInstanceOf(ResourceNotFoundException);
    } finally {
      lambda.destroy();
    }
  });
});
