// Rolled-up request metrics, the hot ingest path: a batch is one transaction of INSERT ... ON CONFLICT
// DO UPDATE statements in raw SQL (Prisma's createMany/upsert cost ~0.2 ms a row), merges are SQL
// additions, and reads are a GROUP BY in SQL.
import { OUTCOMES, RESPONSE_CLASSES } from "@trellis/mesh-model";
import { z } from "zod";
import { ZSqlNumber } from "./columns";
import { Prisma, type DbClient } from "./prisma-client";
import type { Database, RollupAggregate, RollupRepository, RollupRow } from "./repositories";
import { BUCKET_COLUMNS, LABEL_COLUMNS, quote, rollupsJson, SUMMED_COLUMNS, upsertRollupsSql } from "./rollup-sql";
import { mergeRollupRows } from "./rollup-merge";

/** Rows per statement (one JSON parameter each). */
const CHUNK = 2000;
/** A large batch on a busy database may take longer than Prisma's 5 s default. */
const TRANSACTION_TIMEOUT_MS = 60_000;

const AGGREGATE_SELECT = Prisma.raw(`SELECT ${quote(LABEL_COLUMNS)}, ${SUMMED_COLUMNS.map((c) => `SUM("${c}") AS "${c}"`).join(", ")} FROM "Rollup"`);
const LABELS = Prisma.raw(quote(LABEL_COLUMNS));

const ZColumns = z.record(z.string(), z.unknown());
const ZAggregateRow = z.object({
  source: z.string(),
  destination: z.string(),
  destinationVersion: z.string(),
  responseClass: z.enum(RESPONSE_CLASSES),
  outcome: z.enum(OUTCOMES),
  mtls: z.boolean(),
  count: ZSqlNumber,
  durationSumMs: ZSqlNumber,
});
const ZSeriesLabels = ZAggregateRow.pick({ source: true, destination: true, destinationVersion: true, responseClass: true, outcome: true, mtls: true });

export function rollupRepository(db: DbClient, provider: Database["provider"]): RollupRepository {
  const upsert = upsertRollupsSql(provider);
  return {
    async add(rows) {
      const merged = mergeByKey(rows);
      if (merged.length === 0) return;
      const statements = [];
      for (let i = 0; i < merged.length; i += CHUNK) statements.push(db.$executeRawUnsafe(upsert, rollupsJson(merged.slice(i, i + CHUNK))));
      await db.$transaction(statements, { timeout: TRANSACTION_TIMEOUT_MS });
    },

    async aggregate(resolution, from, to) {
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
      const { count } = await db.rollup.deleteMany({ where: { resolution, bucketStart: { lt: cutoff } } });
      return count;
    },

    async earliestBucket(resolution) {
      // The primary key's prefix (resolution, bucketStart) makes this one index seek.
      const row = await db.rollup.findFirst({ where: { resolution }, orderBy: { bucketStart: "asc" }, select: { bucketStart: true } });
      return row?.bucketStart ?? null;
    },

    async recentSeries(since) {
      const rows = await db.$queryRaw<unknown[]>(Prisma.sql`SELECT DISTINCT ${LABELS} FROM "Rollup" WHERE "resolution" = 60 AND "bucketStart" >= ${since}`);
      return rows.map((raw) => ZSeriesLabels.parse(raw));
    },
  };
}

/** The one check of the rows' shape (a bad row would fail the whole batch), then rows of one key summed. */
function mergeByKey(rows: ReadonlyArray<RollupRow>): RollupRow[] {
  for (const row of rows) {
    if (row.buckets.length !== BUCKET_COLUMNS.length) {
      throw new RangeError(`a rollup row needs ${BUCKET_COLUMNS.length} latency buckets, got ${row.buckets.length}`);
    }
    if (![row.count, ...row.buckets].every(isCount) || !Number.isFinite(row.durationSumMs)) {
      throw new RangeError(`rollup counts must be non-negative integers and the duration sum finite (${row.source} -> ${row.destination})`);
    }
  }
  return mergeRollupRows(rows);
}

function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}
