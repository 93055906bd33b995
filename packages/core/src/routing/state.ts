import type { RoutingDecision, RoutingState } from './types';

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

/** The counter (LeadStore.reserveSequence) holding a pool group's round-robin sequence for leads arriving. */
export function poolSequenceCounter(group: string): string {
  return `rr:${group}`;
}

/**
 * The counter of a pool group's reroutes. Reroutes rotate on a sequence of their
 * own: sharing the arrivals' one would hand the arrivals every other number, and
 * in a pool of two every new lead would go to one partner and every expired one
 * to the other.
 */
export function rerouteSequenceCounter(group: string): string {
  return `rr:${group}:reroute`;
}

/**
 * Reserves, for each pool group, `count` consecutive numbers of its counter and
 * answers each group's first (atomic per counter, like LeadStore.reserveSequences):
 * one call per chunk, whatever the number of pools.
 */
export type ReserveSequences = (counts: ReadonlyMap<string, number>) => Promise<ReadonlyMap<string, number>>;

/** A ReserveSequences over named counters (LeadStore.reserveSequences), the group's counter named by `counterOf`. */
export function reserveByCounter(
  reserve: (counters: ReadonlyMap<string, number>) => Promise<ReadonlyMap<string, number>>,
  counterOf: (group: string) => string,
): ReserveSequences {
  return async (counts) => {
    const firsts = await reserve(new Map([...counts].map(([group, n]) => [counterOf(group), n])));
    return new Map(
      [...counts.keys()].map((group) => {
        const first = firsts.get(counterOf(group));
        if (first === undefined) throw new Error(`No numbers reserved for pool group ${group}`);
        return [group, first];
      }),
    );
  };
}

/** Rounds of reserving more before `decide` gives up (each round only follows a concurrent writer's moves). */
const MAX_DECIDE_ROUNDS = 8;

/**
 * The pool sequence numbers one intake (a request, a file) or one reroute owns.
 * Round-robin and weighted choose by `seq mod n`, so they are fair exactly when
 * the numbers a pool's leads hold are contiguous: every number reserved is
 * used by one lead the pool took. So nothing is reserved ahead: `decide` runs
 * the routing first against the numbers owned (and guessed ones past them),
 * reserves exactly the shortfall (one reservation per chunk for all its pools, two
 * for the first chunk of an intake: see below), and runs it again until it needs
 * nothing it does not own. Only then are the numbers taken and the Pending
 * counts updated. A lead whose write then fails hands its number back
 * (`release`) for the next lead of the pool; numbers left over stay with the
 * holder for its next chunk.
 *
 * Concurrent intakes each reserve their own numbers from the same atomic
 * counter, so together they still use every number once. One case is left: when
 * a concurrent intake moves the counter between this one's guess and its
 * reservation, and a pool member's capacity fills up in between, the count can
 * come out one lower than reserved; the spare number stays unused when the
 * intake ends (one turn shifted, never a lost lead).
 */
export class PoolSequences {
  /** Per group: numbers reserved and not yet taken, ascending. */
  private readonly owned = new Map<string, number[]>();
  /** Per group: one past the last number reserved, where the next reservation most likely starts. */
  private readonly ends = new Map<string, number>();

  constructor(private readonly reserve: ReserveSequences) {}

  /**
   * Runs `decide` (pure but for the state it is given, as `CompiledRouting.choose`
   * is) with a RoutingState over owned numbers and a copy of `pending`; answers
   * its result once it used only owned numbers, with those taken and `pending`
   * updated in place.
   */
  async decide<T>(pending: Map<string, number>, decide: (state: RoutingState) => T): Promise<T> {
    for (let round = 1; ; round++) {
      /** Per group, the numbers this run handed out, owned ones first, then guesses. */
      const used = new Map<string, number[]>();
      const short = new Map<string, number>();
      const before = new Map(pending);
      const counts = new Map(pending);
      const value = decide({
        sequence: (group) => {
          const numbers = used.get(group) ?? [];
          used.set(group, numbers);
          const owned = this.owned.get(group) ?? [];
          const i = numbers.length;
          const n = i < owned.length ? (owned[i] as number) : (this.ends.get(group) ?? 0) + i - owned.length;
          if (i >= owned.length) short.set(group, i + 1 - owned.length);
          numbers.push(n);
          return n;
        },
        pending: (partnerId) => counts.get(partnerId) ?? 0,
        assigned(partnerId) {
          counts.set(partnerId, (counts.get(partnerId) ?? 0) + 1);
        },
      });
      if (short.size === 0) return this.adopt(value, used, counts, pending);
      if (round >= MAX_DECIDE_ROUNDS) {
        throw new Error('Could not reserve pool sequence numbers: the counters kept moving');
      }
      // A group this holder never reserved from: its guesses started at 0, so take one number
      // first to learn where the counter is. Guesses from the right place make the count exact
      // even when it depends on the numbers (a pool member's capacity filling up mid-chunk).
      await this.take(new Map([...short].map(([group, count]) => [group, this.ends.has(group) ? count : 1])));
      // The usual case: the reservation began where the guesses did and nothing else moved
      // meanwhile, so routing again would hand out the same numbers and decide the same.
      if (this.owns(used) && sameCounts(before, pending)) return this.adopt(value, used, counts, pending);
    }
  }

  /** Whether the numbers `used` are, per group, exactly the first ones owned now. */
  private owns(used: ReadonlyMap<string, readonly number[]>): boolean {
    for (const [group, numbers] of used) {
      const owned = this.owned.get(group) ?? [];
      if (numbers.some((n, i) => owned[i] !== n)) return false;
    }
    return true;
  }

  /** Takes the numbers a run used and keeps the Pending counts it left. */
  private adopt<T>(
    value: T,
    used: ReadonlyMap<string, readonly number[]>,
    counts: ReadonlyMap<string, number>,
    pending: Map<string, number>,
  ): T {
    for (const [group, numbers] of used) this.owned.get(group)?.splice(0, numbers.length);
    for (const [partnerId, n] of counts) pending.set(partnerId, n);
    return value;
  }

  /** Hands back the number of a decision whose lead was not written, for the pool's next lead. */
  release(decision: Pick<RoutingDecision, 'group' | 'sequence'>): void {
    const { group, sequence } = decision;
    if (group === undefined || sequence === undefined) return;
    const owned = this.owned.get(group) ?? [];
    const at = owned.findIndex((n) => n > sequence);
    owned.splice(at < 0 ? owned.length : at, 0, sequence);
    this.owned.set(group, owned);
  }

  private async take(counts: ReadonlyMap<string, number>): Promise<void> {
    const firsts = await this.reserve(counts);
    for (const [group, count] of counts) {
      const first = firsts.get(group) ?? 0;
      const owned = this.owned.get(group) ?? [];
      for (let n = first; n < first + count; n++) owned.push(n);
      owned.sort((a, b) => a - b);
      this.owned.set(group, owned);
      this.ends.set(group, Math.max(this.ends.get(group) ?? 0, first + count));
    }
  }
}

function sameCounts(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, n] of a) if (b.get(key) !== n) return false;
  return true;
}
