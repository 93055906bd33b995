import {
  CreateWebhook,
  DEFAULT_RETRY_POLICY,
  type Lead,
  laneSeq,
  leadDeliveryId,
  leadEventId,
  leadEvents,
  leadFor,
  maxRetryDelayMs,
  newWebhookSecret,
  nextAttemptAt,
  parseDeliveryId,
  parseInput,
  refusedAddress,
  refusedTarget,
  retryScheduleName,
  signedHeaders,
  signingSecrets,
  testDeliveryId,
  type ValidationError,
} from '@leadrelay/core';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { CREATED, testLead } from '../support/leads';

const LATER = '2030-01-01T10:00:00.000Z';
const next = (lead: Lead, overrides: Partial<Lead>): Lead => ({
  ...lead,
  updatedAt: LATER,
  version: lead.version + 1,
  ...overrides,
});
const types = (old: Lead | undefined, lead: Lead | undefined) => leadEvents(old, lead).map((e) => e.type);

describe('the events of a lead change', () => {
  const pending = testLead();

  it('gives lead.created and lead.routed for a new lead with a partner, created alone without one', () => {
    expect(types(undefined, testLead({ notified: undefined }))).toEqual(['lead.created', 'lead.routed']);
    expect(
      types(undefined, testLead({ partnerId: null, partnerName: null, distributionStatus: 'Unassigned' })),
    ).toEqual(['lead.created']);
  });

  it('gives lead.accepted for a lead auto-accepted as it came in', () => {
    expect(types(undefined, testLead({ distributionStatus: 'Accepted', emailStatus: 'NotSent' }))).toEqual([
      'lead.created',
      'lead.routed',
      'lead.accepted',
    ]);
  });

  it('gives lead.routed for a hand assignment, lead.rerouted for a reroute, lead.unassigned for none left', () => {
    const unassigned = testLead({ partnerId: null, partnerName: null, distributionStatus: 'Unassigned' });
    expect(
      types(
        unassigned,
        next(unassigned, { partnerId: 'P-B', assignmentVersion: 2, distributionStatus: 'Pending' }),
      ),
    ).toEqual(['lead.routed']);
    expect(
      types(
        pending,
        next(pending, { partnerId: 'P-B', assignmentVersion: 2, distributionStatus: 'Rerouted' }),
      ),
    ).toEqual(['lead.rerouted']);
    expect(
      types(
        pending,
        next(pending, {
          partnerId: null,
          partnerName: null,
          assignmentVersion: 2,
          distributionStatus: 'Unassigned',
        }),
      ),
    ).toEqual(['lead.unassigned']);
  });

  it('gives lead.notified when the email marker of an assignment appears, once', () => {
    const notified = { assignmentVersion: 1, attempt: 0, kind: 'decide' as const, at: LATER };
    const sent = next(pending, { notified });
    expect(types(pending, sent)).toEqual(['lead.notified']);
    expect(types(sent, next(sent, { deadlineAt: LATER }))).toEqual([]);
  });

  it('gives lead.email_status_changed, lead.accepted, lead.rejected as those fields move', () => {
    expect(types(pending, next(pending, { emailStatus: 'Opened' }))).toEqual(['lead.email_status_changed']);
    expect(types(pending, next(pending, { distributionStatus: 'Accepted' }))).toEqual(['lead.accepted']);
    expect(types(pending, next(pending, { distributionStatus: 'Rejected', rejectReason: 'no' }))).toEqual([
      'lead.rejected',
    ]);
  });

  it('gives lead.pipeline_changed for the pipeline status, the opportunity value and the sales rep', () => {
    const accepted = testLead({ distributionStatus: 'Accepted', pipelineStatus: 'Open' });
    expect(types(accepted, next(accepted, { pipelineStatus: 'Contacted' }))).toEqual([
      'lead.pipeline_changed',
    ]);
    expect(
      types(
        accepted,
        next(accepted, { pipelineStatus: 'Opportunity', opportunityValue: { amount: 5, currency: 'EUR' } }),
      ),
    ).toEqual(['lead.pipeline_changed']);
    expect(types(accepted, next(accepted, { salesRepId: 'rep-1' }))).toEqual(['lead.pipeline_changed']);
  });

  it('gives a partner’s own lead lead.created alone, and lead.registered when it is registered or linked', () => {
    const own = testLead({
      type: 'registered',
      distributionStatus: 'Accepted',
      registration: { status: 'unregistered' },
    });
    expect(types(undefined, own)).toEqual(['lead.created']);
    expect(
      types(
        own,
        next(own, {
          registration: { status: 'registered', at: LATER, by: 'hand' },
          source: 'Partner Registered',
        }),
      ),
    ).toEqual(['lead.registered']);
    expect(types(own, next(own, { registration: { status: 'linked', linkedLeadId: 'L-9' } }))).toEqual([
      'lead.registered',
    ]);
  });

  it('gives several events of one change in order, each with its index', () => {
    const events = leadEvents(
      pending,
      next(pending, { distributionStatus: 'Accepted', emailStatus: 'Clicked', pipelineStatus: 'Open' }),
    );
    expect(events).toEqual([
      { type: 'lead.email_status_changed', index: 0 },
      { type: 'lead.accepted', index: 1 },
      { type: 'lead.pipeline_changed', index: 2 },
    ]);
  });

  it('gives none for a marker-only change, a replay, an older image or a removal', () => {
    expect(types(pending, next(pending, { rerouteFailure: { count: 1, error: 'x', at: LATER } }))).toEqual(
      [],
    );
    expect(
      types(pending, next(pending, { emailReads: { assignmentVersion: 1, opens: 3, clicks: 0 } })),
    ).toEqual([]);
    expect(types(pending, next(pending, { history: [] }))).toEqual([]);
    expect(types(pending, { ...pending, distributionStatus: 'Accepted' })).toEqual([]);
    expect(types(next(pending, {}), pending)).toEqual([]);
    expect(types(pending, undefined)).toEqual([]);
  });

  it('names events and deliveries deterministically, and a delivery id says where it lives', () => {
    expect(leadEventId('L1', 4, 'lead.accepted')).toBe(leadEventId('L1', 4, 'lead.accepted'));
    expect(leadEventId('L1', 4, 'lead.accepted')).not.toBe(leadEventId('L1', 5, 'lead.accepted'));
    const leadId = '01JABCDEFGHJKMNPQRSTVWXYZ0';
    const seq = laneSeq(12, 1);
    const id = leadDeliveryId('W1', leadId, seq, leadEventId(leadId, 12, 'lead.accepted'));
    expect(id).toBe(leadDeliveryId('W1', leadId, seq, leadEventId(leadId, 12, 'lead.accepted')));
    expect(id).not.toBe(leadDeliveryId('W2', leadId, seq, leadEventId(leadId, 12, 'lead.accepted')));
    expect(id.length).toBeLessThanOrEqual(64);
    expect(parseDeliveryId(id)).toEqual({ lane: leadId, seq: '0000000012#01' });
    expect(parseDeliveryId(testDeliveryId(leadId))).toEqual({ lane: 'test', seq: leadId });
    expect(parseDeliveryId('msg_nonsense')).toBeUndefined();
    const name = retryScheduleName(id, 123);
    expect(name).toMatch(/^whk-[0-9a-z]{26}-a123$/);
    expect(name.length).toBeLessThanOrEqual(64);
  });
});

