import {
  accept,
  ConflictError,
  changeLead,
  type Lead,
  leadWithLatestHistory,
  MAX_CHANGE_ATTEMPTS,
  reject,
  type Transition,
} from '@leadrelay/core';
import { describe, expect, it } from 'vitest';
import { useCaseWorld } from '../support/use-cases';

/**
 * changeLead (every lead change after intake: decisions, pipeline, email events,
 * notifications) on the in-memory lead store: one conditional write on the
 * version read; a lost race is recomputed on the new version, so a racing
 * decision refuses the loser and an unrelated write is kept; the same request
 * twice changes nothing more.
 */

const interleave = async () => {
  await new Promise((resolve) => setImmediate(resolve));
};

async function pendingLead(options: { pause?: () => Promise<void> } = {}) {
  const world = await useCaseWorld([{ capacity: 3 }, { capacity: 1 }], options);
  const [alpha, beta] = world.partners;
  if (!alpha || !beta) throw new Error('two partners expected');
  const lead = await world.newLead('buyer@acme.example', alpha);
  const decision = {
    partnerId: alpha.id,
    actor: `partner:${alpha.id}`,
    via: 'api' as const,
    now: world.clock.now(),
  };
  const load = async (partnerId = alpha.id) =>
    (await world.leads.partnerLoads(world.supplier.id, [partnerId])).get(partnerId);
  return { world, alpha, beta, lead, decision, load };
}

