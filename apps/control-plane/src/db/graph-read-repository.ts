// The graph's one big read: the traffic of every edge over a window, summed per (source, destination)
// in SQL with only the columns the graph shows — a third fewer rows than the label-set aggregate, and
// no per-label grouping in the database. Reads the Rollup table the ingest side writes (rollup-sql.ts),
// after folding what was written ahead, as every rollup read does.
import { OUTCOMES, type Outcome, type ResponseClass } from "@trellis/mesh-model";
import { z } from "zod";
import { ZSqlNumber } from "./columns";
import { Prisma, type DbClient } from "./prisma-client";
import type { Resolution, RollupRepository } from "./repositories";
import { BUCKET_COLUMNS } from "./rollup-sql";

/** One edge's requests over a window. */
export interface EdgeTraffic {
  source: string;
  destination: string;
  requests: number;
  /** Requests that count as failed (see topology/request-failure.ts). */
  failures: number;
  /** Requests over mutual TLS. */
  mtls: number;
  durationSumMs: number;
  outcomes: Record<Outcome, number>;
  /** Latency bucket counts, BUCKET_COLUMNS order. */
  buckets: number[];
}

export interface GraphReadRepository {
  /**
   * Per edge, the sums of a resolution's cells with bucketStart in [from, to). A request failed unless
   * its outcome is one of `success.outcomes` and its response class one of `success.classes`.
   */
  edgeTraffic(resolution: Resolution, from: Date, to: Date, success: { outcomes: ReadonlySet<Outcome>; classes: ReadonlySet<ResponseClass> }): Promise<EdgeTraffic[]>;
}

const ZRow = z.object({ source: z.string(), destination: z.string() }).catchall(ZSqlNumber);
const literals = (values: Iterable<string>) => [...values].map((v) => `'${v.replace(/'/g, "''")}'`).join(", ");

export function graphReadRepository(db: DbClient, rollups: Pick<RollupRepository, "foldPending">): GraphReadRepository {
  return {
    async edgeTraffic(resolution, from, to, success) {
      await rollups.foldPending();
      // Outcomes and classes are the closed sets of mesh-model, never input: safe as SQL literals.
      const succeeded = `"outcome" IN (${literals(success.outcomes)}) AND "responseClass" IN (${literals(success.classes)})`;
      const sums = [
        `SUM("count") AS "requests"`,
        `SUM(CASE WHEN ${succeeded} THEN 0 ELSE "count" END) AS "failures"`,
        `SUM(CASE WHEN "mtls" THEN "count" ELSE 0 END) AS "mtls"`,
        `SUM("durationSumMs") AS "durationSumMs"`,
        ...OUTCOMES.map((o, i) => `SUM(CASE WHEN "outcome" = '${o}' THEN "count" ELSE 0 END) AS "o${i}"`),
        ...BUCKET_COLUMNS.map((c) => `SUM("${c}") AS "${c}"`),
      ].join(", ");
      const rows = await db.$queryRaw<unknown[]>`SELECT "source", "destination", ${Prisma.raw(sums)} FROM "Rollup"
        WHERE "resolution" = ${resolution} AND "bucketStart" >= ${from} AND "bucketStart" < ${to}
        GROUP BY "source", "destination"`;
      return rows.map((raw): EdgeTraffic => {
        const row = ZRow.parse(raw);
        const n = (column: string): number => {
          const value = row[column];
          if (typeof value !== "number") throw new Error(`graph read: column ${column} missing`);
          return value;
        };
        return {
          source: row.source,
          destination: row.destination,
          requests: n("requests"),
          failures: n("failures"),
          mtls: n("mtls"),
          durationSumMs: n("durationSumMs"),
          outcomes: Object.fromEntries(OUTCOMES.map((o, i) => [o, n(`o${i}`)])) as Record<Outcome, number>,
          buckets: BUCKET_COLUMNS.map(n),
        };
      });
    },
  };
}
