import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  ConflictException,
  CreateScheduleCommand,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { ConfigSchemas, EnvName } from '@leadrelay/aws';
import { createDynamoClient } from '@leadrelay/store';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { type FunctionName, functionNames, functionSpecs } from '../../../functions/registry';
import { ensureTable, startDynamoDbLocal } from './dynamodb';
import { startHttpApi } from './http-api';
import { createLambdaRuntime, functionOfName, type LambdaRuntime, loadHandlers } from './lambda';
import { resolvePorts } from './ports';
import { s3rverCredentials, startLocalS3 } from './s3';
import { startSchedulerEmulator } from './scheduler';
import { type Demo, seedDemo } from './seed';
import { startSesEmulator } from './ses';
import { startStreamPoller } from './stream-poller';

/** The names the stack gives its resources, reused locally so handler configuration reads the same. */
export const localSettings = {
  region: 'us-east-1',
  accountId: '000000000000',
  host: '127.0.0.1',
  tableName: 'lead-relay',
  bucketName: 'lead-relay-inbox',
  inboxPrefix: 'inbox/',
  configurationSet: 'lead-relay',
  mailFrom: 'leads@leadrelay.local',
  scheduleGroup: 'lead-relay',
  sweeperName: 'lead-relay-sweeper',
  credentials: s3rverCredentials,
} as const;

export interface LocalCloudOptions {
  /** The folder that holds `.local` (data, keys, endpoints.json). */
  home: string;
  /** API port; 0 picks a free one; omitted tries 4000, then any. */
  port?: number;
  /** No line per invocation. */
  quiet?: boolean;
  /** How often the reroute sweeper runs (rounded to whole minutes, as rate() wants). Default 5 minutes. */
  sweepIntervalMs?: number;
  /** Where the invocation log goes (default stdout). */
  print?: (line: string) => void;
  /** Aborts a start in progress: DynamoDB Local is killed and everything begun is stopped. */
  signal?: AbortSignal;
}

/** The contents of `.local/endpoints.json`: where each local service listens, and the keys. */
export interface LocalEndpoints {
  api: string;
  dynamodb: string;
  s3: string;
  ses: string;
  mailbox: string;
  scheduler: string;
  invocations: string;
  bucket: string;
  table: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  operatorKey: string;
  demo: {
    supplierId: string;
    supplierKey: string;
    partnerKeys: Record<string, string>;
    partnerIds: Record<string, string>;
  } | null;
  startedAt: string;
  pid: number;
}

export interface LocalCloud {
  endpoints: LocalEndpoints;
  /** Absolute path of the `.local` folder. */
  localDir: string;
  runtime: LambdaRuntime;
  /** Things that work but deserve a look (a failed demo seed, table drift). */
  warnings: string[];
  /** Stops everything it started, child processes included; safe to call twice. */
  stop(): Promise<void>;
  /** Synchronous last resort (second Ctrl-C, process exit): SIGKILL the child processes. */
  killNow(): void;
}

/**
 * The whole product on one machine: DynamoDB Local with the table and its
 * stream, an S3 emulator with the inbox bucket, the SES and Scheduler
 * emulators, and an HTTP API, all driving the handlers from the function
 * registry with the events AWS would send. Sets process.env for the handlers
 * (they read it at module scope), so there is one local cloud per process.
 */
