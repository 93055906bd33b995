import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { ConfigSchemas, EnvName } from '@leadrelay/aws';
import { createDynamoClient } from '@leadrelay/store';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { type FunctionName, functionNames } from '../../../functions/registry';
import { consoleDist } from '../../console/build';
import { consoleHeaders } from '../../console/hosting';
import { type CognitoLocal, ensureUserPool, type LocalUserPool, startCognitoLocal } from './cognito';
import { ensureTable, startDynamoDbLocal } from './dynamodb';
import { matchesEventPattern } from './event-pattern';
import { type ConsoleHosting, startHttpApi } from './http-api';
import {
  createLambdaRuntime,
  functionArnOf,
  functionOfName,
  type LambdaRuntime,
  type LambdaRuntimeOptions,
  loadHandlers,
} from './lambda';
import { type Ports, releasePortClaims, resolvePorts } from './ports';
import { type ObjectCreatedNotification, s3rverCredentials, startLocalS3 } from './s3';
import { startSchedulerEmulator } from './scheduler';
import { type Demo, type DemoUser, seedDemo, seedPeople } from './seed';
import { parseMaxSendRate, type SesEmulator, startSesEmulator } from './ses';
import { startStreamPoller } from './stream-poller';
import { isLocalScheduleName, localTriggers } from './triggers';

/** The names the stack gives its resources, reused locally so handler configuration reads the same. */
export const localSettings = {
  region: 'us-east-1',
  accountId: '000000000000',
  host: '127.0.0.1',
  tableName: 'lead-relay',
  bucketName: 'lead-relay-inbox',
  configurationSet: 'lead-relay',
  mailFrom: 'leads@leadrelay.local',
  scheduleGroup: 'lead-relay',
  credentials: s3rverCredentials,
} as const;

/** What feeds each handler here, from the registry's triggers. */
const triggers = localTriggers({ configurationSet: localSettings.configurationSet });

export interface LocalCloudOptions {
  /** The folder that holds `.local` (data, keys, endpoints.json). */
  home: string;
  /** API port; 0 picks a free one; omitted tries 4000, then any. */
  port?: number;
  /** No line per invocation. */
  quiet?: boolean;
  /** Where the invocation log goes (default stdout). */
  print?: (line: string) => void;
  /** Aborts a start in progress: DynamoDB Local is killed and everything begun is stopped. */
  signal?: AbortSignal;
  /**
   * The SES emulator's maximum send rate (emails a second), refusing sends over it as SES does;
   * default `LEADRELAY_SES_MAX_SEND_RATE`, else none.
   */
  sesMaxSendRate?: number;
  /** Told of every invocation as it ends, with its event (the cost bench counts them). */
  onInvocation?: LambdaRuntimeOptions['onInvocation'];
  /** How many invocations run at once (default: no limit; see LambdaRuntimeOptions.concurrency). */
  lambdaConcurrency?: number;
  /** The time the Scheduler emulator's schedules fall due by (default Date.now; a bench moves it on). */
  schedulerNow?: () => number;
}

/** The contents of `.local/endpoints.json`: where each local service listens, and the keys. */
export interface LocalEndpoints {
  api: string;
  dynamodb: string;
  s3: string;
  ses: string;
  mailbox: string;
  scheduler: string;
  /** The Cognito emulator and the user pool people sign in to. */
  cognito: { endpoint: string; userPoolId: string; clientId: string; issuer: string };
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
    /** The demo people: one admin of the supplier and of each partner, and their password. */
    users: DemoUser[];
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
 * registry with the events AWS would send, by the triggers the registry gives
 * them. Sets process.env for the handlers (they read it at module scope), so
 * there is one local cloud per process.
 */
export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const startedAt = new Date();
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const { localDir, files } = await openHome(options.home);
  const teardown = new Teardown([
    { name: 'lock', stop: () => rm(files.lock, { force: true }) },
    { name: 'endpoints.json', stop: () => rm(files.endpoints, { force: true }) },
  ]);

