/**
 * `npm run leads:backfill -- --supplier <id>`: brings a supplier's leads written before
 * the All Leads view into it, on the table tableTarget names (the local cloud's, or
 * TABLE_NAME's): each lead gets the view's index keys (a write conditional on its
 * version: a lead changed meanwhile wrote them itself), then its search tokens
 * (reindexSupplier) and the report counters (a rebuild) are made from the leads. Safe to
 * run while the product runs, and again.
 */
import { fileURLToPath } from 'node:url';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { reindexSupplier } from '@leadrelay/core';
import { DynamoLeadStore, DynamoReportStore, DynamoSearchStore } from '@leadrelay/store';
import { runRebuild } from '../../../functions/reports-rebuild/rebuild';
import { argument, tableTarget } from './table-target';

/** Index-key writes in flight at once. */
const CONCURRENCY = 8;

export interface BackfillResult {
  leads: number;
  /** Leads whose keys this run wrote (the others changed meanwhile and wrote their own). */
  keysWritten: number;
  tokensApplied: number;
  reportGeneration: number;
}

export async function backfillSupplier(
  table: { db: DynamoDBDocumentClient; tableName: string },
  supplierId: string,
  options: { settleMs?: number; log?: (line: string) => void } = {},
): Promise<BackfillResult> {
  const { db, tableName } = table;
  const leads = new DynamoLeadStore(db, tableName);
  const log = options.log ?? (() => {});
  let count = 0;
  let keysWritten = 0;
  let cursor: string | undefined;
  do {
    const page = await leads.listLeads(supplierId, { limit: 100, ...(cursor && { cursor }) });
    for (let i = 0; i < page.items.length; i += CONCURRENCY) {
      const written = await Promise.all(
        page.items.slice(i, i + CONCURRENCY).map((l) => leads.writeViewKeys(l)),
      );
      keysWritten += written.filter(Boolean).length;
    }
    count += page.items.length;
    log(`index keys: ${count} leads`);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  const tokens = await reindexSupplier(leads, new DynamoSearchStore(db, tableName), supplierId);
  log(`search tokens: ${tokens.applied} of ${tokens.leads} leads indexed`);
  const rebuilt = await runRebuild(
    { reports: new DynamoReportStore(db, tableName), leads },
    { supplierId },
    options.settleMs === undefined ? {} : { settleMs: options.settleMs },
  );
  log(`reports: generation ${rebuilt.generation} current`);
  return { leads: count, keysWritten, tokensApplied: tokens.applied, reportGeneration: rebuilt.generation };
}

async function main(): Promise<void> {
  const supplierId = argument('supplier');
  if (!supplierId) {
    process.stderr.write('usage: npm run leads:backfill -- --supplier <supplierId>\n');
    process.exit(2);
  }
  const result = await backfillSupplier(await tableTarget(), supplierId, {
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`Backfilled ${supplierId}: ${JSON.stringify(result)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `leads:backfill failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}