export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const startedAt = new Date();
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const home = resolve(options.home);
  const localDir = join(home, '.local');
  const files = {
    endpoints: join(localDir, 'endpoints.json'),
    operatorKey: join(localDir, 'operator-key'),
    linkKeys: join(localDir, 'link-keys.json'),
    demo: join(localDir, 'demo.json'),
    lock: join(localDir, 'local-cloud.pid'),
    dynamodbPid: join(localDir, 'dynamodb.pid'),
  };
  await mkdir(localDir, { recursive: true });
  await takeLock(files.lock);
  // endpoints.json means "up and ready": never leave one from an earlier run for a waiter to find.
  await rm(files.endpoints, { force: true });

  const stack: { name: string; stop: () => Promise<void> }[] = [
    { name: 'lock', stop: () => rm(files.lock, { force: true }) },
    { name: 'endpoints.json', stop: () => rm(files.endpoints, { force: true }) },
  ];
  const killers: (() => void)[] = [];
  const unwind = async () => {
    const errors: string[] = [];
    while (stack.length > 0) {
      const step = stack.pop();
      if (!step) break;
      // A step that hangs must not keep the ones after it (DynamoDB Local last of all) running.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('did not stop within 10 s')), 10_000);
      });
      await Promise.race([step.stop(), timeout])
        .catch((error: unknown) => errors.push(`${step.name}: ${String(error)}`))
        .finally(() => clearTimeout(timer));
    }
    if (errors.length > 0)
      process.stderr.write(`local cloud: trouble while stopping: ${errors.join('; ')}\n`);
  };

  try {
    const operatorKey = await loadOrCreateOperatorKey(files.operatorKey);
    const linkKeys = await loadOrCreateLinkKeys(files.linkKeys);
    const ports = await resolvePorts(options.port === undefined ? {} : { api: options.port });
    const { host, region, accountId, credentials } = localSettings;
    const url = (port: number) => `http://${host}:${port}`;
    const urls = {
      api: url(ports.api),
      dynamodb: url(ports.dynamodb),
      s3: url(ports.s3),
      ses: url(ports.ses),
      scheduler: url(ports.scheduler),
    };
    const rerouteArn = `arn:aws:lambda:${region}:${accountId}:function:reroute`;
    applyEnvironment(handlerEnvironment({ urls, operatorKey, linkKeys, rerouteArn }));

    // Events can arrive from the emulators before the handlers are loaded; they wait here.
    let runtime: LambdaRuntime | undefined;
    const early: [FunctionName, unknown][] = [];
    const dispatch = (fn: FunctionName, event: unknown) => {
      if (runtime) runtime.invokeAsync(fn, event);
      else early.push([fn, event]);
    };

    const dynamoClient = createDynamoClient({ region, endpoint: urls.dynamodb, credentials, maxAttempts: 1 });
    stack.push({ name: 'dynamodb client', stop: async () => dynamoClient.destroy() });

    /** Registers how to stop what started, so a failure anywhere later unwinds it. */
    const started = <T>(
      name: string,
      promise: Promise<T>,
      stop: (value: T) => Promise<void>,
      kill?: (value: T) => void,
    ) =>
      promise.then((value) => {
        stack.push({ name, stop: () => stop(value) });
        if (kill) killers.push(() => kill(value));
        return value;
      });

    // The slow parts (the Java process, compiling the handlers) start together; all settle before
    // a failure is thrown, so nothing that did start is left running.
    const results = await Promise.allSettled([
      started(
        'DynamoDB Local',
        startDynamoDbLocal({
          port: ports.dynamodb,
          dataDir: join(localDir, 'dynamodb'),
          pidFile: files.dynamodbPid,
          client: dynamoClient,
          ...(options.signal ? { signal: options.signal } : {}),
        }),
        (d) => d.stop(),
        (d) => d.killNow(),
      ),
      started(
        'S3 emulator',
        startLocalS3({
          host,
          port: ports.s3,
          directory: join(localDir, 's3'),
          bucket: localSettings.bucketName,
          region,
          prefix: localSettings.inboxPrefix,
          onObjectCreated: (event) => dispatch('ingest', event),
        }),
        (s) => s.stop(),
      ),
      started(
        'SES emulator',
        mkdir(join(localDir, 'ses'), { recursive: true }).then(() =>
          startSesEmulator({
            host,
            port: ports.ses,
            region,
            accountId,
            dataDir: join(localDir, 'ses'),
            onEvent: async (event) => dispatch('email-events', event),
          }),
        ),
        (s) => s.stop(),
      ),
      loadHandlers(),
    ]);
    const [dynamodb, s3, ses, handlers] = [
      settledValue(results[0]),
      settledValue(results[1]),
      settledValue(results[2]),
      settledValue(results[3]),
    ];

    options.signal?.throwIfAborted();
    runtime = createLambdaRuntime({ handlers, region, accountId, quiet: options.quiet ?? false, print });
    const lambda = runtime;
    stack.push({ name: 'lambda runtime', stop: () => lambda.stop() });
    for (const [fn, event] of early.splice(0)) lambda.invokeAsync(fn, event);

    const warnings = await ensureTable(dynamoClient, localSettings.tableName);

    await mkdir(join(localDir, 'streams'), { recursive: true });
    const isLead = (record: DynamoDBRecord) => record.dynamodb?.NewImage?.entity?.S === 'Lead';
    const poller = startStreamPoller({
      endpoint: dynamodb.endpoint,
      region,
      credentials,
      tableName: localSettings.tableName,
      dataDir: join(localDir, 'streams'),
      // Both consumers carry the stack's filter criteria: only records whose new image is a Lead.
      consumers: (['distribute', 'aggregate'] as const).map((name) => ({
        name,
        filter: isLead,
        // The handler's DynamoDBBatchResponse (partial failures) goes back to the poller as is.
        invoke: async (event: DynamoDBStreamEvent) =>
          (await lambda.invoke(name, event)) as DynamoDBBatchResponse | undefined,
      })),
    });
    let pollerStopped: Promise<void> | undefined;
    const stopPoller = () => {
      pollerStopped ??= poller.stop();
      return pollerStopped;
    };
    stack.push({ name: 'stream poller', stop: stopPoller });

    await mkdir(join(localDir, 'scheduler'), { recursive: true });
    const scheduler = await startSchedulerEmulator({
      host,
      port: ports.scheduler,
      region,
      accountId,
      dataDir: join(localDir, 'scheduler'),
      // Scheduler invokes Lambda asynchronously: accepted means delivered; Lambda owns the retries.
      invoke: async (targetArn, input) => lambda.invokeAsync(functionOfArn(targetArn), input),
    });
    stack.push({ name: 'scheduler emulator', stop: () => scheduler.stop() });

    const api = await startHttpApi({
      host,
      port: ports.api,
      accountId,
      invoke: (event) => lambda.invoke('api', event),
      log: lambda.log,
      // Handlers that invoke a function (ingest continuing a long file) reach it here.
      lambda: {
        resolve: functionOfName,
        invoke: (fn, event) => lambda.invoke(fn, event),
        invokeAsync: (fn, event) => lambda.invokeAsync(fn, event),
        region,
      },
    });
    stack.push({ name: 'http api', stop: () => api.stop() });
    // Stopped first: its last batch may still email, schedule and invoke, through the emulators above.
    stack.push({ name: 'stream poller (drain)', stop: stopPoller });

    await registerSweeper({
      endpoint: scheduler.endpoint,
      rerouteArn,
      intervalMs: options.sweepIntervalMs ?? 5 * 60_000,
    });
    await registerScheduledFunctions({ endpoint: scheduler.endpoint, functionArn: lambda.functionArn });

    options.signal?.throwIfAborted();
    let demo: Demo | undefined;
    try {
      demo = await seedDemo({ apiUrl: api.url, operatorKey, file: files.demo });
    } catch (error) {
      warnings.push(
        `demo data not seeded (${error instanceof Error ? error.message : String(error)}); ` +
          'the next start tries again',
      );
    }

    const endpoints: LocalEndpoints = {
      api: api.url,
      dynamodb: dynamodb.endpoint,
      s3: s3.endpoint,
      ses: ses.endpoint,
      mailbox: ses.mailboxUrl,
      scheduler: scheduler.endpoint,
      invocations: `${api.url}/_local/invocations`,
      bucket: localSettings.bucketName,
      table: localSettings.tableName,
      region,
      credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
      operatorKey,
      demo: demo
        ? {
            supplierId: demo.supplierId,
            supplierKey: demo.supplierKey,
            partnerKeys: Object.fromEntries(Object.entries(demo.partners).map(([name, p]) => [name, p.key])),
            partnerIds: Object.fromEntries(Object.entries(demo.partners).map(([name, p]) => [name, p.id])),
          }
        : null,
      startedAt: startedAt.toISOString(),
      pid: process.pid,
    };
    await writeFileAtomically(files.endpoints, `${JSON.stringify(endpoints, null, 2)}\n`);

    let stopping: Promise<void> | undefined;
    return {
      endpoints,
      localDir,
      runtime: lambda,
      warnings,
      stop: () => {
        stopping ??= unwind();
        return stopping;
      },
      killNow: () => {
        for (const kill of killers) kill();
      },
    };
  } catch (error) {
    for (const kill of killers) kill();
    await unwind();
    throw error;
  }
}

