import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalEndpoints } from '@leadrelay/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailboxEmail } from '../../packages/local/src/ses';
import { api, type CloudProcess, startCloudProcess, waitFor } from './support/local-cloud-process';
import { startReceiver } from './support/webhook-receiver';

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;

/**
 * What the handlers log, read where ops would read it: the local cloud's own
 * output (stdout and stderr, the console CloudWatch gets in AWS), with the
 * handlers at DEBUG and the EMF metric lines switched on. One flow touches
 * every function that sees a secret (the API with its keys, an email link
 * acted on, a lead file through a presigned URL, a webhook with its secret,
 * the partner's email and its events); then none of the secrets it made may
 * appear anywhere in the output, and the lead's id must (a test that logged
 * nothing would pass otherwise).
 */
describe('the logs of a whole flow', () => {
  let home: string;
  let cloud: CloudProcess;
  let endpoints: LocalEndpoints;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const run = crypto.randomUUID().slice(0, 8);
  const leadEmail = `secret-lead-${run}@buyer.example`;
  const fileLeadEmail = `secret-file-lead-${run}@buyer.example`;
  const ownerEmail = `owner-${run}@partners.example`;
  /** The secrets the flow makes, by what they are (the assertion names the one that leaked). */
  const secrets: Record<string, string> = {};
  const ids: { leadId?: string; uploadId?: string; supplierId?: string } = {};
  /** Where the startup banner ends: it prints the operator key for the user to copy, by design. */
  let afterBanner = 0;

  const call = async (method: string, path: string, key: string, body?: unknown): Promise<Json> =>
    api(endpoints.api, method, path, key, body);

  beforeAll(async () => {
    receiver = await startReceiver();
    home = await mkdtemp(join(tmpdir(), 'leadrelay-logs-'));
    cloud = await startCloudProcess(home, 60_000, {
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
      POWERTOOLS_METRICS_DISABLED: 'false',
    });
    endpoints = cloud.endpoints;
    afterBanner = await waitFor(
      async () => {
        const at = cloud.output().indexOf('Invocation log (');
        return at >= 0 ? at : undefined;
      },
      'the end of the startup banner',
      30_000,
    );
    secrets.operatorKey = endpoints.operatorKey;

    const supplier = await call('POST', '/v1/admin/suppliers', endpoints.operatorKey, {
      name: `Logs ${run}`,
    });
    expect(supplier.status).toBe(201);
    secrets.supplierKey = supplier.body.apiKey;
    ids.supplierId = supplier.body.supplier.id;
    const partner = await call('POST', '/v1/partners', secrets.supplierKey ?? '', {
      name: 'North',
      leadOwners: [{ email: ownerEmail }],
    });
    expect(partner.status).toBe(201);
    secrets.partnerKey = partner.body.apiKey;

    const webhook = await call('POST', '/v1/webhooks', secrets.supplierKey ?? '', {
      url: `${receiver.base}/hook`,
      events: ['lead.created', 'lead.accepted'],
    });
    expect(webhook.status).toBe(201);
    secrets.webhookSecret = webhook.body.secret;
    receiver.path('/hook', webhook.body.secret);

    const lead = await call('POST', '/v1/leads', secrets.supplierKey ?? '', {
      email: leadEmail,
      firstName: 'Quiet',
      partnerId: partner.body.partner.id,
    });
    expect(lead.status).toBe(201);
    ids.leadId = lead.body.lead.id;

    const [email] = await waitFor(
      async () => {
        const res = await fetch(`${endpoints.mailbox}?to=${encodeURIComponent(ownerEmail)}`);
        const { emails } = (await res.json()) as { emails: MailboxEmail[] };
        const mine = emails.filter((e) => e.tags.leadId === ids.leadId);
        return mine.length > 0 ? mine : undefined;
      },
      'the partner email',
      30_000,
    );
    const links = [...(email?.body.text ?? '').matchAll(/https?:\/\/\S+\/l\/([A-Za-z0-9_.-]+)/g)];
    expect(links).toHaveLength(2);
    secrets.acceptToken = links[0]?.[1] ?? '';
    secrets.rejectToken = links[1]?.[1] ?? '';
    const accepted = await fetch(links[0]?.[0] ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=accept',
    });
    expect(accepted.status).toBe(200);
    await waitFor(
      async () => {
        const res = await call('GET', `/v1/leads/${ids.leadId}`, secrets.supplierKey ?? '');
        return res.body.lead.distributionStatus === 'Accepted' ? true : undefined;
      },
      'the lead accepted',
      30_000,
    );

    const upload = await call('POST', '/v1/uploads', secrets.supplierKey ?? '', { fileName: 'quiet.csv' });
    expect(upload.status).toBe(201);
    ids.uploadId = upload.body.upload.id;
    const uploadUrl = new URL(upload.body.uploadUrl);
    secrets.uploadSignature = uploadUrl.searchParams.get('X-Amz-Signature') ?? '';
    expect(secrets.uploadSignature).not.toBe('');
    const put = await fetch(uploadUrl, {
      method: 'PUT',
      body: `Email,First Name\n${fileLeadEmail},File\nnot-an-email,Bad\n`,
    });
    expect(put.status).toBe(200);
    await waitFor(
      async () => {
        const res = await call('GET', `/v1/uploads/${ids.uploadId}`, secrets.supplierKey ?? '');
        return res.body.upload.status === 'done' ? true : undefined;
      },
      'the upload done',
      30_000,
    );

    // The webhook deliveries of the lead, and the email events, have been handled and logged.
    await waitFor(
      async () =>
        receiver.at('/hook').some((r) => r.status === 200 && r.event?.type === 'lead.accepted')
          ? true
          : undefined,
      'the lead.accepted delivery',
      30_000,
    );
    await waitFor(
      async () => (cloud.output().includes('"message":"email event"') ? true : undefined),
      'an email event logged',
      30_000,
    );

    // One delivery sent again by hand: counted by the api.
    const log = await call(
      'GET',
      `/v1/webhooks/${webhook.body.webhook.id}/deliveries`,
      secrets.supplierKey ?? '',
    );
    const first = log.body.items[0];
    const again = await call(
      'POST',
      `/v1/webhooks/${webhook.body.webhook.id}/deliveries/${first.id}/retry`,
      secrets.supplierKey ?? '',
    );
    expect(again.body).toMatchObject({ delivered: true, delivery: { id: first.id } });
  }, 180_000);

  afterAll(async () => {
    await cloud?.kill();
    await receiver?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('holds no API key, lead email, link token, webhook secret or presigned signature anywhere', () => {
    const output = cloud.output();
    for (const [what, secret] of Object.entries(secrets)) {
      expect(secret.length, what).toBeGreaterThan(8);
      const where = what === 'operatorKey' ? output.slice(afterBanner) : output;
      expect(where.includes(secret), `${what} is in the output`).toBe(false);
    }
    for (const email of [leadEmail, fileLeadEmail]) {
      expect(output.toLowerCase().includes(email), `${email} is in the output`).toBe(false);
    }
  });

  it('names the lead, its supplier and the upload by id in structured lines', () => {
    const lines = cloud
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const ofLead = lines.filter((line) => line.leadId === ids.leadId);
    // The API's request lines (the create and the link's accept), distribute's email, the email events.
    expect(ofLead.map((line) => `${line.fn}: ${line.message}`)).toEqual(
      expect.arrayContaining(['api: request', 'distribute: lead emailed', 'email-events: email event']),
    );
    expect(
      ofLead.filter((line) => line.fn === 'api').every((line) => line.supplierId === ids.supplierId),
    ).toBe(true);
    expect(lines.some((line) => line.fn === 'ingest' && line.uploadId === ids.uploadId)).toBe(true);
    expect(lines.some((line) => line.fn === 'api' && line.uploadId === ids.uploadId)).toBe(true);
  });

  it('writes the metrics as EMF lines in the LeadRelay namespace, with the function as the one dimension', () => {
    const emf = cloud
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{"_aws"'))
      .map((line) => JSON.parse(line) as Json);
    expect(emf.length).toBeGreaterThan(0);
    for (const doc of emf) {
      for (const directive of doc._aws.CloudWatchMetrics) {
        expect(directive.Namespace).toBe('LeadRelay');
        expect(directive.Dimensions).toEqual([['service']]);
      }
    }
    const total = (name: string, service: string) =>
      emf
        .filter((d) => d.service === service && typeof d[name] === 'number')
        .reduce((s, d) => s + d[name], 0);
    expect(total('LeadsCreated', 'api')).toBeGreaterThanOrEqual(1);
    expect(total('LinksActed', 'api')).toBe(1);
    expect(total('EmailsSent', 'distribute')).toBeGreaterThanOrEqual(1);
    expect(total('LeadsIngested', 'ingest')).toBe(2);
    expect(total('UploadRowsRejected', 'ingest')).toBe(1);
    expect(total('WebhookDeliveries', 'webhooks')).toBeGreaterThanOrEqual(2);
    expect(total('WebhookRedeliveries', 'api')).toBe(1);
  });
});
