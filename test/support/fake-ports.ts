import type { Clock, Deadlines, Mailer, OutgoingEmail, RerouteEvent } from '@leadrelay/core';

/*
 * Fakes of the ports that have no in-memory store: SES (Mailer), EventBridge
 * Scheduler (Deadlines) and time (Clock). They stand in for SES and Scheduler in
 * unit tests only; the integration tests use the emulators in packages/local.
 * Each keeps the promise its port makes (the mailer's idempotency key, the
 * schedule's deterministic name), since the use cases' idempotency rests on it.
 */

/** A clock a test moves by hand. */
export class TestClock implements Clock {
  constructor(private current: Date = new Date('2030-01-01T09:00:00.000Z')) {}

  now(): Date {
    return new Date(this.current);
  }

  set(at: Date | string): void {
    this.current = new Date(at);
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export interface SentEmail {
  email: OutgoingEmail;
  key: string;
  messageId: string;
}

/**
 * The mailer as the idempotent SES adapter behaves: the same key twice sends once
 * and answers the first message id. `failNext` makes the next sends throw, as an
 * outage of SES would (nothing is sent).
 */
export class FakeMailer implements Mailer {
  readonly sent: SentEmail[] = [];
  private readonly byKey = new Map<string, string>();
  private failures = 0;

  failNext(count = 1): void {
    this.failures += count;
  }

  async send(email: OutgoingEmail, idempotencyKey: string): Promise<{ messageId: string }> {
    const known = this.byKey.get(idempotencyKey);
    if (known) return { messageId: known };
    if (this.failures > 0) {
      this.failures--;
      throw new Error('SES is unavailable (a fake outage)');
    }
    const messageId = `msg-${this.sent.length + 1}`;
    this.byKey.set(idempotencyKey, messageId);
    this.sent.push({ email, key: idempotencyKey, messageId });
    return { messageId };
  }
}

export interface Schedule {
  at: Date;
  input: RerouteEvent;
}

/** Scheduler's one-time schedules by name: creating a name twice is `exists`; cancelling an unknown one is fine. */
export class FakeDeadlines implements Deadlines {
  readonly schedules = new Map<string, Schedule>();
  readonly cancelled: string[] = [];
  private failures = 0;

  /** The next schedule calls throw, as an outage of Scheduler would (nothing is created). */
  failNext(count = 1): void {
    this.failures += count;
  }

  async schedule(name: string, at: Date, input: RerouteEvent): Promise<'created' | 'exists'> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('Scheduler is unavailable (a fake outage)');
    }
    if (this.schedules.has(name)) return 'exists';
    this.schedules.set(name, { at, input: structuredClone(input) });
    return 'created';
  }

  async cancel(name: string): Promise<void> {
    this.cancelled.push(name);
    this.schedules.delete(name);
  }
}
