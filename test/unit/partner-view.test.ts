import {
  type HistoryEntry,
  PartnerLead,
  PartnerLeadSummary,
  partnerHistory,
  partnerLead,
  partnerLeadSummary,
} from '@leadrelay/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testLead } from '../support/leads';

const at = (minute: number) => new Date(Date.UTC(2030, 0, 1, 9, minute)).toISOString();

/** A lead routed to Alpha (Charlie skipped), rejected by Alpha, rerouted to Beta, accepted and worked by Beta. */
const history: HistoryEntry[] = [
  { at: at(0), type: 'created', actor: 'supplier', detail: { source: 'API' } },
  {
    at: at(0),
    type: 'routed',
    actor: 'system',
    detail: {
      partnerId: 'P-A',
      partnerName: 'Alpha',
      skipped: [{ partnerId: 'P-C', reason: 'paused' }],
      explanation: 'Charlie is paused',
    },
  },
  {
    at: at(1),
    type: 'email.queued',
    actor: 'system',
    detail: { to: 'a@alpha.example', assignmentVersion: 1 },
  },
  {
    at: at(2),
    type: 'rejected',
    actor: 'partner:P-A',
    detail: { partnerId: 'P-A', partnerName: 'Alpha', reason: 'Alpha is too busy' },
  },
  {
    at: at(3),
    type: 'rerouted',
    actor: 'partner:P-A',
    detail: { trigger: 'rejected', fromPartnerId: 'P-A', fromPartnerName: 'Alpha', partnerId: 'P-B' },
  },
  {
    at: at(4),
    type: 'email.queued',
    actor: 'system',
    detail: { to: 'b@beta.example', assignmentVersion: 2 },
  },
  { at: at(5), type: 'accepted', actor: 'partner:P-B', detail: { partnerId: 'P-B', partnerName: 'Beta' } },
  { at: at(6), type: 'pipeline', actor: 'partner:P-B', detail: { partnerId: 'P-B', changes: {} } },
];
const withBeta = testLead({
  partnerId: 'P-B',
  partnerName: 'Beta',
  previousPartnerIds: ['P-A'],
  distributionStatus: 'Accepted',
  assignmentVersion: 2,
  assignedAt: at(3),
  history,
});

describe('partnerHistory', () => {
  it('shows the partner its own part: from when the lead came to it, how it came without who had it before', () => {
    const seen = partnerHistory(withBeta, history, 'P-B');

    expect(seen.map((h) => h.type)).toEqual(['rerouted', 'email.queued', 'accepted', 'pipeline']);
    expect(seen[0]).toEqual({
      at: at(3),
      type: 'rerouted',
      actor: 'system',
      detail: { partnerId: 'P-B', partnerName: 'Beta' },
    });
    expect(JSON.stringify(seen)).not.toMatch(/P-A|Alpha|P-C|Charlie/);
  });

  it('shows a former partner nothing at all', () => {
    expect(partnerHistory(withBeta, history, 'P-A')).toEqual([]);
  });

  it('never shows an entry naming another partner, whatever the history holds', () => {
    const partners = ['P-A', 'P-B', 'P-C'];
    const entry = fc.record({
      at: fc.integer({ min: 0, max: 30 }).map(at),
      type: fc.constantFrom(
        'routed',
        'assigned',
        'rerouted',
        'reopened',
        'unassigned',
        'accepted',
        'rejected',
        'pipeline',
        'email.Open',
        'email.retry',
        'updated',
      ),
      actor: fc.constantFrom(
        'system',
        'supplier',
        ...partners.map((p) => `partner:${p}`),
        'partner:P-A:user-1',
      ),
      detail: fc.record(
        {
          partnerId: fc.constantFrom(...partners),
          fromPartnerId: fc.constantFrom(...partners),
          previousPartnerId: fc.constantFrom(...partners),
          skipped: fc.array(fc.record({ partnerId: fc.constantFrom(...partners) }), { maxLength: 2 }),
          tried: fc.array(fc.record({ partnerId: fc.constantFrom(...partners) }), { maxLength: 2 }),
          note: fc.string({ maxLength: 5 }).filter((s) => !s.includes('P-')),
        },
        { requiredKeys: [] },
      ),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 30 }), fc.integer({ min: 0, max: 30 }), (entries, since) => {
        const lead = testLead({ partnerId: 'P-B', partnerName: 'Beta', assignedAt: at(since) });
        const seen = partnerHistory(lead, entries, 'P-B');
        expect(JSON.stringify(seen)).not.toMatch(/P-A|P-C/);
        for (const h of seen) expect(h.at >= at(since)).toBe(true);
        // Nothing of its own is lost: an entry of its time that names nobody else is shown as it is.
        for (const h of entries) {
          const own = h.at >= at(since) && !/P-A|P-C/.test(JSON.stringify(h));
          const arrival = ['routed', 'assigned', 'rerouted', 'reopened', 'unassigned'].includes(h.type);
          if (own && !arrival) expect(seen).toContainEqual(h);
        }
      }),
    );
  });
});

describe('partnerLead', () => {
  const now = new Date(Date.parse(at(0)) + 3 * 86_400_000);
  const internals = {
    routingGroup: 'g-1',
    emailAttempt: 1,
    notified: { assignmentVersion: 2, attempt: 1, kind: 'decide' as const, at: at(4) },
    rerouteFailure: { count: 1, error: 'no partner', at: at(4) },
  };
  const hidden = ['previousPartnerIds', 'routingGroup', 'notified', 'emailAttempt', 'rerouteFailure'];

  it('leaves out who had the lead before and the delivery internals, and shows its own part of the history', () => {
    const seen = partnerLead({ ...withBeta, ...internals }, now);

    for (const field of hidden) expect(seen).not.toHaveProperty(field);
    expect(seen).toMatchObject({ id: withBeta.id, partnerId: 'P-B', distributionStatusChangeDays: 3 });
    expect(seen.history).toEqual(partnerHistory(withBeta, history, 'P-B'));
    expect(JSON.stringify(seen)).not.toMatch(/P-A|Alpha|P-C|Charlie/);
  });

  it('answers exactly the fields its schema PartnerLead names, so the OpenAPI document promises no more', () => {
    const seen = partnerLead({ ...withBeta, ...internals }, now);
    const listed = partnerLeadSummary({ ...withBeta, ...internals }, now);

    for (const field of hidden) expect(Object.keys(PartnerLead.shape)).not.toContain(field);
    expect(Object.keys(seen).filter((key) => !(key in PartnerLead.shape))).toEqual([]);
    expect(PartnerLead.parse(seen)).toEqual(seen);
    expect(listed).not.toHaveProperty('history');
    expect(Object.keys(listed).filter((key) => !(key in PartnerLeadSummary.shape))).toEqual([]);
  });

  it('shows no history of a lead without a partner', () => {
    expect(partnerLead({ ...withBeta, partnerId: null, partnerName: null }, now).history).toEqual([]);
  });
});
