import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';

/**
 * Retry policy of the stores, for writes that lost a race rather than failed: a
 * transaction cancelled only by conflicts (another transaction held one of its items,
 * common on a busy partner's load item) or by throttling, and the same errors of single
 * calls, and DynamoDB's InternalServerError (a 500, which AWS documents as safe to
 * retry; DynamoDB Local answers it when a write waits too long for a lock). Capped
 * exponential backoff with full jitter, so racing writers spread out instead of
 * colliding again in step.
 */
export const MAX_ATTEMPTS = 10;
const BASE_DELAY_MS = 20;
const MAX_DELAY_MS = 1_000;

const RETRYABLE_REASONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);
const RETRYABLE_ERRORS = new Set([
  'TransactionConflictException',
  'TransactionInProgressException',
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
]);

export function isRetryable(error: unknown): boolean {
  if (error instanceof TransactionCanceledException) {
    const codes = (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
    return (
      codes.some((c) => RETRYABLE_REASONS.has(c)) &&
      codes.every((c) => c === 'None' || RETRYABLE_REASONS.has(c))
    );
  }
  return error instanceof Error && RETRYABLE_ERRORS.has(error.name);
}

/** Waits before attempt (or round) `attempt + 1`: full jitter under a capped exponential ceiling. */
export function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

/** Runs `write`, retrying what isRetryable says lost a race, up to MAX_ATTEMPTS attempts. */
export async function withRetries<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
      await backoff(attempt);
    }
  }
}

/** `items` in slices of `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );
}