  try {
    const operatorKey = await loadOrCreateOperatorKey(files.operatorKey);
    const linkKeys = await loadOrCreateLinkKeys(files.linkKeys);
    const ports = await resolvePorts(options.port === undefined ? {} : { api: options.port });
    const urls = urlsOf(ports);
    applyEnvironment(handlerEnvironment({ urls, operatorKey, linkKeys }));

    const dispatcher = new Dispatcher();
    const services = await startServices({
      ports,
      urls,
      localDir,
      files,
      dispatcher,
      teardown,
      options,
      print,
    });
    options.signal?.throwIfAborted();
    const { region, accountId } = localSettings;
    const lambda = createLambdaRuntime({
      handlers: services.handlers,
      region,
      accountId,
      quiet: options.quiet ?? false,
      print,
      ...(options.onInvocation ? { onInvocation: options.onInvocation } : {}),
      ...(options.lambdaConcurrency ? { concurrency: options.lambdaConcurrency } : {}),
    });
    teardown.add('lambda runtime', () => lambda.stop());
    dispatcher.connect(lambda);

    const warnings = await ensureTable(services.dynamoClient, localSettings.tableName);
    const stopStreamConsumers = await startStreamConsumers({
      endpoint: services.dynamodb.endpoint,
      dataDir: join(localDir, 'streams'),
      lambda,
    });
    teardown.add('stream poller', stopStreamConsumers);
    const scheduler = await startScheduler({
      port: ports.scheduler,
      dataDir: join(localDir, 'scheduler'),
      lambda,
      ...(options.schedulerNow ? { now: options.schedulerNow } : {}),
    });
    teardown.add('scheduler emulator', () => scheduler.stop());
    const api = await startApi(ports.api, lambda, {
      dir: consoleDist,
      // The CSP CloudFront sends in AWS, with the local pool and the local S3 (presigned uploads).
      headers: consoleHeaders({ cognito: [services.cognito.endpoint], uploads: [urls.s3] }),
      config: () => ({
        cognito: {
          region: localSettings.region,
          userPoolId: services.pool.userPoolId,
          clientId: services.pool.clientId,
          endpoint: services.cognito.endpoint,
        },
      }),
    });
    teardown.add('http api', () => api.stop());
    // Every service listens now: the probes of a cloud starting next see them taken.
    releasePortClaims();
    // Stopped first: its last batch may still email, schedule and invoke, through the emulators above.
    teardown.add('stream poller (drain)', stopStreamConsumers);
    await registerSchedules({ endpoint: scheduler.endpoint, functionArn: lambda.functionArn });

    options.signal?.throwIfAborted();
    const demo = await seedDemoOrWarn(
      {
        apiUrl: api.url,
        operatorKey,
        file: files.demo,
        people: { file: files.demoUsers, cognito: services.cognito, pool: services.pool },
      },
      warnings,
    );
    const endpoints = endpointsOf({ api, services, scheduler, operatorKey, demo, startedAt });
    await writeFileAtomically(files.endpoints, `${JSON.stringify(endpoints, null, 2)}\n`);

    return {
      endpoints,
      localDir,
      runtime: lambda,
      warnings,
      stop: () => teardown.stop(),
      killNow: () => teardown.killNow(),
    };
  } catch (error) {
    releasePortClaims();
    teardown.killNow();
    await teardown.stop();
    throw error;
  }
}

/** The files of a home's `.local` folder. */
interface HomeFiles {
  endpoints: string;
  operatorKey: string;
  linkKeys: string;
  demo: string;
  lock: string;
  dynamodbPid: string;
  demoUsers: string;
}

/** Creates `.local` under the home, takes its lock and removes an earlier run's endpoints.json. */
async function openHome(home: string): Promise<{ localDir: string; files: HomeFiles }> {
  const localDir = join(resolve(home), '.local');
  const files: HomeFiles = {
    endpoints: join(localDir, 'endpoints.json'),
    operatorKey: join(localDir, 'operator-key'),
    linkKeys: join(localDir, 'link-keys.json'),
    demo: join(localDir, 'demo.json'),
    lock: join(localDir, 'local-cloud.pid'),
    dynamodbPid: join(localDir, 'dynamodb.pid'),
    demoUsers: join(localDir, 'demo-users.json'),
  };
  await mkdir(localDir, { recursive: true });
  await takeLock(files.lock);
  // endpoints.json means "up and ready": never leave one from an earlier run for a waiter to find.
  await rm(files.endpoints, { force: true });
  return { localDir, files };
}

/**
 * What the local cloud has started, stopped last first, so that a failure anywhere
 * during the start unwinds exactly what had begun, and stop() everything.
 */
class Teardown {
  private readonly killers: (() => void)[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly steps: { name: string; stop: () => Promise<void> }[]) {}

  add(name: string, stop: () => Promise<void>, kill?: () => void): void {
    this.steps.push({ name, stop });
    if (kill) this.killers.push(kill);
  }