/** The variables each handler's ConfigSchemas entry asks for, plus the SDK settings that point it here. */
function handlerEnvironment(input: {
  urls: { api: string; dynamodb: string; s3: string; ses: string; scheduler: string };
  operatorKey: string;
  linkKeys: string;
  rerouteArn: string;
}): Record<string, string | undefined> {
  const { region, accountId, credentials } = localSettings;
  return {
    [EnvName.tableName]: localSettings.tableName,
    [EnvName.bucketName]: localSettings.bucketName,
    [EnvName.s3ForcePathStyle]: 'true',
    [EnvName.sesConfigurationSet]: localSettings.configurationSet,
    [EnvName.mailFrom]: localSettings.mailFrom,
    [EnvName.scheduleGroup]: localSettings.scheduleGroup,
    [EnvName.schedulerRoleArn]: `arn:aws:iam::${accountId}:role/lead-relay-scheduler`,
    [EnvName.rerouteFunctionArn]: input.rerouteArn,
    // No SQS locally: the Scheduler emulator keeps what it would send there (its deadLetters()).
    [EnvName.deadlineDeadLetterArn]: `arn:aws:sqs:${region}:${accountId}:lead-relay-deadline-dead-letters`,
    [EnvName.operatorKey]: input.operatorKey,
    // A secret ARN from the user's shell would send the api to Secrets Manager, which is not emulated.
    [EnvName.operatorKeySecretArn]: undefined,
    [EnvName.linkKeys]: input.linkKeys,
    [EnvName.linkKeysSecretArn]: undefined,
    [EnvName.publicUrl]: input.urls.api,
    // The local Lambda API (served by the HTTP API server) takes registry names.
    [EnvName.ingestFunctionName]: 'ingest',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    // Real credentials or a profile from the shell must never reach a handler running against emulators.
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    // The SDK's per-service endpoint settings (AWS_ENDPOINT_URL_<serviceId>): handlers need no local branch.
    AWS_ENDPOINT_URL_DYNAMODB: input.urls.dynamodb,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: input.urls.dynamodb,
    AWS_ENDPOINT_URL_S3: input.urls.s3,
    AWS_ENDPOINT_URL_SESV2: input.urls.ses,
    AWS_ENDPOINT_URL_SCHEDULER: input.urls.scheduler,
    // Lambda's Invoke API is served by the local HTTP API server (POST /2015-03-31/functions/<name>/invocations).
    AWS_ENDPOINT_URL_LAMBDA: input.urls.api,
    // The project runs on Node 20 on purpose; the SDK's notice about its 2027 releases is noise in a dev console.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED:
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?? 'true',
    // Handler logs at WARN and up unless asked for more, so the invocation log stays readable.
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? process.env.AWS_LAMBDA_LOG_LEVEL ?? 'WARN',
  };
}

