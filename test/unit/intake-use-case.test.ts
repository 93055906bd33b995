import { Intake, type IntakeItem, type IntakeResult, type Lead, poolSequenceCounter } from '@leadrelay/core';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../support/random';
import { useCaseWorld } from '../support/use-cases';

/**
 * Intake.submit (the use case behind POST /v1/leads and every file chunk) on the
 * in-memory stores: what it creates and stores, that a retried submit changes
 * nothing, that a known email is merged and never duplicated, and that capacity
 * and racing intakes are settled by the store's conditional writes.
 */

const random = seededRandom(10);
/** Each lead store call waits 0–2 turns of the event loop, so racing intakes interleave their reads and writes. */
const interleave = async () => {
  for (let i = Math.floor(random() * 3); i > 0; i--) await new Promise((r) => setImmediate(r));
};

const api = { source: 'API' as const, actor: 'supplier' };
const items = (...emails: string[]): IntakeItem[] => emails.map((email) => ({ input: { email } }));

/** A supplier whose rules share every lead with an email between its partners, round-robin. */
async function poolWorld(
  partners: Parameters<typeof useCaseWorld>[0],
  options: Parameters<typeof useCaseWorld>[1] = {},
) {
  const world = await useCaseWorld(partners, options);
  const rules = {
    groups: [
      {
        name: 'Pool',
        conditions: [{ field: 'email', op: 'exists' }],
        assign: { partnerIds: world.partners.map((p) => p.id), strategy: 'round-robin' },
      },
    ],
  };
  await world.rules.putRules(world.supplier.id, 'routing', rules, 0, world.clock.now().toISOString());
  return world;
}

const created = (results: IntakeResult[]) => results.flatMap((r) => (r.status === 'created' ? [r.lead] : []));

/** Each partner's Pending leads as stored, and its load counter, side by side. */
async function loadsAndLeads(world: Awaited<ReturnType<typeof poolWorld>>) {
  const ids = world.partners.map((p) => p.id);
  const loads = await world.leads.partnerLoads(world.supplier.id, ids);
  const stored = [...world.leads.leads.values()];
  return ids.map((id) => ({
    partnerId: id,
    load: loads.get(id),
    pending: stored.filter((l) => l.partnerId === id && l.distributionStatus === 'Pending').length,
  }));
}