describe('the lead in a delivery', () => {
  const now = new Date(LATER);
  const lead = testLead({
    previousPartnerIds: ['P-Z'],
    routingGroup: 'g1',
    notified: { assignmentVersion: 1, attempt: 0, kind: 'decide', at: CREATED },
    history: [
      { at: CREATED, type: 'created', actor: 'supplier', detail: {} },
      { at: CREATED, type: 'rejected', actor: 'partner:P-Z', detail: { reason: 'x' } },
    ],
    assignedAt: CREATED,
  });

  it('shows the supplier the lead as its API does (with the latest history entries)', () => {
    const view = leadFor({ kind: 'supplier', supplierId: 'S-1' }, lead, now);
    expect(view).toMatchObject({
      id: lead.id,
      previousPartnerIds: ['P-Z'],
      routingGroup: 'g1',
      distributionStatusChangeDays: 0,
    });
    expect(view?.history).toHaveLength(2);
  });

  it('shows a partner only its own lead, in its view: no other partner, no internals', () => {
    const view = leadFor({ kind: 'partner', supplierId: 'S-1', partnerId: 'P-A' }, lead, now);
    expect(view).toBeDefined();
    for (const hidden of [
      'previousPartnerIds',
      'routingGroup',
      'notified',
      'emailAttempt',
      'rerouteFailure',
      'conflict',
    ]) {
      expect(view).not.toHaveProperty(hidden);
    }
    expect(JSON.stringify(view)).not.toContain('P-Z');
    expect(leadFor({ kind: 'partner', supplierId: 'S-1', partnerId: 'P-B' }, lead, now)).toBeUndefined();
    expect(leadFor({ kind: 'supplier', supplierId: 'S-2' }, lead, now)).toBeUndefined();
  });

  it('does not show the supplier a partner’s unregistered lead', () => {
    const own = testLead({ registration: { status: 'unregistered' } });
    expect(leadFor({ kind: 'supplier', supplierId: 'S-1' }, own, now)).toBeUndefined();
    expect(leadFor({ kind: 'partner', supplierId: 'S-1', partnerId: 'P-A' }, own, now)).toBeDefined();
  });
});

