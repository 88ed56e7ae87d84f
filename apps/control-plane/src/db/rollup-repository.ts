// Rolled-up request metrics. Writes go ahead: a group commit inserts ONE RollupPending row (its cells in
// a compact text form, keyed by integer series ids), so the OTLP answer waits for one small insert, not an upsert per
// cell. A fold moves pending payloads into the Rollup cells (INSERT ... ON CONFLICT DO UPDATE adding sums)
// in the transaction that deletes them: after a crash they are still pending, never folded twice. Every
// read folds first, so it sees everything acknowledged; ingest also folds in the background.
import { OUTCOMES, RESPONSE_CLASSES } from "@trellis/mesh-model";
import { z } from "zod";
import { ZSqlNumber } from "./columns";
import { Prisma, type DbClient } from "./prisma-client";
import type { Database, RollupAggregate, RollupRepository, RollupRow, SeriesLabels } from "./repositories";
import { CELL_WIDTH, decodeCells, encodeCells, seriesKeyOf, type RollupCell } from "./rollup-cells";
import { isStorableRollup } from "./rollup-merge";
import {
  BUCKET_COLUMNS,
  deleteDigestsSql,
  insertDigestsSql,
  insertPendingSql,
  jsonAndTimeArgs,
  LABEL_COLUMNS,
  pruneSeriesSql,
  quote,
  rollupsJson,
  seriesByIdSql,
  sqlTime,
  SUMMED_COLUMNS,
  takePendingSql,
  upsertRollupsSql,
  upsertSeriesSql,
} from "./rollup-sql";

/** Rows per upsert statement (one JSON parameter each). */
const CHUNK = 2000;
/** Pending payloads taken per fold transaction. */
const FOLD_PAYLOADS = 256;
/** A large fold on a busy database may take longer than Prisma's 5 s default. */
const TRANSACTION_TIMEOUT_MS = 60_000;
const BUCKETS = BUCKET_COLUMNS.length;

const AGGREGATE_SELECT = Prisma.raw(`SELECT ${quote(LABEL_COLUMNS)}, ${SUMMED_COLUMNS.map((c) => `SUM("${c}") AS "${c}"`).join(", ")} FROM "Rollup"`);
const LABELS = Prisma.raw(quote(LABEL_COLUMNS));

const ZColumns = z.record(z.string(), z.unknown());
/** SQLite hands a BOOLEAN back as 0/1 where it cannot see the column's type (RETURNING). */
const ZSqlBoolean = z.union([z.boolean(), z.literal(0).transform(() => false), z.literal(1).transform(() => true)]);
const ZSeriesLabels = z.object({
  source: z.string(),
  destination: z.string(),
  destinationVersion: z.string(),
  responseClass: z.enum(RESPONSE_CLASSES),
  outcome: z.enum(OUTCOMES),
  mtls: ZSqlBoolean,
});
const ZAggregateRow = ZSeriesLabels.extend({ count: ZSqlNumber, durationSumMs: ZSqlNumber });
const ZSeriesRow = ZSeriesLabels.extend({ id: ZSqlNumber });
const ZPendingRow = z.object({ cells: z.string() });
const ZDigestRow = z.object({ digest: z.string() });
const ZIdRow = z.object({ id: ZSqlNumber });

/**
 * A writer looks a cached series id up again (stamping the row's usedAt) once it is this old, so that a
 * series not looked up for longer is known to be in no process's cache and may be deleted (pruneSeries).
 */
export const SERIES_ID_REFRESH_MS = 3_600_000;


