// Which service calls which, with when the edge was first and last seen.
import { Prisma, type DbClient } from "./prisma-client";
import type { EdgeRepository } from "./repositories";

/** Rows per INSERT: far below SQLite's and PostgreSQL's bind-parameter limits. */
const CHUNK = 500;

export function edgeRepository(db: DbClient): EdgeRepository {
  return {
    async touch(edges, now) {
      // One row per edge: PostgreSQL refuses an upsert that touches the same row twice in one statement.
      const unique = [...new Map(edges.map((edge) => [`${edge.source}\u0000${edge.destination}`, edge])).values()];
      if (unique.length === 0) return;
      const statements = [];
      for (let i = 0; i < unique.length; i += CHUNK) {
        const values = unique.slice(i, i + CHUNK).map((edge) => Prisma.sql`(${edge.source}, ${edge.destination}, ${now}, ${now})`);
        // The seen-at range only widens, whatever order batches from several replicas arrive in.
        statements.push(db.$executeRaw`
          INSERT INTO "Edge" ("source", "destination", "firstSeenAt", "lastSeenAt") VALUES ${Prisma.join(values)}
          ON CONFLICT ("source", "destination") DO UPDATE SET
            "firstSeenAt" = CASE WHEN excluded."firstSeenAt" < "Edge"."firstSeenAt" THEN excluded."firstSeenAt" ELSE "Edge"."firstSeenAt" END,
            "lastSeenAt" = CASE WHEN excluded."lastSeenAt" > "Edge"."lastSeenAt" THEN excluded."lastSeenAt" ELSE "Edge"."lastSeenAt" END`);
      }
      await db.$transaction(statements);
    },

    async list() {
      const rows = await db.edge.findMany({ orderBy: [{ source: "asc" }, { destination: "asc" }] });
      return rows.map(({ source, destination, firstSeenAt, lastSeenAt }) => ({ source, destination, firstSeenAt, lastSeenAt }));
    },
  };
}
