import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InvocationRecord, LocalEndpoints } from '@leadrelay/local';
import { waitFor } from '../../support/wait';

export { waitFor };

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

export interface CloudProcess {
  child: ChildProcess;
  home: string;
  endpoints: LocalEndpoints;
  /** From spawn to endpoints.json written and /health answering. */
  startupMs: number;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Sends the signal and resolves with how the process ended. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Test cleanup: whatever state it is in, nothing it started keeps running. */
  kill(): Promise<void>;
}

/**
 * Starts the local cloud as a user does (`tsx packages/local/src/main.ts`, what
 * `npm start` runs) and waits until it says it is ready: endpoints.json exists
 * and the API answers /health. tsx is run directly, not through npm, because
 * npm does not pass SIGTERM on to the script it runs.
 */
export async function startCloudProcess(
  home: string,
  timeoutMs = 60_000,
  env: Record<string, string> = {},
): Promise<CloudProcess> {
  const startedAt = Date.now();
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), 'packages/local/src/main.ts'],
    {
      cwd: repoRoot,
      env: { ...process.env, ...env, LEADRELAY_HOME: home, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });

  const endpointsFile = join(home, '.local', 'endpoints.json');
  const ready = waitFor(
    async () => {
      const parsed = JSON.parse(await readFile(endpointsFile, 'utf8')) as LocalEndpoints;
      const health = await fetch(`${parsed.api}/health`);
      return health.ok ? parsed : undefined;
    },
    'endpoints.json and /health',
    timeoutMs,
  );
  // An exit during start fails at once instead of at the deadline.
  const died = exited.then(({ code, signal }) => {
    throw new Error(`the local cloud exited while starting (code ${code}, signal ${signal})`);
  });
  const endpoints = await Promise.race([ready, died]).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`${String(error)}\n--- output ---\n${text}`);
  });
  const startupMs = Date.now() - startedAt;

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (!hasExited) child.kill(signal);
    return exited;
  };
  return {
    child,
    home,
    endpoints,
    startupMs,
    output: () => text,
    stop,
    async kill() {
      if (!hasExited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      // If the local cloud itself was killed hard, its Java child is still ours to stop, by its pid.
      const pid = Number(
        (await readFile(join(home, '.local', 'dynamodb.pid'), 'utf8').catch(() => '')).trim(),
      );
      if (pid > 0 && processesMentioning(home).includes(pid)) process.kill(pid, 'SIGKILL');
    },
  };
}

/** Pids of running processes whose command line mentions `text` (pgrep -f). */
export function processesMentioning(text: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', resolve(text)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    // pgrep exits 1 when nothing matches.
    return [];
  }
}

/** The local invocation log, newest first. */
export async function invocations(api: string, fn: string, limit = 200): Promise<InvocationRecord[]> {
  const response = await fetch(`${api}/_local/invocations?fn=${encodeURIComponent(fn)}&limit=${limit}`);
  if (!response.ok) throw new Error(`/_local/invocations answered ${response.status}`);
  return ((await response.json()) as { items: InvocationRecord[] }).items;
}

/** JSON request against the local API with an optional bearer key. */
export async function api(
  base: string,
  method: string,
  path: string,
  key?: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {};
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: keep the text so an assertion shows what came back.
  }
  return { status: response.status, body: parsed };
}
