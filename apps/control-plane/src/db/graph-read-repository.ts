// The graph's one big read: the traffic of every edge over a window, summed per (source, destination)
// in SQL with only the columns the graph shows — a third fewer rows than the label-set aggregate, and
// no per-label grouping in the database. Reads the Rollup table the ingest side writes (rollup-sql.ts),
// after folding what was written ahead, as every rollup read does.
import { OUTCOMES, type Outcome, type ResponseClass } from "@trellis/mesh-model";
import { z } from "zod";
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

const ZRow = z.object({ source: z.string(), destination: z.string(), sums: z.string() });
const literals = (values: Iterable<string>) => [...values].map((v) => `'${v.replace(/'/g, "''")}'`).join(", ");

/** requests, failures, mtls, durationSumMs, then one per outcome, then one per bucket column. */
const SUM_COUNT = 4 + OUTCOMES.length + BUCKET_COLUMNS.length;

/**
 * The sums of a group travel as one JSON array per row (json_array / json_build_array) rather than as
 * ~35 columns: a cold read of 1,000 services and 3,000 edges spent most of its time moving 100,000
 * values one by one through the driver and Prisma's raw-query mapping (docs/benchmarks.md).
 */
export function graphReadRepository(db: DbClient, provider: "sqlite" | "postgresql", rollups: Pick<RollupRepository, "foldPending">): GraphReadRepository {
  const jsonArray = provider === "sqlite" ? "json_array" : "json_build_array";
  return {
    async edgeTraffic(resolution, from, to, success) {
      await rollups.foldPending();
      // Outcomes and classes are the closed sets of mesh-model, never input: safe as SQL literals.
      const succeeded = `"outcome" IN (${literals(success.outcomes)}) AND "responseClass" IN (${literals(success.classes)})`;
      const sums = [
        `SUM("count")`,
        `SUM(CASE WHEN ${succeeded} THEN 0 ELSE "count" END)`,
        `SUM(CASE WHEN "mtls" THEN "count" ELSE 0 END)`,
        `SUM("durationSumMs")`,
        ...OUTCOMES.map((o) => `SUM(CASE WHEN "outcome" = '${o}' THEN "count" ELSE 0 END)`),
        ...BUCKET_COLUMNS.map((c) => `SUM("${c}")`),
      ].join(", ");
      const rows = await db.$queryRaw<unknown[]>`SELECT "source", "destination", CAST(${Prisma.raw(`${jsonArray}(${sums})`)} AS TEXT) AS "sums" FROM "Rollup"
        WHERE "resolution" = ${resolution} AND "bucketStart" >= ${from} AND "bucketStart" < ${to}
        GROUP BY "source", "destination"`;
      return rows.map((raw): EdgeTraffic => {
        const row = ZRow.parse(raw);
        const v: unknown = JSON.parse(row.sums);
        if (!Array.isArray(v) || v.length !== SUM_COUNT || !v.every((x) => typeof x === "number" || typeof x === "string")) {
          throw new Error(`graph read: sums of ${row.source} -> ${row.destination} are not ${SUM_COUNT} numbers: ${row.sums.slice(0, 200)}`);
        }
        // Numbers in JSON (PostgreSQL's SUM over bigint is numeric, written as a JSON number too).
        const n = v.map(Number);
        if (n.some((x) => !Number.isFinite(x))) throw new Error(`graph read: sums of ${row.source} -> ${row.destination} are not finite: ${row.sums.slice(0, 200)}`);
        const o = 4;
        const b = 4 + OUTCOMES.length;
        return {
          source: row.source,
          destination: row.destination,
          requests: n[0]!,
          failures: n[1]!,
          mtls: n[2]!,
          durationSumMs: n[3]!,
          outcomes: Object.fromEntries(OUTCOMES.map((name, i) => [name, n[o + i]!])) as Record<Outcome, number>,
          buckets: n.slice(b),
        };
      });
    },
  };
}
