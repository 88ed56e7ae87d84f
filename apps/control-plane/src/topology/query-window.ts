// Turns a look-back window ("5m") into the rollup resolution and bucket range to read.
import type { Resolution } from "../db/repositories";

export interface QueryWindow {
  resolution: Resolution;
  /** First bucket start included (aligned down). */
  from: Date;
  /** Exclusive end: just past the bucket that holds `now`. */
  to: Date;
  /** Seconds the buckets actually cover up to now: the denominator of rates. */
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