  /** Registers how to stop what `promise` starts, once it has started. */
  started<T>(
    name: string,
    promise: Promise<T>,
    stop: (value: T) => Promise<void>,
    kill?: (value: T) => void,
  ) {
    return promise.then((value) => {
      this.add(name, () => stop(value), kill ? () => kill(value) : undefined);
      return value;
    });
  }

  /** Safe to call twice: the second call waits for the first. */
  stop(): Promise<void> {
    this.stopping ??= this.unwind();
    return this.stopping;
  }

  /** Synchronous: SIGKILL the child processes. */
  killNow(): void {
    for (const kill of this.killers) kill();
  }

  private async unwind(): Promise<void> {
    const errors: string[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop();
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
  }
}

/**
 * Hands the emulators' events to the functions whose registry triggers match them,
 * asynchronously as AWS does. Events can arrive before the handlers are loaded; they
 * wait here until the runtime is connected.
 */
class Dispatcher {
  private runtime: LambdaRuntime | undefined;
  private readonly early: [FunctionName, unknown][] = [];

  connect(runtime: LambdaRuntime): void {
    this.runtime = runtime;
    for (const [fn, event] of this.early.splice(0)) runtime.invokeAsync(fn, event);
  }

  dispatch(fn: FunctionName, event: unknown): void {
    if (this.runtime) this.runtime.invokeAsync(fn, event);
    else this.early.push([fn, event]);
  }

  /** The S3 emulator's notifications: one per function with an objectCreated trigger. */
  objectCreatedNotifications(): ObjectCreatedNotification[] {
    return triggers.objectCreated.map(({ fn, prefix }) => ({
      prefix,
      onObjectCreated: (event) => this.dispatch(fn, event),
    }));
  }

