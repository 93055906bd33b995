import {
  applyEmailEvent,
  deadlineScheduleName,
  parseSesEvent,
  type RulesStore,
  rerouteLead,
  sweepDeadlines,
} from '@leadrelay/core';
import { describe, expect, it } from 'vitest';
import { distributeRecord } from '../../functions/distribute/distribute';
import type { MailboxEmail } from '../../packages/local/src/ses';
import { testApi } from '../support/api';
import { distributionRig } from '../support/distribution-rig';
import { apiEvent } from '../support/events';

/**
 * Distribution on real parts: DynamoDB Local, the SES emulator (mailbox and
 * events), the Scheduler emulator, Powertools idempotency on the table. The
 * stream is fed by hand with the lead's real item as a stream image (the
 * poller itself is tested in local-stream-poller.test.ts), and SES events are
 * handed to applyEmailEvent as the email-events handler does.
 */

const OPERATOR_KEY = 'operator-key-for-distribution-tests-0123';
const rig = distributionRig({ name: 'distribution', group: 'lead-deadlines', operatorKey: OPERATOR_KEY });
const { time, clock, call, supplierWith, newLead, image, record, lead, mailboxTo, eventsOf } = rig;

describe('distribute', () => {
  it('sends one email and creates one deadline for a Pending lead, even when the record comes three times, two at once', async () => {
    time.now = new Date();
    const owner = `owner-${crypto.randomUUID()}@partner.example`;
    const setup = await supplierWith({ North: { owners: [owner] } }, { rerouteAfterMinutes: 90 });
    const id = await newLead(setup, 'North');
    const handle = distributeRecord(rig.deps);
    const inserted = record(await image(id));

    await Promise.allSettled([handle(inserted), handle(inserted)]);
    await handle(inserted);
    await handle(record(await image(id)));

    const emails = await mailboxTo(owner);
    expect(emails).toHaveLength(1);
    const [email] = emails as [MailboxEmail];
    expect(email.subject).toContain('New lead from');
    expect(email.tags).toMatchObject({ leadId: id, assignmentVersion: '1', attempt: '0' });
    expect(email.body.html).toContain('Ada &lt;b&gt;');
    expect(email.body.text).toContain('https://api.relay.example/l/');
    expect(email.body.text).toContain('Accept');

    const after = await lead(id);
    expect(after.notified).toMatchObject({ assignmentVersion: 1, attempt: 0, kind: 'decide', to: owner });
    expect(Date.parse(after.deadlineAt ?? '')).toBe(Date.parse(after.assignedAt ?? '') + 90 * 60_000);
    const schedules = rig.scheduler.list().filter((s) => s.name === deadlineScheduleName(id, 1));
    expect(schedules).toHaveLength(1);
    expect(schedules[0]?.scheduleExpression).toBe(`at(${after.deadlineAt?.slice(0, 19)})`);
    expect(JSON.parse(schedules[0]?.target.Input ?? '{}')).toEqual({
      kind: 'deadline',
      supplierId: setup.supplierId,
      leadId: id,
      assignmentVersion: 1,
    });
    expect(after.history.filter((h) => h.type === 'email.queued')).toHaveLength(1);
  });

  it('sends the informational email for an auto-accepted lead: no deadline, email status NotSent', async () => {
    const owner = `auto-${crypto.randomUUID()}@partner.example`;
    const setup = await supplierWith({ Auto: { owners: [owner], autoAccept: true } });
    const id = await newLead(setup, 'Auto');
    await distributeRecord(rig.deps)(record(await image(id)));

    const [email] = await mailboxTo(owner);
    expect(email?.subject).toContain('accepted automatically');
    expect(email?.body.html).not.toContain('/l/');
    const after = await lead(id);
    expect(after).toMatchObject({ distributionStatus: 'Accepted', emailStatus: 'NotSent' });
    expect(after.notified?.kind).toBe('info');
    expect(rig.scheduler.list().some((s) => s.name === deadlineScheduleName(id, 1))).toBe(false);
  });

  it('marks the email Failed with "no lead owners" for a partner without any, and still sets the deadline', async () => {
    const setup = await supplierWith({ Nobody: {} });
    const id = await newLead(setup, 'Nobody');
    await distributeRecord(rig.deps)(record(await image(id)));

    const after = await lead(id);
    expect(after).toMatchObject({ emailStatus: 'Failed', emailFailure: { reason: 'no lead owners' } });
    expect(rig.scheduler.list().some((s) => s.name === deadlineScheduleName(id, 1))).toBe(true);
  });

  it('deletes the deadline schedule when the partner accepts', async () => {
    const setup = await supplierWith({ Quick: { owners: ['quick@partner.example'] } });
    const id = await newLead(setup, 'Quick');
    await distributeRecord(rig.deps)(record(await image(id)));
    const before = await image(id);
    expect((await call('POST', `/v1/leads/${id}/accept`, setup.partners.Quick?.key ?? '')).status).toBe(200);

    await distributeRecord(rig.deps)(record(await image(id), before));

    expect(rig.scheduler.list().some((s) => s.name === deadlineScheduleName(id, 1))).toBe(false);
  });

  it('sends nothing and schedules nothing for a stream copy of an assignment the supplier has changed since', async () => {
    const before = `before-${crypto.randomUUID()}@partner.example`;
    const after = `after-${crypto.randomUUID()}@partner.example`;
    const setup = await supplierWith({ Before: { owners: [before] }, After: { owners: [after] } });
    const id = await newLead(setup, 'Before');
    const behind = await image(id);
    const moved = await call('POST', `/v1/leads/${id}/assign`, setup.key, {
      partnerId: setup.partners.After?.id,
    });
    expect(moved.status).toBe(200);

    // The stream catches up late: its record still shows the first assignment.
    await distributeRecord(rig.deps)(record(behind));

    expect(await mailboxTo(before)).toEqual([]);
    expect(rig.scheduler.list().some((s) => s.name === deadlineScheduleName(id, 1))).toBe(false);
    expect((await lead(id)).history.some((h) => h.type === 'email.queued')).toBe(false);
    // The reassignment's own record does the new assignment's work.
    await distributeRecord(rig.deps)(record(await image(id), behind));
    expect(await mailboxTo(after)).toHaveLength(1);
    expect(rig.scheduler.list().some((s) => s.name === deadlineScheduleName(id, 2))).toBe(true);
  });

  it('sends no Accept/Reject email for a lead its partner accepted before the stream caught up', async () => {
    const owner = `early-${crypto.randomUUID()}@partner.example`;
    const setup = await supplierWith({ Early: { owners: [owner] } });
    const id = await newLead(setup, 'Early');
    const behind = await image(id);
    expect((await call('POST', `/v1/leads/${id}/accept`, setup.partners.Early?.key ?? '')).status).toBe(200);

    await distributeRecord(rig.deps)(record(behind));

    expect(await mailboxTo(owner)).toEqual([]);
    expect(rig.scheduler.list().some((s) => s.name === deadlineScheduleName(id, 1))).toBe(false);
  });
});

