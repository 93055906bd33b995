import {
  type EventPattern,
  type FunctionName,
  type StreamTrigger,
  triggersOf,
} from '../../../functions/registry';

/**
 * What feeds each function on the local cloud, read from the triggers of
 * functions/registry.ts, as the stack reads them for its event sources: the
 * stream poller's consumers, the S3 emulator's notifications, the rules of the
 * (emulated) default bus and the rate() schedules on the Scheduler emulator.
 */
export interface LocalTriggers {
  stream: { fn: FunctionName; trigger: StreamTrigger }[];
  objectCreated: { fn: FunctionName; prefix: string }[];
  bus: { fn: FunctionName; pattern: EventPattern }[];
  schedules: {
    fn: FunctionName;
    name: string;
    expression: string;
    input: Readonly<Record<string, unknown>>;
  }[];
}

const LOCAL_SCHEDULE_PREFIX = 'lead-relay-';

/**
 * The name of a scheduled function's rate() schedule on the local Scheduler emulator. The
 * prefix keeps them apart from the deadline schedules distribute creates in the same group.
 */
export function localScheduleName(fn: FunctionName): string {
  return `${LOCAL_SCHEDULE_PREFIX}${fn}`;
}

/** Whether a schedule was named by {@link localScheduleName} (a registry schedule, current or not). */
export function isLocalScheduleName(name: string): boolean {
  return name.startsWith(LOCAL_SCHEDULE_PREFIX);
}

/** `names` are the local resources the patterns filter on (the stack passes its own). */
export function localTriggers(names: { configurationSet: string }): LocalTriggers {
  return {
    stream: triggersOf('stream'),
    objectCreated: triggersOf('objectCreated').map(({ fn, trigger }) => ({ fn, prefix: trigger.prefix })),
    bus: triggersOf('events').map(({ fn, trigger }) => ({ fn, pattern: trigger.pattern(names) })),
    schedules: triggersOf('schedule').map(({ fn, trigger }) => ({
      fn,
      name: localScheduleName(fn),
      expression: `rate(${trigger.everyMinutes} ${trigger.everyMinutes === 1 ? 'minute' : 'minutes'})`,
      input: trigger.input,
    })),
  };
}
