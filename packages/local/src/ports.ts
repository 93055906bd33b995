import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where each local service listens unless that port is taken. */
export const defaultPorts = {
  api: 4000,
  dynamodb: 8000,
  s3: 4569,
  ses: 8005,
  scheduler: 8006,
  cognito: 9229,
} as const;

export type ServiceName = keyof typeof defaultPorts;
export type Ports = Record<ServiceName, number>;

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
}

/**
 * Resolves to the port the OS bound (so 0 yields a free one), or undefined when
 * the port is taken. Probing the unspecified address (all interfaces) matters:
 * DynamoDB Local binds every interface, and a probe on 127.0.0.1 alone would
 * miss a server on another address.
 */
export function probePort(port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(undefined);
      else reject(error);
    });
    server.listen({ port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * A port that was free when probed is only bound later, when its service starts: two local
 * clouds starting at once (parallel test files) would both pick the same default. So each
 * pick is claimed by an exclusive file per port, shared by every process on the machine; a
 * claim is void once its process is gone or after two minutes (its service has bound by then,
 * and the probe sees it), and the cloud releases its claims once its services listen.
 */
const claimsDir = join(tmpdir(), 'leadrelay-port-claims');
const claimLifetimeMs = 120_000;
const claimedHere = new Set<number>();

function claimPort(port: number): boolean {
  const file = join(claimsDir, String(port));
  mkdirSync(claimsDir, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      claimedHere.add(port);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!claimIsVoid(file)) return false;
      rmSync(file, { force: true });
    }
  }
  return false;
}

function claimIsVoid(file: string): boolean {
  try {
    if (Date.now() - statSync(file).mtimeMs > claimLifetimeMs) return true;
    const pid = Number(readFileSync(file, 'utf8'));
    if (!Number.isInteger(pid) || pid <= 0) return true;
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // ENOENT: released meanwhile; ESRCH: its process is gone. EPERM: alive, another user's.
    return (error as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

/** Gives up this process's port claims: its services listen now (or never will). */
export function releasePortClaims(): void {
  for (const port of claimedHere) rmSync(join(claimsDir, String(port)), { force: true });
  claimedHere.clear();
}

/**
 * Picks a port for each service: the default when it is free, any free port
 * otherwise. The API port is the one a user types, so an explicitly requested
 * API port that is taken is an error rather than a silent move; 0 means "any".
 */
export async function resolvePorts(options: { api?: number } = {}): Promise<Ports> {
  const chosen = new Set<number>();
  const pick = async (service: ServiceName, wanted: number, strict: boolean): Promise<number> => {
    if (wanted !== 0 && !chosen.has(wanted)) {
      const bound = await probePort(wanted);
      if (bound !== undefined && claimPort(bound)) {
        chosen.add(bound);
        return bound;
      }
      if (strict) {
        throw new PortInUseError(
          `PORT ${wanted} is already in use (another Lead Relay local cloud?). ` +
            'Stop whatever listens there, or start with another PORT (PORT=0 picks a free one).',
        );
      }
    }
    // An ephemeral port can repeat once its probe socket closed, so skip ones already handed out.
    for (let attempt = 0; attempt < 20; attempt++) {
      const bound = await probePort(0);
      if (bound !== undefined && !chosen.has(bound) && claimPort(bound)) {
        chosen.add(bound);
        return bound;
      }
    }
    throw new Error(`found no free port for ${service}`);
  };

  const explicitApi = options.api !== undefined;
  return {
    api: await pick('api', options.api ?? defaultPorts.api, explicitApi),
    dynamodb: await pick('dynamodb', defaultPorts.dynamodb, false),
    s3: await pick('s3', defaultPorts.s3, false),
    ses: await pick('ses', defaultPorts.ses, false),
    scheduler: await pick('scheduler', defaultPorts.scheduler, false),
    cognito: await pick('cognito', defaultPorts.cognito, false),
  };
}

/** Parses PORT: undefined when unset, a clear error when it is not a port number. */
export function parsePortSetting(value: string | undefined, name = 'PORT'): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`${name} must be a port number between 0 and 65535, got "${value}"`);
  }
  return port;
}