function applyEnvironment(env: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  // A variable added to a handler's schema but not set above fails here, by name, not at first use.
  const problems = functionNames.flatMap((name) => {
    const result = ConfigSchemas[name].safeParse(process.env);
    return result.success ? [] : [`${name}: ${result.error.issues.map((i) => i.path.join('.')).join(', ')}`];
  });
  if (problems.length > 0) {
    throw new Error(`the local cloud does not set every handler setting (${problems.join('; ')})`);
  }
}

/** `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]` → the registry name. */
export function functionOfArn(arn: string): FunctionName {
  const name = arn.split(':function:')[1]?.split(':')[0];
  if (name === undefined || !(functionNames as readonly string[]).includes(name)) {
    throw new Error(`no local function for target ${arn}`);
  }
  return name as FunctionName;
}

/**
 * The periodic reroute sweep is a rate() schedule in the stack; here it is the
 * same schedule on the emulator, created through the real Scheduler client. On
 * a restart it exists already, so it is updated to the current interval.
 */
async function registerSweeper(input: {
  endpoint: string;
  rerouteArn: string;
  intervalMs: number;
}): Promise<void> {
  const { region, credentials, accountId } = localSettings;
  const client = new SchedulerClient({ region, endpoint: input.endpoint, credentials });
  const minutes = Math.max(1, Math.round(input.intervalMs / 60_000));
  const schedule = {
    Name: localSettings.sweeperName,
    GroupName: localSettings.scheduleGroup,
    ScheduleExpression: `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`,
    FlexibleTimeWindow: { Mode: 'OFF' as const },
    Target: {
      Arn: input.rerouteArn,
      RoleArn: `arn:aws:iam::${accountId}:role/lead-relay-scheduler`,
      Input: JSON.stringify({ kind: 'sweep' }),
    },
  };
  try {
    await client.send(new CreateScheduleCommand(schedule));
  } catch (error) {
    if (!(error instanceof ConflictException)) throw error;
    await client.send(new UpdateScheduleCommand(schedule));
  } finally {
    client.destroy();
  }
}

