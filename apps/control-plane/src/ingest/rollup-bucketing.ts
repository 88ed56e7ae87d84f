// Places request observations into 10 s and 60 s rollup cells and merges cells with the same key,
// so that an ingest batch writes each cell once.
import type { Outcome, ResponseClass } from "@trellis/mesh-model";
import type { Resolution, RollupRow } from "../db/repositories";

export const RESOLUTIONS: readonly Resolution[] = [10, 60];

/** What one data point says about requests on one edge and label set, at one moment. */
export interface RequestObservation {
  timeMs: number;
  source: string;
  destination: string;
  destinationVersion: string;
  responseClass: ResponseClass;
  outcome: Outcome;
  mtls: boolean;
  count: number;
  durationSumMs: number;
  /** LATENCY_BOUNDS_MS buckets plus overflow. */
  buckets: number[];
}

export function bucketStartMs(timeMs: number, resolution: Resolution): number {
  const step = resolution * 1000;
  return Math.floor(timeMs / step) * step;
}

export function rollupKey(row: Omit<RollupRow, "count" | "durationSumMs" | "buckets">): string {
  return [row.resolution, row.bucketStart.getTime(), row.source, row.destination, row.destinationVersion, row.responseClass, row.outcome, row.mtls ? 1 : 0].join("\u0000");
}

/** One cell per resolution for the observation; `keep(resolution)` drops resolutions (e.g. past retention). */
export function rollupRowsOf(obs: RequestObservation, keep: (resolution: Resolution) => boolean = () => true): RollupRow[] {
  return RESOLUTIONS.filter(keep).map((resolution) => ({
    resolution,
    bucketStart: new Date(bucketStartMs(obs.timeMs, resolution)),
    source: obs.source,
    destination: obs.destination,
    destinationVersion: obs.destinationVersion,
    responseClass: obs.responseClass,
    outcome: obs.outcome,
    mtls: obs.mtls,
    count: obs.count,
    durationSumMs: obs.durationSumMs,
    buckets: [...obs.buckets],
  }));
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
