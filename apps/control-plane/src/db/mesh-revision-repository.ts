// The mesh-wide config revision: one row, incremented atomically by a single upsert statement, so
// concurrent bumps (on one replica or several) each get their own number.
import { z } from "zod";
import type { DbClient } from "./prisma-client";
import type { MeshRevisionRepository } from "./repositories";

type Queryable = Pick<DbClient, "$queryRaw">;

const ZBumped = z.tuple([z.object({ revision: z.int() })]);

/** Increments the revision (creating the row at 1) and returns the new value; usable inside a transaction. */
export async function bumpRevision(db: Queryable, reason: string, now: Date): Promise<number> {
  const rows = await db.$queryRaw`
    INSERT INTO "MeshRevision" ("id", "revision", "lastReason", "updatedAt") VALUES (1, 1, ${reason}, ${now})
    ON CONFLICT ("id") DO UPDATE SET
      "revision" = "MeshRevision"."revision" + 1, "lastReason" = excluded."lastReason", "updatedAt" = excluded."updatedAt"
    RETURNING "revision"`;
  const [row] = ZBumped.parse(rows);
  return row.revision;
}

export function meshRevisionRepository(db: DbClient): MeshRevisionRepository {
  return {
    async current() {
      const row = await db.meshRevision.findUnique({ where: { id: 1 }, select: { revision: true } });
      return row?.revision ?? 0;
    },
    bump: (reason) => bumpRevision(db, reason, new Date()),
  };
}
