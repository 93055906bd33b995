import {
  ConflictError,
  CreatePartner,
  PatchPartner,
  systemClock,
  Tenants,
  ValidationError,
} from '@leadrelay/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { testTable } from '../support/store';

let deps: Tenants.TenantDeps;

beforeAll(async () => {
  const { tenants } = await testTable('tenants');
  deps = { store: tenants, clock: systemClock };
});

const partnerInput = (name: string) => CreatePartner.parse({ name });

describe('tenant store on DynamoDB Local', () => {
  it('stores a supplier with default settings and authenticates its key', async () => {
    const { supplier, apiKey } = await Tenants.createSupplier(deps, { name: 'Acme' });
    expect(await deps.store.getSupplier(supplier.id)).toEqual(supplier);
    const principal = await Tenants.authenticate(
      { store: deps.store, clock: systemClock, operatorKey: async () => 'op-key' },
      `Bearer ${apiKey}`,
    );
    expect(principal).toEqual({ kind: 'supplier', supplierId: supplier.id });
  });

  it('stores only the hash of a key', async () => {
    const { supplier, apiKey } = await Tenants.createSupplier(deps, { name: 'Hashco' });
    const { partner, apiKey: partnerKey } = await Tenants.createPartner(deps, supplier.id, partnerInput('P'));
    const { hashApiKey } = await import('@leadrelay/core');
    const record = await deps.store.getApiKey(hashApiKey(partnerKey));
    expect(record?.principal).toEqual({ kind: 'partner', supplierId: supplier.id, partnerId: partner.id });
    expect(JSON.stringify(record)).not.toContain(partnerKey);
    expect(JSON.stringify(await deps.store.getApiKey(hashApiKey(apiKey)))).not.toContain(apiKey);
  });

  it('gives exactly one of twenty racing creates of the same partner name', async () => {
    const { supplier } = await Tenants.createSupplier(deps, { name: 'Race' });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        Tenants.createPartner(deps, supplier.id, partnerInput(i % 2 ? 'Same Name' : 'same  name')),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failures.every((f) => f.reason instanceof ConflictError)).toBe(true);
    expect((await deps.store.listPartners(supplier.id, { limit: 50 })).items).toHaveLength(1);
  });

  it('keeps partner names unique per supplier, not across suppliers', async () => {
    const a = await Tenants.createSupplier(deps, { name: 'A' });
    const b = await Tenants.createSupplier(deps, { name: 'B' });
    await Tenants.createPartner(deps, a.supplier.id, partnerInput('Shared'));
    await expect(Tenants.createPartner(deps, b.supplier.id, partnerInput('Shared'))).resolves.toBeDefined();
  });

  it('moves the name claim on rename, freeing the old name', async () => {
    const { supplier } = await Tenants.createSupplier(deps, { name: 'Renamer' });
    const { partner } = await Tenants.createPartner(deps, supplier.id, partnerInput('Old'));
    await Tenants.createPartner(deps, supplier.id, partnerInput('Taken'));
    await expect(
      Tenants.updatePartner(deps, supplier.id, partner.id, PatchPartner.parse({ name: 'TAKEN' })),
    ).rejects.toThrow(/already exists/);
    const renamed = await Tenants.updatePartner(
      deps,
      supplier.id,
      partner.id,
      PatchPartner.parse({ name: 'New' }),
    );
    expect(renamed.partner).toMatchObject({ name: 'New', version: 2 });
    await expect(Tenants.createPartner(deps, supplier.id, partnerInput('old'))).resolves.toBeDefined();
  });

  it('applies every one of ten concurrent patches (retrying on version conflicts)', async () => {
    const { supplier } = await Tenants.createSupplier(deps, { name: 'Patchy' });
    const { partner } = await Tenants.createPartner(deps, supplier.id, partnerInput('Busy'));
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        Tenants.updatePartner(deps, supplier.id, partner.id, PatchPartner.parse({ groups: [`g${i}`] })),
      ),
    );
    const done = results.filter((r) => r.status === 'fulfilled').length;
    const conflicts = results.filter(
      (r) => r.status === 'rejected' && r.reason instanceof ConflictError,
    ).length;
    expect(done + conflicts).toBe(10);
    const stored = await deps.store.getPartner(supplier.id, partner.id);
    expect(stored?.version).toBe(1 + done);
  });

  it('changes only the named settings, atomically', async () => {
    const { supplier } = await Tenants.createSupplier(deps, { name: 'Settled' });
    await Promise.all([
      Tenants.updateSettings(deps, supplier.id, { maxReroutes: 7 }),
      Tenants.updateSettings(deps, supplier.id, { rerouteAfterMinutes: 60 }),
    ]);
    const stored = await deps.store.getSupplier(supplier.id);
    expect(stored?.settings).toEqual({
      rerouteAfterMinutes: 60,
      maxReroutes: 7,
      rerouteRejected: false,
      defaultLeadScore: 50,
      reopenClosedDuplicates: false,
    });
    expect(stored?.version).toBe(3);
  });

  it('pages partners with cursors and refuses a cursor from another supplier', async () => {
    const a = await Tenants.createSupplier(deps, { name: 'Pager' });
    const b = await Tenants.createSupplier(deps, { name: 'Other' });
    for (let i = 0; i < 5; i++) await Tenants.createPartner(deps, a.supplier.id, partnerInput(`P${i}`));
    const first = await deps.store.listPartners(a.supplier.id, { limit: 2 });
    const second = await deps.store.listPartners(a.supplier.id, {
      limit: 2,
      cursor: first.nextCursor ?? undefined,
    });
    const third = await deps.store.listPartners(a.supplier.id, {
      limit: 2,
      cursor: second.nextCursor ?? undefined,
    });
    expect([...first.items, ...second.items, ...third.items].map((p) => p.name)).toEqual([
      'P0',
      'P1',
      'P2',
      'P3',
      'P4',
    ]);
    await expect(
      deps.store.listPartners(b.supplier.id, { limit: 2, cursor: first.nextCursor ?? undefined }),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});