describe('email events', () => {
  it('move the status forward only, whatever the order, and land in the history once each', async () => {
    const owner = `events-${crypto.randomUUID()}@partner.example`;
    const setup = await supplierWith({ Reader: { owners: [owner] } });
    const id = await newLead(setup, 'Reader');
    await distributeRecord(rig.deps)(record(await image(id)));
    const [email] = await mailboxTo(owner);
    const send = await eventsOf(email?.messageId ?? '', 'Send');
    const delivery = await eventsOf(email?.messageId ?? '', 'Delivery');
    const click = {
      ...send,
      eventType: 'Click',
      click: { timestamp: new Date().toISOString(), link: 'https://x.example' },
    };
    const open = { ...send, eventType: 'Open', open: { timestamp: new Date().toISOString() } };

    // Each event a second after the one before, as they arrive (the history is in time order).
    const arrives = (detail: unknown) => {
      time.now = new Date(time.now.getTime() + 1_000);
      return applyEmailEvent(rig.deps, parseSesEvent(detail));
    };
    expect(await arrives(click)).toBe('applied');
    expect(await arrives(open)).toBe('applied');
    expect(await arrives(send)).toBe('applied');
    expect(await arrives(delivery)).toBe('applied');
    expect(await arrives(click)).toBe('seen-before');

    const after = await lead(id);
    expect(after.emailStatus).toBe('Clicked');
    // The whole history (the lead keeps only its latest entries), oldest first.
    const history = (await rig.table.leads.listHistory(id, { limit: 500 })).items.reverse();
    const types = history
      .filter((h) => h.type.startsWith('email.') && h.type !== 'email.queued')
      .map((h) => h.type);
    expect(types).toEqual(['email.Click', 'email.Open', 'email.Send', 'email.Delivery']);
  });

  it('retry to the next lead owner after a bounce; a late event of the first message changes nothing', async () => {
    const setup = await supplierWith({
      Bouncy: { owners: ['bounce@simulator.amazonses.com', `second-${crypto.randomUUID()}@partner.example`] },
    });
    const second =
      (await rig.table.tenants.getPartner(setup.supplierId, setup.partners.Bouncy?.id ?? ''))?.leadOwners[1]
        ?.email ?? '';
    const id = await newLead(setup, 'Bouncy');
    await distributeRecord(rig.deps)(record(await image(id)));
    const [first] = (await mailboxTo('bounce@simulator.amazonses.com')).filter((e) => e.tags.leadId === id);
    const bounce = await eventsOf(first?.messageId ?? '', 'Bounce');

    expect(await applyEmailEvent(rig.deps, parseSesEvent(bounce))).toBe('applied');
    const retried = await lead(id);
    expect(retried).toMatchObject({ emailAttempt: 1, emailStatus: 'NotSent' });
    expect(retried.history.at(-1)).toMatchObject({ type: 'email.retry', detail: { to: second, attempt: 1 } });

    await distributeRecord(rig.deps)(record(await image(id)));
    const [again] = await mailboxTo(second);
    expect(again?.tags).toMatchObject({ leadId: id, attempt: '1' });
    // A late event of the first message no longer moves anything.
    expect(
      await applyEmailEvent(
        rig.deps,
        parseSesEvent({ ...bounce, eventType: 'Open', open: { timestamp: time.now.toISOString() } }),
      ),
    ).toBe('stale');
  });
});

