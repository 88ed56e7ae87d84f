// Turns cumulative OTLP points into deltas. Each stream (resource + scope + metric + attributes +
// start time) remembers its last value; a new start time is a new stream, so SDK restarts reset
// cleanly. State is bounded: idle streams expire and the oldest go first past a cap.

export interface DeltaArithmetic<V> {
  /** cur - prev, or undefined when cur went below prev (a reset the start time did not announce). */
  subtract(cur: V, prev: V): V | undefined;
}

export interface CumulativeToDeltaOptions {
  /**
   * Streams that started before this moment (unix ns) and are seen for the first time carry history
   * we cannot attribute to one interval (e.g. after our own restart): their first point is only a
   * baseline. Streams that started after it count from their first point.
   */
  sinceNs: bigint;
  maxStreams?: number;
  idleTtlMs?: number;
}

interface StreamState<V> {
  timeNs: bigint;
  value: V;
  seenAtMs: number;
}

export class CumulativeToDelta<V> {
  private readonly streams = new Map<string, StreamState<V>>();
  private readonly maxStreams: number;
  private readonly idleTtlMs: number;

  constructor(
    private readonly arithmetic: DeltaArithmetic<V>,
    private readonly options: CumulativeToDeltaOptions,
  ) {
    this.maxStreams = options.maxStreams ?? 100_000;
    this.idleTtlMs = options.idleTtlMs ?? 15 * 60_000;
  }

  get size(): number {
    return this.streams.size;
  }

  /** The delta since the stream's previous point, or undefined when there is nothing to count. */
  next(streamKey: string, startNs: bigint, timeNs: bigint, value: V, nowMs: number): V | undefined {
    const key = `${streamKey}\u0000${startNs}`;
    const state = this.streams.get(key);
    if (!state) {
      this.remember(key, { timeNs, value, seenAtMs: nowMs });
      return startNs > 0n && startNs >= this.options.sinceNs ? value : undefined;
    }
    // A repeat or a late point: its increase is already counted.
    if (timeNs <= state.timeNs) return undefined;
    const delta = this.arithmetic.subtract(value, state.value);
    this.streams.delete(key); // re-insert: the map stays ordered by last use
    this.remember(key, { timeNs, value, seenAtMs: nowMs });
    return delta ?? value;
  }

  /** Forgets streams idle for longer than the TTL. */
  prune(nowMs: number): number {
    let removed = 0;
    for (const [key, state] of this.streams) {
      if (nowMs - state.seenAtMs <= this.idleTtlMs) break; // ordered by last use
      this.streams.delete(key);
      removed++;
    }
    return removed;
  }

  private remember(key: string, state: StreamState<V>): void {
    this.streams.set(key, state);
    while (this.streams.size > this.maxStreams) {
      const oldest = this.streams.keys().next().value;
      if (oldest === undefined) break;
      this.streams.delete(oldest);
    }
  }
}

export const counterArithmetic: DeltaArithmetic<number> = {
  subtract: (cur, prev) => (cur >= prev ? cur - prev : undefined),
};

export interface HistogramValue {
  count: number;
  sum: number;
  /** Same bounds for cur and prev within a stream; a change of bounds counts as a reset. */
  bucketCounts: number[];
}

export const histogramArithmetic: DeltaArithmetic<HistogramValue> = {
  subtract(cur, prev) {
    if (cur.count < prev.count || cur.bucketCounts.length !== prev.bucketCounts.length) return undefined;
    const buckets = cur.bucketCounts.map((c, i) => c - prev.bucketCounts[i]!);
    if (buckets.some((c) => c < 0)) return undefined;
    return { count: cur.count - prev.count, sum: cur.sum - prev.sum, bucketCounts: buckets };
  },
};
