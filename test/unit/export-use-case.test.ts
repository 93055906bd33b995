import {
  type Clock,
  exportColumns,
  exportLeads,
  exportStatus,
  type LeadFilter,
  MAX_EXPORT_ATTEMPTS,
  type RunExportEvent,
  runExport,
} from '@leadrelay/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseCsv } from '../support/csv';
import { testLead } from '../support/leads';
import { MemoryExportFiles, MemoryExportStore } from '../support/memory-exports';
import { MemoryLeadStore } from '../support/memory-leads';

const SUPPLIER = { kind: 'supplier', supplierId: 'S-1' } as const;
const FILTER: LeadFilter = { dateField: 'created', sort: 'created', order: 'desc' };
const VIEW = { supplierId: 'S-1', filter: FILTER, columns: exportColumns() };

let now = new Date('2030-01-02T09:00:00.000Z');
const clock: Clock = { now: () => now };

let leads: MemoryLeadStore;
let views: MemoryLeadStore;
let exports: MemoryExportStore;
let files: MemoryExportFiles;
let started: RunExportEvent[];

async function withLeads(count: number) {
  const made = Array.from({ length: count }, (_, i) =>
    testLead({
      id: `L-${String(i).padStart(3, '0')}`,
      createdAt: `2030-01-01T09:${String(i % 60).padStart(2, '0')}:00.000Z`,
    }),
  );
  for (const lead of made) expect(await leads.putNewLeads([lead], [])).toEqual({ ok: true });
}

const deps = () => ({
  views,
  exports,
  clock,
  startRun: async (event: RunExportEvent) => {
    started.push(event);
  },
});
const runDeps = () => ({ views, exports, files, clock, pageSize: 4 });

beforeEach(() => {
  now = new Date('2030-01-02T09:00:00.000Z');
  leads = new MemoryLeadStore();
  views = leads;
  exports = new MemoryExportStore();
  files = new MemoryExportFiles();
  started = [];
});

describe('exportLeads', () => {
  it('answers a view of exactly the row limit inline, and one row more as a started export', async () => {
    await withLeads(10);
    const limits = { inlineMaxRows: 10, inlineMaxBytes: 1_000_000 };

    const inline = await exportLeads(deps(), { view: VIEW, requestedBy: 'supplier' }, limits);
    await leads.putNewLeads([testLead({ id: 'L-999' })], []);
    const large = await exportLeads(deps(), { view: VIEW, requestedBy: 'supplier' }, limits);

    expect(inline).toMatchObject({ kind: 'inline', rows: 10, fileName: 'leads-2030-01-02.csv' });
    expect(inline.kind === 'inline' && parseCsv(inline.csv.slice(1))).toHaveLength(11);
    expect(large).toMatchObject({
      kind: 'started',
      export: { status: 'running', attempts: 0, requestedBy: 'supplier', filter: FILTER },
    });
    const id = large.kind === 'started' ? large.export.id : '';
    expect(large.kind === 'started' && large.export.key).toBe(`exports/S-1/${id}.csv`);
    expect(started).toEqual([{ kind: 'export', supplierId: 'S-1', exportId: id }]);
  });

  it('goes the large way when the body would pass the byte limit, whatever the rows', async () => {
    await withLeads(3);

    const answer = await exportLeads(
      deps(),
      { view: VIEW, requestedBy: 'supplier' },
      { inlineMaxRows: 5_000, inlineMaxBytes: 300 },
    );

    expect(answer.kind).toBe('started');
  });

  it('records the export as failed when the export function cannot be started, and throws', async () => {
    await withLeads(3);
    const failing = { ...deps(), startRun: async () => Promise.reject(new Error('throttled')) };

    await expect(
      exportLeads(
        failing,
        { view: VIEW, requestedBy: 'supplier' },
        { inlineMaxRows: 1, inlineMaxBytes: 1e6 },
      ),
    ).rejects.toThrow('throttled');

    expect([...exports.exports.values()]).toEqual([
      expect.objectContaining({ status: 'failed', failure: expect.stringContaining('could not be started') }),
    ]);
  });
});

