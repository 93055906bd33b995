import { Index, type IndexName, Keys, tableDefinition } from '@leadrelay/store';
import { describe, expect, it } from 'vitest';
import { functionNames, functionSpecs } from '../../functions/registry';

const physical = tableDefinition.globalSecondaryIndexes.map((g) => g.indexName);

/** The GSI whose two attributes a key builder writes (undefined when it writes another pair or none). */
const indexOfKeys = (keys: Record<string, unknown>): string | undefined =>
  tableDefinition.globalSecondaryIndexes.find(
    (g) => Object.keys(keys).sort().join() === [g.partitionKey, g.sortKey].sort().join(),
  )?.indexName;

describe('GSIs named by access pattern', () => {
  it('each name is one of the table GSIs, whose physical names stay GSI1..GSI9', () => {
    expect(physical).toEqual(['GSI1', 'GSI2', 'GSI3', 'GSI4', 'GSI5', 'GSI6', 'GSI7', 'GSI8', 'GSI9']);
    for (const index of Object.values(Index)) expect(tableDefinition.globalSecondaryIndexes).toContain(index);
    // Every GSI serves some access pattern.
    expect(new Set(Object.values(Index).map((i) => i.indexName))).toEqual(new Set(physical));
  });

  it('each key builder writes the keys of the index its access pattern names', () => {
    const written: Record<IndexName, Record<string, unknown>[]> = {
      byCreated: [
        Keys.supplierIndex('s', '2026-01-01T00:00:00.000Z'),
        Keys.apiKeyIndex('p', '2026-01-01T00:00:00.000Z', 'k'),
        Keys.leadIndex('s', 'l', '2026-01-01T00:00:00.000Z'),
        Keys.uploadIndex('s', 'u', '2026-01-01T00:00:00.000Z'),
      ],
      byPartner: [
        Keys.leadOfPartner('s', 'p', 'l', '2026-01-01T00:00:00.000Z'),
        Keys.ownLeadOfPartner('s', 'p', 'l', '2026-01-01T00:00:00.000Z'),
      ],
      byLease: [Keys.processingUpload('s', 'u', '2026-01-01T00:00:00.000Z')],
      byDeadline: [Keys.leadDeadline('l', '2026-01-01T00:00:00.000Z')],
      byUpdated: [
        Keys.leadUpdated('s', 'l', '2026-01-01T00:00:00.000Z'),
        Keys.ownLeadUpdated('s', 'p', 'l', '2026-01-01T00:00:00.000Z'),
      ],
      byStatus: [Keys.leadStatus('s', 'Pending', 'l', '2026-01-01T00:00:00.000Z')],
      byEmail: [Keys.leadEmail('s', 'Sent', 'l', '2026-01-01T00:00:00.000Z')],
      bySource: [Keys.leadSource('s', 'distributed', 'API', 'l', '2026-01-01T00:00:00.000Z')],
      byPipeline: [Keys.leadPipeline('s', 'Open', 'l', '2026-01-01T00:00:00.000Z')],
      byConflict: [Keys.leadConflict('s', 'l', '2026-01-01T00:00:00.000Z')],
    };
    for (const [name, keys] of Object.entries(written) as [IndexName, Record<string, unknown>[]][]) {
      for (const k of keys)
        expect(indexOfKeys(k), `${name}: ${JSON.stringify(k)}`).toBe(Index[name].indexName);
    }
  });

  it('the registry names the indexes a function queries by their access pattern', () => {
    for (const name of functionNames) {
      for (const target of functionSpecs[name].table.query ?? []) {
        expect(target === 'table' || target in Index, `${name} queries ${target}`).toBe(true);
      }
    }
  });
});
