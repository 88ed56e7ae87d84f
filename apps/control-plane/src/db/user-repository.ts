// Operators who log in to the console, with their role.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { UniqueConstraintError } from "./errors";
import { Prisma, type DbClient } from "./prisma-client";
import type { UserRecord, UserRepository } from "./repositories";

const ZRole = z.enum(["viewer", "editor", "admin"]);

type UserRow = Awaited<ReturnType<DbClient["user"]["findFirstOrThrow"]>>;

export function userRepository(db: DbClient): UserRepository {
  return {
    async create({ username, passwordHash, role, now }) {
      try {
        const row = await db.user.create({ data: { id: randomUUID(), username, passwordHash, role, createdAt: now } });
        return toRecord(row);
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
          throw new UniqueConstraintError(`username ${JSON.stringify(username)} is taken`, ["username"]);
        }
        throw error;
      }
    },

    async findByUsername(username) {
      const row = await db.user.findUnique({ where: { username } });
      return row ? toRecord(row) : null;
    },

    count: () => db.user.count(),
  };
}

function toRecord(row: UserRow): UserRecord {
  return { id: row.id, username: row.username, passwordHash: row.passwordHash, role: ZRole.parse(row.role), createdAt: row.createdAt };
}
