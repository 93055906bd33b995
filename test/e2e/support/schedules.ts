import {
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { LocalEndpoints } from '@leadrelay/local';
import { waitFor } from './local-cloud-process';

/**
 * The local Scheduler through the SDK, as ops would reach EventBridge Scheduler with
 * `aws scheduler ...`: what the tests use instead of waiting out a minute-scale deadline.
 */
export function localSchedules(endpoints: LocalEndpoints) {
  const scheduler = new SchedulerClient({
    endpoint: endpoints.scheduler,
    region: endpoints.region,
    credentials: endpoints.credentials,
  });
  const list = async () => (await scheduler.send(new ListSchedulesCommand({}))).Schedules ?? [];
  return {
    /** A one-time schedule brought forward to now (`update-schedule`): the emulator fires it on its next tick. */
    async fireNow(name: string): Promise<void> {
      const listed = await waitFor(
        async () => (await list()).find((s) => s.Name === name),
        `the schedule ${name}`,
        30_000,
      );
      const schedule = await scheduler.send(
        new GetScheduleCommand({ Name: name, GroupName: listed.GroupName }),
      );
      await scheduler.send(
        new UpdateScheduleCommand({
          Name: name,
          GroupName: listed.GroupName,
          ScheduleExpression: `at(${new Date().toISOString().slice(0, 19)})`,
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: schedule.ActionAfterCompletion,
          Target: schedule.Target,
        }),
      );
    },
    async exists(name: string): Promise<boolean> {
      return (await list()).some((s) => s.Name === name);
    },
    destroy: () => scheduler.destroy(),
  };
}
