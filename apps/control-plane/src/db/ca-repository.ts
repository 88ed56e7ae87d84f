// The certificate authority's storage: its trust roots (the active one signs) and join tokens (hashes).
import { Prisma, type DbClient } from "./prisma-client";

export interface CaRootRecord {
  id: string;
  certPem: string;
  /** PKCS#8 PEM; null for a root whose key is kept outside the database. */
  keyPem: string | null;
  active: boolean;
  createdAt: Date;
}

export interface JoinTokenRecord {
  id: string;
  /** SHA-256 (hex) of the token; the token itself is shown once, to whoever created it. */
  tokenHash: string;
  service: string;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date | null;
}

export interface CaRepository {
  listRoots(): Promise<CaRootRecord[]>;
  /** False when a root with this id exists already (another control plane created it first). */
  insertRoot(root: CaRootRecord): Promise<boolean>;
  /** Makes `id` the only active root; false when there is no such root. */
  activateRoot(id: string): Promise<boolean>;
  deleteRoot(id: string): Promise<boolean>;
  insertJoinToken(token: JoinTokenRecord): Promise<void>;
  findJoinToken(tokenHash: string): Promise<JoinTokenRecord | null>;
  listJoinTokens(): Promise<JoinTokenRecord[]>;
  deleteJoinToken(id: string): Promise<boolean>;
}

export function caRepository(db: DbClient): CaRepository {
  return {
    listRoots: () => db.caRoot.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),

    async insertRoot(root) {
      try {
        await db.caRoot.create({ data: root });
        return true;
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") return false;
        throw error;
      }
    },

    activateRoot: (id) =>
      db.$transaction(async (tx) => {
        if (!(await tx.caRoot.findUnique({ where: { id } }))) return false;
        await tx.caRoot.updateMany({ where: { id: { not: id } }, data: { active: false } });
        await tx.caRoot.update({ where: { id }, data: { active: true } });
        return true;
      }),

    async deleteRoot(id) {
      const { count } = await db.caRoot.deleteMany({ where: { id } });
      return count > 0;
    },

    async insertJoinToken(token) {
      await db.joinToken.create({ data: token });
    },

    findJoinToken: (tokenHash) => db.joinToken.findUnique({ where: { tokenHash } }),

    listJoinTokens: () => db.joinToken.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),

    async deleteJoinToken(id) {
      const { count } = await db.joinToken.deleteMany({ where: { id } });
      return count > 0;
    },
  };
}
