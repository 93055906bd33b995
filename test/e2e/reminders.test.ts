import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalEndpoints } from '@leadrelay/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailboxEmail } from '../../packages/local/src/ses';
import { api, type CloudProcess, startCloudProcess, waitFor } from './support/local-cloud-process';
import { localSchedules } from './support/schedules';

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;

/**
 * Reminders and escalation through the local cloud (`npm start`): minute-scale
 * settings (a 2-minute deadline, a reminder 1 minute before it), and no waiting
 * for them: a schedule is brought forward to now through the Scheduler API (as
 * `aws scheduler update-schedule` would), the emulator fires it on its next tick,
 * and a second firing is the reroute function invoked again with the same input
 * through the local Lambda Invoke API. The emails are read from the SES
 * emulator's mailbox; a bounce is the SES mailbox simulator's bounce address.
 */
describe('reminders and escalation through the local cloud', () => {
  let home: string;
  let cloud: CloudProcess;
  let endpoints: LocalEndpoints;
  let schedules: ReturnType<typeof localSchedules>;
  let sup: string;
  const partners: Record<string, { id: string; key: string }> = {};
  const run = crypto.randomUUID().slice(0, 8);
  const owner = (name: string) => `${name}-${run}@partners.example`;
  const ops = `ops-${run}@supplier.example`;

  const call = async (method: string, path: string, key: string, body?: unknown): Promise<Json> =>
    api(endpoints.api, method, path, key, body);
  const lead = async (id: string): Promise<Json> => (await call('GET', `/v1/leads/${id}`, sup)).body.lead;
  const mailbox = async (address: string): Promise<MailboxEmail[]> => {
    const res = await fetch(`${endpoints.mailbox}?to=${encodeURIComponent(address)}`);
    return ((await res.json()) as { emails: MailboxEmail[] }).emails;
  };
  const mailTo = (address: string, match: (e: MailboxEmail) => boolean, what: string) =>
    waitFor(
      async () => {
        const found = (await mailbox(address)).filter(match);
        return found.length > 0 ? found : undefined;
      },
      what,
      30_000,
    );
  const reminderOf = (id: string) => (e: MailboxEmail) =>
    e.tags.leadId === id && e.subject.startsWith('Reminder:');
  const newLead = async (partnerId: string): Promise<string> => {
    const res = await call('POST', '/v1/leads', sup, {
      email: `${crypto.randomUUID()}@buyer.example`,
      firstName: 'Grace',
      company: 'Hopper <Labs>',
      partnerId,
    });
    expect(res.status).toBe(201);
    return res.body.lead.id;
  };
  /** The lead once its email went out, with its deadline. */
  const notified = (id: string) =>
    waitFor(
      async () => {
        const current = await lead(id);
        return current.deadlineAt ? current : undefined;
      },
      `the email and deadline of ${id}`,
      30_000,
    );

  /** The reroute function run with `input` and awaited (RequestResponse), as a repeated Scheduler firing. */
  const invokeReroute = async (input: unknown) => {
    const res = await fetch(`${endpoints.api}/2015-03-31/functions/reroute/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-amz-function-error')).toBeNull();
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'leadrelay-reminders-'));
    cloud = await startCloudProcess(home);
    endpoints = cloud.endpoints;
    schedules = localSchedules(endpoints);
    const created = await call('POST', '/v1/admin/suppliers', endpoints.operatorKey, {
      name: 'Reminders E2E',
    });
    sup = created.body.apiKey;
    const settings = await call('PATCH', '/v1/settings', sup, {
      rerouteAfterMinutes: 2,
      remindBeforeMinutes: 1,
      maxReroutes: 0,
      escalationEmail: ops,
    });
    expect(settings.status).toBe(200);
    for (const [name, email] of [
      ['North', owner('north')],
      ['South', owner('south')],
      ['Bouncy', 'bounce@simulator.amazonses.com'],
    ] as const) {
      const res = await call('POST', '/v1/partners', sup, { name, leadOwners: [{ email }] });
      expect(res.status).toBe(201);
      partners[name] = { id: res.body.partner.id, key: res.body.apiKey };
    }
  });

  afterAll(async () => {
    schedules?.destroy();
    await cloud?.kill();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('sends one reminder with working links before the deadline; a second firing sends nothing', async () => {
    const id = await newLead(partners.North?.id ?? '');
    const pending = await notified(id);
    expect(Date.parse(pending.remindAt)).toBe(Date.parse(pending.deadlineAt) - 60_000);

    await schedules.fireNow(`remind-${id}-v1`);
    const [reminder] = await mailTo(owner('north'), reminderOf(id), `the reminder of ${id}`);
    if (!reminder) throw new Error('no reminder');
    expect(reminder.body.html).toContain('Hopper &lt;Labs&gt;');
    const links = [...(reminder.body.text ?? '').matchAll(/https?:\/\/\S+\/l\/[A-Za-z0-9_.-]+/g)].map(
      (m) => m[0],
    );
    expect(links).toHaveLength(2);
    await waitFor(
      async () =>
        (await lead(id)).history.some((h: Json) => h.type === 'email.reminder') ? true : undefined,
      'the reminder in the history',
      20_000,
    );

    await invokeReroute({
      kind: 'reminder',
      supplierId: pending.supplierId,
      leadId: id,
      assignmentVersion: 1,
    });
    expect((await mailbox(owner('north'))).filter(reminderOf(id))).toHaveLength(1);

    const page = await fetch(links[0] ?? '');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Accept lead');
    const accepted = await fetch(links[0] ?? '', { method: 'POST' });
    expect(accepted.status).toBe(200);
    expect((await lead(id)).distributionStatus).toBe('Accepted');
  });

  it('sends no reminder to a partner who accepted: the schedule goes, and a late firing is a no-op', async () => {
    const id = await newLead(partners.South?.id ?? '');
    const pending = await notified(id);
    expect(await schedules.exists(`remind-${id}-v1`)).toBe(true);

    expect((await call('POST', `/v1/leads/${id}/accept`, partners.South?.key ?? '')).status).toBe(200);
    await waitFor(
      async () => ((await schedules.exists(`remind-${id}-v1`)) ? undefined : true),
      'the reminder schedule cancelled',
      30_000,
    );
    await invokeReroute({
      kind: 'reminder',
      supplierId: pending.supplierId,
      leadId: id,
      assignmentVersion: 1,
    });

    expect((await mailbox(owner('south'))).filter(reminderOf(id))).toEqual([]);
  });

  it('emails the escalation address when a lead runs out of partners at its deadline', async () => {
    const id = await newLead(partners.North?.id ?? '');
    await notified(id);

    await schedules.fireNow(`reroute-${id}-v1`);
    const [email] = await mailTo(ops, (e) => e.tags.leadId === id, `the escalation of ${id}`);

    expect(await lead(id)).toMatchObject({ distributionStatus: 'Unassigned' });
    expect(email?.subject).toMatch(/^Action needed: /);
    expect(email?.body.text).toContain('rerouted as often as you allow');
    expect(email?.body.text).toContain(`/console/leads/${id}`);
    await waitFor(
      async () => ((await lead(id)).history.some((h: Json) => h.type === 'escalated') ? true : undefined),
      'the escalation in the history',
      20_000,
    );
  });

  it('emails the escalation address when the partner’s only lead owner bounces', async () => {
    const id = await newLead(partners.Bouncy?.id ?? '');

    const [email] = await mailTo(ops, (e) => e.tags.leadId === id, `the bounce escalation of ${id}`);

    expect(await lead(id)).toMatchObject({ emailStatus: 'Failed', distributionStatus: 'Pending' });
    expect(email?.body.text).toContain('could not be emailed');
    expect((await mailbox(ops)).filter((e) => e.tags.leadId === id)).toHaveLength(1);
  });
});