describe('changing a lead', () => {
  it('applies a transition in one write on the version read, with its load change', async () => {
    const { world, lead, decision, load } = await pendingLead();
    expect(await load()).toBe(1);

    const outcome = await changeLead(world.leads, lead.id, (current) => accept(current, decision));

    expect(outcome).toMatchObject({ changed: true, lead: { distributionStatus: 'Accepted', version: 2 } });
    const stored = (await world.leads.getLead(lead.id)) as Lead;
    expect(stored).toMatchObject({ distributionStatus: 'Accepted', version: lead.version + 1 });
    expect(stored.history.at(-1)?.type).toBe('accepted');
    expect(await load()).toBe(0);
  });

  it('refuses the same decision made twice, writing nothing more', async () => {
    const { world, lead, decision, load } = await pendingLead();
    await changeLead(world.leads, lead.id, (current) => accept(current, decision));
    const accepted = await world.leads.getLead(lead.id);

    const again = await changeLead(world.leads, lead.id, (current) => accept(current, decision));

    expect(again).toMatchObject({ refused: { refused: 'already-decided', current: 'Accepted' } });
    expect(await world.leads.getLead(lead.id)).toEqual(accepted);
    expect(await load()).toBe(0);
  });

  it('lets one of a racing accept and reject win; the loser is refused on the new version', async () => {
    const { world, lead, decision, load } = await pendingLead({ pause: interleave });

    const outcomes = await Promise.all([
      changeLead(world.leads, lead.id, (current) => accept(current, decision)),
      changeLead(world.leads, lead.id, (current) =>
        reject(current, { ...decision, reason: 'Not our region' }),
      ),
    ]);

    expect(outcomes.filter((o) => 'changed' in o && o.changed)).toHaveLength(1);
    expect(outcomes.filter((o) => 'refused' in o && o.refused.refused === 'already-decided')).toHaveLength(1);
    const stored = (await world.leads.getLead(lead.id)) as Lead;
    expect(stored.version).toBe(lead.version + 1);
    // The load is released once, by the winner.
    expect(await load()).toBe(0);
  });

  it('recomputes a change that lost to an unrelated write, keeping both', async () => {
    const { world, lead, decision } = await pendingLead();
    let calls = 0;
    const outcome = await changeLead(world.leads, lead.id, async (current) => {
      calls++;
      if (calls === 1) {
        // A duplicate of the lead's email lands between this change's read and its write.
        await world.leads.mergeLeadFields(lead.id, {
          fields: { company: 'Acme Ltd' },
          customFields: {},
          history: { at: world.clock.now().toISOString(), type: 'updated', actor: 'supplier', detail: {} },
          updatedAt: world.clock.now().toISOString(),
        });
      }
      return accept(current, decision);
    });

    expect(calls).toBe(2);
    expect(outcome).toMatchObject({ changed: true });
    expect(await world.leads.getLead(lead.id)).toMatchObject({
      company: 'Acme Ltd',
      distributionStatus: 'Accepted',
      version: lead.version + 2,
    });
  });

  it('gives up with a ConflictError after losing every race, having written nothing of its own', async () => {
    const { world, lead, decision } = await pendingLead();
    let calls = 0;
    const racing = changeLead(world.leads, lead.id, async (current) => {
      calls++;
      await world.leads.mergeLeadFields(lead.id, {
        fields: { company: `Racer ${calls}` },
        customFields: {},
        history: { at: world.clock.now().toISOString(), type: 'updated', actor: 'supplier', detail: {} },
        updatedAt: world.clock.now().toISOString(),
      });
      return accept(current, decision);
    });

    await expect(racing).rejects.toBeInstanceOf(ConflictError);
    expect(calls).toBe(MAX_CHANGE_ATTEMPTS);
    expect((await world.leads.getLead(lead.id))?.distributionStatus).toBe('Pending');
  });

  it('writes nothing when the transition answers the lead itself, and says when the lead is missing', async () => {
    const { world, lead } = await pendingLead();
    const before = await world.leads.getLead(lead.id);
    expect(await changeLead(world.leads, lead.id, (current) => ({ next: current, loads: [] }))).toEqual({
      changed: false,
      lead: before,
    });
    expect(await world.leads.getLead(lead.id)).toEqual(before);
    expect(
      await changeLead(world.leads, 'no-such-lead', (current) => ({ next: current, loads: [] })),
    ).toEqual({
      missing: true,
    });
  });

  it('applies a change that carries an event once: the same event again writes nothing', async () => {
    const { world, lead } = await pendingLead();
    const opened = (current: Lead): Transition => ({
      next: { ...current, emailStatus: 'Opened', version: current.version + 1 },
      loads: [],
      event: 'msg-1/Open/2030-01-01T09:05:00.000Z',
    });

    expect(await changeLead(world.leads, lead.id, opened)).toMatchObject({ changed: true });
    const after = await world.leads.getLead(lead.id);
    expect(await changeLead(world.leads, lead.id, opened)).toMatchObject({ changed: false });
    expect(await world.leads.getLead(lead.id)).toEqual(after);
  });

  it('writes nothing of a move to a partner with no room left', async () => {
    const { world, alpha, beta, lead, load } = await pendingLead();
    await world.newLead('other@acme.example', beta);
    const before = await world.leads.getLead(lead.id);
    const toBeta = (current: Lead): Transition => ({
      next: { ...current, partnerId: beta.id, partnerName: beta.name, version: current.version + 1 },
      loads: [
        { partnerId: alpha.id, delta: -1, capacity: null },
        { partnerId: beta.id, delta: 1, capacity: beta.capacity },
      ],
    });

    await expect(changeLead(world.leads, lead.id, toBeta)).rejects.toBeInstanceOf(ConflictError);
    expect(await world.leads.getLead(lead.id)).toEqual(before);
    expect([await load(alpha.id), await load(beta.id)]).toEqual([1, 1]);
  });

  it('answers a lead with the history of its own version when a change lands between the two reads', async () => {
    const { world, lead, decision } = await pendingLead();
    const read = (await world.leads.getLead(lead.id)) as Lead;
    let changed = false;
    // The accept lands just after the history was read for the version read first.
    const racing = {
      getLead: (id: string) => world.leads.getLead(id),
      listHistory: async (id: string, page: { limit: number }) => {
        const history = await world.leads.listHistory(id, page);
        if (!changed) {
          changed = true;
          await changeLead(world.leads, lead.id, (current) => accept(current, decision));
        }
        return history;
      },
    };

    const answered = await leadWithLatestHistory(racing, read, 20);

    expect(answered).toMatchObject({ distributionStatus: 'Accepted', version: read.version + 1 });
    expect(answered.history.at(-1)?.type).toBe('accepted');
    // Without a change, one history read and one check.
    const quiet = await leadWithLatestHistory(world.leads, answered, 20);
    expect(quiet).toEqual(answered);
  });
});