describe('intake submit', () => {
  it('creates and routes new leads, stores them with their history, and counts the partners’ loads', async () => {
    const world = await poolWorld([{}, {}]);
    const intake = await Intake.prepare(world.intakeDeps, world.supplier.id);

    const results = await intake.submit(
      items('a@x.example', 'b@x.example', 'c@x.example', 'd@x.example'),
      api,
    );

    expect(results.map((r) => r.status)).toEqual(['created', 'created', 'created', 'created']);
    const leads = created(results);
    expect(leads.map((l) => l.partnerId)).toEqual([
      world.partners[0]?.id,
      world.partners[1]?.id,
      world.partners[0]?.id,
      world.partners[1]?.id,
    ]);
    for (const lead of leads) {
      expect(await world.leads.getLead(lead.id)).toEqual({ ...lead, history: lead.history.slice(-2) });
      expect(lead).toMatchObject({ distributionStatus: 'Pending', assignmentVersion: 1, version: 1 });
      const history = (await world.leads.listHistory(lead.id, { limit: 10 })).items;
      expect(history.map((h) => h.type)).toEqual(['routed', 'created']);
    }
    expect(await loadsAndLeads(world)).toEqual(
      world.partners.map((p) => ({ partnerId: p.id, load: 2, pending: 2 })),
    );
    // Exactly the four pool turns the chunk took were reserved.
    expect(world.leads.counters.get(`${world.supplier.id}#${poolSequenceCounter('Pool')}`)).toBe(4);
  });

  it('changes nothing when the same submit is retried: every lead is a duplicate with nothing new', async () => {
    const world = await poolWorld([{}, {}]);
    const chunk = items('a@x.example', 'b@x.example', 'c@x.example');
    await (await Intake.prepare(world.intakeDeps, world.supplier.id)).submit(chunk, api);
    const before = world.leads.leads;
    const loads = await loadsAndLeads(world);
    const reservations = world.leads.reservations;

    const again = await (await Intake.prepare(world.intakeDeps, world.supplier.id)).submit(chunk, api);

    expect(again.map((r) => r.status)).toEqual(['updated', 'updated', 'updated']);
    expect(world.leads.leads).toEqual(before);
    expect(await loadsAndLeads(world)).toEqual(loads);
    expect(world.leads.reservations).toBe(reservations);
  });

  it('merges a known email’s new values into its lead, keeping partner and status', async () => {
    const world = await poolWorld([{}, {}]);
    const intake = await Intake.prepare(world.intakeDeps, world.supplier.id);
    const [first] = created(await intake.submit(items('a@x.example'), api));
    world.clock.advance(60_000);

    const [result] = await intake.submit(
      [{ input: { email: 'A@X.example', firstName: 'Ada', customFields: { seats: 3 } } }],
      api,
    );

    expect(result).toMatchObject({ status: 'updated', deduplicated: true });
    const stored = (await world.leads.getLead(first?.id as string)) as Lead;
    expect(stored).toMatchObject({
      firstName: 'Ada',
      customFields: { seats: 3 },
      partnerId: first?.partnerId,
      distributionStatus: 'Pending',
      version: 2,
      updatedAt: world.clock.now().toISOString(),
    });
    const history = (await world.leads.listHistory(stored.id, { limit: 10 })).items;
    expect(history[0]).toMatchObject({ type: 'updated', detail: { fields: ['firstName', 'custom.seats'] } });
    expect(world.leads.leads.size).toBe(1);
  });

  it('makes one lead of an email repeated within a chunk, later values winning', async () => {
    const world = await poolWorld([{}]);
    const intake = await Intake.prepare(world.intakeDeps, world.supplier.id);
    const results = await intake.submit(
      [
        { input: { email: 'a@x.example', firstName: 'First' } },
        { input: { email: 'a@x.example', firstName: 'Second', company: 'Acme' } },
      ],
      api,
    );
    expect(results.map((r) => r.status)).toEqual(['created', 'updated']);
    expect([...world.leads.leads.values()]).toEqual([
      expect.objectContaining({ email: 'a@x.example', firstName: 'Second', company: 'Acme' }),
    ]);
  });

  it('rejects a lead without an email or naming an unknown partner, storing nothing of it', async () => {
    const world = await poolWorld([{}]);
    const intake = await Intake.prepare(world.intakeDeps, world.supplier.id);
    const results = await intake.submit(
      [{ input: { firstName: 'No email' } }, { input: { email: 'b@x.example' }, partner: 'Nobody' }],
      api,
    );
    expect(results).toEqual([
      { status: 'rejected', errors: [expect.objectContaining({ path: 'email' })] },
      { status: 'rejected', errors: [expect.objectContaining({ path: 'partnerId' })] },
    ]);
    expect(world.leads.leads.size).toBe(0);
    expect(await loadsAndLeads(world)).toEqual([{ partnerId: world.partners[0]?.id, load: 0, pending: 0 }]);
  });

  it('never books a partner past its capacity, also with intakes racing for its last place', async () => {
    const world = await poolWorld([{ capacity: 2 }, {}], { pause: interleave });
    const chunks = Array.from({ length: 4 }, (_, c) =>
      items(...Array.from({ length: 5 }, (_, i) => `lead${c}-${i}@x.example`)),
    );

    const results = await Promise.all(
      chunks.map(async (chunk) =>
        (await Intake.prepare(world.intakeDeps, world.supplier.id)).submit(chunk, api),
      ),
    );

    expect(results.flat().filter((r) => r.status === 'created')).toHaveLength(20);
    const [full, open] = await loadsAndLeads(world);
    expect(full).toEqual({ partnerId: world.partners[0]?.id, load: 2, pending: 2 });
    expect(open).toEqual({ partnerId: world.partners[1]?.id, load: 18, pending: 18 });
  });

  it('creates a lead once when racing intakes bring the same new email; the others update it', async () => {
    const world = await poolWorld([{}, {}], { pause: interleave });
    const results = await Promise.all(
      Array.from({ length: 5 }, async () =>
        (await Intake.prepare(world.intakeDeps, world.supplier.id)).submit(items('same@x.example'), api),
      ),
    );
    expect(
      results
        .flat()
        .map((r) => r.status)
        .sort(),
    ).toEqual(['created', 'updated', 'updated', 'updated', 'updated']);
    expect(world.leads.leads.size).toBe(1);
    const total = (await loadsAndLeads(world)).reduce((sum, p) => sum + (p.load ?? 0), 0);
    expect(total).toBe(1);
  });

  it('turns a known lead a file writes without reading into an update, and never duplicates it', async () => {
    const world = await poolWorld([{}, {}]);
    await (await Intake.prepare(world.intakeDeps, world.supplier.id)).submit(items('known@x.example'), api);
    const before = world.leads.leads;

    // A file's run has not seen the email: it routes and puts the lead, and the conditional put catches it.
    const file = await Intake.prepare(world.intakeDeps, world.supplier.id);
    const results = await file.submit(items('known@x.example', 'new@x.example'), {
      source: 'CSV Upload',
      actor: 'upload:U1',
      assumeNew: true,
    });

    expect(results.map((r) => r.status)).toEqual(['updated', 'created']);
    expect(world.leads.leads.size).toBe(2);
    const known = [...before.values()][0] as Lead;
    expect(world.leads.leads.get(known.id)).toEqual(known);
    expect((await loadsAndLeads(world)).map((p) => p.load)).toEqual([1, 1]);
  });
});
