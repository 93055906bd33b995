import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loggablePath } from '@leadrelay/core';
import type { Context } from 'aws-lambda';
import { type FunctionName, functionNames, functionSpecs } from '../../../functions/registry';

/** A handler as the Lambda Node.js runtime calls it: promise style, or callback style. */
export type Handler = (
  event: unknown,
  context: Context,
  callback: (error?: unknown, result?: unknown) => void,
) => unknown;

export type Handlers = Record<FunctionName, Handler>;

/** How the function was invoked: RequestResponse (API, stream poller) or Event (S3, SES, Scheduler). */
export type InvocationType = 'RequestResponse' | 'Event';

/** One line of the invocation log: what ran, when, how long, and whether it failed. */
export interface InvocationRecord {
  id: number;
  fn: FunctionName;
  requestId: string;
  /** ISO time the invocation started. */
  at: string;
  durationMs: number;
  ok: boolean;
  error?: string;
  /** What the event was about: method, path and status; S3 keys; stream records; SES event type; schedule input. */
  summary: string;
  invocationType: InvocationType;
  /** 1 for the first try; async invocations retry up to 3 attempts like Lambda. */
  attempt: number;
}

/** The last `capacity` invocations, in memory; old ones fall off so a long session cannot grow without bound. */
export class InvocationLog {
  private readonly items: InvocationRecord[] = [];
  private nextId = 1;

  constructor(private readonly capacity = 2000) {}

  add(record: Omit<InvocationRecord, 'id'>): InvocationRecord {
    const item = { id: this.nextId++, ...record };
    this.items.push(item);
    if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity);
    return item;
  }

  /** Newest first. */
  list(filter: { fn?: string; limit?: number } = {}): InvocationRecord[] {
    const limit = filter.limit ?? 100;
    const out: InvocationRecord[] = [];
    for (let i = this.items.length - 1; i >= 0 && out.length < limit; i--) {
      const item = this.items[i];
      if (item && (filter.fn === undefined || item.fn === filter.fn)) out.push(item);
    }
    return out;
  }
}

/** The repository root, where registry entries are relative to. */
export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * Loads every handler named in the registry, the same list the CDK stack
 * deploys, so no handler can be missing locally. Call it only after the
 * environment is set: handlers parse their configuration at module scope.
 */
export async function loadHandlers(root = repoRoot): Promise<Handlers> {
  const loaded = await Promise.all(
    functionNames.map(async (name) => {
      const entry = functionSpecs[name].entry;
      const module: { handler?: unknown } = await import(pathToFileURL(resolve(root, entry)).href);
      if (typeof module.handler !== 'function') {
        throw new Error(`${entry} does not export a function named handler (function ${name})`);
      }
      return [name, module.handler as Handler] as const;
    }),
  );
  return Object.fromEntries(loaded) as Handlers;
}

/** The ARN of a local function; {@link functionOfName} reads it back. */
export function functionArnOf(fn: FunctionName, where: { region: string; accountId: string }): string {
  return `arn:aws:lambda:${where.region}:${where.accountId}:function:${fn}`;
}

/**
 * The registry name behind a FunctionName as the Lambda API takes it: a name, a
 * full ARN (`arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`), a
 * partial ARN (`<account>:function:<name>`) or `<name>:<qualifier>`; undefined for
 * a function the local cloud does not run.
 */
export function functionOfName(nameOrArn: string): FunctionName | undefined {
  const afterFunction = nameOrArn.includes(':function:') ? nameOrArn.split(':function:')[1] : nameOrArn;
  const name = afterFunction?.split(':')[0];
  return name !== undefined && (functionNames as readonly string[]).includes(name)
    ? (name as FunctionName)
    : undefined;
}

export interface LambdaRuntimeOptions {
  handlers: Handlers;
  region: string;
  accountId: string;
  /** No log line per invocation. */
  quiet?: boolean;
  /**
   * Waits before the 2nd and 3rd attempt of a failed async invocation. Lambda
   * waits about 1 and 2 minutes; seconds here, so a retry shows up while you
   * are still looking at the log.
   */
  asyncRetryDelaysMs?: readonly number[];
  logCapacity?: number;
  /** Where log lines go (tests capture them). */
  print?: (line: string) => void;
  /** Told of every invocation as it ends, with its event (the cost bench counts them all). */
  onInvocation?: (record: InvocationRecord, event: unknown) => void;
  /**
   * How many invocations run at once (default: no limit); the others wait their turn, and
   * an invocation's duration starts when it runs. On Lambda each one has a sandbox of its
   * own; here they share one process, so a bench that times them runs them one at a time.
   */
  concurrency?: number;
}

/** The invocation a handler's code runs in, while it runs. */
export interface CurrentInvocation {
  fn: FunctionName;
  requestId: string;
  event: unknown;
}

const invocationScope = new AsyncLocalStorage<CurrentInvocation>();

