// Sums rollup rows that share a key (time bucket and label set). The rollup repository relies on it:
// PostgreSQL refuses an upsert that touches one row twice in one statement.
import type { RollupRow } from "./repositories";

export function rollupKey(row: Omit<RollupRow, "count" | "durationSumMs" | "buckets">): string {
  return [row.resolution, row.bucketStart.getTime(), row.source, row.destination, row.destinationVersion, row.responseClass, row.outcome, row.mtls ? 1 : 0].join("\u0000");
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
