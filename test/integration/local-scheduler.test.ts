import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { deadlineRetryPolicy, SchedulerDeadlines } from '../../packages/aws/src/deadlines';
import { type SchedulerEmulator, startSchedulerEmulator } from '../../packages/local/src/scheduler';
import { waitFor } from '../support/wait';

const region = 'us-east-1';
const accountId = '000000000000';
const rerouteArn = `arn:aws:lambda:${region}:${accountId}:function:reroute`;
const deadLetterArn = `arn:aws:sqs:${region}:${accountId}:deadline-dead-letters`;

/** at() takes wall-clock seconds in the schedule's time zone (UTC here). */
function atExpression(msFromNow: number): { expression: string; dueMs: number } {
  const due = new Date(Math.ceil((Date.now() + msFromNow) / 1000) * 1000);
  return { expression: `at(${due.toISOString().slice(0, 19)})`, dueMs: due.getTime() };
}

interface Invocation {
  arn: string;
  input: unknown;
  at: number;
}

describe('local EventBridge Scheduler emulator', () => {
  const running: SchedulerEmulator[] = [];
  const dirs: string[] = [];

  const start = async (
    invoke: (arn: string, input: unknown) => Promise<void>,
    dataDir?: string,
  ): Promise<{ scheduler: SchedulerEmulator; client: SchedulerClient; dataDir: string }> => {
    const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'local-scheduler-')));
    if (!dirs.includes(dir)) dirs.push(dir);
    const scheduler = await startSchedulerEmulator({
      host: '127.0.0.1',
      port: 0,
      region,
      accountId,
      dataDir: dir,
      invoke,
      tickMs: 50,
    });
    running.push(scheduler);
    const client = new SchedulerClient({
      endpoint: scheduler.endpoint,
      region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    return { scheduler, client, dataDir: dir };
  };

  const recorder = () => {
    const calls: Invocation[] = [];
    return {
      calls,
      invoke: async (arn: string, input: unknown) => {
        calls.push({ arn, input, at: Date.now() });
      },
    };
  };

  const schedule = (name: string, expression: string, extra: Partial<CreateScheduleCommandInput> = {}) =>
    new CreateScheduleCommand({
      Name: name,
      GroupName: 'lead-deadlines',
      ScheduleExpression: expression,
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: rerouteArn,
        RoleArn: `arn:aws:iam::${accountId}:role/scheduler`,
        Input: JSON.stringify({ leadId: name, assignmentVersion: 2 }),
      },
      ...extra,
    });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop()));
  });

  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('fires an at() schedule once with its input when due, then deletes it', async () => {
    const { calls, invoke } = recorder();
    const { scheduler, client } = await start(invoke);
    const { expression, dueMs } = atExpression(2000);
    const created = await client.send(schedule('lead-1', expression));
    expect(created.ScheduleArn).toBe(
      `arn:aws:scheduler:${region}:${accountId}:schedule/lead-deadlines/lead-1`,
    );
    const got = await client.send(new GetScheduleCommand({ Name: 'lead-1', GroupName: 'lead-deadlines' }));
    expect(got).toMatchObject({
      ScheduleExpression: expression,
      State: 'ENABLED',
      Target: { Arn: rerouteArn },
    });
    expect(got.CreationDate).toBeInstanceOf(Date);

    await waitFor(() => calls.length === 1, 'the invocation');
    expect(calls[0]).toMatchObject({ arn: rerouteArn, input: { leadId: 'lead-1', assignmentVersion: 2 } });
    expect(calls[0]?.at).toBeGreaterThanOrEqual(dueMs);
    await waitFor(() => scheduler.list().length === 0, 'the schedule to be deleted');
    await expect(
      client.send(new GetScheduleCommand({ Name: 'lead-1', GroupName: 'lead-deadlines' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    // A later schedule (already overdue) firing shows the emulator kept ticking without invoking lead-1 again.
    await client.send(schedule('lead-1b', atExpression(-5000).expression));
    await waitFor(() => calls.length === 2, 'the second schedule');
    expect(calls.map((c) => (c.input as { leadId: string }).leadId)).toEqual(['lead-1', 'lead-1b']);
  });

  it('fires an at() schedule two days ahead once its clock (`now`) is moved past it, and not before', async () => {
    const { calls, invoke } = recorder();
    const dir = await mkdtemp(join(tmpdir(), 'local-scheduler-'));
    dirs.push(dir);
    let offset = 0;
    const scheduler = await startSchedulerEmulator({
      host: '127.0.0.1',
      port: 0,
      region,
      accountId,
      dataDir: dir,
      invoke,
      tickMs: 50,
      now: () => Date.now() + offset,
    });
    running.push(scheduler);
    const client = new SchedulerClient({
      endpoint: scheduler.endpoint,
      region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await client.send(schedule('lead-later', atExpression(48 * 3_600_000).expression));
    await client.send(schedule('lead-now', atExpression(-1000).expression));
    await waitFor(() => calls.length === 1, 'the schedule already due');
    expect(scheduler.list().map((s) => s.name)).toEqual(['lead-later']);

    offset = 49 * 3_600_000;
    await waitFor(() => calls.length === 2, 'the schedule two days ahead');
    expect(calls.map((c) => (c.input as { leadId: string }).leadId)).toEqual(['lead-now', 'lead-later']);
    await waitFor(() => scheduler.list().length === 0, 'the schedule to be deleted');
    client.destroy();
  });

  it('keeps a completed at() schedule whose ActionAfterCompletion is NONE', async () => {
    const { calls, invoke } = recorder();
    const { scheduler, client } = await start(invoke);
    await client.send(schedule('kept', atExpression(-5000).expression, { ActionAfterCompletion: 'NONE' }));
    await waitFor(() => scheduler.list()[0]?.status === 'completed', 'completion');
    expect(calls).toHaveLength(1);
    const listed = await client.send(new ListSchedulesCommand({ GroupName: 'lead-deadlines' }));
    expect(listed.Schedules?.map((s) => s.Name)).toEqual(['kept']);
  });

  it('answers ConflictException for a name already used in the group', async () => {
    const { client } = await start(recorder().invoke);
    const { expression } = atExpression(60_000);
    await client.send(schedule('dup', expression));
    const error = await client.send(schedule('dup', expression)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictException);
    expect((error as ConflictException).$metadata.httpStatusCode).toBe(409);
    // The same name in another group is a different schedule.
    await expect(client.send(schedule('dup', expression, { GroupName: 'default' }))).resolves.toMatchObject({
      ScheduleArn: `arn:aws:scheduler:${region}:${accountId}:schedule/default/dup`,
    });
  });

  it('answers ValidationException naming the missing or bad field', async () => {
    const { client } = await start(recorder().invoke);
    const bad = await client
      .send(schedule('bad', 'every(5 minutes)'))
      .catch((e: unknown) => e as ValidationException);
    expect(bad).toBeInstanceOf(ValidationException);
    expect((bad as ValidationException).message).toContain('ScheduleExpression');
    const noRole = await client
      .send(schedule('norole', atExpression(60_000).expression, { Target: { Arn: rerouteArn, RoleArn: '' } }))
      .catch((e: unknown) => e as ValidationException);
    expect(noRole).toBeInstanceOf(ValidationException);
    expect((noRole as ValidationException).message).toContain('Target.RoleArn');
  });

  it('refuses, naming the field, what Lead Relay never sends instead of half-emulating it', async () => {
    const { client, scheduler } = await start(recorder().invoke);
    const { expression } = atExpression(60_000);
    const refused = async (extra: Partial<CreateScheduleCommandInput>) =>
      (await client
        .send(schedule('unsupported', expression, extra))
        .catch((e: unknown) => e)) as ValidationException;
    const zoned = await refused({ ScheduleExpressionTimezone: 'Europe/Berlin' });
    expect(zoned).toBeInstanceOf(ValidationException);
    expect(zoned.message).toContain('ScheduleExpressionTimezone');
    const flexible = await refused({ FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 5 } });
    expect(flexible.message).toContain('FlexibleTimeWindow.Mode');
    const later = await refused({ StartDate: new Date(Date.now() + 3_600_000) });
    expect(later.message).toContain('StartDate');
    const disabled = await refused({ State: 'DISABLED' });
    expect(disabled.message).toContain('State');
    expect(scheduler.list()).toEqual([]);
  });

  it('never invokes a schedule deleted before it falls due', async () => {
    const { calls, invoke } = recorder();
    const { scheduler, client } = await start(invoke);
    await client.send(schedule('cancelled', atExpression(1000).expression));
    await client.send(new DeleteScheduleCommand({ Name: 'cancelled', GroupName: 'lead-deadlines' }));
    expect(scheduler.list()).toEqual([]);
    await expect(
      client.send(new DeleteScheduleCommand({ Name: 'cancelled', GroupName: 'lead-deadlines' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    // A schedule due no earlier than the deleted one proves its time went by without a call.
    await client.send(schedule('witness', atExpression(1000).expression));
    await waitFor(() => calls.length > 0, 'the witness schedule');
    expect(calls.map((c) => (c.input as { leadId: string }).leadId)).toEqual(['witness']);
  });

  it('fires after a restart on the same data folder a schedule that fell due while it was down', async () => {
    const first = recorder();
    const { scheduler, client, dataDir } = await start(first.invoke);
    const { expression, dueMs } = atExpression(1000);
    await client.send(schedule('survivor', expression));
    await scheduler.stop();
    running.splice(running.indexOf(scheduler), 1);
    const persisted = JSON.parse(await readFile(join(dataDir, 'schedules.json'), 'utf8')) as {
      schedules: { name: string }[];
    };
    expect(persisted.schedules.map((s) => s.name)).toEqual(['survivor']);

    await waitFor(() => Date.now() > dueMs, 'the due time to pass while the emulator is down');
    const second = recorder();
    const restarted = await start(second.invoke, dataDir);
    await waitFor(() => second.calls.length === 1, 'the invocation after restart');
    expect(first.calls).toEqual([]);
    expect(second.calls[0]?.input).toEqual({ leadId: 'survivor', assignmentVersion: 2 });
    await waitFor(() => restarted.scheduler.list().length === 0, 'the schedule to be deleted');
  });

  it('retries a failing invocation: failing twice then succeeding makes three calls', async () => {
    let calls = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    const { scheduler, client } = await start(async () => {
      calls += 1;
      concurrent += 1;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      try {
        await new Promise((resolve) => setTimeout(resolve, 60));
        if (calls <= 2) throw new Error(`attempt ${calls} fails`);
      } finally {
        concurrent -= 1;
      }
    });
    await client.send(schedule('flaky', atExpression(-5000).expression));
    await waitFor(() => scheduler.list().length === 0, 'the schedule to complete');
    expect(calls).toBe(3);
    expect(maxConcurrent).toBe(1);
  });

  it('fires a rate() schedule every period', async () => {
    const { calls, invoke } = recorder();
    const { scheduler, client } = await start(invoke);
    await client.send(schedule('sweeper', 'rate(1 minute)', { ActionAfterCompletion: 'NONE' }));
    await waitFor(() => calls.length === 1, 'the first run');
    const [record] = scheduler.list();
    expect(record?.status).toBe('scheduled');
    const nextRun = Date.parse(record?.nextRunAt ?? '');
    expect(nextRun - (calls[0]?.at ?? 0)).toBeGreaterThan(55_000);
    expect(nextRun - (calls[0]?.at ?? 0)).toBeLessThanOrEqual(60_000);
  });

  it("sends a run that fails every attempt of its RetryPolicy to the target's dead-letter queue, with its input", async () => {
    let calls = 0;
    const { scheduler, client } = await start(async () => {
      calls += 1;
      throw new Error(`attempt ${calls} fails`);
    });
    await client.send(
      schedule('doomed', atExpression(-5000).expression, {
        Target: {
          Arn: rerouteArn,
          RoleArn: `arn:aws:iam::${accountId}:role/scheduler`,
          Input: JSON.stringify({ leadId: 'doomed', assignmentVersion: 3 }),
          RetryPolicy: { MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: { Arn: deadLetterArn },
        },
      }),
    );
    await waitFor(() => scheduler.list().length === 0, 'the schedule to complete');
    expect(calls).toBe(2);
    expect(scheduler.deadLetters()).toEqual([
      expect.objectContaining({
        queueArn: deadLetterArn,
        scheduleArn: `arn:aws:scheduler:${region}:${accountId}:schedule/lead-deadlines/doomed`,
        targetArn: rerouteArn,
        input: { leadId: 'doomed', assignmentVersion: 3 },
        attempts: 2,
        error: 'Error: attempt 2 fails',
      }),
    ]);
  });

  it('keeps no dead letter for a run that succeeds on a retry', async () => {
    let calls = 0;
    const { scheduler, client } = await start(async () => {
      calls += 1;
      if (calls === 1) throw new Error('first attempt fails');
    });
    await client.send(
      schedule('recovers', atExpression(-5000).expression, {
        Target: {
          Arn: rerouteArn,
          RoleArn: `arn:aws:iam::${accountId}:role/scheduler`,
          DeadLetterConfig: { Arn: deadLetterArn },
        },
      }),
    );
    await waitFor(() => scheduler.list().length === 0, 'the schedule to complete');
    expect(calls).toBe(2);
    expect(scheduler.deadLetters()).toEqual([]);
  });

  it('refuses a DeadLetterConfig that is not an SQS queue, and a RetryPolicy out of range, naming the field', async () => {
    const { client, scheduler } = await start(recorder().invoke);
    const target = { Arn: rerouteArn, RoleArn: `arn:aws:iam::${accountId}:role/scheduler` };
    const refused = async (extra: Record<string, unknown>) =>
      (await client
        .send(schedule('refused', atExpression(60_000).expression, { Target: { ...target, ...extra } }))
        .catch((e: unknown) => e)) as ValidationException;
    const notSqs = await refused({ DeadLetterConfig: { Arn: rerouteArn } });
    expect(notSqs).toBeInstanceOf(ValidationException);
    expect(notSqs.message).toContain('Target.DeadLetterConfig.Arn');
    const tooMany = await refused({ RetryPolicy: { MaximumRetryAttempts: 186 } });
    expect(tooMany).toBeInstanceOf(ValidationException);
    expect(tooMany.message).toContain('Target.RetryPolicy.MaximumRetryAttempts');
    const tooYoung = await refused({ RetryPolicy: { MaximumEventAgeInSeconds: 59 } });
    expect(tooYoung).toBeInstanceOf(ValidationException);
    expect(tooYoung.message).toContain('Target.RetryPolicy.MaximumEventAgeInSeconds');
    expect(scheduler.list()).toEqual([]);
  });

  it('gives every deadline SchedulerDeadlines creates the retry policy and the configured dead-letter queue', async () => {
    const { client } = await start(recorder().invoke);
    const deadlines = new SchedulerDeadlines(client, {
      groupName: 'lead-deadlines',
      roleArn: `arn:aws:iam::${accountId}:role/scheduler`,
      targetArn: rerouteArn,
      deadLetterArn,
    });
    await deadlines.schedule('lead-9-v2', new Date(Date.now() + 3_600_000), { kind: 'deadline' });
    const got = await client.send(new GetScheduleCommand({ Name: 'lead-9-v2', GroupName: 'lead-deadlines' }));
    expect(got.Target).toMatchObject({
      Arn: rerouteArn,
      RetryPolicy: deadlineRetryPolicy,
      DeadLetterConfig: { Arn: deadLetterArn },
    });
  });
});