/**
 * The invocation whose handler is running the caller's code (its awaits included), or
 * undefined outside one: what lets the cost bench put each SDK call down to the event
 * that caused it.
 */
export function currentInvocation(): CurrentInvocation | undefined {
  return invocationScope.getStore();
}

export interface LambdaRuntime {
  readonly log: InvocationLog;
  /** RequestResponse: resolves to the handler's result, rejects with its error. */
  invoke(fn: FunctionName, event: unknown): Promise<unknown>;
  /** Event: accepted at once (Lambda's 202); runs in the background and retries a failure twice. */
  invokeAsync(fn: FunctionName, event: unknown): void;
  /** The ARN the local account gives a function, as targets (Scheduler) name it. */
  functionArn(fn: FunctionName): string;
  /** Waits for in-flight invocations and pending retries to finish. */
  idle(): Promise<void>;
  /** Cancels pending retries and waits (briefly) for running invocations. */
  stop(): Promise<void>;
}

export function createLambdaRuntime(options: LambdaRuntimeOptions): LambdaRuntime {
  const log = new InvocationLog(options.logCapacity);
  const retryDelays = options.asyncRetryDelaysMs ?? [1000, 2000];
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const inFlight = new Set<Promise<unknown>>();
  const retryWaits = new Map<NodeJS.Timeout, () => void>();
  let stopped = false;

  const functionArn = (fn: FunctionName) => functionArnOf(fn, options);
  const slots = slotsOf(options.concurrency);

  const run = async (
    fn: FunctionName,
    event: unknown,
    invocationType: InvocationType,
    attempt: number,
  ): Promise<unknown> => {
    const release = await slots();
    try {
      return await runNow(fn, event, invocationType, attempt);
    } finally {
      release();
    }
  };

  const runNow = async (
    fn: FunctionName,
    event: unknown,
    invocationType: InvocationType,
    attempt: number,
  ): Promise<unknown> => {
    const requestId = randomUUID();
    const spec = functionSpecs[fn];
    const startedAt = Date.now();
    const context = lambdaContext(fn, requestId, startedAt + spec.timeoutSeconds * 1000, functionArn(fn));
    let result: unknown;
    let failure: unknown;
    try {
      // Lambda hands each attempt a fresh copy of the JSON payload: no object is shared with the
      // caller or with an earlier attempt that mutated it.
      const payload: unknown = event === undefined ? undefined : JSON.parse(JSON.stringify(event));
      result = await invocationScope.run({ fn, requestId, event }, () =>
        withTimeout(callHandler(options.handlers[fn], payload, context), spec.timeoutSeconds * 1000),
      );
    } catch (error) {
      failure = error;
    }
    const record = log.add({
      fn,
      requestId,
      at: new Date(startedAt).toISOString(),
      durationMs: Date.now() - startedAt,
      ok: failure === undefined,
      ...(failure === undefined ? {} : { error: describeError(failure) }),
      summary: summarize(event, result),
      invocationType,
      attempt,
    });
    if (!options.quiet) print(formatRecord(record));
    options.onInvocation?.(record, event);
    if (failure !== undefined) {
      // The stack is what CloudWatch would show for the failed invocation.
      if (!options.quiet && failure instanceof Error && failure.stack) print(indent(failure.stack));
      throw failure;
    }
    return result;
  };

  const track = <T>(promise: Promise<T>): Promise<T> => {
    inFlight.add(promise);
    promise.then(
      () => inFlight.delete(promise),
      () => inFlight.delete(promise),
    );
    return promise;
  };

  /** A wait that stop() can cut short, so no retry outlives the runtime. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        retryWaits.delete(timer);
        resolve();
      }, ms);
      retryWaits.set(timer, resolve);
    });

  const deliver = async (fn: FunctionName, event: unknown): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await run(fn, event, 'Event', attempt);
        return;
      } catch {
        const wait = retryDelays[attempt - 1];
        if (wait === undefined) {
          if (!options.quiet)
            print(`${' '.repeat(15)}${fn}: gave up after ${attempt} attempts (no DLQ locally)`);
          return;
        }
        await pause(wait);
        if (stopped) return;
      }
    }
  };

  return {
    log,
    invoke: (fn, event) => track(run(fn, event, 'RequestResponse', 1)),
    invokeAsync: (fn, event) => {
      if (!stopped) void track(deliver(fn, event));
    },
    functionArn,
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    async stop() {
      stopped = true;
      for (const [timer, resolve] of retryWaits) {
        clearTimeout(timer);
        resolve();
      }
      retryWaits.clear();
      // A handler cannot be killed in-process; give running ones a moment, then leave them.
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise((r) => setTimeout(r, 3000).unref()),
      ]);
    },
  };
}

/** A wait for one of `limit` slots, answering its release; no wait at all without a limit. */
function slotsOf(limit: number | undefined): () => Promise<() => void> {
  if (limit === undefined) return async () => () => {};
  let free = limit;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  return async () => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    return release;
  };
}

