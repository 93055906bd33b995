import type { RoutingSkip } from './types';

/** The one-sentence explanations written on a lead's history. */

function describeSkip(skip: RoutingSkip): string {
  const role = skip.role === 'owner' ? 'account owner, ' : skip.role === 'explicit' ? 'named partner, ' : '';
  return `${skip.partnerName} (${role}${skip.reason})`;
}

/** `; skipped Globex (paused), Initech (at capacity)`, or nothing. */
export function skippedClause(skipped: readonly RoutingSkip[]): string {
  return skipped.length === 0 ? '' : `; skipped ${skipped.map(describeSkip).join(', ')}`;
}

export function quoteName(name: string): string {
  return `"${name}"`;
}
