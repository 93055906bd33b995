/**
 * EventBridge Scheduler emulator: speaks the REST-JSON API that `@aws-sdk/client-scheduler` sends,
 * for the calls Lead Relay makes (CreateSchedule and DeleteSchedule from packages/aws; the local
 * cloud's UpdateSchedule of the registry's rate() schedules; GetSchedule, ListSchedules and
 * CreateScheduleGroup in tests), with at() and rate() expressions in UTC, and fires due schedules
 * by calling `invoke` with the target ARN and parsed Input. Anything else it refuses by name
 * rather than half-emulate it.
 *
 * Schedules live in `${dataDir}/schedules.json` so a reroute deadline set before a restart still
 * fires after it; one that fell due while the emulator was down fires on start.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { readBody } from './http-body';
import { createJsonFileWriter, readJsonFile } from './json-store';

export interface SchedulerEmulatorOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  region: string;
  accountId: string;
  /** Schedules persist to `${dataDir}/schedules.json` so that they survive a restart. */
  dataDir: string;
  /** Invoke the Lambda named by the target ARN with the schedule's Input (JSON-parsed). Throwing = failed attempt. */
  invoke: (targetArn: string, input: unknown) => Promise<void>;
  /** How often to look for due schedules (default 500). */
  tickMs?: number;
  /**
   * The time schedules fall due by, in ms (default Date.now): a bench moves it forward so a
   * 48-hour deadline fires now, through the same path as on AWS.
   */
  now?: () => number;
}

/** A schedule's target as the API carries it (Arn, RoleArn, Input, RetryPolicy, ...). */
export interface ScheduleTarget {
  Arn: string;
  RoleArn: string;
  Input?: string;
  [member: string]: unknown;
}

export interface ScheduleRecord {
  name: string;
  groupName: string;
  arn: string;
  scheduleExpression: string;
  target: ScheduleTarget;
  actionAfterCompletion: 'DELETE' | 'NONE';
  clientToken?: string;
  /** ISO 8601. */
  creationDate: string;
  /** ISO 8601. */
  lastModificationDate: string;
  /** `completed`: an at() schedule that has fired, kept because ActionAfterCompletion is NONE. */
  status: 'scheduled' | 'completed';
  /** ISO 8601 time of the next run; absent when none is left. */
  nextRunAt?: string;
  /** ISO 8601 time of the last run, and how it ended. */
  lastRunAt?: string;
  lastOutcome?: 'succeeded' | 'dropped';
}

/**
 * What Scheduler would send to a target's DeadLetterConfig queue: a run dropped
 * after its attempts. There is no SQS locally, so the emulator keeps them (in
 * memory) and logs each one.
 */
export interface DeadLetter {
  /** The DeadLetterConfig.Arn it would go to. */
  queueArn: string;
  scheduleArn: string;
  targetArn: string;
  /** The target's Input, JSON-parsed, as the invocation would have had it. */
  input: unknown;
  attempts: number;
  /** The last attempt's error. */
  error: string;
  /** ISO 8601. */
  at: string;
}

export interface SchedulerEmulator {
  endpoint: string;
  stop(): Promise<void>;
  list(): ScheduleRecord[];
  /** Runs dropped after their attempts whose target has a DeadLetterConfig, oldest first. */
  deadLetters(): DeadLetter[];
}

interface GroupRecord {
  name: string;
  arn: string;
}

interface PersistedState {
  groups: GroupRecord[];
  schedules: ScheduleRecord[];
}

type ErrorType =
  | 'ValidationException'
  | 'ConflictException'
  | 'ResourceNotFoundException'
  | 'InternalServerException';

const STATUS_OF: Record<ErrorType, number> = {
  ValidationException: 400,
  ConflictException: 409,
  ResourceNotFoundException: 404,
  InternalServerException: 500,
};

class ApiError extends Error {
  constructor(
    readonly type: ErrorType,
    message: string,
  ) {
    super(message);
  }
}

const DEFAULT_GROUP = 'default';
const NAME_PATTERN = /^[0-9a-zA-Z\-_.]{1,64}$/;
/** Attempts per run at most, locally (AWS allows up to 186): a failing target is given up on in seconds. */
const MAX_ATTEMPTS = 3;
/** The ranges AWS accepts for Target.RetryPolicy. */
const MAX_RETRY_ATTEMPTS = 185;
const EVENT_AGE_SECONDS = { min: 60, max: 86_400 } as const;
const SQS_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
const RATE_UNITS: Record<string, number> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