  /** An event on the (emulated) default bus goes to each function whose pattern it matches. */
  onBusEvent(event: unknown): void {
    for (const { fn, pattern } of triggers.bus) {
      if (matchesEventPattern(pattern, event)) this.dispatch(fn, event);
    }
  }
}

type Urls = Record<'api' | 'dynamodb' | 's3' | 'ses' | 'scheduler' | 'cognito', string>;

function urlsOf(ports: Ports): Urls {
  const url = (port: number) => `http://${localSettings.host}:${port}`;
  return {
    api: url(ports.api),
    dynamodb: url(ports.dynamodb),
    s3: url(ports.s3),
    ses: url(ports.ses),
    scheduler: url(ports.scheduler),
    cognito: url(ports.cognito),
  };
}

/**
 * The slow parts (the Java process, compiling the handlers) start together with the S3
 * and SES emulators; all settle before a failure is thrown, so nothing that did start is
 * left running.
 */
async function startServices(input: {
  ports: Ports;
  urls: Urls;
  localDir: string;
  files: HomeFiles;
  dispatcher: Dispatcher;
  teardown: Teardown;
  options: LocalCloudOptions;
  print: (line: string) => void;
}) {
  const { ports, localDir, dispatcher, teardown, options } = input;
  const { host, region, accountId, credentials } = localSettings;
  const maxSendRate = options.sesMaxSendRate ?? parseMaxSendRate(process.env.LEADRELAY_SES_MAX_SEND_RATE);
  const dynamoClient = createDynamoClient({
    region,
    endpoint: input.urls.dynamodb,
    credentials,
    maxAttempts: 1,
  });
  teardown.add('dynamodb client', async () => dynamoClient.destroy());

  // What Cognito would email (an invitation's temporary password, a reset code) goes to the log, a line each.
  const cognito = teardown
    .started(
      'Cognito emulator',
      startCognitoLocal({
        dataDir: join(localDir, 'cognito'),
        host,
        port: ports.cognito,
        onCode: (email, code) =>
          input.print(
            `cognito: email to ${email} (an invitation's temporary password, or a reset code): ${code}`,
          ),
      }),
      (c) => c.stop(),
      (c) => c.killNow(),
    )
    .then(async (local) => ({ local, pool: await ensureUserPool(local, 'lead-relay') }));
  const results = await Promise.allSettled([
    teardown.started(
      'DynamoDB Local',
      startDynamoDbLocal({
        port: ports.dynamodb,
        dataDir: join(localDir, 'dynamodb'),
        pidFile: input.files.dynamodbPid,
        client: dynamoClient,
        ...(options.signal ? { signal: options.signal } : {}),
      }),
      (d) => d.stop(),
      (d) => d.killNow(),
    ),
    teardown.started(
      'S3 emulator',
      startLocalS3({
        host,
        port: ports.s3,
        directory: join(localDir, 's3'),
        bucket: localSettings.bucketName,
        region,
        notifications: dispatcher.objectCreatedNotifications(),
      }),
      (s) => s.stop(),
    ),
    teardown.started(
      'SES emulator',
      mkdir(join(localDir, 'ses'), { recursive: true }).then(() =>
        startSesEmulator({
          host,
          port: ports.ses,
          region,
          accountId,
          dataDir: join(localDir, 'ses'),
          ...(maxSendRate === undefined ? {} : { maxSendRate }),
          // SES publishes to the default bus, where the registry's patterns pick the consumers.
          onEvent: async (event) => dispatcher.onBusEvent(event),
        }),
      ),
      (s) => s.stop(),
    ),
    // The handlers read their settings when loaded: the user pool's ids come first.
    cognito.then(async ({ pool }) => {
      applyEnvironment(userPoolEnvironment(pool, input.urls.cognito));
      return loadHandlers();
    }),
    cognito,
  ]);
  const { local, pool } = settledValue(results[4]);
  return {
    dynamoClient,
    dynamodb: settledValue(results[0]),
    s3: settledValue(results[1]),
    ses: settledValue(results[2]),
    handlers: settledValue(results[3]),
    cognito: local,
    pool,
  };
}

/** The api's user pool settings and the SDK's endpoint for it (the emulator). */
function userPoolEnvironment(pool: LocalUserPool, endpoint: string): Record<string, string> {
  return {
    [EnvName.userPoolId]: pool.userPoolId,
    [EnvName.userPoolClientId]: pool.clientId,
    [EnvName.tokenIssuer]: pool.issuer,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: endpoint,
  };
}

/**
 * One stream poller with a consumer per function the registry gives a stream trigger,
 * each with that trigger's filter, batch size and retries; the handler's
 * DynamoDBBatchResponse (partial failures) goes back to the poller as is. Answers how to
 * stop it (once, however often it is called).
 */
async function startStreamConsumers(input: {
  endpoint: string;
  dataDir: string;
  lambda: LambdaRuntime;
}): Promise<() => Promise<void>> {
  await mkdir(input.dataDir, { recursive: true });
  const { region, credentials } = localSettings;
  const poller = startStreamPoller({
    endpoint: input.endpoint,
    region,
    credentials,
    tableName: localSettings.tableName,
    dataDir: input.dataDir,
    consumers: triggers.stream.map(({ fn, trigger }) => ({
      name: fn,
      filter: (record: DynamoDBRecord) => record.dynamodb?.NewImage?.entity?.S === trigger.entity,
      batchSize: trigger.batchSize,
      maxRetries: trigger.retryAttempts,
      invoke: async (event: DynamoDBStreamEvent) =>
        (await input.lambda.invoke(fn, event)) as DynamoDBBatchResponse | undefined,
    })),
  });
  let stopped: Promise<void> | undefined;
  return () => {
    stopped ??= poller.stop();
    return stopped;
  };
}

async function startScheduler(input: {
  port: number;
  dataDir: string;
  lambda: LambdaRuntime;
  now?: () => number;
}) {
  await mkdir(input.dataDir, { recursive: true });
  const { host, region, accountId } = localSettings;
  return startSchedulerEmulator({
    host,
    port: input.port,
    region,
    accountId,
    dataDir: input.dataDir,
    ...(input.now ? { now: input.now } : {}),
    // Scheduler invokes Lambda asynchronously: accepted means delivered; Lambda owns the retries.
    invoke: async (targetArn, event) => {
      const fn = functionOfName(targetArn);
      if (!fn) throw new Error(`no local function for target ${targetArn}`);
      input.lambda.invokeAsync(fn, event);
    },
  });
}

function startApi(port: number, lambda: LambdaRuntime, hosting: ConsoleHosting) {
  const { host, region, accountId } = localSettings;
  return startHttpApi({
    host,
    port,
    accountId,
    console: hosting,
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
}

/** A demo that cannot be seeded is a warning, not a failed start: the next start tries again. */
async function seedDemoOrWarn(
  input: {
    apiUrl: string;
    operatorKey: string;
    file: string;
    people: { file: string; cognito: CognitoLocal; pool: LocalUserPool };
  },
  warnings: string[],
): Promise<(Demo & { users: DemoUser[] }) | undefined> {
  try {
    const demo = await seedDemo(input);
    return { ...demo, users: await seedPeople({ apiUrl: input.apiUrl, demo, ...input.people }) };
  } catch (error) {
    warnings.push(
      `demo data not seeded (${error instanceof Error ? error.message : String(error)}); ` +
        'the next start tries again',
    );
    return undefined;
  }
}

function endpointsOf(input: {
  api: { url: string };
  services: {
    dynamodb: { endpoint: string };
    s3: { endpoint: string };
    ses: SesEmulator;
    cognito: CognitoLocal;
    pool: LocalUserPool;
  };
  scheduler: { endpoint: string };
  operatorKey: string;
  demo: (Demo & { users: DemoUser[] }) | undefined;
  startedAt: Date;
}): LocalEndpoints {
  const { api, services, demo } = input;
  const { region, credentials } = localSettings;
  return {
    api: api.url,
    dynamodb: services.dynamodb.endpoint,
    s3: services.s3.endpoint,
    ses: services.ses.endpoint,
    mailbox: services.ses.mailboxUrl,
    scheduler: input.scheduler.endpoint,
    cognito: { endpoint: services.cognito.endpoint, ...services.pool },
    invocations: `${api.url}/_local/invocations`,
    bucket: localSettings.bucketName,
    table: localSettings.tableName,
    region,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    operatorKey: input.operatorKey,
    demo: demo
      ? {
          supplierId: demo.supplierId,
          supplierKey: demo.supplierKey,
          partnerKeys: Object.fromEntries(Object.entries(demo.partners).map(([name, p]) => [name, p.key])),
          partnerIds: Object.fromEntries(Object.entries(demo.partners).map(([name, p]) => [name, p.id])),
          users: demo.users,
        }
      : null,
    startedAt: input.startedAt.toISOString(),
    pid: process.pid,
  };
}

/** The variables each handler's ConfigSchemas entry asks for, plus the SDK settings that point it here. */
function handlerEnvironment(input: {
  urls: { api: string; dynamodb: string; s3: string; ses: string; scheduler: string };
  operatorKey: string;
  linkKeys: string;
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
    [EnvName.rerouteFunctionArn]: functionArnOf('reroute', localSettings),
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
    // The api starts large exports the same way, through the same local Lambda API.
    [EnvName.exportFunctionName]: 'export',
    // Webhook receivers here run on this machine (loopback), which AWS refuses as a target.
    [EnvName.webhookAllowPrivateTargets]: 'true',
    // A shorter first retry wait (seconds) when asked for, as the end-to-end tests do.
    [EnvName.webhookRetryBaseSeconds]: process.env[EnvName.webhookRetryBaseSeconds],
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
    // Handler logs at WARN and up unless asked for more, so the invocation log stays readable.
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? process.env.AWS_LAMBDA_LOG_LEVEL ?? 'WARN',
    // The EMF metric lines (one JSON document per invocation) stay out of the console unless asked
    // for with POWERTOOLS_METRICS_DISABLED=false; there is no CloudWatch here to read them.
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    // No X-Ray daemon here: tracing off (Powertools also turns it off outside Lambda by itself).
    POWERTOOLS_TRACE_ENABLED: 'false',
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

/**
 * The registry's scheduled functions (the reroute sweep, the upload sweeper) get the
 * rate() schedules the stack gives them, on the emulator, through the real Scheduler
 * client. On a restart they exist already, so they are updated to the registry's; one
 * the registry no longer has (a trigger removed or renamed) is deleted, as a deploy
 * would delete it.
 */
async function registerSchedules(input: {
  endpoint: string;
  functionArn: (fn: FunctionName) => string;
}): Promise<void> {
  const { region, credentials, accountId } = localSettings;
  const client = new SchedulerClient({ region, endpoint: input.endpoint, credentials });
  try {
    for (const schedule of triggers.schedules) {
      const request = {
        Name: schedule.name,
        GroupName: localSettings.scheduleGroup,
        ScheduleExpression: schedule.expression,
        FlexibleTimeWindow: { Mode: 'OFF' as const },
        Target: {
          Arn: input.functionArn(schedule.fn),
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
    const current = new Set(triggers.schedules.map((schedule) => schedule.name));
    const listed = await client.send(new ListSchedulesCommand({ GroupName: localSettings.scheduleGroup }));
    for (const { Name: name } of listed.Schedules ?? []) {
      if (name === undefined || !isLocalScheduleName(name) || current.has(name)) continue;
      await client.send(new DeleteScheduleCommand({ Name: name, GroupName: localSettings.scheduleGroup }));
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