describe('signing', () => {
  const body = JSON.stringify({ id: 'evt_1', type: 'lead.accepted', timestamp: LATER, data: {} });

  it('signs so that the standardwebhooks package verifies it', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const headers = signedHeaders({ id: 'msg_1', at: new Date(), body, secrets: [secret] });
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
  });

  it('signs with both secrets during a rotation’s overlap, and only the new one after', () => {
    const [oldSecret, newSecret] = [newWebhookSecret(), newWebhookSecret()];
    const secrets = [{ secret: newSecret }, { secret: oldSecret, expiresAt: '2030-01-02T00:00:00.000Z' }];
    const during = signingSecrets(secrets, new Date('2030-01-01T12:00:00.000Z'));
    expect(during).toEqual([newSecret, oldSecret]);
    const both = signedHeaders({ id: 'msg_1', at: new Date(), body, secrets: during });
    expect(both['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(newSecret).verify(body, both)).toBeTruthy();
    expect(new Webhook(oldSecret).verify(body, both)).toBeTruthy();
    const after = signedHeaders({
      id: 'msg_1',
      at: new Date(),
      body,
      secrets: signingSecrets(secrets, new Date('2030-01-02T00:00:01.000Z')),
    });
    expect(new Webhook(newSecret).verify(body, after)).toBeTruthy();
    expect(() => new Webhook(oldSecret).verify(body, after)).toThrow();
  });
});

describe('retries', () => {
  const policy = DEFAULT_RETRY_POLICY;

  it('waits up to base × 2^(n-1), at most an hour, at least a second', () => {
    expect(maxRetryDelayMs(policy, 1)).toBe(30_000);
    expect(maxRetryDelayMs(policy, 2)).toBe(60_000);
    expect(maxRetryDelayMs(policy, 8)).toBe(3_600_000);
    expect(maxRetryDelayMs(policy, 80)).toBe(3_600_000);
    const first = new Date(CREATED);
    for (const random of [0, 0.25, 0.5, 0.999]) {
      for (const attempts of [1, 3, 10]) {
        const at = nextAttemptAt(policy, { attempts, firstAttemptAt: first, now: first, random });
        const wait = (at?.getTime() ?? 0) - first.getTime();
        expect(wait).toBeGreaterThanOrEqual(1000);
        expect(wait).toBeLessThanOrEqual(Math.max(1000, maxRetryDelayMs(policy, attempts)));
      }
    }
  });

  it('spreads the waits over the whole range (full jitter)', () => {
    const first = new Date(CREATED);
    const waits = [0.1, 0.5, 0.9].map(
      (random) =>
        (nextAttemptAt(policy, { attempts: 5, firstAttemptAt: first, now: first, random })?.getTime() ?? 0) -
        first.getTime(),
    );
    expect(waits).toEqual([48_000, 240_000, 432_000]);
  });

  it('keeps retrying for at least 24 hours from the first attempt, then gives up', () => {
    for (const random of [0, 0.5, 0.999]) {
      const first = new Date(CREATED);
      let now = first;
      let attempts = 1;
      for (;;) {
        const at = nextAttemptAt(policy, { attempts, firstAttemptAt: first, now, random });
        if (!at) break;
        now = at;
        attempts += 1;
      }
      expect(now.getTime() - first.getTime()).toBeGreaterThanOrEqual(24 * 3_600_000);
      expect(now.getTime() - first.getTime()).toBeLessThan(25 * 3_600_000);
    }
  });
});

describe('webhook targets', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '224.0.0.1',
    '::1',
    '::',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
  ])('refuses %s', (address) => {
    expect(refusedAddress(address)).toBeDefined();
  });

  it.each(['93.184.216.34', '2606:4700::1111', '::ffff:93.184.216.34'])('allows the public %s', (address) => {
    expect(refusedAddress(address)).toBeUndefined();
  });

  it('refuses a literal private address or localhost in a URL in AWS, and allows it locally', () => {
    const aws = { allowPrivateTargets: false };
    expect(refusedTarget('http://10.0.0.1/hook', aws)).toBeDefined();
    expect(refusedTarget('http://[::ffff:127.0.0.1]:8080/hook', aws)).toBeDefined();
    expect(refusedTarget('http://localhost:3000/hook', aws)).toBeDefined();
    expect(refusedTarget('https://hooks.example.com/in', aws)).toBeUndefined();
    expect(refusedTarget('http://127.0.0.1:3000/hook', { allowPrivateTargets: true })).toBeUndefined();
  });

  it('takes http(s) URLs of at most 2,000 characters without credentials, 1+ unique known events', () => {
    const parse = (body: unknown) => {
      try {
        parseInput(CreateWebhook, body);
        return [];
      } catch (error) {
        return (error as ValidationError).details.map((d) => d.path);
      }
    };
    expect(parse({ url: 'https://h.example/in', events: ['lead.created'] })).toEqual([]);
    expect(parse({ url: 'ftp://h.example/in', events: ['lead.created'] })).toEqual(['url']);
    expect(parse({ url: 'https://u:p@h.example/in', events: ['lead.created'] })).toEqual(['url']);
    expect(parse({ url: `https://h.example/${'a'.repeat(2000)}`, events: ['lead.created'] })).toEqual([
      'url',
    ]);
    expect(parse({ url: 'https://h.example/in', events: ['lead.created', 'lead.nope'] })).toEqual([
      'events.1',
    ]);
    expect(parse({ url: 'https://h.example/in', events: ['lead.created', 'lead.created'] })).toEqual([
      'events.1',
    ]);
    expect(parse({ url: 'https://h.example/in', events: [] })).toEqual(['events']);
    expect(
      parse({ url: 'https://h.example/in', events: ['lead.created'], description: 'x'.repeat(201) }),
    ).toEqual(['description']);
  });
});
