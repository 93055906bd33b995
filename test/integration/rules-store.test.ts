import { ConflictError, newId } from '@leadrelay/core';
import { DynamoRulesStore } from '@leadrelay/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { testTable } from '../support/store';

let store: DynamoRulesStore;

beforeAll(async () => {
  const { db, tableName } = await testTable('rules');
  store = new DynamoRulesStore(db, tableName);
});

const routing = {
  groups: [
    {
      id: 'g1',
      conditions: [{ field: 'country', op: 'in', value: ['DE', 'AT'] }],
      assign: { pool: ['P1', 'P2'], strategy: 'round-robin' },
    },
  ],
};

describe('rules store on DynamoDB Local', () => {
  it('stores the first rules with expected version 0 and reads them back', async () => {
    const supplierId = newId();
    expect(await store.getRules(supplierId, 'routing')).toBeUndefined();

    const version = await store.putRules(supplierId, 'routing', routing, 0, '2025-03-01T09:00:00.000Z');

    expect(version).toBe(1);
    expect(await store.getRules(supplierId, 'routing')).toEqual({
      rules: routing,
      version: 1,
      updatedAt: '2025-03-01T09:00:00.000Z',
    });
    expect(await store.getRules(supplierId, 'registration')).toBeUndefined();
  });

  it('replaces the rules when the version read is still current', async () => {
    const supplierId = newId();
    await store.putRules(supplierId, 'registration', { auto: false }, 0, '2025-03-01T09:00:00.000Z');

    const version = await store.putRules(
      supplierId,
      'registration',
      { auto: true },
      1,
      '2025-03-02T09:00:00.000Z',
    );

    expect(version).toBe(2);
    expect(await store.getRules(supplierId, 'registration')).toEqual({
      rules: { auto: true },
      version: 2,
      updatedAt: '2025-03-02T09:00:00.000Z',
    });
  });

  it('keeps who saved the rules when a person did', async () => {
    const supplierId = newId();
    await store.putRules(supplierId, 'routing', routing, 0, '2025-03-01T09:00:00.000Z', 'ann@example.com');
    expect(await store.getRules(supplierId, 'routing')).toEqual({
      rules: routing,
      version: 1,
      updatedAt: '2025-03-01T09:00:00.000Z',
      updatedBy: 'ann@example.com',
    });
    await store.putRules(supplierId, 'routing', routing, 1, '2025-03-01T10:00:00.000Z');
    expect((await store.getRules(supplierId, 'routing'))?.updatedBy).toBeUndefined();
  });

  it('refuses a second first put with a ConflictError on version', async () => {
    const supplierId = newId();
    await store.putRules(supplierId, 'routing', routing, 0, '2025-03-01T09:00:00.000Z');

    const second = store.putRules(supplierId, 'routing', { groups: [] }, 0, '2025-03-01T10:00:00.000Z');

    await expect(second).rejects.toBeInstanceOf(ConflictError);
    await expect(second).rejects.toMatchObject({ details: [{ path: 'version' }] });
    expect((await store.getRules(supplierId, 'routing'))?.rules).toEqual(routing);
  });

  it('refuses a stale version and keeps what is stored', async () => {
    const supplierId = newId();
    await store.putRules(supplierId, 'routing', { groups: [] }, 0, '2025-03-01T09:00:00.000Z');
    await store.putRules(supplierId, 'routing', routing, 1, '2025-03-01T10:00:00.000Z');

    const stale = store.putRules(supplierId, 'routing', { groups: ['lost'] }, 1, '2025-03-01T11:00:00.000Z');

    await expect(stale).rejects.toBeInstanceOf(ConflictError);
    await expect(stale).rejects.toMatchObject({ details: [{ path: 'version' }] });
    expect(await store.getRules(supplierId, 'routing')).toEqual({
      rules: routing,
      version: 2,
      updatedAt: '2025-03-01T10:00:00.000Z',
    });
  });

  it('gives exactly one of ten racing first puts', async () => {
    const supplierId = newId();

    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        store.putRules(supplierId, 'routing', { n: i }, 0, '2025-03-01T09:00:00.000Z'),
      ),
    );

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failures.every((f) => f.reason instanceof ConflictError)).toBe(true);
  });
});