/**
 * The registry's scheduled functions (the upload sweeper) get the rate() schedules the
 * stack gives them, on the emulator, the same way as the reroute sweep; updated on a restart.
 */
async function registerScheduledFunctions(input: {
  endpoint: string;
  functionArn: (fn: FunctionName) => string;
}): Promise<void> {
  const { region, credentials, accountId } = localSettings;
  const client = new SchedulerClient({ region, endpoint: input.endpoint, credentials });
  try {
    for (const name of functionNames) {
      const schedule = functionSpecs[name].schedule;
      if (!schedule) continue;
      const minutes = schedule.everyMinutes;
      const request = {
        Name: `lead-relay-${name}`,
        GroupName: localSettings.scheduleGroup,
        ScheduleExpression: `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`,
        FlexibleTimeWindow: { Mode: 'OFF' as const },
        Target: {
          Arn: input.functionArn(name),
          RoleArn: `arn:aws:iam::${accountId}:role/lead-relay-scheduler`,
          Input: JSON.stringify(schedule.input),
        },
      };
      try {
        await client.send(new CreateScheduleCommand(request));
      } catch (error) {
        if (!(error instanceof ConflictException)) throw error;
        await client.send(new UpdateScheduleCommand(request));
      }
    }
  } finally {
    client.destroy();
  }
}

function settledValue<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}

/** One operator key per home, generated once: `lr_op_` and 32 random bytes, base64url. */
async function loadOrCreateOperatorKey(file: string): Promise<string> {
  const existing = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (existing !== '') return existing;
  const key = `lr_op_${randomBytes(32).toString('base64url')}`;
  await writeFileAtomically(file, `${key}\n`);
  return key;
}

/**
 * The email link signing keys, generated once per home in the secret's format
 * (`{"current": "k1", "k1": "<secret>"}`); rotate by adding a key and pointing
 * `current` at it, as in AWS.
 */
async function loadOrCreateLinkKeys(file: string): Promise<string> {
  const existing = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (existing !== '') return existing;
  const keys = JSON.stringify({ current: 'k1', k1: randomBytes(32).toString('base64url') });
  await writeFileAtomically(file, `${keys}\n`);
  return keys;
}

/**
 * Two local clouds on one home would share DynamoDB Local's database file and
 * the emulators' data. The lock holds the owner's pid; a lock whose process is
 * gone (or is no longer node) is stale and taken over.
 */
async function takeLock(file: string): Promise<void> {
  const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(pid) && pid > 0 && isNodeProcess(pid)) {
    throw new Error(
      `another local cloud is running on this home (pid ${pid}); stop it first, or set LEADRELAY_HOME to another folder`,
    );
  }
  await writeFileAtomically(file, `${process.pid}\n`);
}

function isNodeProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return /node|tsx/.test(execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }));
  } catch {
    return true;
  }
}

/** Written via a temporary file: whoever polls for it never reads half of it. Owner-only: it holds keys. */
async function writeFileAtomically(file: string, content: string): Promise<void> {
  await writeFile(`${file}.tmp`, content, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}
