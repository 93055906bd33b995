import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SchedulerDeadlines } from '@leadrelay/aws';
import type { LocalEndpoints } from '@leadrelay/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notGranted, readTableCalls } from '../support/check-table-calls';
import { api, type CloudProcess, repoRoot, startCloudProcess, waitFor } from './support/local-cloud-process';
import { startReceiver } from './support/webhook-receiver';

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;

/**
 * Least privilege, from the other side: the stack grants each function only the
 * DynamoDB actions its registry entry declares (test/infra/stack.test.ts), so a
 * call outside them is AccessDenied on AWS. Here the local cloud runs with a
 * recorder that observes the handlers' SDK clients, every function is driven
 * through its main paths, and each call it made must be one its entry grants.
 */
describe('table access: every DynamoDB call a handler makes is one the registry grants it', () => {
  let home: string;
  let cloud: CloudProcess;
  let endpoints: LocalEndpoints;
  let callsFile: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const run = crypto.randomUUID().slice(0, 8);
  const owner = (name: string) => `${name}-${run}@partners.example`;

  beforeAll(async () => {
    receiver = await startReceiver();
    home = await mkdtemp(join(tmpdir(), 'leadrelay-table-access-'));
    callsFile = join(home, 'table-calls.jsonl');
    const recorder = pathToFileURL(join(repoRoot, 'test/support/record-table-calls.mjs')).href;
    cloud = await startCloudProcess(home, 60_000, {
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${recorder}`.trim(),
      LEADRELAY_TABLE_CALLS: callsFile,
      // Small inline exports: a view of a few leads already goes the large way (the export function).
      EXPORT_INLINE_MAX_ROWS: '3',
      // Webhook retries within the test: a first wait of about a second.
      WEBHOOK_RETRY_BASE_SECONDS: '1',
    });
    endpoints = cloud.endpoints;
  });

  afterAll(async () => {
    await cloud?.kill();
    await receiver?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('drives api, ingest, distribute, email-events, reroute, export and webhooks through their paths within their grants', async () => {
    const call = async (method: string, path: string, key: string, body?: unknown): Promise<Json> => {
      const res = await api(endpoints.api, method, path, key, body);
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
      return res.body;
    };
    const first = (
      await call('POST', '/v1/admin/suppliers', endpoints.operatorKey, { name: `Access ${run}` })
    ).apiKey as string;
    // Key rotation: a second key, then the first revoked while the second is checked to stay active.
    const rotated = await call('POST', '/v1/keys', first);
    const sup = rotated.apiKey as string;
    // A webhook of every lead event whose receiver fails each delivery's first attempt: the stream
    // path and the Scheduler's retry path of the webhooks function.
    const hook = await call('POST', '/v1/webhooks', sup, {
      url: `${receiver.base}/access`,
      events: ['lead.created', 'lead.routed', 'lead.accepted', 'lead.rejected', 'lead.notified'],
    });
    // The test event and the first lead delivery fail: that delivery is retried through the Scheduler.
    receiver.path('/access', hook.secret, (count) => (count < 2 ? 500 : 200));
    await call('POST', `/v1/webhooks/${hook.webhook.id}/test`, sup);
    const old = (await call('GET', '/v1/keys', sup)).items.find((k: Json) => k.id !== rotated.key.id);
    await call('DELETE', `/v1/keys/${old.id}`, sup);
    expect((await api(endpoints.api, 'GET', '/v1/settings', first)).status).toBe(401);
    await call('PATCH', '/v1/settings', sup, { rerouteRejected: true });
    const partner = async (name: string, emails: string[]) => {
      const body = await call('POST', '/v1/partners', sup, {
        name,
        leadOwners: emails.map((email) => ({ email })),
      });
      return { id: body.partner.id as string, key: body.apiKey as string };
    };
    const north = await partner('North', [owner('north')]);
    const south = await partner('South', ['bounce@simulator.amazonses.com', owner('south')]);
    const east = await partner('East', [owner('east')]);
    // A rename moves the partner's name claim: a transaction that deletes the old one.
    await call('PATCH', `/v1/partners/${east.id}`, sup, { name: 'East Coast' });
    await call('PUT', '/v1/routing-rules', sup, {
      groups: [
        {
          name: 'Pool',
          conditions: [{ field: 'email', op: 'exists' }],
          assign: { partnerIds: [north.id, south.id, east.id], strategy: 'round-robin' },
        },
      ],
    });

    // Intake over the API, twice with one Idempotency-Key (the second is answered from its record).
    const post = () =>
      fetch(`${endpoints.api}/v1/leads`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${sup}`,
          'content-type': 'application/json',
          'idempotency-key': `access-${run}`,
        },
        body: JSON.stringify({ email: `first-${run}@buyer.example`, partnerId: north.id }),
      });
    expect((await post()).status).toBe(201);
    expect((await post()).status).toBe(201);
    await call('POST', '/v1/leads/batch', sup, {
      leads: [1, 2, 3].map((n) => ({ email: `lead${n}-${run}@buyer.example` })),
    });
    const toSouth = (
      await call('POST', '/v1/leads', sup, { email: `s-${run}@buyer.example`, partnerId: south.id })
    ).lead;
    const toEast = (
      await call('POST', '/v1/leads', sup, { email: `e-${run}@buyer.example`, partnerId: east.id })
    ).lead;
    expect((await call('GET', '/v1/leads?limit=50', sup)).items.length).toBeGreaterThanOrEqual(6);

    // distribute emails each partner; the bounce moves South's email on to its next owner (email-events).
    await waitFor(
      async () => {
        const res = await fetch(`${endpoints.mailbox}?to=${encodeURIComponent(owner('south'))}`);
        const { emails } = (await res.json()) as { emails: { tags: Record<string, string> }[] };
        return emails.some((e) => e.tags.leadId === toSouth.id) ? true : undefined;
      },
      'the email retried to South’s second lead owner',
      30_000,
    );

    // North lists its leads and rejects one: with rerouteRejected it goes on to the next partner.
    const northLeads: Json[] = (await call('GET', '/v1/leads', north.key)).items;
    const mine = northLeads.find((l: Json) => l.email === `first-${run}@buyer.example`);
    expect(mine).toBeDefined();
    await call('POST', `/v1/leads/${mine.id}/reject`, north.key, { reason: 'Outside our territory' });

    // A deadline fires for a lead nobody acted on: reroute moves it on.
    const waiting = toEast;
    const scheduler = new SchedulerClient({
      region: endpoints.region,
      endpoint: endpoints.scheduler,
      credentials: endpoints.credentials,
    });
    const deadlines = new SchedulerDeadlines(scheduler, {
      groupName: 'lead-relay',
      roleArn: 'arn:aws:iam::000000000000:role/lead-relay-scheduler',
      targetArn: `arn:aws:lambda:${endpoints.region}:000000000000:function:reroute`,
    });
    await deadlines.schedule(`access-${run}`, new Date(Date.now() + 1000), {
      kind: 'deadline',
      supplierId: waiting.supplierId,
      leadId: waiting.id,
      assignmentVersion: waiting.assignmentVersion,
    });
    await waitFor(
      async () => {
        const { lead } = await call('GET', `/v1/leads/${waiting.id}`, sup);
        return lead.distributionStatus === 'Rerouted' ? lead : undefined;
      },
      'the reroute at the deadline',
      30_000,
    );
    scheduler.destroy();

    // The periodic sweep queries the deadline index.
    const lambda = new LambdaClient({
      region: endpoints.region,
      endpoint: endpoints.api,
      credentials: endpoints.credentials,
    });
    const swept = await lambda.send(
      new InvokeCommand({ FunctionName: 'reroute', Payload: JSON.stringify({ kind: 'sweep' }) }),
    );
    expect(swept.FunctionError).toBeUndefined();
    lambda.destroy();

    // A lead file with a bad row: ingest writes the row error in a batch.
    const { upload, uploadUrl } = await call('POST', '/v1/uploads', sup, { fileName: 'access.csv' });
    const csv = `Email,First Name\nfile1-${run}@buyer.example,Ann\nbroken,Bo\n`;
    expect((await fetch(uploadUrl, { method: 'PUT', body: csv })).status).toBe(200);
    const done = await waitFor(
      async () => {
        const body = await call('GET', `/v1/uploads/${upload.id}`, sup);
        return body.upload.status === 'done' ? body.upload : undefined;
      },
      'the upload to finish',
      60_000,
    );
    expect(done.rows).toMatchObject({ created: 1, rejected: 1 });

    // A large export: the api records it and starts the export function, which writes the file.
    const exportRes = await fetch(`${endpoints.api}/v1/leads/export?columns=email`, {
      headers: { authorization: `Bearer ${sup}` },
    });
    expect(exportRes.status).toBe(202);
    const location = exportRes.headers.get('location') as string;
    const finished = await waitFor(
      async () => {
        const body = await call('GET', location, sup);
        return body.export.status === 'done' ? body.export : undefined;
      },
      'the export to finish',
      60_000,
    );
    const file = await (await fetch(finished.downloadUrl)).text();
    expect(file.split('\r\n').filter((line) => line !== '')).toHaveLength(finished.rows + 1);
    expect(finished.rows).toBeGreaterThanOrEqual(7);

    await waitFor(
      () => receiver.at('/access').some((r) => r.status === 200 && r.event?.type !== 'webhook.test'),
      'a webhook delivered after a failed attempt',
      30_000,
    );
    const calls = readTableCalls(callsFile);
    const callers = new Set(calls.map((c) => c.fn));
    for (const fn of ['api', 'ingest', 'distribute', 'email-events', 'reroute', 'export', 'webhooks'])
      expect(callers).toContain(fn);
    expect(notGranted(calls)).toEqual([]);
  });
});
