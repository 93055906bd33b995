import { batchTenantReads, type Partner, type Supplier } from '@leadrelay/core';
import { describe, expect, it } from 'vitest';

/** A tenant store's reads, counted (a class, as the DynamoDB store is: its other methods use `this`). */
class CountingTenants {
  readonly calls: string[] = [];
  failNext = false;
  constructor(private readonly name: string) {}
  async getSupplier(supplierId: string): Promise<Supplier | undefined> {
    this.calls.push(`supplier ${supplierId}`);
    if (this.failNext) {
      this.failNext = false;
      throw new Error('throttled');
    }
    return { id: supplierId, name: this.name } as Supplier;
  }
  async getPartner(supplierId: string, partnerId: string): Promise<Partner | undefined> {
    this.calls.push(`partner ${supplierId}/${partnerId}`);
    return partnerId === 'gone' ? undefined : ({ id: partnerId, supplierId } as Partner);
  }
  async listPartnerNames(): Promise<string> {
    return `${this.name}: ${this.calls.length} reads`;
  }
}

describe('a batch’s tenant reads', () => {
  it('reads each supplier and partner once, however many leads ask, also at once', async () => {
    const store = new CountingTenants('Acme');
    const tenants = batchTenantReads(store);
    const answers = await Promise.all([
      tenants.getSupplier('S-1'),
      tenants.getSupplier('S-1'),
      tenants.getPartner('S-1', 'P-1'),
      tenants.getPartner('S-1', 'P-1'),
      tenants.getPartner('S-1', 'P-2'),
      tenants.getPartner('S-2', 'P-1'),
    ]);
    await tenants.getSupplier('S-1');
    expect(answers[0]).toBe(answers[1]);
    expect(store.calls).toEqual(['supplier S-1', 'partner S-1/P-1', 'partner S-1/P-2', 'partner S-2/P-1']);
  });

  it('keeps an answer of nobody, but reads again after a failed read', async () => {
    const store = new CountingTenants('Acme');
    const tenants = batchTenantReads(store);
    expect(await tenants.getPartner('S-1', 'gone')).toBeUndefined();
    expect(await tenants.getPartner('S-1', 'gone')).toBeUndefined();
    store.failNext = true;
    await expect(tenants.getSupplier('S-1')).rejects.toThrow('throttled');
    expect(await tenants.getSupplier('S-1')).toMatchObject({ id: 'S-1' });
    expect(store.calls).toEqual(['partner S-1/gone', 'supplier S-1', 'supplier S-1']);
  });

  it('is the store for every other method, with the store’s own state', async () => {
    const store = new CountingTenants('Acme');
    const tenants = batchTenantReads(store);
    await tenants.getSupplier('S-1');
    expect(await tenants.listPartnerNames()).toBe('Acme: 1 reads');
  });

  it('starts fresh for the next batch', async () => {
    const store = new CountingTenants('Acme');
    await batchTenantReads(store).getSupplier('S-1');
    await batchTenantReads(store).getSupplier('S-1');
    expect(store.calls).toEqual(['supplier S-1', 'supplier S-1']);
  });
});
