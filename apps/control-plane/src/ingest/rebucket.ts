// Re-buckets a histogram recorded with other bounds into LATENCY_BOUNDS_MS, so that every rollup
// cell merges by plain addition. Counts inside a source bucket are assumed evenly spread.
import { LATENCY_BOUNDS_MS } from "@trellis/mesh-model";

function sameBounds(a: ReadonlyArray<number>, b: ReadonlyArray<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Index of the target bucket holding value x: the first bound >= x, or the overflow bucket. */
function bucketOf(x: number, target: ReadonlyArray<number>): number {
  let i = 0;
  while (i < target.length && target[i]! < x) i++;
  return i;
}

/** Index of the target bucket holding values just above x. */
function bucketAbove(x: number, target: ReadonlyArray<number>): number {
  let i = 0;
  while (i < target.length && target[i]! <= x) i++;
  return i;
}

/** Rounds shares to whole counts that still sum to `total` (largest remainder). */
function wholeCounts(shares: number[], total: number): number[] {
  const floors = shares.map((s) => Math.floor(s + 1e-9));
  let left = total - floors.reduce((a, b) => a + b, 0);
  const order = shares.map((s, i) => ({ i, frac: s - Math.floor(s + 1e-9) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    floors[i]! += 1;
    left -= 1;
  }
  return floors;
}

/**
 * `counts` has bounds.length + 1 entries (the last is the overflow bucket), bounds ascending.
 * Returns target.length + 1 whole counts with the same total. The first source bucket starts at 0
 * (latencies are not negative); the source overflow bucket lands just above its lower bound.
 */
export function rebucket(counts: ReadonlyArray<number>, bounds: ReadonlyArray<number>, target: ReadonlyArray<number> = LATENCY_BOUNDS_MS): number[] {
  if (sameBounds(bounds, target)) return [...counts];
  const shares = new Array<number>(target.length + 1).fill(0);
  const total = counts.reduce((a, b) => a + b, 0);
  counts.forEach((count, i) => {
    if (count <= 0) return;
    const hi = bounds[i];
    const lo = i === 0 ? Math.min(0, hi ?? 0) : bounds[i - 1]!;
    if (hi === undefined) {
      // Overflow: all we know is "more than lo".
      shares[bucketAbove(lo, target)]! += count;
      return;
    }
    if (hi <= lo) {
      shares[bucketOf(hi, target)]! += count;
      return;
    }
    // Spread over the target buckets that overlap (lo, hi].
    for (let j = 0; j <= target.length; j++) {
      const tlo = j === 0 ? -Infinity : target[j - 1]!;
      const thi = j === target.length ? Infinity : target[j]!;
      const overlap = Math.min(hi, thi) - Math.max(lo, tlo);
      if (overlap > 0) shares[j]! += (count * overlap) / (hi - lo);
    }
  });
  return wholeCounts(shares, total);
}
