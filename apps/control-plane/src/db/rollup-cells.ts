// Rollup cells on their way in: what ingest hands the repository, and the compact binary form in which
// a group commit writes them ahead (one RollupPending row) until a fold adds them to the Rollup table.
import { LATENCY_BOUNDS_MS } from "@trellis/mesh-model";
import type { SeriesLabels } from "./repositories";

/** Requests of one series in one 10 s cell and/or its 60 s cell (either start is -1 when not wanted). */
export interface RollupCell extends SeriesLabels {
  bucket10Ms: number;
  bucket60Ms: number;
  count: number;
  durationSumMs: number;
  /** Counts per LATENCY_BOUNDS_MS bucket plus the overflow bucket. */
  buckets: number[];
}

const BUCKETS = LATENCY_BOUNDS_MS.length + 1;
/** Doubles per cell: series id, the two bucket starts, count, duration sum, the latency buckets. */
export const CELL_WIDTH = 5 + BUCKETS;

/** Cells as float64s (every count is a safe integer, so exact); `seriesIds[i]` is cell i's series. */
export function encodeCells(cells: ReadonlyArray<RollupCell>, seriesIds: ReadonlyArray<number>): Uint8Array {
  const out = new Float64Array(cells.length * CELL_WIDTH);
  let o = 0;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    out[o] = seriesIds[i]!;
    out[o + 1] = c.bucket10Ms;
    out[o + 2] = c.bucket60Ms;
    out[o + 3] = c.count;
    out[o + 4] = c.durationSumMs;
    for (let b = 0; b < BUCKETS; b++) out[o + 5 + b] = c.buckets[b]!;
    o += CELL_WIDTH;
  }
  return new Uint8Array(out.buffer);
}

/** The float64s of an encoded payload (copied: a column's bytes need not be 8-byte aligned). */
export function decodeCells(bytes: Uint8Array): Float64Array {
  if (bytes.byteLength % (CELL_WIDTH * 8) !== 0) throw new RangeError(`a pending rollup payload of ${bytes.byteLength} bytes is not a whole number of cells`);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float64Array(copy.buffer);
}
