// Smooth weighted round robin (nginx's algorithm): over every window of sum(weights) picks, each
// item is chosen exactly weight times, spread out rather than in bursts (5:1:1 gives a a b a c a a).
// The sequence is periodic, so for modest periods it is precomputed and a pick is one array index.

/** Longest sequence we precompute; beyond it each pick runs the O(n) algorithm live. */
export const MAX_SCHEDULE = 4096;

export class SmoothWeighted<T> {
  readonly size: number;
  private readonly items: readonly T[];
  private readonly weights: readonly number[];
  private readonly total: number;
  /** Picks after which the sequence repeats (sum of weights over their gcd); every item comes up within it. */
  readonly period: number;
  private readonly schedule: readonly T[] | null;
  private cursor: number;
  private readonly current: number[];

  /** Items with weight <= 0 are never picked. `start` offsets the sequence so that callers do not all begin on the same item. */
  constructor(entries: ReadonlyArray<{ item: T; weight: number }>, start = 0) {
    const live = entries.filter((e) => e.weight > 0);
    this.items = live.map((e) => e.item);
    this.weights = live.map((e) => e.weight);
    this.size = live.length;
    this.total = this.weights.reduce((a, b) => a + b, 0);
    this.current = this.weights.map(() => 0);
    const g = this.weights.reduce(gcd, 0);
    const period = g > 0 ? this.total / g : 0;
    this.period = Number.isFinite(period) && period > 0 ? Math.ceil(period) : this.size;
    this.schedule = period > 0 && period <= MAX_SCHEDULE ? precompute(this.items, this.weights.map((w) => w / g)) : null;
    this.cursor = this.schedule ? Math.abs(Math.trunc(start)) % this.schedule.length : 0;
  }

  pick(): T | undefined {
    if (this.size === 0) return undefined;
    if (this.schedule) {
      const item = this.schedule[this.cursor]!;
      this.cursor = this.cursor + 1 === this.schedule.length ? 0 : this.cursor + 1;
      return item;
    }
    return this.items[step(this.weights, this.current, this.total)];
  }
}

/** One step of the algorithm: every item gains its weight, the richest is picked and pays the total. */
function step(weights: readonly number[], current: number[], total: number): number {
  let best = 0;
  for (let i = 0; i < weights.length; i++) {
    current[i]! += weights[i]!;
    if (current[i]! > current[best]!) best = i;
  }
  current[best]! -= total;
  return best;
}

function precompute<T>(items: readonly T[], weights: readonly number[]): T[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const current = weights.map(() => 0);
  const out: T[] = new Array(total);
  for (let i = 0; i < total; i++) out[i] = items[step(weights, current, total)]!;
  return out;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
