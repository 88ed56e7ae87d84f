// Rolled-up request metrics. The hot ingest path: writes are multi-row INSERT ... ON CONFLICT DO UPDATE
// statements in one transaction (Prisma's createMany/upsert cost ~0.2 ms a row), merges are SQL additions,
// and reads are a GROUP BY in SQL.
import { LATENCY_BOUNDS_MS, OUTCOMES, RESPONSE_CLASSES } from "@trellis/mesh-model";
import { z } from "zod";
import { ZSqlNumber } from "./columns";
import { Prisma, type DbClient } from "./prisma-client";
import type { RollupAggregate, RollupRepository, RollupRow } from "./repositories";

const BUCKET_COLUMNS = Array.from({ length: LATENCY_BOUNDS_MS.length + 1 }, (_, i) => `b${i}`);
const KEY_COLUMNS = ["resolution", "bucketStart", "source", "destination", "destinationVersion", "responseClass", "outcome", "mtls"];
const LABEL_COLUMNS = KEY_COLUMNS.slice(2);
const SUMMED_COLUMNS = ["count", "durationSumMs", ...BUCKET_COLUMNS];

const quoted = (columns: string[]) => Prisma.raw(columns.map((column) => `"${column}"`).join(", "));

/** Rows per INSERT: 24 parameters each, far below SQLite's (32766) and PostgreSQL's (65535) limits. */
const CHUNK = 400;

const INSERT_HEAD = Prisma.sql`INSERT INTO "Rollup" (${quoted([...KEY_COLUMNS, ...SUMMED_COLUMNS])}) VALUES `;
const UPSERT_TAIL = Prisma.raw(
  ` ON CONFLICT (${KEY_COLUMNS.map((c) => `"${c}"`).join(", ")}) DO UPDATE SET ` +
    SUMMED_COLUMNS.map((c) => `"${c}" = "Rollup"."${c}" + excluded."${c}"`).join(", "),
);
const AGGREGATE_SELECT = Prisma.raw(
  `SELECT ${LABEL_COLUMNS.map((c) => `"${c}"`).join(", ")}, ` +
    SUMMED_COLUMNS.map((c) => `SUM("${c}") AS "${c}"`).join(", ") +
    ` FROM "Rollup"`,
);

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

export function rollupRepository(db: DbClient): RollupRepository {
  return {
    async add(rows) {
      const merged = mergeByKey(rows);
      if (merged.length === 0) return;
      const statements = [];
      for (let i = 0; i < merged.length; i += CHUNK) {
        const values = merged.slice(i, i + CHUNK).map(
          (row) =>
            Prisma.sql`(${Prisma.join([
              row.resolution, row.bucketStart, row.source, row.destination, row.destinationVersion, row.responseClass,
              row.outcome, row.mtls, row.count, row.durationSumMs, ...row.buckets,
            ])})`,
        );
        statements.push(db.$executeRaw(Prisma.sql`${INSERT_HEAD}${Prisma.join(values)}${UPSERT_TAIL}`));
      }
      await db.$transaction(statements);
    },

    async aggregate(resolution, from, to) {
      const rows = await db.$queryRaw<unknown[]>(Prisma.sql`${AGGREGATE_SELECT}
        WHERE "resolution" = ${resolution} AND "bucketStart" >= ${from} AND "bucketStart" < ${to}
        GROUP BY ${quoted(LABEL_COLUMNS)} ORDER BY ${quoted(LABEL_COLUMNS)}`);
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
  };
}

/**
 * Sums rows with the same key before writing: PostgreSQL refuses an upsert that touches one row twice in
 * a statement. Also the one check of the rows' shape, since a bad row would fail the whole batch.
 */
function mergeByKey(rows: ReadonlyArray<RollupRow>): RollupRow[] {
  const merged = new Map<string, RollupRow>();
  for (const row of rows) {
    if (row.buckets.length !== BUCKET_COLUMNS.length) {
      throw new RangeError(`a rollup row needs ${BUCKET_COLUMNS.length} latency buckets, got ${row.buckets.length}`);
    }
    const key = [row.resolution, row.bucketStart.getTime(), row.source, row.destination, row.destinationVersion, row.responseClass, row.outcome, row.mtls].join("\u0000");
    const into = merged.get(key);
    if (!into) {
      merged.set(key, { ...row, buckets: [...row.buckets] });
      continue;
    }
    into.count += row.count;
    into.durationSumMs += row.durationSumMs;
    row.buckets.forEach((n, i) => (into.buckets[i] = (into.buckets[i] ?? 0) + n));
  }
  return [...merged.values()];
}
