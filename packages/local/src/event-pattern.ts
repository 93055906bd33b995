import type { EventPattern } from '../../../functions/registry';

/**
 * Whether an event matches an EventBridge pattern of exact values, as a rule on the
 * bus decides it: every field of the pattern must be in the event; a leaf matches
 * when the event's value (or, for an array, any of its elements) is one of those
 * listed. The registry's patterns use nothing else (no prefix, numeric or
 * anything-but matchers).
 */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return false;
  const fields = event as Record<string, unknown>;
  return Object.entries(pattern).every(([field, expected]) => {
    const value = fields[field];
    if (!Array.isArray(expected)) return matchesEventPattern(expected, value);
    const values: unknown[] = Array.isArray(value) ? value : [value];
    return values.some((one) => typeof one === 'string' && expected.includes(one));
  });
}
