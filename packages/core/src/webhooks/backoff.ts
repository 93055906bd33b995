/**
 * How a failed delivery is retried: exponential backoff with full jitter (the wait
 * before retry n is a random time up to min(cap, base × 2^(n-1))), for at least
 * RETRY_WINDOW from the first attempt; an attempt that fails after the window is
 * the last, and the delivery is `failed`.
 */
export interface RetryPolicy {
  baseMs: number;
  capMs: number;
  windowMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseMs: 30_000,
  capMs: 3_600_000,
  windowMs: 24 * 3_600_000,
};

/** The longest wait before the next attempt, after `attempts` attempts (1 or more) failed. */
export function maxRetryDelayMs(policy: RetryPolicy, attempts: number): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 40);
  return Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
}

/**
 * When to try again after `attempts` failed attempts, the last at `now`, or
 * undefined when the window has passed (the delivery has failed). `random` is in [0, 1).
 */
export function nextAttemptAt(
  policy: RetryPolicy,
  input: { attempts: number; firstAttemptAt: Date; now: Date; random: number },
): Date | undefined {
  if (input.now.getTime() - input.firstAttemptAt.getTime() >= policy.windowMs) return undefined;
  const wait = Math.floor(input.random * maxRetryDelayMs(policy, input.attempts));
  // At least a second: a retry never lands in the same instant as the attempt it follows.
  return new Date(input.now.getTime() + Math.max(1000, wait));
}
