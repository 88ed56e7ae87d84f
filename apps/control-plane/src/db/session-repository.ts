// Login sessions and API tokens. Both are stored only as SHA-256 hashes of their random secrets.
import { randomUUID } from "node:crypto";
import { UniqueConstraintError } from "./errors";
import { Prisma, type DbClient } from "./prisma-client";
import type { ApiTokenRecord, ApiTokenRepository, SessionRepository } from "./repositories";
import { toUserRecord, ZRole } from "./user-repository";

export function sessionRepository(db: DbClient): SessionRepository {
  return {
    async create({ idHash, userId, now, expiresAt }) {
      await db.session.create({ data: { idHash, userId, createdAt: now, expiresAt } });
    },

    async find(idHash, now) {
      const row = await db.session.findUnique({ where: { idHash }, include: { user: true } });
      if (!row || row.expiresAt.getTime() <= now.getTime()) return null;
      return { idHash: row.idHash, createdAt: row.createdAt, expiresAt: row.expiresAt, user: toUserRecord(row.user) };
    },

    async delete(idHash) {
      await db.session.deleteMany({ where: { idHash } });
    },

    async deleteForUser(userId, keep) {
      const { count } = await db.session.deleteMany({ where: { userId, ...(keep ? { idHash: { not: keep } } : {}) } });
      return count;
    },

    async deleteExpired(now) {
      const { count } = await db.session.deleteMany({ where: { expiresAt: { lte: now } } });
      return count;
    },
  };
}

type TokenRow = Awaited<ReturnType<DbClient["apiToken"]["findFirstOrThrow"]>>;

const toToken = (row: TokenRow): ApiTokenRecord => ({
  id: row.id,
  name: row.name,
  tokenHash: row.tokenHash,
  role: ZRole.parse(row.role),
  createdBy: row.createdBy,
  createdAt: row.createdAt,
});

export function apiTokenRepository(db: DbClient): ApiTokenRepository {
  return {
    async create({ name, tokenHash, role, createdBy, now }) {
      try {
        return toToken(await db.apiToken.create({ data: { id: randomUUID(), name, tokenHash, role, createdBy, createdAt: now } }));
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
          throw new UniqueConstraintError(`a token named ${JSON.stringify(name)} exists`, ["name"]);
        }
        throw error;
      }
    },

    async findByHash(tokenHash) {
      const row = await db.apiToken.findUnique({ where: { tokenHash } });
      return row ? toToken(row) : null;
    },

    async list() {
      return (await db.apiToken.findMany({ orderBy: { name: "asc" } })).map(toToken);
    },

    async delete(name) {
      const { count } = await db.apiToken.deleteMany({ where: { name } });
      return count > 0;
    },
  };
}
