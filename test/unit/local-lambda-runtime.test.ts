import { describe, expect, it } from 'vitest';
import { functionNames } from '../../functions/registry';
import {
  createLambdaRuntime,
  currentInvocation,
  type Handler,
  type Handlers,
  type InvocationRecord,
} from '../../packages/local/src/lambda';

/** Handlers of the test's own (the runtime's subject is how it calls them), every name the registry has. */
function handlers(handler: Handler): Handlers {
  return Object.fromEntries(functionNames.map((name) => [name, handler])) as Handlers;
}

describe('local Lambda runtime', () => {
  it('tells onInvocation of every invocation with its event, and the handler sees its own invocation', async () => {
    const seen: { record: InvocationRecord; event: unknown }[] = [];
    const inside: unknown[] = [];
    const runtime = createLambdaRuntime({
      handlers: handlers(async (event) => {
        await Promise.resolve();
        inside.push(currentInvocation());
        return event;
      }),
      region: 'us-east-1',
      accountId: '000000000000',
      quiet: true,
      onInvocation: (record, event) => seen.push({ record, event }),
    });
    await runtime.invoke('email-events', { n: 1 });
    await runtime.invoke('api', { n: 2 });

    expect(seen.map((s) => [s.record.fn, s.event])).toEqual([
      ['email-events', { n: 1 }],
      ['api', { n: 2 }],
    ]);
    expect(inside).toMatchObject([
      { fn: 'email-events', event: { n: 1 }, requestId: seen[0]?.record.requestId },
      { fn: 'api', event: { n: 2 }, requestId: seen[1]?.record.requestId },
    ]);
    expect(currentInvocation()).toBeUndefined();
  });

  it('runs at most `concurrency` invocations at once; each one is timed from when it runs', async () => {
    let running = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const records: InvocationRecord[] = [];
    const runtime = createLambdaRuntime({
      handlers: handlers(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
      }),
      region: 'us-east-1',
      accountId: '000000000000',
      quiet: true,
      concurrency: 1,
      onInvocation: (record) => records.push(record),
    });
    const calls = [runtime.invoke('api', {}), runtime.invoke('api', {}), runtime.invoke('api', {})];
    for (let i = 0; i < 3; i++) {
      await expect.poll(() => releases.length).toBe(i + 1);
      // The next one has not started while this one holds the only slot.
      expect(running).toBe(1);
      releases[i]?.();
    }
    await Promise.all(calls);
    expect(most).toBe(1);
    // Each one's time starts after the one before it ended: the wait for a slot is not its duration.
    expect(records).toHaveLength(3);
    for (let i = 1; i < records.length; i++) {
      const before = records[i - 1] as InvocationRecord;
      expect(Date.parse(records[i]?.at ?? '')).toBeGreaterThanOrEqual(
        Date.parse(before.at) + before.durationMs,
      );
    }
  });
});
