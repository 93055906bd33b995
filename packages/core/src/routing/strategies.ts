/**
 * Pool strategies. Each picks among the eligible partners (pool order, skipped
 * ones removed) from one sequence number, so the choice is deterministic and a
 * caller that reserves sequence blocks per chunk gets the same rotation as one
 * that routes lead by lead.
 */

/** `seq mod n`, never negative. */
export function slot(seq: number, n: number): number {
  return ((seq % n) + n) % n;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/**
 * One cycle of smooth weighted round-robin (nginx): each partner appears exactly
 * weight/g times in a cycle of sum(weight)/g (g the weights' gcd), interleaved so
 * the heavy partners never come in long runs. Ties go to the earlier partner.
 *
 * @returns the cycle as indexes into `weights`.
 */
export function smoothWeightedCycle(weights: readonly number[]): Uint32Array {
  const g = weights.reduce((acc, w) => gcd(acc, w), 0) || 1;
  const reduced = weights.map((w) => w / g);
  const total = reduced.reduce((acc, w) => acc + w, 0);
  const cycle = new Uint32Array(total);
  const current = new Array<number>(reduced.length).fill(0);
  for (let step = 0; step < total; step++) {
    let best = 0;
    for (let i = 0; i < reduced.length; i++) {
      current[i] = (current[i] ?? 0) + (reduced[i] ?? 0);
      if ((current[i] ?? 0) > (current[best] ?? 0)) best = i;
    }
    current[best] = (current[best] ?? 0) - total;
    cycle[step] = best;
  }
  return cycle;
}

const MAX_CACHED_CYCLES = 64;

/**
 * Weighted cycles per eligible set of one pool, built on first use. A pool whose
 * eligibility flickers (capacity) could make many sets; the cache is cleared
 * past a bound rather than grown without one.
 */
export class WeightedCycles {
  private readonly cycles = new Map<string, Uint32Array>();
  constructor(private readonly weights: readonly number[]) {}

  /** The cycle for the eligible pool members `members` (pool indexes, ascending); `key` names the set. */
  cycle(key: string, members: readonly number[]): Uint32Array {
    let cycle = this.cycles.get(key);
    if (!cycle) {
      if (this.cycles.size >= MAX_CACHED_CYCLES) this.cycles.clear();
      cycle = smoothWeightedCycle(members.map((m) => this.weights[m] ?? 1));
      this.cycles.set(key, cycle);
    }
    return cycle;
  }
}