export function rollupRepository(db: DbClient, provider: Database["provider"]): RollupRepository {
  const upsertRollups = upsertRollupsSql(provider);
  const upsertSeries = upsertSeriesSql(provider);
  const seriesById = seriesByIdSql(provider);
  const insertPending = insertPendingSql(provider);
  const takePending = takePendingSql(FOLD_PAYLOADS);
  // Series ids never change while their row exists. Label set -> id is looked up again after
  // SERIES_ID_REFRESH_MS (see pruneSeries); id -> labels stays (a pruned id is never given again).
  const idOf = new Map<string, { id: number; at: number }>();
  const insertDigests = insertDigestsSql(provider);
  const deleteDigests = deleteDigestsSql(provider);
  const pruneSeriesStatement = pruneSeriesSql(provider);
  const labelsOf = new Map<number, SeriesLabels>();

  const remember = (raw: unknown, atMs?: number) => {
    const row = ZSeriesRow.parse(raw);
    const labels: SeriesLabels = { source: row.source, destination: row.destination, destinationVersion: row.destinationVersion, responseClass: row.responseClass, outcome: row.outcome, mtls: row.mtls };
    // Rows read by id (a fold) do not say when they were stamped: only an upsert refreshes the label set's entry.
    if (atMs !== undefined) idOf.set(seriesKeyOf(labels), { id: row.id, at: atMs });
    labelsOf.set(row.id, labels);
  };

  /** The series id of each cell; unknown label sets are inserted first (idempotent, outside the write). */
  async function seriesIds(cells: ReadonlyArray<RollupCell>): Promise<number[]> {
    const ids = new Array<number>(cells.length);
    const nowMs = Date.now();
    let missing: Map<string, SeriesLabels> | undefined;
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i]!;
      const key = c.seriesKey ?? seriesKeyOf(c);
      const entry = idOf.get(key);
      if (entry !== undefined && nowMs - entry.at < SERIES_ID_REFRESH_MS) ids[i] = entry.id;
      else (missing ??= new Map()).set(key, c);
    }
    if (!missing) return ids;
    const labels = [...missing.values()].map((s) => [s.source, s.destination, s.destinationVersion, s.responseClass, s.outcome, s.mtls]);
    for (let i = 0; i < labels.length; i += CHUNK) {
      const rows = await db.$queryRawUnsafe<unknown[]>(upsertSeries, ...jsonAndTimeArgs(provider, JSON.stringify(labels.slice(i, i + CHUNK)), new Date(nowMs)));
      for (const raw of rows) remember(raw, nowMs);
    }
    for (let i = 0; i < cells.length; i++) {
      if (ids[i] !== undefined) continue;
      const c = cells[i]!;
      const entry = idOf.get(c.seriesKey ?? seriesKeyOf(c));
      if (entry === undefined) throw new Error("a rollup series was not stored");
      ids[i] = entry.id;
    }
    return ids;
  }

  function check(cells: ReadonlyArray<RollupCell>): void {
    for (const c of cells) {
      if (!isStorableRollup(c)) {
        if (c.buckets.length !== BUCKETS) throw new RangeError(`a rollup row needs ${BUCKETS} latency buckets, got ${c.buckets.length}`);
        throw new RangeError(`rollup counts must be non-negative integers and the duration sum finite (${c.source} -> ${c.destination})`);
      }
    }
  }

  async function addCells(cells: ReadonlyArray<RollupCell>): Promise<void> {
    check(cells);
    if (cells.length === 0) return;
    const ids = await seriesIds(cells);
    await db.$executeRawUnsafe(insertPending, encodeCells(cells, ids));
  }

  async function addExports(exports: ReadonlyArray<{ digest?: string; cells: ReadonlyArray<RollupCell> }>, at: Date): Promise<boolean[]> {
    const digests = exports.flatMap((e) => (e.digest === undefined ? [] : [e.digest]));
    if (digests.length === 0) {
      await addCells(exports.length === 1 ? exports[0]!.cells : exports.flatMap((e) => e.cells));
      return exports.map(() => true);
    }
    for (const e of exports) check(e.cells);
    // Series ids first, outside the transaction: idempotent, and a retried export needs them all the same.
    const all = exports.flatMap((e) => e.cells);
    const ids = await seriesIds(all);
    return db.$transaction(
      async (tx) => {
        const fresh = new Set((await tx.$queryRawUnsafe<unknown[]>(insertDigests, ...jsonAndTimeArgs(provider, JSON.stringify(digests), at))).map((raw) => ZDigestRow.parse(raw).digest));
        const written: boolean[] = [];
        const cells: RollupCell[] = [];
        const cellIds: number[] = [];
        let o = 0;
        for (const e of exports) {
          const n = e.cells.length;
          const write = e.digest === undefined || fresh.delete(e.digest);
          written.push(write);
          if (write) {
            for (let i = 0; i < n; i++) {
              cells.push(e.cells[i]!);
              cellIds.push(ids[o + i]!);
            }
          }
          o += n;
        }
        if (cells.length > 0) await tx.$executeRawUnsafe(insertPending, encodeCells(cells, cellIds));
        return written;
      },
      { timeout: TRANSACTION_TIMEOUT_MS },
    );
  }

  /** One transaction: take up to FOLD_PAYLOADS pending payloads, sum their cells, add them to Rollup. Returns the payloads folded. */
  async function foldOnce(): Promise<number> {
    return db.$transaction(
      async (tx) => {
        const taken = (await tx.$queryRawUnsafe<unknown[]>(takePending)).map((raw) => ZPendingRow.parse(raw).cells);
        if (taken.length === 0) return 0;
        // Cells summed by resolution, bucket start and series: "res:start:id" -> [count, sum, ...buckets].
        const sums = new Map<string, Float64Array>();
        const add = (key: string, f: Float64Array, o: number) => {
          let into = sums.get(key);
          if (!into) sums.set(key, (into = new Float64Array(2 + BUCKETS)));
          for (let k = 0; k < 2 + BUCKETS; k++) into[k]! += f[o + 3 + k]!;
        };
        const unknown = new Set<number>();
        for (const text of taken) {
          const f = decodeCells(text);
          for (let o = 0; o < f.length; o += CELL_WIDTH) {
            const id = f[o]!;
            if (!labelsOf.has(id)) unknown.add(id);
            if (f[o + 1]! >= 0) add(`10:${f[o + 1]}:${id}`, f, o);
            if (f[o + 2]! >= 0) add(`60:${f[o + 2]}:${id}`, f, o);
          }
        }
        if (unknown.size > 0) for (const raw of await tx.$queryRawUnsafe<unknown[]>(seriesById, JSON.stringify([...unknown]))) remember(raw);
        const rows: RollupRow[] = [];
        // Sorted, so that concurrent folds (replicas) lock cells in one order.
        for (const key of [...sums.keys()].sort()) {
          const [res, start, id] = key.split(":").map(Number) as [number, number, number];
          const labels = labelsOf.get(id);
          if (!labels) continue; // a series row deleted by hand: nothing to attribute the cell to
          const s = sums.get(key)!;
          rows.push({ resolution: res === 10 ? 10 : 60, bucketStart: new Date(start), ...labels, count: s[0]!, durationSumMs: s[1]!, buckets: Array.from(s.subarray(2)) });
        }
        for (let i = 0; i < rows.length; i += CHUNK) await tx.$executeRawUnsafe(upsertRollups, rollupsJson(rows.slice(i, i + CHUNK)));
        return taken.length;
      },
      { timeout: TRANSACTION_TIMEOUT_MS },
    );
  }

  // Folds run one at a time in this process; a caller that arrives while one runs gets the next one
  // (which starts after it, so it sees every payload committed before the call).
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const foldAll = async () => {
    while ((await foldOnce()) === FOLD_PAYLOADS);
  };
  function fold(): Promise<void> {
    if (!running) {
      running = foldAll().finally(() => (running = undefined));
      return running;
    }
    next ??= running
      .catch(() => {})
      .then(() => {
        next = undefined;
        return fold();
      });
    return next;
  }

  return {
    add(rows) {
      return addCells(
        rows.map((r) => ({
          source: r.source,
          destination: r.destination,
          destinationVersion: r.destinationVersion,
          responseClass: r.responseClass,
          outcome: r.outcome,
          mtls: r.mtls,
          bucket10Ms: r.resolution === 10 ? r.bucketStart.getTime() : -1,
          bucket60Ms: r.resolution === 60 ? r.bucketStart.getTime() : -1,
          count: r.count,
          durationSumMs: r.durationSumMs,
          buckets: r.buckets,
        })),
      );
    },

    addCells,

    addExports,

    async forgetDigests(before) {
      return db.$executeRawUnsafe(deleteDigests, sqlTime(before));
    },

    async pruneSeries(notUsedSince) {
      const rows = await db.$queryRawUnsafe<unknown[]>(pruneSeriesStatement, sqlTime(notUsedSince));
      const gone = new Set(rows.map((raw) => ZIdRow.parse(raw).id));
      // This process's own cache forgets them at once (no other process has used them for an hour). The
      // id -> labels direction stays: ids are never given again (AUTOINCREMENT, a sequence).
      for (const [key, entry] of idOf) if (gone.has(entry.id)) idOf.delete(key);
      return gone.size;
    },

    foldPending: fold,

    async aggregate(resolution, from, to) {
      await fold();
      const rows = await db.$queryRaw<unknown[]>(Prisma.sql`${AGGREGATE_SELECT}
        WHERE "resolution" = ${resolution} AND "bucketStart" >= ${from} AND "bucketStart" < ${to}
        GROUP BY ${LABELS} ORDER BY ${LABELS}`);
      return rows.map((raw): RollupAggregate => {
        const columns = ZColumns.parse(raw);
        const row = ZAggregateRow.parse(columns);
        return {
          source: row.source,
          destination: row.destination,
          destinationVersion: row.destinationVersion,
          responseClass: row.responseClass,
          outcome: row.outcome,
          mtls: row.mtls,
          count: row.count,
          durationSumMs: row.durationSumMs,
          buckets: BUCKET_COLUMNS.map((c) => ZSqlNumber.parse(columns[c])),
        };
      });
    },

    async deleteBefore(resolution, cutoff) {
      await fold();
      const { count } = await db.rollup.deleteMany({ where: { resolution, bucketStart: { lt: cutoff } } });
      return count;
    },

    async earliestBucket(resolution) {
      await fold();
      // The primary key's prefix (resolution, bucketStart) makes this one index seek.
      const row = await db.rollup.findFirst({ where: { resolution }, orderBy: { bucketStart: "asc" }, select: { bucketStart: true } });
      return row?.bucketStart ?? null;
    },

    async recentSeries(since) {
      await fold();
      const rows = await db.$queryRaw<unknown[]>(Prisma.sql`SELECT DISTINCT ${LABELS} FROM "Rollup" WHERE "resolution" = 60 AND "bucketStart" >= ${since}`);
      return rows.map((raw) => ZSeriesLabels.parse(raw));
    },
  };
}
