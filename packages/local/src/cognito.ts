import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';

/**
 * The user pool on one machine: `cognito-local` (a Cognito emulator speaking the
 * same API: AdminCreateUser, InitiateAuth / RespondToAuthChallenge, JWKS at
 * `<endpoint>/<poolId>/.well-known/jwks.json`), in a process of its own, its data in
 * `dataDir` (it keeps its pools and users there across restarts). It prints the
 * emails Cognito would send (a box with the destination and the code: an invitation's
 * temporary password, or a password reset's code; the box does not say which);
 * `onCode` receives each, read line by line from its output.
 */
export interface CognitoLocal {
  endpoint: string;
  client: CognitoIdentityProviderClient;
  stop(): Promise<void>;
  /** SIGKILL, synchronously (last resort). */
  killNow(): void;
}

export async function startCognitoLocal(options: {
  dataDir: string;
  host: string;
  port: number;
  /** Each email it would send: the person and the code (a temporary password, or a reset code). */
  onCode?: (email: string, code: string) => void;
  startTimeoutMs?: number;
}): Promise<CognitoLocal> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const entry = fileURLToPath(new URL('./cognito-server.cjs', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [entry], {
    cwd: dataDir,
    env: {
      ...process.env,
      PORT: String(options.port),
      HOST: options.host,
      // The emulator brings aws-sdk v2, which prints a notice on start.
      AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  // A reader per stream: a line half read from one must not be joined to the other's.
  child.stdout?.on('data', codeReader(options.onCode));
  child.stderr?.on('data', codeReader(options.onCode));
  let exited = false;
  const gone = new Promise<void>((done) =>
    child.once('exit', () => {
      exited = true;
      done();
    }),
  );
  const endpoint = `http://${options.host}:${options.port}`;
  const client = cognitoClient(endpoint);
  const killGroup = (signal: NodeJS.Signals) => {
    if (exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (exited) throw new Error('cognito-local exited while starting');
    try {
      await client.send(new ListUserPoolsCommand({ MaxResults: 1 }));
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        killGroup('SIGKILL');
        throw new Error(`cognito-local did not answer on ${endpoint}: ${(error as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    endpoint,
    client,
    stop: async () => {
      client.destroy();
      killGroup('SIGTERM');
      await gone;
    },
    killNow: () => killGroup('SIGKILL'),
  };
}

export function cognitoClient(endpoint: string): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

export interface LocalUserPool {
  userPoolId: string;
  clientId: string;
  /** The tokens' `iss`: the emulator's endpoint and the pool id. */
  issuer: string;
}

/**
 * The pool named `name` and its `console` app client, created on first use (the stack's
 * settings that matter here: email as the username, password sign-in).
 */
export async function ensureUserPool(
  local: Pick<CognitoLocal, 'client' | 'endpoint'>,
  name: string,
): Promise<LocalUserPool> {
  const { client } = local;
  const pools = (await client.send(new ListUserPoolsCommand({ MaxResults: 60 }))).UserPools ?? [];
  const userPoolId =
    pools.find((p) => p.Name === name)?.Id ??
    (await client.send(new CreateUserPoolCommand({ PoolName: name, UsernameAttributes: ['email'] }))).UserPool
      ?.Id;
  if (!userPoolId) throw new Error('cognito-local created no user pool');
  const clients =
    (await client.send(new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 })))
      .UserPoolClients ?? [];
  const clientId =
    clients.find((c) => c.ClientName === 'console')?.ClientId ??
    (
      await client.send(
        new CreateUserPoolClientCommand({
          UserPoolId: userPoolId,
          ClientName: 'console',
          ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        }),
      )
    ).UserPoolClient?.ClientId;
  if (!clientId) throw new Error('cognito-local created no app client');
  return { userPoolId, clientId, issuer: `${local.endpoint}/${userPoolId}` };
}

/**
 * Sets a person's password: for good (no change asked at sign-in: the demo people, tests),
 * or, `temporary`, as an invitation's, which the first sign-in must change.
 */
export async function setPassword(
  client: CognitoIdentityProviderClient,
  userPoolId: string,
  email: string,
  password: string,
  options: { temporary?: boolean } = {},
): Promise<void> {
  await client.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: userPoolId,
      Username: email,
      Password: password,
      Permanent: options.temporary !== true,
    }),
  );
}

/** Signs in with email and password (USER_PASSWORD_AUTH) and answers the ID token. */
export async function signIn(
  client: CognitoIdentityProviderClient,
  clientId: string,
  email: string,
  password: string,
): Promise<string> {
  const answer = await client.send(
    new InitiateAuthCommand({
      ClientId: clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD: password },
    }),
  );
  const token = answer.AuthenticationResult?.IdToken;
  if (!token) throw new Error(`sign-in of ${email} answered ${answer.ChallengeName ?? 'no token'}`);
  return token;
}

/** Reads the emulator's output (a JSON line per record): a `delivery` record is one email it would send. */
function codeReader(onCode: ((email: string, code: string) => void) | undefined): (chunk: Buffer) => void {
  let partial = '';
  return (chunk) => {
    if (!onCode) return;
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      let delivery: unknown;
      try {
        delivery = (JSON.parse(line) as { delivery?: unknown }).delivery;
      } catch {
        continue;
      }
      const { destination, code } = (delivery ?? {}) as { destination?: unknown; code?: unknown };
      if (typeof destination === 'string' && typeof code === 'string') onCode(destination, code);
    }
  };
}
