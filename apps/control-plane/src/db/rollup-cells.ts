// Rollup cells on their way in: what ingest hands the repository, and the compact text form in which a
// group commit writes them ahead (one RollupPending row) until a fold adds them to the Rollup table.
// Text, not bytes: Prisma passes a text parameter about twice as cheaply per byte as a binary one, and
// this form is a fraction of the size of float64s (most latency buckets are zero).
import { LATENCY_BOUNDS_MS } from "@trellis/mesh-model";
import type { SeriesLabels } from "./repositories";

/** The one string form of a series' labels (in-memory maps: ingest's cells and series cap, the series id cache). */
export const seriesKeyOf = (s: SeriesLabels): string =>
  `${s.source}\u0000${s.destination}\u0000${s.destinationVersion}\u0000${s.responseClass}\u0000${s.outcome}\u0000${s.mtls ? 1 : 0}`;

/** Requests of one series in one 10 s cell and/or its 60 s cell (either start is -1 when not wanted). */
export interface RollupCell extends SeriesLabels {
  /** seriesKeyOf(this), when the producer already has it. */
  seriesKey?: string;
  bucket10Ms: number;
  bucket60Ms: number;
  count: number;
  durationSumMs: number;
  /** Counts per LATENCY_BOUNDS_MS bucket plus the overflow bucket. */
  buckets: number[];
}

const BUCKETS = LATENCY_BOUNDS_MS.length + 1;
/** Numbers per decoded cell: series id, the two bucket starts (ms, -1 for none), count, duration sum, the latency buckets. */
export const CELL_WIDTH = 5 + BUCKETS;

/** Base-36 texts of small integers (series ids, bucket counts), made once each: toString(36) is slow. */
const SMALL = 36 ** 3;
const small: string[] = [];
const int = (n: number): string => {
  if (n === 0) return "";
  if (n > 0 && n < SMALL && Number.isInteger(n)) return (small[n] ??= n.toString(36));
  return n.toString(36);
};
/** ",b:" of each latency bucket. */
const BUCKET_PREFIX = Array.from({ length: LATENCY_BOUNDS_MS.length + 1 }, (_, b) => `,${b}:`);
const parseInt36 = (s: string): number => (s === "" ? 0 : parseInt(s, 36));

/**
 * One line per cell, fields separated by commas: series id, 10 s start, 60 s start, count (integers
 * in base 36, 0 as nothing, a missing start as "-"; a 60 s start equal to the 10 s start's minute as
 * "="), the duration sum (decimal, exact), then the non-zero latency buckets as index:count.
 */
export function encodeCells(cells: ReadonlyArray<RollupCell>, seriesIds: ReadonlyArray<number>): string {
  const lines = new Array<string>(cells.length);
  // The cells of a group share a few bucket starts: their texts are made once per run of equal starts.
  let last10 = NaN;
  let text10 = "";
  let last60 = NaN;
  let text60 = "";
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    if (c.bucket10Ms !== last10) {
      last10 = c.bucket10Ms;
      text10 = c.bucket10Ms < 0 ? "-" : int(c.bucket10Ms);
    }
    let t60: string;
    if (c.bucket60Ms < 0) t60 = "-";
    else if (c.bucket10Ms >= 0 && c.bucket60Ms === Math.floor(c.bucket10Ms / 60_000) * 60_000) t60 = "=";
    else {
      if (c.bucket60Ms !== last60) {
        last60 = c.bucket60Ms;
        text60 = c.bucket60Ms.toString(36);
      }
      t60 = text60;
    }
    let line = int(seriesIds[i]!) + "," + text10 + "," + t60 + "," + int(c.count) + "," + (c.durationSumMs === 0 ? "" : String(c.durationSumMs));
    for (let b = 0; b < BUCKETS; b++) {
      const n = c.buckets[b]!;
      // n.toString(36) of a non-zero n: int() gives the same text (it maps only 0 to "").
      if (n !== 0) line += BUCKET_PREFIX[b]! + int(n);
    }
    lines[i] = line;
  }
  return lines.join("\n");
}

/** The cells of an encoded payload, CELL_WIDTH numbers each; throws on text that is not one. */
export function decodeCells(text: string): Float64Array {
  if (text === "") return new Float64Array(0);
  const lines = text.split("\n");
  const out = new Float64Array(lines.length * CELL_WIDTH);
  let o = 0;
  for (const line of lines) {
    const f = line.split(",");
    if (f.length < 5) throw new RangeError("a pending rollup cell has fewer than 5 fields");
    const t10 = f[1] === "-" ? -1 : parseInt36(f[1]!);
    out[o] = parseInt36(f[0]!);
    out[o + 1] = t10;
    out[o + 2] = f[2] === "-" ? -1 : f[2] === "=" ? Math.floor(t10 / 60_000) * 60_000 : parseInt36(f[2]!);
    out[o + 3] = parseInt36(f[3]!);
    out[o + 4] = f[4] === "" ? 0 : Number(f[4]);
    for (let k = 5; k < f.length; k++) {
      const pair = f[k]!;
      const colon = pair.indexOf(":");
      const b = Number(pair.slice(0, colon));
      if (colon < 0 || !(b >= 0 && b < BUCKETS)) throw new RangeError(`a pending rollup cell has a bad bucket ${JSON.stringify(pair)}`);
      out[o + 5 + b] = parseInt36(pair.slice(colon + 1));
    }
    for (let k = o; k < o + CELL_WIDTH; k++) if (!Number.isFinite(out[k]!)) throw new RangeError("a pending rollup cell is not numeric");
    o += CELL_WIDTH;
  }
  return out;
}
