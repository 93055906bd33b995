/**
 * `npm run reports:rebuild -- --supplier <id>`: recomputes a supplier's report counters
 * from its leads, with the code of the reports-rebuild Lambda, on the table tableTarget
 * names (the local cloud's, or TABLE_NAME's).
 */
import { DynamoLeadStore, DynamoReportStore } from '@leadrelay/store';
import { runRebuild } from '../../../functions/reports-rebuild/rebuild';
import { argument, tableTarget } from './table-target';

async function main(): Promise<void> {
  const supplierId = argument('supplier');
  if (!supplierId) {
    process.stderr.write('usage: npm run reports:rebuild -- --supplier <supplierId>\n');
    process.exit(2);
  }
  const { db, tableName } = await tableTarget();
  const started = Date.now();
  const progress = await runRebuild(
    { reports: new DynamoReportStore(db, tableName), leads: new DynamoLeadStore(db, tableName) },
    { supplierId },
    { onPage: (leads) => process.stdout.write(`\r${leads} leads replayed`) },
  );
  process.stdout.write(
    `\nReports of ${supplierId} rebuilt: generation ${progress.generation} is current (${progress.leads} leads, ${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`reports:rebuild failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