type LambdaContext = Omit<Context, 'done' | 'fail' | 'succeed'>;

function lambdaContext(fn: FunctionName, requestId: string, deadline: number, arn: string): LambdaContext {
  const spec = functionSpecs[fn];
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn,
    functionVersion: '$LATEST',
    invokedFunctionArn: arn,
    memoryLimitInMB: String(spec.memorySize),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${fn}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${requestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

/** Calls a handler the way the Node.js runtime does: a returned promise wins, else the callback. */
function callHandler(handler: Handler, event: unknown, base: LambdaContext): Promise<unknown> {
  return new Promise((resolvePromise, rejectPromise) => {
    let settled = false;
    const settle = (error: unknown, result?: unknown) => {
      if (settled) return;
      settled = true;
      if (error !== undefined && error !== null) rejectPromise(error);
      else resolvePromise(result);
    };
    // The deprecated context.done/fail/succeed still work on the Node.js runtime; they end the invocation too.
    const context: Context = {
      ...base,
      done: (error, result) => settle(error, result),
      fail: (error) => settle(error ?? new Error('failed')),
      succeed: (result: unknown) => settle(undefined, result),
    };
    try {
      const out = handler(event, context, (error, result) => settle(error, result));
      if (isThenable(out))
        out.then(
          (value) => settle(undefined, value),
          (error) => settle(error ?? new Error('rejected')),
        );
      else if (handler.length < 3) settle(undefined, out);
    } catch (error) {
      settle(error);
    }
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TimeoutError(`Task timed out after ${(ms / 1000).toFixed(2)} seconds`)),
      ms,
    );
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

class TimeoutError extends Error {
  override readonly name = 'Sandbox.Timedout';
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return typeof error === 'string' ? error : JSON.stringify(error);
}

/** One short line about an event, by its shape (the same shapes the handlers receive on AWS). */
export function summarize(event: unknown, result?: unknown): string {
  const e = (event ?? {}) as Record<string, unknown>;
  const http = (e.requestContext as { http?: { method: string } } | undefined)?.http;
  if (http) {
    const status =
      typeof result === 'object' && result !== null && 'statusCode' in result
        ? (result as { statusCode?: number }).statusCode
        : result === undefined
          ? undefined
          : 200;
    const query = e.rawQueryString ? `?${String(e.rawQueryString)}` : '';
    return `${http.method} ${loggablePath(String(e.rawPath))}${query}${status === undefined ? '' : ` → ${status}`}`;
  }
  const records = Array.isArray(e.Records) ? (e.Records as Record<string, unknown>[]) : undefined;
  const source = records?.[0]?.eventSource;
  if (records && source === 'aws:s3') {
    return records
      .map((r) => {
        const s3 = r.s3 as { object: { key: string } };
        return `${String(r.eventName)} ${decodeS3Key(s3.object.key)}`;
      })
      .join(', ');
  }
  if (records && source === 'aws:dynamodb') {
    const keys = records.map((r) => {
      const dynamodb = r.dynamodb as { Keys?: Record<string, { S?: string }> } | undefined;
      const pk = dynamodb?.Keys?.PK?.S ?? '?';
      const sk = dynamodb?.Keys?.SK?.S;
      return `${String(r.eventName)} ${pk}${sk === undefined ? '' : ` ${sk}`}`;
    });
    const failures =
      (result as { batchItemFailures?: unknown[] } | undefined)?.batchItemFailures?.length ?? 0;
    const shown = keys.slice(0, 3).join(', ') + (keys.length > 3 ? `, … ${keys.length - 3} more` : '');
    return `${records.length} record${records.length === 1 ? '' : 's'}: ${shown}${failures ? ` · ${failures} failed` : ''}`;
  }
  if (typeof e['detail-type'] === 'string') {
    const detail = (e.detail ?? {}) as {
      eventType?: string;
      mail?: { messageId?: string; destination?: string[] };
    };
    const parts = [
      e['detail-type'],
      detail.eventType,
      detail.mail?.messageId,
      detail.mail?.destination?.join(','),
    ];
    return parts.filter((p) => p !== undefined && p !== '').join(' · ');
  }
  const text = JSON.stringify(event) ?? 'undefined';
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

/** S3 event keys are URL-encoded with '+' for spaces; show them as the user named them. */
function decodeS3Key(key: string): string {
  try {
    return decodeURIComponent(key.replaceAll('+', ' '));
  } catch {
    return key;
  }
}

function formatRecord(r: InvocationRecord): string {
  const time = r.at.slice(11, 23);
  const mark = r.ok ? '✓' : '✗';
  const retry = r.attempt > 1 ? ` (attempt ${r.attempt})` : '';
  const ms = `${r.durationMs}ms`.padStart(7);
  return `${time} ${mark} ${r.fn.padEnd(12)} ${ms}  ${r.summary}${retry}${r.error ? `  — ${r.error}` : ''}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
