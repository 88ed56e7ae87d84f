// Places request observations into 10 s and 60 s rollup cells (the repository sums cells of one key).
import type { Resolution, RollupAggregate, RollupRow } from "../db/repositories";

export const RESOLUTIONS: readonly Resolution[] = [10, 60];

/** What one data point says about requests on one edge and label set, at one moment. */
export type RequestObservation = RollupAggregate & {
  timeMs: number;
  /** seriesKeyOf(this), when the producer already has it (it is built once per distinct label set). */
  seriesKey?: string;
};

export function bucketStartMs(timeMs: number, resolution: Resolution): number {
  const step = resolution * 1000;
  return Math.floor(timeMs / step) * step;
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
