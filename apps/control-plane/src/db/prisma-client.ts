// The one place that constructs a Prisma client. Each provider has its own generated client (a client
// refuses the other provider's adapter); both come from the same models, so the repositories are written
// once, against the SQLite client's type.
import type { DatabaseTarget } from "./database-url";
import { PrismaClient as PostgresqlPrismaClient } from "./generated/postgresql/client";
import { PrismaClient as SqlitePrismaClient, Prisma } from "./generated/sqlite/client";
import { postgresqlAdapterFactory } from "./postgresql-adapter";
import { sqliteAdapterFactory } from "./sqlite-adapter";

export type DbClient = SqlitePrismaClient;
export { Prisma };

export function createPrismaClient(target: DatabaseTarget): DbClient {
  if (target.provider === "sqlite") return new SqlitePrismaClient({ adapter: sqliteAdapterFactory(target.path) });
  const client = new PostgresqlPrismaClient({ adapter: postgresqlAdapterFactory(target.url) });
  // The only assertion in db/: both clients are generated from the same models (postgresql-schema.test.ts
  // keeps the PostgreSQL schema an exact copy), but TypeScript cannot relate the conditional types of two
  // separately generated declaration trees, and the PostgreSQL $transaction accepts more isolation levels.
  return client as unknown as DbClient;
}
