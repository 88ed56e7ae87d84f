// The cardinality guard: at most `cap` distinct rollup series (source, destination, version, response
// class, outcome, mTLS) may be active at once. A series counts from its first point until it has been
// idle for an hour; a point of a new series past the cap is refused (the export's partial success says
// so) and counted, so a label explosion cannot grow the rollup tables without bound.
import type { SeriesLabels } from "../db/repositories";
import { seriesKeyOf } from "../db/rollup-cells";

/** A series idle this long no longer counts against the cap. */
export const SERIES_IDLE_MS = 3_600_000;

export const seriesKey = seriesKeyOf;

export interface SeriesCapState {
  /** Series active in the last hour. */
  used: number;
  cap: number;
  /** Points refused since start because their series would have passed the cap. */
  rejectedPoints: number;
}

export class SeriesCap {
  /** Series key -> when it last had a point (ms). */
  private readonly lastSeen = new Map<string, number>();
  private rejected = 0;

  constructor(readonly cap: number) {}

  get state(): SeriesCapState {
    return { used: this.lastSeen.size, cap: this.cap, rejectedPoints: this.rejected };
  }

  /** Counts a series seen (e.g. loaded from storage at start), as long as there is room. */
  remember(labels: SeriesLabels, atMs: number): void {
    const key = seriesKey(labels);
    if (this.lastSeen.has(key) || this.lastSeen.size < this.cap) this.lastSeen.set(key, Math.max(atMs, this.lastSeen.get(key) ?? -Infinity));
  }

  /** True when the series is active or fits under the cap (it is then active); false counts a rejected point. */
  admit(labels: SeriesLabels & { seriesKey?: string }, nowMs: number): boolean {
    const key = labels.seriesKey ?? seriesKey(labels);
    if (this.lastSeen.has(key) || this.lastSeen.size < this.cap) {
      this.lastSeen.set(key, nowMs);
      return true;
    }
    this.rejected++;
    return false;
  }

  /** Frees the room of series idle for an hour. */
  prune(nowMs: number): void {
    for (const [key, at] of this.lastSeen) if (nowMs - at > SERIES_IDLE_MS) this.lastSeen.delete(key);
  }
}
