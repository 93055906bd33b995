/**
 * `npm run reports:rebuild -- --supplier <id>`: recomputes a supplier's report counters
 * from its leads, with the code of the reports-rebuild Lambda. Against the local cloud
 * (`.local/endpoints.json` under LEADRELAY_HOME, default the current folder) unless
 * TABLE_NAME is set: then against that table where the SDK's own settings point
 * (AWS credentials and region, or AWS_ENDPOINT_URL_DYNAMODB).
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createDocumentClient, DynamoLeadStore, DynamoReportStore } from '@leadrelay/store';
import { runRebuild } from '../../../functions/reports-rebuild/rebuild';
import type { LocalEndpoints } from './cloud';

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

async function main(): Promise<void> {
  const supplierId = argument('supplier');
  if (!supplierId) {
    process.stderr.write('usage: npm run reports:rebuild -- --supplier <supplierId>\n');
    process.exit(2);
  }
  let tableName = process.env.TABLE_NAME;
  let db = createDocumentClient();
  if (!tableName) {
    const home = resolve(process.env.LEADRELAY_HOME ?? process.cwd());
    const endpoints = JSON.parse(
      await readFile(join(home, '.local', 'endpoints.json'), 'utf8'),
    ) as LocalEndpoints;
    tableName = endpoints.table;
    db = createDocumentClient({
      endpoint: endpoints.dynamodb,
      region: endpoints.region,
      credentials: endpoints.credentials,
    });
  }
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
