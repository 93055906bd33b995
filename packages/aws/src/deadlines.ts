import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';

export interface DeadlineOptions {
  groupName: string;
  /** The role EventBridge Scheduler assumes; it may invoke the target only. */
  roleArn: string;
  targetArn: string;
  /**
   * The SQS queue (ARN) Scheduler sends a deadline to when it cannot invoke the
   * target within the retry policy; without one such a deadline is dropped.
   */
  deadLetterArn?: string;
}

/** How long Scheduler keeps trying to deliver a deadline, and how often, before the dead-letter queue. */
export const deadlineRetryPolicy = { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 86_400 } as const;

const NAME = /^[0-9a-zA-Z_.-]{1,64}$/;

/** `at()` wants local date-time without zone or fraction: 2026-11-23T10:00:00. */
export function atExpression(when: Date): string {
  return `at(${when.toISOString().slice(0, 19)})`;
}

/**
 * One-time deadlines on EventBridge Scheduler. Names are deterministic (the
 * caller derives them from what the deadline is for), so creating the same
 * deadline twice is a no-op, and a fired schedule deletes itself.
 */
export class SchedulerDeadlines {
  constructor(
    private readonly scheduler: SchedulerClient,
    private readonly options: DeadlineOptions,
  ) {}

  async schedule(name: string, at: Date, input: unknown): Promise<'created' | 'exists'> {
    if (!NAME.test(name)) throw new Error(`Schedule name ${name} is not valid for EventBridge Scheduler`);
    try {
      await this.scheduler.send(
        new CreateScheduleCommand({
          Name: name,
          GroupName: this.options.groupName,
          ScheduleExpression: atExpression(at),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Target: {
            Arn: this.options.targetArn,
            RoleArn: this.options.roleArn,
            Input: JSON.stringify(input),
            RetryPolicy: deadlineRetryPolicy,
            ...(this.options.deadLetterArn ? { DeadLetterConfig: { Arn: this.options.deadLetterArn } } : {}),
          },
        }),
      );
      return 'created';
    } catch (error) {
      if (error instanceof ConflictException) return 'exists';
      throw error;
    }
  }

  /** Best effort by design: the handler's version check is the guarantee, not the deletion. */
  async cancel(name: string): Promise<void> {
    try {
      await this.scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: this.options.groupName }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}
