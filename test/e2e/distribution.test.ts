import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deadlineScheduleName } from '@leadrelay/core';
import type { LocalEndpoints } from '@leadrelay/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailboxEmail } from '../../packages/local/src/ses';
import { api, type CloudProcess, startCloudProcess, waitFor } from './support/local-cloud-process';
import { localSchedules } from './support/schedules';

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;

/**
 * Distribution through the local cloud (`npm start`), as a supplier and its
 * partners live it: leads posted over the API, the partners' emails read from
 * the SES emulator's mailbox, the links followed over HTTP, the tracked link
 * clicked, a bounce retried to the next lead owner, and a 1-minute deadline
 * rerouting a lead nobody acted on.
 */
describe('distribution through the local cloud', () => {
  let home: string;
  let cloud: CloudProcess;
  let endpoints: LocalEndpoints;
  let sup: string;
  const partners: Record<string, { id: string; key: string }> = {};
  let reroutedLead: { id: string; firstPartner: string };
  const run = crypto.randomUUID().slice(0, 8);
  const owner = (name: string) => `${name}-${run}@partners.example`;

  const call = async (method: string, path: string, key: string, body?: unknown): Promise<Json> =>
    api(endpoints.api, method, path, key, body);
  const partner = (name: string) => partners[name] ?? { id: '', key: '' };
  const lead = async (id: string): Promise<Json> => (await call('GET', `/v1/leads/${id}`, sup)).body.lead;
  const mailTo = (address: string, leadId: string, count = 1) =>
    waitFor(
      async () => {
        const res = await fetch(`${endpoints.mailbox}?to=${encodeURIComponent(address)}`);
        const { emails } = (await res.json()) as { emails: MailboxEmail[] };
        const mine = emails.filter((e) => e.tags.leadId === leadId);
        return mine.length >= count ? mine : undefined;
      },
      `${count} email(s) to ${address} for ${leadId}`,
      30_000,
    );
  const linksIn = (email: MailboxEmail) => {
    const urls = [...(email.body.text ?? '').matchAll(/https?:\/\/\S+\/l\/[A-Za-z0-9_.-]+/g)].map(
      (m) => m[0],
    );
    expect(urls).toHaveLength(2);
    return { accept: urls[0] ?? '', reject: urls[1] ?? '' };
  };
  const newLead = async (body: Record<string, unknown>): Promise<string> => {
    const res = await call('POST', '/v1/leads', sup, {
      email: `${crypto.randomUUID()}@buyer.example`,
      ...body,
    });
    expect(res.status).toBe(201);
    return res.body.lead.id;
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'leadrelay-distribution-'));
    cloud = await startCloudProcess(home);
    endpoints = cloud.endpoints;
    const created = await call('POST', '/v1/admin/suppliers', endpoints.operatorKey, {
      name: 'Distribution E2E',
    });
    sup = created.body.apiKey;
    expect(
      (await call('PATCH', '/v1/settings', sup, { rerouteAfterMinutes: 1, rerouteRejected: true })).status,
    ).toBe(200);
    const make = async (name: string, body: Record<string, unknown>) => {
      const res = await call('POST', '/v1/partners', sup, { name, ...body });
      expect(res.status).toBe(201);
      partners[name] = { id: res.body.partner.id, key: res.body.apiKey };
    };
    await make('Auto', { leadOwners: [{ email: owner('auto') }], autoAccept: true });
    await make('Bouncy', {
      leadOwners: [{ email: 'bounce@simulator.amazonses.com' }, { email: owner('backup') }],
    });
    await make('North', { leadOwners: [{ email: owner('north') }] });
    await make('South', { leadOwners: [{ email: owner('south') }] });
    const rules = await call('PUT', '/v1/routing-rules', sup, {
      groups: [
        {
          name: 'Pool',
          conditions: [{ field: 'custom.Pool', op: 'equals', value: 'yes' }],
          assign: { partnerIds: [partner('North').id, partner('South').id], strategy: 'round-robin' },
        },
      ],
    });
    expect(rules.status).toBe(200);
    // Its deadline is set when the email goes out (a minute, then brought forward in its test); once it
    // has, the others get an hour, so a loaded machine cannot reroute them mid-test.
    const id = await newLead({ firstName: 'Late', customFields: { Pool: 'yes' } });
    const late = await waitFor(
      async () => {
        const current = await lead(id);
        return current.deadlineAt ? current : undefined;
      },
      'the first email and its deadline',
      30_000,
    );
    reroutedLead = { id, firstPartner: late.partnerId };
    expect((await call('PATCH', '/v1/settings', sup, { rerouteAfterMinutes: 60 })).status).toBe(200);
  });

  afterAll(async () => {
    await cloud?.kill();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('emails an auto-accepting partner for information only: Accepted, email status NotSent, no links', async () => {
    const id = await newLead({ partnerId: 'Auto' });
    const [email] = await mailTo(owner('auto'), id);
    expect(email?.subject).toContain('accepted automatically');
    expect(email?.body.text).not.toContain('/l/');
    expect(await lead(id)).toMatchObject({ distributionStatus: 'Accepted', emailStatus: 'NotSent' });
  });

  it('shows the Accept page without changing anything, records the tracked click, and accepts on POST', async () => {
    const id = await newLead({ partnerId: 'North', firstName: 'Ada', company: 'Analytical <Engines>' });
    const [email] = await mailTo(owner('north'), id);
    if (!email) throw new Error('no email');
    expect(email.body.html).toContain('Analytical &lt;Engines&gt;');
    const { accept } = linksIn(email);
    // Let the send's own writes land first (the marker, the Send and Delivery events).
    const before = await waitFor(
      async () => {
        const current = await lead(id);
        const types = current.history.map((h: Json) => h.type);
        const settled = ['email.queued', 'email.Send', 'email.Delivery'].every((t) => types.includes(t));
        return settled ? current : undefined;
      },
      'the email sent and delivered',
      20_000,
    );

    const page = await fetch(accept);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await page.text()).toContain('Accept lead');
    expect((await lead(id)).distributionStatus).toBe('Pending');
    expect((await lead(id)).version).toBe(before.version);

    // The mailbox copy's tracked link (as SES rewrites it): a Click event, then a redirect to the page.
    const tracked = /href="(http[^"]+\/t\/click\/[^"]+)"/
      .exec(email.body.html ?? '')?.[1]
      ?.replaceAll('&amp;', '&');
    expect(tracked).toBeDefined();
    const hop = await fetch(tracked ?? '', { redirect: 'manual' });
    expect(hop.status).toBe(302);
    expect(hop.headers.get('location')).toBe(accept);
    await waitFor(
      async () => ((await lead(id)).emailStatus === 'Clicked' ? true : undefined),
      'Clicked',
      20_000,
    );

    const acted = await fetch(accept, { method: 'POST' });
    expect(acted.status).toBe(200);
    expect(await acted.text()).toContain('Lead accepted');
    const after = await lead(id);
    expect(after).toMatchObject({ distributionStatus: 'Accepted', emailStatus: 'Clicked' });
    expect(after.history.map((h: Json) => h.type)).toEqual(
      expect.arrayContaining(['routed', 'email.queued', 'email.Send', 'email.Click', 'accepted']),
    );
    expect((await fetch(accept, { method: 'POST' })).status).toBe(409);
  });

  it('reroutes a lead rejected on its Accept link’s page (rerouteRejected on): the page answers, the stream moves the lead on', async () => {
    const id = await newLead({ firstName: 'Declined', customFields: { Pool: 'yes' } });
    const first = (await lead(id)).partnerId;
    const [mine, next] = first === partner('North').id ? ['north', 'south'] : ['south', 'north'];
    const [email] = await mailTo(owner(mine), id);
    const { accept } = linksIn(email as MailboxEmail);

    const res = await fetch(accept, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=reject&reason=Not+our+region',
    });

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('Lead rejected');
    const moved = await waitFor(
      async () => {
        const now = await lead(id);
        return now.distributionStatus === 'Rerouted' ? now : undefined;
      },
      `the reroute of ${id} after its rejection`,
      30_000,
    );
    expect(moved).toMatchObject({ rerouteCount: 1 });
    expect(moved.partnerId).not.toBe(first);
    await mailTo(owner(next), id);
  });

  it('retries a bounced lead owner’s email to the partner’s next lead owner', async () => {
    const id = await newLead({ partnerId: 'Bouncy' });
    const [retried] = await mailTo(owner('backup'), id);
    expect(retried?.tags).toMatchObject({ leadId: id, attempt: '1' });
    const after = await waitFor(
      async () => {
        const current = await lead(id);
        return current.emailStatus === 'Sent' ? current : undefined;
      },
      'the retried email Sent',
      20_000,
    );
    const types = after.history.map((h: Json) => h.type);
    expect(types).toEqual(expect.arrayContaining(['email.Bounce', 'email.retry']));
    expect(after.history.find((h: Json) => h.type === 'email.retry').detail.to).toBe(owner('backup'));
  });

  it('reroutes a lead nobody acted on at its deadline (brought forward through the Scheduler API): the next partner has it and an email, the first one’s link is stale', async () => {
    const { id, firstPartner } = reroutedLead;
    const first = Object.values(partners).find((p) => p.id === firstPartner);
    const second = firstPartner === partner('North').id ? partner('South') : partner('North');
    const firstOwner = firstPartner === partner('North').id ? owner('north') : owner('south');
    const secondOwner = firstPartner === partner('North').id ? owner('south') : owner('north');
    const [firstEmail] = await mailTo(firstOwner, id);
    if (!first || !firstEmail) throw new Error('no first partner or email');

    const schedules = localSchedules(endpoints);
    await schedules.fireNow(deadlineScheduleName(id, 1)).finally(() => schedules.destroy());
    const after = await waitFor(
      async () => {
        const current = await lead(id);
        return current.distributionStatus === 'Rerouted' ? current : undefined;
      },
      'the reroute at the deadline',
      60_000,
    );
    expect(after).toMatchObject({ partnerId: second.id, rerouteCount: 1, assignmentVersion: 2 });
    expect(after.history.map((h: Json) => h.type)).toContain('rerouted');
    const [secondEmail] = await mailTo(secondOwner, id);
    expect(secondEmail?.tags).toMatchObject({ assignmentVersion: '2' });

    const firstView = await call('GET', '/v1/leads?limit=100', first.key);
    expect(firstView.body.items.map((l: Json) => l.id)).not.toContain(id);
    const secondView = await call('GET', '/v1/leads?limit=100', second.key);
    expect(secondView.body.items.map((l: Json) => l.id)).toContain(id);
    const stale = await fetch(linksIn(firstEmail).accept, { method: 'POST' });
    expect(stale.status).toBe(409);
  }, 90_000);
});