describe('runExport', () => {
  async function startedExport(count = 9) {
    await withLeads(count);
    const answer = await exportLeads(
      deps(),
      { view: VIEW, requestedBy: 'supplier' },
      { inlineMaxRows: 1, inlineMaxBytes: 1e6 },
    );
    if (answer.kind !== 'started') throw new Error('expected a large export');
    return answer.export;
  }

  it('writes every page to the export’s key and records it done with its rows and size', async () => {
    const exp = await startedExport(9);

    const outcome = await runExport(runDeps(), { kind: 'export', supplierId: 'S-1', exportId: exp.id });

    const file = files.files.get(exp.key);
    expect(outcome).toEqual({ kind: 'done', rows: 9, bytes: Buffer.byteLength(file?.text ?? '', 'utf8') });
    expect(parseCsv(file?.text.slice(1) ?? '').map(([id]) => id)).toEqual([
      'id',
      ...[...Array(9).keys()].reverse().map((i) => `L-00${i}`),
    ]);
    expect(await exports.getExport('S-1', exp.id)).toMatchObject({ status: 'done', rows: 9, attempts: 1 });
  });

  it('throws for Lambda to retry, rewrites the same key on the retry, and gives up after the last attempt', async () => {
    const exp = await startedExport();
    const event = { kind: 'export', supplierId: 'S-1', exportId: exp.id } as const;
    files.failWith = new Error('SlowDown');

    for (let attempt = 1; attempt < MAX_EXPORT_ATTEMPTS; attempt++) {
      await expect(runExport(runDeps(), event)).rejects.toThrow('SlowDown');
    }
    const last = await runExport(runDeps(), event);

    expect(files.writes).toBe(MAX_EXPORT_ATTEMPTS);
    expect(last).toEqual({ kind: 'failed', failure: expect.stringContaining('SlowDown') });
    expect(await exports.getExport('S-1', exp.id)).toMatchObject({
      status: 'failed',
      attempts: MAX_EXPORT_ATTEMPTS,
    });
    expect(await runExport(runDeps(), event)).toEqual({ kind: 'skipped', reason: 'finished' });
  });

  it('finishes on a retry after a failed write', async () => {
    const exp = await startedExport();
    const event = { kind: 'export', supplierId: 'S-1', exportId: exp.id } as const;
    files.failWith = new Error('reset');
    await expect(runExport(runDeps(), event)).rejects.toThrow('reset');
    files.failWith = undefined;

    expect(await runExport(runDeps(), event)).toMatchObject({ kind: 'done', rows: 9 });
    expect(await exports.getExport('S-1', exp.id)).toMatchObject({ status: 'done', attempts: 2 });
  });

  it('records nothing when another run claimed the export meanwhile', async () => {
    const exp = await startedExport();
    // Another run claims between this run's read and its claim.
    const racing = {
      ...runDeps(),
      exports: {
        getExport: exports.getExport.bind(exports),
        finishExport: exports.finishExport.bind(exports),
        createExport: exports.createExport.bind(exports),
        claimExport: async (...args: Parameters<MemoryExportStore['claimExport']>) => {
          await exports.claimExport(...args);
          return exports.claimExport(...args);
        },
      },
    };

    expect(await runExport(racing, { kind: 'export', supplierId: 'S-1', exportId: exp.id })).toEqual({
      kind: 'lost',
    });
    expect(files.writes).toBe(0);
  });
});

describe('exportStatus', () => {
  it('gives the download once done, reads a run past its time as failed, and hides an export from anyone else', async () => {
    await withLeads(3);
    const answer = await exportLeads(
      deps(),
      { view: VIEW, requestedBy: 'supplier' },
      { inlineMaxRows: 1, inlineMaxBytes: 1e6 },
    );
    const id = answer.kind === 'started' ? answer.export.id : '';
    const statusDeps = { exports, files, clock };

    expect(await exportStatus(statusDeps, SUPPLIER, id)).toMatchObject({ status: 'running' });
    now = new Date(now.getTime() + 2 * 3600_000);
    expect(await exportStatus(statusDeps, SUPPLIER, id)).toMatchObject({
      status: 'failed',
      failure: expect.stringContaining('did not finish in time'),
    });
    await runExport(runDeps(), { kind: 'export', supplierId: 'S-1', exportId: id });
    const done = await exportStatus(statusDeps, SUPPLIER, id);
    expect(done).toMatchObject({ status: 'done', rows: 3 });
    expect(done.downloadUrl).toContain('expires=3600');
    await expect(
      exportStatus(statusDeps, { kind: 'partner', supplierId: 'S-1', partnerId: 'P-A' }, id),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(exportStatus(statusDeps, { kind: 'supplier', supplierId: 'S-2' }, id)).rejects.toMatchObject(
      {
        code: 'not_found',
      },
    );
  });
});
