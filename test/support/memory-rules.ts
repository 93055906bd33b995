import { type RulesKind, type RulesStore, rulesChangedMeanwhile, type StoredRules } from '@leadrelay/core';

/**
 * Core's RulesStore in memory, versioned like the DynamoDB store: a put lands
 * only on the version read (0: none stored yet), else ConflictError on `version`.
 */
export class MemoryRulesStore implements RulesStore {
  private readonly sets = new Map<string, StoredRules>();

  async getRules(supplierId: string, kind: RulesKind): Promise<StoredRules | undefined> {
    const stored = this.sets.get(`${supplierId}#${kind}`);
    return stored && structuredClone(stored);
  }

  async putRules(
    supplierId: string,
    kind: RulesKind,
    rules: unknown,
    expectedVersion: number,
    now: string,
    updatedBy?: string,
  ): Promise<number> {
    const key = `${supplierId}#${kind}`;
    const version = this.sets.get(key)?.version ?? 0;
    if (version !== expectedVersion) {
      throw rulesChangedMeanwhile(kind, expectedVersion);
    }
    this.sets.set(key, {
      rules: structuredClone(rules),
      version: expectedVersion + 1,
      updatedAt: now,
      ...(updatedBy !== undefined && { updatedBy }),
    });
    return expectedVersion + 1;
  }
}
