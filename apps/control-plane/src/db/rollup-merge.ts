// Sums rollup rows that share a key (time bucket and label set), and the one check of what a rollup
// cell may hold. The rollup repository relies on both: PostgreSQL refuses an upsert that touches one row
// twice in one statement, and one bad cell would fail a whole batch.
import { LATENCY_BOUNDS_MS } from "@trellis/mesh-model";
import type { RollupRow } from "./repositories";

export function rollupKey(row: Omit<RollupRow, "count" | "durationSumMs" | "buckets">): string {
  return [row.resolution, row.bucketStart.getTime(), row.source, row.destination, row.destinationVersion, row.responseClass, row.outcome, row.mtls ? 1 : 0].join("\u0000");
}

const BUCKETS = LATENCY_BOUNDS_MS.length + 1;

const isCount = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

/**
 * Whether the store accepts these sums: counts are safe non-negative integers, a latency bucket count
 * for every bucket, and the duration sum is finite. Ingest refuses a point that fails it (partial
 * success) so that it never reaches a group commit; the repository refuses a whole batch with one.
 */
export function isStorableRollup(cell: { count: number; durationSumMs: number; buckets: readonly number[] }): boolean {
  if (!isCount(cell.count) || !Number.isFinite(cell.durationSumMs) || cell.buckets.length !== BUCKETS) return false;
  for (const n of cell.buckets) if (!isCount(n)) return false;
  return true;
}

/** Sums rows with the same key (counts, duration sums and buckets); the inputs are not modified. */
export function mergeRollupRows(rows: Iterable<RollupRow>): RollupRow[] {
  const merged = new Map<string, RollupRow>();
  for (const row of rows) {
    const key = rollupKey(row);
    const into = merged.get(key);
    if (!into) {
      merged.set(key, { ...row, buckets: [...row.buckets] });
      continue;
    }
    into.count += row.count;
    into.durationSumMs += row.durationSumMs;
    for (let i = 0; i < into.buckets.length; i++) into.buckets[i]! += row.buckets[i] ?? 0;
  }
  return [...merged.values()];
}
