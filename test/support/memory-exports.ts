import type { ExportFile, ExportFiles, ExportOutcome, ExportStore, LeadExport } from '@leadrelay/core';

/** Core's ExportStore in memory, with the DynamoDB store's conditions (status running, version read). */
export class MemoryExportStore implements ExportStore {
  readonly exports = new Map<string, LeadExport>();

  async createExport(exp: LeadExport): Promise<'created' | 'exists'> {
    if (this.exports.has(exp.id)) return 'exists';
    this.exports.set(exp.id, structuredClone(exp));
    return 'created';
  }

  async getExport(supplierId: string, exportId: string): Promise<LeadExport | undefined> {
    const exp = this.exports.get(exportId);
    return exp?.supplierId === supplierId ? structuredClone(exp) : undefined;
  }

  async claimExport(
    supplierId: string,
    exportId: string,
    version: number,
    claim: { now: string; staleAfter: string },
  ): Promise<LeadExport | undefined> {
    return this.change(supplierId, exportId, version, (exp) => ({
      ...exp,
      attempts: exp.attempts + 1,
      staleAfter: claim.staleAfter,
      updatedAt: claim.now,
    }));
  }

  async finishExport(
    supplierId: string,
    exportId: string,
    version: number,
    outcome: ExportOutcome,
    now: string,
  ): Promise<LeadExport | undefined> {
    return this.change(supplierId, exportId, version, (exp) => {
      const { status, ...rest } = outcome;
      return { ...exp, ...rest, status, updatedAt: now, finishedAt: now };
    });
  }

  private change(
    supplierId: string,
    exportId: string,
    version: number,
    next: (exp: LeadExport) => LeadExport,
  ): LeadExport | undefined {
    const exp = this.exports.get(exportId);
    if (exp?.supplierId !== supplierId || exp.status !== 'running' || exp.version !== version)
      return undefined;
    const changed = { ...next(exp), version: exp.version + 1 };
    this.exports.set(exportId, changed);
    return structuredClone(changed);
  }
}

/** Export files in memory: each write collects its chunks (or fails with `failWith`). */
export class MemoryExportFiles implements ExportFiles {
  readonly files = new Map<string, { text: string; file: ExportFile }>();
  /** Writes so far (a retried run writes again). */
  writes = 0;
  failWith: Error | undefined;

  async write(key: string, chunks: AsyncIterable<string>, file: ExportFile): Promise<{ bytes: number }> {
    this.writes++;
    let text = '';
    for await (const chunk of chunks) text += chunk;
    if (this.failWith) throw this.failWith;
    this.files.set(key, { text, file });
    return { bytes: Buffer.byteLength(text, 'utf8') };
  }

  async downloadUrl(key: string, file: ExportFile, expiresInSeconds: number): Promise<string> {
    return `memory://${key}?name=${encodeURIComponent(file.fileName)}&expires=${expiresInSeconds}`;
  }
}
