// Operators who log in to the console, with their role.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { UniqueConstraintError } from "./errors";
import { Prisma, type DbClient } from "./prisma-client";
import type { UserRecord, UserRepository } from "./repositories";

export const ZRole = z.enum(["viewer", "editor", "admin"]);

type UserRow = Awaited<ReturnType<DbClient["user"]["findFirstOrThrow"]>>;

export function userRepository(db: DbClient): UserRepository {
  return {
    async create({ username, passwordHash, role, now }) {
      try {
        const row = await db.user.create({ data: { id: randomUUID(), username, passwordHash, role, createdAt: now } });
        return toUserRecord(row);
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
          throw new UniqueConstraintError(`username ${JSON.stringify(username)} is taken`, ["username"]);
        }
        throw error;
      }
    },

    async findByUsername(username) {
      const row = await db.user.findUnique({ where: { username } });
      return row ? toUserRecord(row) : null;
    },

    count: () => db.user.count(),

    async list() {
      const rows = await db.user.findMany({ orderBy: { username: "asc" } });
      return rows.map(toUserRecord);
    },

    async setPasswordHash(username, passwordHash) {
      const { count } = await db.user.updateMany({ where: { username }, data: { passwordHash } });
      return count > 0;
    },

    async delete(username) {
      // The foreign key cascades too; deleting the sessions first does not depend on SQLite's pragma.
      return db.$transaction(async (tx) => {
        const user = await tx.user.findUnique({ where: { username } });
        if (!user) return false;
        await tx.session.deleteMany({ where: { userId: user.id } });
        await tx.user.delete({ where: { id: user.id } });
        return true;
      });
    },
  };
}

export function toUserRecord(row: UserRow): UserRecord {
  return { id: row.id, username: row.username, passwordHash: row.passwordHash, role: ZRole.parse(row.role), createdAt: row.createdAt };
}
