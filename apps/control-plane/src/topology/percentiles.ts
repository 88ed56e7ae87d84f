// Percentiles from histogram bucket counts, interpolated linearly within the bucket that holds the
// rank (the usual assumption that values spread evenly inside a bucket, as Prometheus does).
import { LATENCY_BOUNDS_MS, type Latency } from "@trellis/mesh-model";

/**
 * The q-quantile (0..1) of a histogram with upper `bounds` and `counts` (bounds.length + 1 entries,
 * the last one being the overflow bucket). The first bucket starts at 0; a rank in the overflow bucket
 * answers the last bound, the highest value we can vouch for. Undefined when there are no counts.
 */
export function quantileFromBuckets(q: number, counts: ReadonlyArray<number>, bounds: ReadonlyArray<number> = LATENCY_BOUNDS_MS): number | undefined {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total <= 0) return undefined;
  const rank = Math.min(Math.max(q, 0), 1) * total;
  let before = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i]!;
    if (count > 0 && before + count >= rank) {
      if (i >= bounds.length) return bounds[bounds.length - 1] ?? 0;
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      const upper = bounds[i]!;
      return lower + ((upper - lower) * (rank - before)) / count;
    }
    before += count;
  }
  return bounds[bounds.length - 1] ?? 0;
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

/** p50/p95/p99 of a latency histogram in LATENCY_BOUNDS_MS buckets; null without traffic. */
export function latencyFromBuckets(counts: ReadonlyArray<number>): Latency | null {
  const p50 = quantileFromBuckets(0.5, counts);
  if (p50 === undefined) return null;
  return { p50: round(p50), p95: round(quantileFromBuckets(0.95, counts)!), p99: round(quantileFromBuckets(0.99, counts)!) };
}