describe('email links', () => {
  async function linksOf(owner: string, leadId: string) {
    const [email] = (await mailboxTo(owner)).filter((e) => e.tags.leadId === leadId);
    const html = email?.body.text ?? '';
    const urls = [...html.matchAll(/https:\/\/api\.relay\.example(\/l\/[A-Za-z0-9_.-]+)/g)].map(
      (m) => m[1] ?? '',
    );
    expect(urls).toHaveLength(2);
    return { accept: urls[0] ?? '', reject: urls[1] ?? '' };
  }

  const page = async (method: 'GET' | 'POST', path: string, form?: string) => {
    const res = await rig.api.handle(
      apiEvent({
        method,
        path,
        ...(form === undefined ? {} : { rawBody: form, contentType: 'application/x-www-form-urlencoded' }),
      }),
    );
    return { status: res.statusCode ?? 0, headers: res.headers ?? {}, body: String(res.body ?? '') };
  };

  it('GET shows the lead and both forms and changes nothing; POST accepts; a second POST is 409', async () => {
    const owner = `links-${crypto.randomUUID()}@partner.example`;
    const setup = await supplierWith({ Linker: { owners: [owner] } });
    const id = await newLead(setup, 'Linker');
    await distributeRecord(rig.deps)(record(await image(id)));
    const { accept } = await linksOf(owner, id);
    const before = await lead(id);

    const shown = await page('GET', accept);
    expect(shown.status).toBe(200);
    expect(shown.headers['content-security-policy']).toContain("default-src 'none'");
    expect(shown.body).toContain('Ada &lt;b&gt;');
    expect(shown.body).toContain('name="reason"');
    expect((await lead(id)).version).toBe(before.version);

    const acted = await page('POST', accept);
    expect(acted.status).toBe(200);
    expect(acted.body).toContain('Lead accepted');
    expect(await lead(id)).toMatchObject({ distributionStatus: 'Accepted' });
    expect((await lead(id)).history.at(-1)).toMatchObject({ type: 'accepted', detail: { via: 'email' } });

    const again = await page('POST', accept);
    expect(again.status).toBe(409);
    expect(again.body).toContain('already accepted');
  });

  it('refuses a reject without a reason (400, nothing changes) and rejects with one', async () => {
    const owner = `reject-${crypto.randomUUID()}@partner.example`;
    const setup = await supplierWith({ Rejecter: { owners: [owner] } });
    const id = await newLead(setup, 'Rejecter');
    await distributeRecord(rig.deps)(record(await image(id)));
    const { reject } = await linksOf(owner, id);

    const missing = await page('POST', reject, 'reason=+');
    expect(missing.status).toBe(400);
    expect(missing.body).toContain('Please give a reason');
    expect((await lead(id)).distributionStatus).toBe('Pending');

    const done = await page('POST', reject, 'reason=Out+of+our+territory');
    expect(done.status).toBe(200);
    expect(await lead(id)).toMatchObject({
      distributionStatus: 'Rejected',
      rejectReason: 'Out of our territory',
    });
  });

  /** A new lead for a partner of its own, emailed, and its two links. */
  async function emailedLead(settings: Record<string, unknown> = {}) {
    const owner = `form-${crypto.randomUUID()}@partner.example`;
    const setup = await supplierWith({ Former: { owners: [owner] } }, settings);
    const id = await newLead(setup, 'Former');
    await distributeRecord(rig.deps)(record(await image(id)));
    return { setup, id, owner, ...(await linksOf(owner, id)) };
  }

  it('does what the form’s action says: reject on the Accept link, accept on the Reject link', async () => {
    const onAccept = await emailedLead();

    const noReason = await page('POST', onAccept.accept, 'action=reject');
    expect(noReason.status).toBe(400);
    expect(noReason.body).toContain('Please give a reason');
    expect(noReason.body).toContain('name="reason"');
    expect(noReason.body).toContain('value="accept"');
    expect((await lead(onAccept.id)).distributionStatus).toBe('Pending');

    const rejected = await page('POST', onAccept.accept, 'action=reject&reason=Too+far+away');
    expect(rejected.status).toBe(200);
    expect(rejected.body).toContain('Lead rejected');
    expect(await lead(onAccept.id)).toMatchObject({
      distributionStatus: 'Rejected',
      rejectReason: 'Too far away',
    });

    const onReject = await emailedLead();
    const accepted = await page('POST', onReject.reject, 'action=accept');
    expect(accepted.status).toBe(200);
    expect(await lead(onReject.id)).toMatchObject({ distributionStatus: 'Accepted' });
  });

  it('answers an unknown action with 400 and the form again, changing nothing', async () => {
    const { id, accept } = await emailedLead();
    const before = await lead(id);

    const unknown = await page('POST', accept, 'action=delete');

    expect(unknown.status).toBe(400);
    expect(unknown.body).toContain('Choose Accept or Reject');
    expect(unknown.body).toContain('Accept lead');
    expect((await lead(id)).version).toBe(before.version);
  });

  it('serves /l/{token}/ too, with forms that post back to that same page', async () => {
    const { id, accept } = await emailedLead();
    const slashed = `${accept}/`;

    const shown = await page('GET', slashed);

    expect(shown.status).toBe(200);
    const forms = [...shown.body.matchAll(/<form\b[^>]*>/g)].map((m) => m[0]);
    expect(forms).toHaveLength(2);
    const pageUrl = `https://api.relay.example${slashed}`;
    for (const form of forms) {
      const action = /\saction="([^"]*)"/.exec(form)?.[1];
      // No action attribute posts to the page's own URL, as the browser resolves it.
      expect(new URL(action ?? pageUrl, pageUrl).pathname).toBe(slashed);
    }
    const rejected = await page('POST', slashed, 'action=reject&reason=Not+ours');
    expect(rejected.status).toBe(200);
    expect(await lead(id)).toMatchObject({ distributionStatus: 'Rejected', rejectReason: 'Not ours' });
  });

  it('tells a former partner only that the lead moved on, never its state or its new partner', async () => {
    const { setup, id, accept } = await emailedLead();
    const next = await call('POST', '/v1/partners', setup.key, { name: 'Successor Ltd' });
    expect(
      (await call('POST', `/v1/leads/${id}/assign`, setup.key, { partnerId: next.body.partner.id })).status,
    ).toBe(200);
    expect((await call('POST', `/v1/leads/${id}/accept`, next.body.apiKey)).status).toBe(200);

    for (const answer of [await page('GET', accept), await page('POST', accept, 'action=accept')]) {
      expect(answer.status).toBe(409);
      expect(answer.body).toContain('moved on');
      expect(answer.body).not.toContain('Accepted');
      expect(answer.body).not.toContain('Successor');
    }
  });

  it('answers forged 403, expired 410, malformed 400, and stale (rerouted) 409', async () => {
    const owner = `stale-${crypto.randomUUID()}@partner.example`;
    const setup = await supplierWith({
      First: { owners: [owner] },
      Second: { owners: ['second@partner.example'] },
    });
    const id = await newLead(setup, 'First');
    await distributeRecord(rig.deps)(record(await image(id)));
    const { accept } = await linksOf(owner, id);
    const token = accept.slice(3);
    const flipped = `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`;

    expect((await page('GET', `/l/${flipped}`)).status).toBe(403);
    expect((await page('GET', '/l/not-a-token')).status).toBe(400);
    expect((await page('GET', '/l/%E0%A4%A')).status).toBe(400);
    const later = time.now;
    time.now = new Date(Date.parse((await lead(id)).deadlineAt ?? '') + 31 * 86_400_000);
    expect((await page('GET', accept)).status).toBe(410);
    time.now = later;

    // The supplier moves the lead by hand: the first partner's link is stale now.
    const moved = await call('POST', `/v1/leads/${id}/assign`, setup.key, {
      partnerId: setup.partners.Second?.id,
    });
    expect(moved.status).toBe(200);
    const stale = await page('POST', accept);
    expect(stale.status).toBe(409);
    expect(stale.body).toContain('moved on');
    expect((await lead(id)).distributionStatus).toBe('Pending');
  });
});

