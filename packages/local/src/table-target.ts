import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '@leadrelay/store';
import type { LocalEndpoints } from './cloud';

/**
 * The table an ops script works on: the local cloud's (`.local/endpoints.json` under
 * LEADRELAY_HOME, default the current folder) unless TABLE_NAME is set, then that table
 * where the SDK's own settings point (AWS credentials and region, or
 * AWS_ENDPOINT_URL_DYNAMODB).
 */
export async function tableTarget(): Promise<{ db: DynamoDBDocumentClient; tableName: string }> {
  const tableName = process.env.TABLE_NAME;
  if (tableName) return { db: createDocumentClient(), tableName };
  const home = resolve(process.env.LEADRELAY_HOME ?? process.cwd());
  const endpoints = JSON.parse(
    await readFile(join(home, '.local', 'endpoints.json'), 'utf8'),
  ) as LocalEndpoints;
  return {
    tableName: endpoints.table,
    db: createDocumentClient({
      endpoint: endpoints.dynamodb,
      region: endpoints.region,
      credentials: endpoints.credentials,
    }),
  };
}

/** The value after `--<name>` on the command line. */
export function argument(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}
