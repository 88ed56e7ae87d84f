// Turns a look-back window ("5m") into the rollup resolution and bucket range to read, and the span
// of time that data actually covers (the denominator of rates).
import type { Resolution } from "../db/repositories";

export interface QueryWindow {
  resolution: Resolution;
  /** First bucket start included (aligned down). */
  from: Date;
  /** Exclusive end: just past the bucket that holds `now`. */
  to: Date;
  /** Seconds the buckets cover up to now when data exists for all of them (see coveredSeconds). */
  seconds: number;
}

/** Fine 10 s buckets for windows up to an hour (while they are retained), minute buckets beyond. */
export function queryWindow(windowMs: number, nowMs: number, retention10sMs: number): QueryWindow {
  const resolution: Resolution = windowMs <= Math.min(3_600_000, retention10sMs) ? 10 : 60;
  const step = resolution * 1000;
  const from = Math.floor((nowMs - windowMs) / step) * step;
  const to = Math.floor(nowMs / step) * step + step;
  return { resolution, from: new Date(from), to: new Date(to), seconds: Math.max(1, (nowMs - from) / 1000) };
}

/**
 * Seconds from the start of the data's coverage to now: the window's start, or the earliest stored
 * bucket of the resolution when that is later (a mesh younger than the window, or history cut by
 * retention). Otherwise 60 requests in a mesh's first minute would read as 0.2/s over a 5 min window.
 * At least one second, so that a first bucket that just began gives no absurd rate.
 */
export function coveredSeconds(window: QueryWindow, earliestBucket: Date | null, nowMs: number): number {
  const start = Math.max(window.from.getTime(), earliestBucket?.getTime() ?? -Infinity);
  return Math.max(1, Math.min(window.seconds, (nowMs - start) / 1000));
}