describe('reroute', () => {
  /** A supplier whose one rule group gives every lead to a round-robin pool of A and B. */
  async function poolSupplier(settings: Record<string, unknown> = {}) {
    const setup = await supplierWith(
      { A: { owners: ['a@p.example'] }, B: { owners: ['b@p.example'] } },
      settings,
    );
    const ids = [setup.partners.A?.id ?? '', setup.partners.B?.id ?? ''];
    const rules = await call('PUT', '/v1/routing-rules', setup.key, {
      groups: [
        {
          name: 'Everyone',
          conditions: [{ field: 'email', op: 'exists' }],
          assign: { partnerIds: ids, strategy: 'round-robin' },
        },
      ],
    });
    expect(rules.status).toBe(200);
    const created = await call('POST', '/v1/leads', setup.key, { email: `${crypto.randomUUID()}@b.example` });
    return { setup, ids, id: created.body.lead.id as string };
  }

  it('moves a lead nobody acted on to the next partner of its pool; a stale deadline is a no-op', async () => {
    const { setup, ids, id } = await poolSupplier();
    const first = (await lead(id)).partnerId;

    expect(await rerouteLead({ ...rig.table, clock }, { leadId: id, assignmentVersion: 7 })).toMatchObject({
      skipped: 'stale',
    });
    const result = await rerouteLead({ ...rig.table, clock }, { leadId: id, assignmentVersion: 1 });

    expect(result).toMatchObject({ outcome: 'rerouted' });
    const after = await lead(id);
    expect(after).toMatchObject({ distributionStatus: 'Rerouted', rerouteCount: 1, assignmentVersion: 2 });
    expect(after.partnerId).not.toBe(first);
    expect(after.previousPartnerIds).toEqual([first]);
    const loads = await rig.table.leads.partnerLoads(setup.supplierId, ids);
    expect([...loads.values()].sort()).toEqual([0, 1]);
    // Nobody left who has not had it: the next reroute leaves it Unassigned, with why.
    await rerouteLead({ ...rig.table, clock }, { leadId: id, assignmentVersion: 2 });
    const last = await lead(id);
    expect(last).toMatchObject({ distributionStatus: 'Unassigned', partnerId: null });
    expect(JSON.stringify(last.history.at(-1))).toContain('no-eligible-partner');
  });

  it('reroutes a rejected lead from the stream (rerouteRejected on), once however often the record comes; the reject only writes state', async () => {
    for (const rerouteRejected of [true, false]) {
      const { setup, id } = await poolSupplier({ rerouteRejected });
      const first = (await lead(id)).partnerId;
      const key = Object.values(setup.partners).find((p) => p.id === first)?.key ?? '';
      const pending = await image(id);

      const res = await call('POST', `/v1/leads/${id}/reject`, key, { reason: 'Not our region' });

      expect(res.status).toBe(200);
      expect(res.body.lead).toMatchObject({ distributionStatus: 'Rejected' });
      // The request wrote the rejection and nothing more.
      expect(await lead(id)).toMatchObject({ distributionStatus: 'Rejected', partnerId: first });

      const rejected = record(await image(id), pending);
      const handle = distributeRecord(rig.deps);
      await Promise.all([handle(rejected), handle(rejected)]);
      await handle(rejected);

      const after = await lead(id);
      if (rerouteRejected) {
        expect(after).toMatchObject({
          distributionStatus: 'Rerouted',
          rerouteCount: 1,
          assignmentVersion: 2,
        });
        expect(after.partnerId).not.toBe(first);
        expect(after.history.map((h) => h.type).slice(-2)).toEqual(['rejected', 'rerouted']);
        expect(after.history.at(-1)?.detail).toMatchObject({ trigger: 'rejected', fromPartnerId: first });
        // A later change of the rerouted lead does not reroute it again.
        await handle(record(await image(id), await image(id)));
        expect((await lead(id)).rerouteCount).toBe(1);
      } else {
        expect(after).toMatchObject({
          distributionStatus: 'Rejected',
          partnerId: first,
          rejectReason: 'Not our region',
        });
      }
    }
  });

  it('retries a reroute on rejection that failed: the link page still answers with a page, the lead stays Rejected until the retry', async () => {
    const { setup, id } = await poolSupplier({ rerouteRejected: true });
    await distributeRecord(rig.deps)(record(await image(id)));
    const owner = (await lead(id)).notified?.to ?? '';
    const [email] = (await mailboxTo(owner)).filter((e) => e.tags.leadId === id);
    const rejectLink = /https:\/\/api\.relay\.example(\/l\/[A-Za-z0-9_.-]+)/g;
    const link = [...(email?.body.text ?? '').matchAll(rejectLink)][1]?.[1] ?? '';
    // DynamoDB Local does not fail on demand: the real rules store, made to fail while `broken`.
    let broken = true;
    const rules: RulesStore = {
      getRules: (...args) =>
        broken ? Promise.reject(new Error('rules unavailable')) : rig.table.rules.getRules(...args),
      putRules: (...args) => rig.table.rules.putRules(...args),
    };
    const flakyApi = testApi({ ...rig.table, rules }, OPERATOR_KEY, { clock });
    const pending = await image(id);

    const res = await flakyApi.handle(
      apiEvent({
        method: 'POST',
        path: link,
        rawBody: 'reason=Busy',
        contentType: 'application/x-www-form-urlencoded',
      }),
    );

    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toContain('text/html');
    expect(String(res.body)).toContain('Lead rejected');
    const rejected = record(await image(id), pending);
    await expect(distributeRecord({ ...rig.deps, rules })(rejected)).rejects.toThrow('rules unavailable');
    expect(await lead(id)).toMatchObject({ distributionStatus: 'Rejected', rerouteCount: 0 });

    broken = false;
    await distributeRecord({ ...rig.deps, rules })(rejected);
    const after = await lead(id);
    expect(after).toMatchObject({ distributionStatus: 'Rerouted', rerouteCount: 1 });
    expect(setup.partners.A?.id === after.partnerId || setup.partners.B?.id === after.partnerId).toBe(true);
  });

  it('sweeps a lead whose deadline passed (its schedule lost) through the index', async () => {
    const { id } = await poolSupplier();
    await distributeRecord(rig.deps)(record(await image(id)));
    const waiting = await lead(id);
    const later = time.now;
    time.now = new Date(Date.parse(waiting.deadlineAt ?? '') + 10 * 60_000);

    const swept = await sweepDeadlines({ ...rig.table, clock });
    time.now = later;

    expect(swept.rerouted).toBeGreaterThanOrEqual(1);
    const after = await lead(id);
    expect(after).toMatchObject({ distributionStatus: 'Rerouted', assignmentVersion: 2 });
    expect(after.partnerId).not.toBe(waiting.partnerId);
    expect(after.history.some((h) => h.actor === 'system:sweeper')).toBe(true);
  });

  it('goes on past a lead whose reroute always throws, records it, and flags it after three sweeps', async () => {
    const start = time.now;
    // A lead whose reroute always throws: its supplier's stored routing rules no longer parse
    // (stored by hand here, as an old or damaged item would be).
    const bad = await poolSupplier();
    await distributeRecord(rig.deps)(record(await image(bad.id)));
    const stored = await rig.table.rules.getRules(bad.setup.supplierId, 'routing');
    await rig.table.rules.putRules(
      bad.setup.supplierId,
      'routing',
      { groups: 'damaged' },
      stored?.version ?? 0,
      start.toISOString(),
    );
    // Another supplier's lead, due a second later: behind the bad one in the deadline index.
    time.now = new Date(start.getTime() + 1_000);
    const good = await poolSupplier();
    await distributeRecord(rig.deps)(record(await image(good.id)));
    const goodBefore = await lead(good.id);
    const badBefore = await lead(bad.id);
    expect(Date.parse(badBefore.deadlineAt ?? '')).toBeLessThan(Date.parse(goodBefore.deadlineAt ?? ''));
    const sweepAt = new Date(Date.parse(goodBefore.deadlineAt ?? '') + 10 * 60_000);
    const sweep = async () => {
      time.now = sweepAt;
      try {
        return await sweepDeadlines({ ...rig.table, clock });
      } finally {
        time.now = start;
      }
    };
    const dueIds = async () =>
      (await rig.table.leads.dueDeadlines(new Date(sweepAt.getTime() - 5 * 60_000), 500)).map((l) => l.id);

    const first = await sweep();

    expect(first.failed.filter((f) => f.leadId === bad.id)).toEqual([
      {
        leadId: bad.id,
        supplierId: bad.setup.supplierId,
        error: expect.stringContaining('ZodError'),
        failures: 1,
        flagged: false,
      },
    ]);
    expect(await lead(good.id)).toMatchObject({ distributionStatus: 'Rerouted', assignmentVersion: 2 });
    expect((await lead(bad.id)).rerouteFailure).toMatchObject({
      count: 1,
      error: expect.stringContaining('ZodError'),
    });
    expect(await dueIds()).toContain(bad.id);

    expect((await sweep()).failed.find((f) => f.leadId === bad.id)).toMatchObject({
      failures: 2,
      flagged: false,
    });
    expect((await sweep()).failed.find((f) => f.leadId === bad.id)).toMatchObject({
      failures: 3,
      flagged: true,
    });

    // Flagged: out of the deadline index, visible on the lead, and still with its partner (nothing lost).
    const flagged = await lead(bad.id);
    expect(flagged).toMatchObject({
      distributionStatus: 'Pending',
      partnerId: badBefore.partnerId,
      rerouteFailure: { count: 3, flaggedAt: sweepAt.toISOString() },
    });
    expect(await dueIds()).not.toContain(bad.id);
    expect((await sweep()).failed.map((f) => f.leadId)).not.toContain(bad.id);

    // A person takes over: the flag does not stand in the way, and the new assignment clears it.
    const other = bad.ids.find((id) => id !== badBefore.partnerId) ?? '';
    const assigned = await call('POST', `/v1/leads/${bad.id}/assign`, bad.setup.key, { partnerId: other });
    expect(assigned.status).toBe(200);
    const reassigned = await lead(bad.id);
    expect(reassigned).toMatchObject({ partnerId: other, distributionStatus: 'Pending' });
    expect(reassigned.rerouteFailure).toBeUndefined();
  });

  it('gives exactly one outcome to 200 leads each raced by an accept and a reroute', async () => {
    const setup = await supplierWith({
      Racer: { owners: ['r@p.example'] },
      Other: { owners: ['o@p.example'] },
    });
    const ids: string[] = [];
    const batch = Array.from({ length: 200 }, () => ({
      email: `${crypto.randomUUID()}@race.example`,
      partnerId: 'Racer',
    }));
    const res = await call('POST', '/v1/leads/batch', setup.key, { leads: batch });
    expect(res.status).toBe(200);
    for (const item of res.body.results) ids.push(item.lead.id);
    const racer = setup.partners.Racer?.key ?? '';

    const outcomes = await Promise.all(
      ids.map(async (id) => {
        const [accepted, rerouted] = await Promise.all([
          call('POST', `/v1/leads/${id}/accept`, racer),
          rerouteLead({ ...rig.table, clock }, { leadId: id, assignmentVersion: 1 }),
        ]);
        return { id, accepted: accepted.status === 200, rerouted: 'outcome' in rerouted };
      }),
    );

    for (const { id, accepted, rerouted } of outcomes) {
      expect({ id, one: accepted !== rerouted }).toEqual({ id, one: true });
      const final = await lead(id);
      expect(final.distributionStatus).toBe(accepted ? 'Accepted' : 'Rerouted');
    }
    const loads = await rig.table.leads.partnerLoads(setup.supplierId, [
      setup.partners.Racer?.id ?? '',
      setup.partners.Other?.id ?? '',
    ]);
    const rerouted = outcomes.filter((o) => o.rerouted).length;
    expect(loads.get(setup.partners.Racer?.id ?? '')).toBe(0);
    expect(loads.get(setup.partners.Other?.id ?? '')).toBe(rerouted);
  });
});