/** Schedule settings Lead Relay never sends; refused rather than silently ignored. */
const UNSUPPORTED_FIELDS = ['StartDate', 'EndDate', 'KmsKeyArn'] as const;

type ParsedExpression = { kind: 'at'; at: number } | { kind: 'rate'; periodMs: number };

function endpointHost(host: string): string {
  if (host === '' || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** at() is wall-clock time in the schedule's time zone, always UTC here. */
function parseExpression(expression: string): ParsedExpression {
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(expression.trim());
  if (at) {
    const [year, month, day, hour, minute, second] = at.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const wall = Date.UTC(year, month - 1, day, hour, minute, second);
    const check = new Date(wall);
    if (
      check.getUTCMonth() !== month - 1 ||
      check.getUTCDate() !== day ||
      hour > 23 ||
      minute > 59 ||
      second > 59
    ) {
      throw new ApiError(
        'ValidationException',
        `ScheduleExpression: ${expression} is not a valid date and time`,
      );
    }
    return { kind: 'at', at: wall };
  }
  const rate = /^rate\((\d+)\s+([a-z]+)\)$/.exec(expression.trim());
  if (rate) {
    const value = Number(rate[1]);
    const unit = RATE_UNITS[rate[2] ?? ''];
    if (unit === undefined || value < 1) {
      throw new ApiError(
        'ValidationException',
        `ScheduleExpression: ${expression} must be rate(<positive number> minutes|hours|days)`,
      );
    }
    return { kind: 'rate', periodMs: value * unit };
  }
  throw new ApiError(
    'ValidationException',
    `ScheduleExpression: ${expression} must be at(yyyy-mm-ddThh:mm:ss) or rate(value unit)`,
  );
}

/** REST-JSON carries timestamps as epoch seconds. */
function epochSeconds(iso: string): number {
  return Date.parse(iso) / 1000;
}

function parseInput(input: string | undefined): unknown {
  if (input === undefined) return {};
  try {
    return JSON.parse(input) as unknown;
  } catch {
    return input;
  }
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new ApiError('ValidationException', `${field} is required`);
  }
  return value;
}

/** Target.RetryPolicy, as AWS checks it: retries 0–185, event age 60–86,400 seconds, both whole numbers. */
function validateRetryPolicy(policy: unknown): void {
  if (policy === undefined) return;
  if (policy === null || typeof policy !== 'object') {
    throw new ApiError('ValidationException', 'Target.RetryPolicy must be an object');
  }
  const { MaximumRetryAttempts: retries, MaximumEventAgeInSeconds: age } = policy as Record<string, unknown>;
  if (
    retries !== undefined &&
    !(Number.isInteger(retries) && (retries as number) >= 0 && (retries as number) <= MAX_RETRY_ATTEMPTS)
  ) {
    throw new ApiError(
      'ValidationException',
      `Target.RetryPolicy.MaximumRetryAttempts must be a whole number from 0 to ${MAX_RETRY_ATTEMPTS}`,
    );
  }
  if (
    age !== undefined &&
    !(
      Number.isInteger(age) &&
      (age as number) >= EVENT_AGE_SECONDS.min &&
      (age as number) <= EVENT_AGE_SECONDS.max
    )
  ) {
    throw new ApiError(
      'ValidationException',
      `Target.RetryPolicy.MaximumEventAgeInSeconds must be a whole number from ${EVENT_AGE_SECONDS.min} to ${EVENT_AGE_SECONDS.max}`,
    );
  }
}

/** Target.DeadLetterConfig: an SQS queue ARN. */
function validateDeadLetterConfig(config: unknown): void {
  if (config === undefined) return;
  const arn = config !== null && typeof config === 'object' ? (config as { Arn?: unknown }).Arn : undefined;
  if (typeof arn !== 'string' || !SQS_ARN.test(arn)) {
    throw new ApiError('ValidationException', 'Target.DeadLetterConfig.Arn must be the ARN of an SQS queue');
  }
}

/** The attempts of one run: the first and the policy's retries, capped locally at {@link MAX_ATTEMPTS}. */
function attemptsOf(target: ScheduleTarget): number {
  const retries = (target.RetryPolicy as { MaximumRetryAttempts?: number } | undefined)?.MaximumRetryAttempts;
  return retries === undefined ? MAX_ATTEMPTS : Math.min(MAX_ATTEMPTS, 1 + retries);
}

function sendJson(res: ServerResponse, status: number, body: unknown, errorType?: ErrorType): void {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-amzn-requestid': randomUUID(),
  };
  if (errorType !== undefined) headers['x-amzn-errortype'] = errorType;
  res.writeHead(status, headers);
  res.end(JSON.stringify(body));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function startSchedulerEmulator(opts: SchedulerEmulatorOptions): Promise<SchedulerEmulator> {
  const file = join(opts.dataDir, 'schedules.json');
  const writer = createJsonFileWriter(file);
  const saved = await readJsonFile<PersistedState>(file, { groups: [], schedules: [] });

  const key = (group: string, name: string) => `${group}/${name}`;
  const groupArn = (name: string) =>
    `arn:aws:scheduler:${opts.region}:${opts.accountId}:schedule-group/${name}`;
  const scheduleArn = (group: string, name: string) =>
    `arn:aws:scheduler:${opts.region}:${opts.accountId}:schedule/${group}/${name}`;

  const groups = new Map(saved.groups.map((g) => [g.name, g]));
  const schedules = new Map(saved.schedules.map((s) => [key(s.groupName, s.name), s]));
  const ensureGroup = (name: string): GroupRecord => {
    let group = groups.get(name);
    if (!group) {
      group = { name, arn: groupArn(name) };
      groups.set(name, group);
    }
    return group;
  };
  ensureGroup(DEFAULT_GROUP);

  const persist = () => writer.write({ groups: [...groups.values()], schedules: [...schedules.values()] });

  const running = new Set<string>();
  const deadLetters: DeadLetter[] = [];
  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  const clock = opts.now ?? Date.now;

  /** When the record should next fire, from its expression, after `previousRun` (ms) for rate(). */
  const computeNextRun = (record: ScheduleRecord, previousRun?: number): string | undefined => {
    const parsed = parseExpression(record.scheduleExpression);
    let next: number;
    if (parsed.kind === 'at') {
      if (previousRun !== undefined) return undefined;
      next = parsed.at;
    } else if (previousRun === undefined) {
      // A rate() schedule first runs when it is created.
      next = clock();
    } else {
      next = previousRun + parsed.periodMs;
      // Runs missed while the emulator was down collapse into the one that just happened.
      while (next <= clock()) next += parsed.periodMs;
    }
    return new Date(next).toISOString();
  };

  const buildRecord = (
    name: string,
    body: Record<string, unknown>,
    existing: ScheduleRecord | undefined,
  ): ScheduleRecord => {
    const groupName = (body.GroupName as string | undefined) ?? DEFAULT_GROUP;
    if (!NAME_PATTERN.test(groupName)) {
      throw new ApiError('ValidationException', 'GroupName must be 1 to 64 of [0-9a-zA-Z-_.]');
    }
    for (const field of UNSUPPORTED_FIELDS) {
      if (body[field] !== undefined) {
        throw new ApiError('ValidationException', `${field} is not supported by the local scheduler`);
      }
    }
    const timeZone = body.ScheduleExpressionTimezone;
    if (timeZone !== undefined && timeZone !== 'UTC') {
      throw new ApiError(
        'ValidationException',
        'ScheduleExpressionTimezone: the local scheduler runs in UTC only',
      );
    }
    const expression = requireString(body.ScheduleExpression, 'ScheduleExpression');
    parseExpression(expression);

    const target = body.Target as Record<string, unknown> | undefined;
    if (target === undefined || target === null || typeof target !== 'object') {
      throw new ApiError('ValidationException', 'Target is required');
    }
    requireString(target.Arn, 'Target.Arn');
    requireString(target.RoleArn, 'Target.RoleArn');
    if (target.Input !== undefined && typeof target.Input !== 'string') {
      throw new ApiError('ValidationException', 'Target.Input must be a string');
    }
    validateRetryPolicy(target.RetryPolicy);
    validateDeadLetterConfig(target.DeadLetterConfig);

    const window = body.FlexibleTimeWindow as { Mode?: unknown } | undefined;
    if (window === undefined || window === null || typeof window !== 'object') {
      throw new ApiError('ValidationException', 'FlexibleTimeWindow is required');
    }
    if (requireString(window.Mode, 'FlexibleTimeWindow.Mode') !== 'OFF') {
      throw new ApiError('ValidationException', 'FlexibleTimeWindow.Mode must be OFF locally');
    }
    if ((body.State ?? 'ENABLED') !== 'ENABLED') {
      throw new ApiError('ValidationException', 'State must be ENABLED locally');
    }
    const action = (body.ActionAfterCompletion as string | undefined) ?? 'NONE';
    if (action !== 'DELETE' && action !== 'NONE') {
      throw new ApiError('ValidationException', 'ActionAfterCompletion must be DELETE or NONE');
    }

    const now = new Date().toISOString();
    const record: ScheduleRecord = {
      name,
      groupName,
      arn: scheduleArn(groupName, name),
      scheduleExpression: expression.trim(),
      target: target as ScheduleTarget,
      actionAfterCompletion: action,
      creationDate: existing?.creationDate ?? now,
      lastModificationDate: now,
      status: 'scheduled',
    };
    if (typeof body.ClientToken === 'string') record.clientToken = body.ClientToken;
    const next = computeNextRun(record);
    if (next === undefined) record.status = 'completed';
    else record.nextRunAt = next;
    return record;
  };

  const describe = (s: ScheduleRecord) => ({
    Arn: s.arn,
    GroupName: s.groupName,
    Name: s.name,
    ScheduleExpression: s.scheduleExpression,
    ScheduleExpressionTimezone: 'UTC',
    State: 'ENABLED',
    CreationDate: epochSeconds(s.creationDate),
    LastModificationDate: epochSeconds(s.lastModificationDate),
    Target: s.target,
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: s.actionAfterCompletion,
  });

  const findSchedule = (group: string, name: string): ScheduleRecord => {
    const found = schedules.get(key(group, name));
    if (!found) throw new ApiError('ResourceNotFoundException', `Schedule ${name} does not exist.`);
    return found;
  };

  const route = async (method: string, url: URL, rawBody: string): Promise<[number, unknown]> => {
    let body: Record<string, unknown> = {};
    if (rawBody.trim() !== '') {
      try {
        body = JSON.parse(rawBody) as Record<string, unknown>;
      } catch {
        throw new ApiError('ValidationException', 'The request body is not valid JSON');
      }
    }
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const [collection, name, extra] = segments;
    if (extra !== undefined)
      throw new ApiError('ResourceNotFoundException', `No such resource: ${url.pathname}`);
    if (name !== undefined && !NAME_PATTERN.test(name)) {
      throw new ApiError('ValidationException', 'Name must be 1 to 64 of [0-9a-zA-Z-_.]');
    }

    if (collection === 'schedules' && name !== undefined) {
      const group =
        url.searchParams.get('groupName') ?? (body.GroupName as string | undefined) ?? DEFAULT_GROUP;
      if (method === 'POST') {
        const record = buildRecord(name, body, undefined);
        const existing = schedules.get(key(record.groupName, name));
        if (existing) {
          // A retried create carries the same ClientToken (the SDK sets one): answer it like the first one.
          if (record.clientToken !== undefined && existing.clientToken === record.clientToken) {
            return [200, { ScheduleArn: existing.arn }];
          }
          throw new ApiError('ConflictException', `Schedule ${name} already exists.`);
        }
        // Groups spring into being on first use locally; on AWS the stack creates them.
        ensureGroup(record.groupName);
        schedules.set(key(record.groupName, name), record);
        await persist();
        return [200, { ScheduleArn: record.arn }];
      }
      if (method === 'PUT') {
        const existing = findSchedule((body.GroupName as string | undefined) ?? DEFAULT_GROUP, name);
        const record = buildRecord(name, body, existing);
        schedules.set(key(record.groupName, name), record);
        await persist();
        return [200, { ScheduleArn: record.arn }];
      }
      if (method === 'GET') return [200, describe(findSchedule(group, name))];
      if (method === 'DELETE') {
        findSchedule(group, name);
        schedules.delete(key(group, name));
        await persist();
        return [200, {}];
      }
    }

    // Every schedule of a group (or of all), in one page: a local cloud holds few.
    if (collection === 'schedules' && name === undefined && method === 'GET') {
      const group = url.searchParams.get('ScheduleGroup');
      const matching = [...schedules.values()]
        .filter((s) => group === null || s.groupName === group)
        .sort((a, b) => key(a.groupName, a.name).localeCompare(key(b.groupName, b.name)));
      return [
        200,
        {
          Schedules: matching.map((s) => ({
            Arn: s.arn,
            Name: s.name,
            GroupName: s.groupName,
            State: 'ENABLED',
            CreationDate: epochSeconds(s.creationDate),
            LastModificationDate: epochSeconds(s.lastModificationDate),
            Target: { Arn: s.target.Arn },
          })),
        },
      ];
    }

    if (collection === 'schedule-groups' && name !== undefined && method === 'POST') {
      if (groups.has(name)) throw new ApiError('ConflictException', `Schedule group ${name} already exists.`);
      const group = ensureGroup(name);
      await persist();
      return [200, { ScheduleGroupArn: group.arn }];
    }

    throw new ApiError(
      'ResourceNotFoundException',
      `The local scheduler does not support ${method} ${url.pathname}`,
    );
  };

  const fire = async (record: ScheduleRecord): Promise<void> => {
    const k = key(record.groupName, record.name);
    running.add(k);
    try {
      const input = parseInput(record.target.Input);
      const dueAt = Date.parse(record.nextRunAt ?? new Date().toISOString());
      const attempts = attemptsOf(record.target);
      let succeeded = false;
      let attempt = 0;
      let lastError: unknown;
      while (attempt < attempts && !stopping) {
        attempt += 1;
        try {
          await opts.invoke(record.target.Arn, input);
          succeeded = true;
          break;
        } catch (error) {
          lastError = error;
          console.error(`scheduler: ${k} attempt ${attempt} of ${attempts} failed`, error);
          if (attempt < attempts) await sleep(100 * 2 ** (attempt - 1));
        }
      }
      // Stopped mid-retry: leave the run due so the next start delivers it (at least once).
      if (!succeeded && stopping) return;
      if (!succeeded) {
        const queueArn = (record.target.DeadLetterConfig as { Arn?: string } | undefined)?.Arn;
        if (queueArn === undefined) {
          console.error(`scheduler: ${k} dropped after ${attempt} attempts (no DeadLetterConfig)`);
        } else {
          console.error(
            `scheduler: ${k} sent to the dead-letter queue ${queueArn} after ${attempt} attempts`,
          );
          deadLetters.push({
            queueArn,
            scheduleArn: record.arn,
            targetArn: record.target.Arn,
            input,
            attempts: attempt,
            error: lastError instanceof Error ? `${lastError.name}: ${lastError.message}` : String(lastError),
            at: new Date().toISOString(),
          });
        }
      }
      // Deleted or replaced while it ran: the newer definition decides what happens next.
      if (schedules.get(k) !== record) return;
      record.lastRunAt = new Date().toISOString();
      record.lastOutcome = succeeded ? 'succeeded' : 'dropped';
      const next = computeNextRun(record, dueAt);
      if (next !== undefined) {
        record.nextRunAt = next;
      } else if (record.actionAfterCompletion === 'DELETE') {
        schedules.delete(k);
      } else {
        record.status = 'completed';
        delete record.nextRunAt;
      }
      await persist();
    } finally {
      running.delete(k);
    }
  };

  const tick = () => {
    if (stopping) return;
    const at = clock();
    for (const [k, record] of schedules) {
      if (record.status !== 'scheduled' || running.has(k)) continue;
      if (record.nextRunAt === undefined || Date.parse(record.nextRunAt) > at) continue;
      const run = fire(record).catch((error: unknown) => console.error(`scheduler: ${k} failed`, error));
      inFlight.add(run);
      void run.finally(() => inFlight.delete(run));
    }
  };

  const server: Server = createServer((req, res) => {
    const handle = async () => {
      const url = new URL(req.url ?? '/', 'http://local');
      const rawBody = (await readBody(req)).toString('utf8');
      const [status, body] = await route(req.method ?? 'GET', url, rawBody);
      sendJson(res, status, body);
    };
    handle().catch((error: unknown) => {
      if (error instanceof ApiError) {
        sendJson(res, STATUS_OF[error.type], { Message: error.message }, error.type);
        return;
      }
      console.error('scheduler: request failed', error);
      sendJson(res, 500, { Message: 'Internal error in the local scheduler' }, 'InternalServerException');
    });
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });

  // Due while we were down: fire now rather than a tick later.
  tick();
  const timer = setInterval(tick, opts.tickMs ?? 500);

  return {
    endpoint: `http://${endpointHost(opts.host)}:${port}`,
    list: () => [...schedules.values()].map((s) => structuredClone(s)),
    deadLetters: () => deadLetters.map((d) => structuredClone(d)),
    async stop() {
      stopping = true;
      clearInterval(timer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.all([...inFlight]);
      await writer.flush();
    },
  };
}
