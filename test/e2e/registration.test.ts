import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalEndpoints } from '@leadrelay/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type CloudProcess, startCloudProcess, waitFor } from './support/local-cloud-process';

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;

/**
 * Partner leads and their registration through the local cloud (`npm start`), as a
 * supplier and two partners live it: partner A brings a lead of its own in and
 * registers it by hand, then sets auto-registration rules of its own (one group,
 * ignored companies) and its new and changed leads register by them, older ones by
 * preview/apply; partner B's batch registers by the supplier's registration rules; an
 * email the supplier already gave B, registered by A, is linked (no duplicate) as a
 * channel conflict, as is B's registration of an email A registered first, and the
 * supplier settles one by assigning; the supplier sees exactly the registered leads in
 * its view and, from the stream, in its lead summary.
 */
describe('partner registration through the local cloud', () => {
  let home: string;
  let cloud: CloudProcess;
  let endpoints: LocalEndpoints;
  let sup: string;
  const partners: Record<'A' | 'B', { id: string; key: string }> = {
    A: { id: '', key: '' },
    B: { id: '', key: '' },
  };
  const run = crypto.randomUUID().slice(0, 8);
  const email = (name: string) => `${name}-${run}@buyer.example`;
  /** What the supplier must see as registered at the end: id → source and partner. */
  const registered = new Map<
    string,
    { source: 'Partner Registered' | 'Auto Registered'; partner: 'A' | 'B' }
  >();
  /** Partner leads that must stay the partner's own. */
  const unregistered: string[] = [];

  const call = async (method: string, path: string, key: string, body?: unknown): Promise<Json> =>
    api(endpoints.api, method, path, key, body);
  const asA = (method: string, path: string, body?: unknown) => call(method, path, partners.A.key, body);
  const supplierIds = async (query: string): Promise<string[]> => {
    const res = await call('GET', `/v1/leads?limit=500${query}`, sup);
    expect(res.status).toBe(200);
    expect(res.body.nextCursor).toBeNull();
    return res.body.items.map((l: Json) => l.id);
  };
  const partnerLead = async (body: Record<string, unknown>): Promise<Json> => {
    const res = await asA('POST', '/v1/leads', body);
    expect(res.status).toBe(201);
    return res.body;
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'leadrelay-registration-'));
    cloud = await startCloudProcess(home);
    endpoints = cloud.endpoints;
    const created = await call('POST', '/v1/admin/suppliers', endpoints.operatorKey, {
      name: 'Registration E2E',
    });
    expect(created.status).toBe(201);
    sup = created.body.apiKey;
    for (const name of ['A', 'B'] as const) {
      const res = await call('POST', '/v1/partners', sup, {
        name: `Partner ${name}`,
        leadOwners: [{ email: `owner-${name.toLowerCase()}-${run}@partners.example` }],
      });
      expect(res.status).toBe(201);
      partners[name] = { id: res.body.partner.id, key: res.body.apiKey };
    }
  });

  afterAll(async () => {
    await cloud?.kill();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('keeps a partner’s own lead from the supplier until the partner registers it by hand', async () => {
    const created = await partnerLead({ email: email('kim'), firstName: 'Kim', company: 'Contoso' });
    const id: string = created.lead.id;
    expect(created.registration).toBeUndefined();
    expect(created.lead).toMatchObject({
      type: 'registered',
      source: 'API',
      partnerId: partners.A.id,
      distributionStatus: 'Accepted',
      registration: { status: 'unregistered' },
    });

    const again = await asA('POST', '/v1/leads', { email: email('kim').toUpperCase(), lastName: 'Lee' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ deduplicated: true, lead: { id, lastName: 'Lee' } });
    const named = await asA('POST', '/v1/leads', { email: email('other'), partnerId: partners.B.id });
    expect(named.status).toBe(400);
    expect(named.body.error.details).toEqual([
      { path: 'partnerId', message: 'not taken with a partner key' },
    ]);

    expect((await call('GET', `/v1/leads/${id}`, sup)).status).toBe(404);
    expect(await supplierIds('')).not.toContain(id);

    const done = await asA('POST', `/v1/leads/${id}/register`);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      outcome: 'registered',
      lead: { id, source: 'Partner Registered', registration: { status: 'registered', by: 'hand' } },
    });
    expect(done.body.conflict).toBeUndefined();
    const twice = await asA('POST', `/v1/leads/${id}/register`);
    expect(twice.body).toMatchObject({ outcome: 'already', lead: { source: 'Partner Registered' } });

    const seen = await call('GET', `/v1/leads/${id}`, sup);
    expect(seen.status).toBe(200);
    expect(seen.body.lead).toMatchObject({
      type: 'registered',
      source: 'Partner Registered',
      partnerId: partners.A.id,
      distributionStatus: 'Accepted',
    });
    expect(await supplierIds('')).toContain(id);
    // A registered lead's email names it at the supplier.
    const moved = await asA('PATCH', `/v1/leads/${id}`, { email: email('kim-new') });
    expect(moved.status).toBe(409);
    expect(moved.body.error.details[0].path).toBe('email');
    registered.set(id, { source: 'Partner Registered', partner: 'A' });
  });

  it('registers by the partner’s own rules on create and on update, never an ignored company', async () => {
    // A lead from before the rules: the rules do not comb it; preview shows it, apply registers it.
    const old = (await partnerLead({ email: email('old'), customFields: { Product: 'Widgets' } })).lead;
    const settings = await asA('PUT', '/v1/partner/settings', {
      autoRegistration: {
        mode: 'own',
        groups: [
          { name: 'Widgets', conditions: [{ field: 'custom.Product', op: 'equals', value: 'Widgets' }] },
        ],
      },
      ignoredCompanies: ['Globex', 'initech.example'],
    });
    expect(settings.status).toBe(200);
    expect(settings.body.settings.autoRegistration.mode).toBe('own');

    const matching = await partnerLead({
      email: email('sam'),
      company: 'Tailspin',
      customFields: { Product: 'Widgets' },
    });
    expect(matching.registration).toBe('registered');
    expect(matching.lead).toMatchObject({
      source: 'Auto Registered',
      registration: { status: 'registered', by: 'rules', group: 'Widgets', rules: 'own' },
    });
    registered.set(matching.lead.id, { source: 'Auto Registered', partner: 'A' });

    const other = await partnerLead({
      email: email('lou'),
      company: 'Tailspin',
      customFields: { Product: 'Gadgets' },
    });
    expect(other.registration).toBeUndefined();
    expect(other.lead).toMatchObject({ source: 'API', registration: { status: 'unregistered' } });
    const patched = await asA('PATCH', `/v1/leads/${other.lead.id}`, {
      customFields: { Product: 'Widgets' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      registration: 'registered',
      lead: { source: 'Auto Registered', registration: { status: 'registered', group: 'Widgets' } },
    });
    registered.set(other.lead.id, { source: 'Auto Registered', partner: 'A' });

    // Ignored by company name (no email at all) and by the email's domain.
    const byName = await partnerLead({
      firstName: 'Gus',
      company: 'Globex',
      customFields: { Product: 'Widgets' },
    });
    const byDomain = await partnerLead({
      email: `ann-${run}@initech.example`,
      customFields: { Product: 'Widgets' },
    });
    for (const ignored of [byName, byDomain]) {
      expect(ignored.registration).toBeUndefined();
      expect(ignored.lead.registration).toEqual({ status: 'unregistered' });
      unregistered.push(ignored.lead.id);
    }

    const preview = await asA('POST', '/v1/partner/registration-rules/preview?limit=50');
    expect(preview.status).toBe(200);
    expect(preview.body.items.map((i: Json) => [i.lead.id, i.group, i.rules])).toEqual([
      [old.id, 'Widgets', 'own'],
    ]);
    expect(preview.body).toMatchObject({ scanned: 3, nextCursor: null });
    // A draft without the ignored companies would register those too; a preview changes nothing.
    const draft = await asA('POST', '/v1/partner/registration-rules/preview', { ignoredCompanies: [] });
    expect(draft.body.items.map((i: Json) => i.lead.id).sort()).toEqual(
      [old.id, byName.lead.id, byDomain.lead.id].sort(),
    );
    expect((await asA('GET', `/v1/leads/${old.id}`)).body.lead.registration).toEqual({
      status: 'unregistered',
    });

    const applied = await asA('POST', '/v1/partner/registration-rules/apply');
    expect(applied.status).toBe(200);
    expect(applied.body.items.map((i: Json) => [i.lead.id, i.outcome, i.group])).toEqual([
      [old.id, 'registered', 'Widgets'],
    ]);
    expect((await call('GET', `/v1/leads/${old.id}`, sup)).body.lead.source).toBe('Auto Registered');
    registered.set(old.id, { source: 'Auto Registered', partner: 'A' });
    expect((await asA('POST', '/v1/partner/registration-rules/apply')).body.items).toEqual([]);
  });

  it('registers a partner’s batch by the supplier’s registration rules (mode supplier), one result per item', async () => {
    const rules = await call('PUT', '/v1/registration-rules', sup, {
      groups: [{ name: 'Enterprise', conditions: [{ field: 'custom.Employees', op: 'gte', value: 1000 }] }],
    });
    expect(rules.status).toBe(200);
    expect((await call('GET', '/v1/registration-rules', partners.B.key)).body.groups).toEqual(
      rules.body.groups,
    );
    const mode = await call('PUT', '/v1/partner/settings', partners.B.key, {
      autoRegistration: { mode: 'supplier' },
    });
    expect(mode.body.settings.autoRegistration.mode).toBe('supplier');

    const batch = await call('POST', '/v1/leads/batch', partners.B.key, {
      leads: [
        { email: email('cto'), company: 'BigCo', customFields: { Employees: 5000 } },
        { firstName: 'Small', customFields: { Employees: 10 } },
        { country: 'SE' },
        { email: email('named'), partnerId: partners.A.id },
      ],
    });
    expect(batch.status).toBe(200);
    const [big, small, bare, named] = batch.body.results;
    expect(big).toMatchObject({
      index: 0,
      status: 'created',
      registration: 'registered',
      lead: {
        source: 'Auto Registered',
        registration: { by: 'rules', group: 'Enterprise', rules: 'supplier' },
      },
    });
    expect(small).toMatchObject({
      index: 1,
      status: 'created',
      lead: { registration: { status: 'unregistered' } },
    });
    expect(small.registration).toBeUndefined();
    expect(bare).toMatchObject({ index: 2, status: 'rejected' });
    expect(bare.error.details.map((d: Json) => d.path)).toEqual(['leads.2.email']);
    expect(named).toMatchObject({ index: 3, status: 'rejected' });
    expect(named.error.details[0].message).toContain('partnerId');
    registered.set(big.lead.id, { source: 'Auto Registered', partner: 'B' });
    unregistered.push(small.lead.id);
  });

  it('links a registration of an email the supplier gave partner B: a channel conflict, settled by assign', async () => {
    const given = await call('POST', '/v1/leads', sup, {
      email: email('dee'),
      company: 'Woodgrove',
      partnerId: partners.B.id,
    });
    expect(given.status).toBe(201);
    const supplierLead: string = given.body.lead.id;
    expect(given.body.lead).toMatchObject({ type: 'distributed', partnerId: partners.B.id });

    const own = (await partnerLead({ email: email('dee'), company: 'Woodgrove' })).lead;
    const claim = await asA('POST', `/v1/leads/${own.id}/register`);
    expect(claim.status).toBe(200);
    expect(claim.body).toMatchObject({
      outcome: 'linked',
      conflict: true,
      lead: { id: own.id, registration: { status: 'linked', linkedLeadId: supplierLead, conflict: true } },
    });
    unregistered.push(own.id);

    // And the other way round: B registers the email A registered first.
    const [kim] = [...registered].find(([, r]) => r.source === 'Partner Registered') ?? [''];
    const late = (await call('POST', '/v1/leads', partners.B.key, { email: email('kim') })).body.lead;
    const second = await call('POST', `/v1/leads/${late.id}/register`, partners.B.key);
    expect(second.body).toMatchObject({
      outcome: 'linked',
      conflict: true,
      lead: { registration: { status: 'linked', linkedLeadId: kim } },
    });
    unregistered.push(late.id);

    const conflicted = await call('GET', '/v1/leads?conflict=true', sup);
    const claims = Object.fromEntries(conflicted.body.items.map((l: Json) => [l.id, l]));
    expect(Object.keys(claims).sort()).toEqual([supplierLead, kim].sort());
    expect(claims[supplierLead]).toMatchObject({
      partnerId: partners.B.id,
      conflict: { claims: [{ partnerId: partners.A.id, leadId: own.id }] },
    });
    expect(claims[kim]).toMatchObject({
      partnerId: partners.A.id,
      source: 'Partner Registered',
      conflict: { claims: [{ partnerId: partners.B.id, leadId: late.id }] },
    });
    // No duplicate at the supplier: the email is one lead there.
    const all = await supplierIds('');
    expect(all).toContain(supplierLead);
    expect(all).not.toContain(own.id);
    expect((await call('GET', `/v1/leads/${own.id}`, sup)).status).toBe(404);

    const settled = await call('POST', `/v1/leads/${supplierLead}/assign`, sup, { partnerId: partners.A.id });
    expect(settled.status).toBe(200);
    expect(settled.body.lead.partnerId).toBe(partners.A.id);
    expect(settled.body.lead.conflict).toBeUndefined();
    expect(settled.body.lead.history.map((h: Json) => h.type)).toContain('conflict.settled');
    // Settling one conflict leaves the other (A keeps its registration: the first wins).
    expect(await supplierIds('&conflict=true')).toEqual([kim]);
    expect(await supplierIds('&conflict=false')).toContain(supplierLead);
  });

  it('shows the supplier exactly the registered leads, in its view and in the lead summary', async () => {
    const view = await call('GET', '/v1/leads?type=registered&limit=500', sup);
    expect(view.status).toBe(200);
    const rows = view.body.items.map((l: Json) => [l.id, l.source, l.partnerId, l.distributionStatus]);
    expect(rows.sort()).toEqual(
      [...registered].map(([id, r]) => [id, r.source, partners[r.partner].id, 'Accepted']).sort(),
    );
    for (const id of unregistered) expect(rows.map((r: Json[]) => r[0])).not.toContain(id);

    const count = (source: string) => [...registered.values()].filter((r) => r.source === source).length;
    const expected = [
      { source: 'API', type: 'distributed', count: 1 },
      { source: 'Auto Registered', type: 'registered', count: count('Auto Registered') },
      { source: 'Partner Registered', type: 'registered', count: count('Partner Registered') },
    ];
    // Counters are kept from the stream: await them.
    const report = await waitFor(
      async () => {
        const res = await call('GET', '/v1/reports/lead-summary', sup);
        if (JSON.stringify(res.body.rows) === JSON.stringify(expected)) return res.body;
        throw new Error(`rows so far ${JSON.stringify(res.body.rows)}`);
      },
      `lead-summary rows ${JSON.stringify(expected)}`,
      20_000,
    );
    expect(report.totals).toEqual({ count: 1 + registered.size });
    expect(count('Auto Registered')).toBe(4);
    expect(count('Partner Registered')).toBe(1);
  });
});
