import type { RoutingMatch, RoutingState } from './types';

/**
 * How many sequence numbers each group needs for a chunk of matches: one per
 * match that lands on a pool group. An owner with a capacity whose rules point
 * at a pool is counted too (it may be full by the time `choose` runs), so the
 * count is an upper bound; an unused number only shifts that pool's rotation by
 * one, it never sends a partner two leads in a row out of turn.
 */
export function countPoolDecisions(matches: Iterable<RoutingMatch>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const match of matches) {
    const rule = match.path === 'rule' ? match : match.path === 'ownership' ? match.fallback : undefined;
    if (rule?.path === 'rule' && 'partnerIds' in rule.assign) {
      counts.set(rule.group, (counts.get(rule.group) ?? 0) + 1);
    }
  }
  return counts;
}

/**
 * A RoutingState held in memory, with its own counters starting at 0: for
 * previews (`POST /v1/routing-rules/preview`), tests and benchmarks.
 *
 * @param initialPending Pending leads per partner id before routing starts.
 */
export function memoryRoutingState(initialPending?: ReadonlyMap<string, number>): RoutingState {
  const pending = new Map(initialPending);
  const sequences = new Map<string, number>();
  return {
    sequence(group) {
      const next = sequences.get(group) ?? 0;
      sequences.set(group, next + 1);
      return next;
    },
    pending: (partnerId) => pending.get(partnerId) ?? 0,
    assigned(partnerId) {
      pending.set(partnerId, (pending.get(partnerId) ?? 0) + 1);
    },
  };
}

/** A block of a pool's round-robin sequence numbers reserved for this run: `next` up to `end` (exclusive). */
export interface SequenceBlock {
  next: number;
  end: number;
}

/** The counter (LeadStore.reserveSequence) holding a pool group's round-robin sequence. */
export function poolSequenceCounter(group: string): string {
  return `rr:${group}`;
}

/**
 * The RoutingState of a write: sequence numbers taken from the blocks reserved
 * per group, and the partners' Pending counts, kept current by the decisions
 * made with it (`pending` is updated in place).
 */
export function reservedRoutingState(
  blocks: ReadonlyMap<string, SequenceBlock>,
  pending: Map<string, number>,
): RoutingState {
  return {
    sequence(group) {
      const block = blocks.get(group);
      if (!block || block.next >= block.end)
        throw new Error(`No sequence number reserved for group ${group}`);
      return block.next++;
    },
    pending: (partnerId) => pending.get(partnerId) ?? 0,
    assigned(partnerId) {
      pending.set(partnerId, (pending.get(partnerId) ?? 0) + 1);
    },
  };
}
