// The PostgreSQL driver adapter (@prisma/adapter-pg over a pg pool).
import { PrismaPg } from "@prisma/adapter-pg";
import type { PoolConfig } from "pg";

/**
 * Discrete host/port/user/database rather than a connection string: adapter-pg builds the shadow
 * database's pool as `{ ...config, database }`, and a connection string would override that `database`,
 * replaying migrations against the main database.
 */
export function poolConfig(url: string): PoolConfig {
  const parsed = new URL(url);
  const sslmode = parsed.searchParams.get("sslmode");
  return {
    host: decodeURIComponent(parsed.hostname) || parsed.searchParams.get("host") || "localhost",
    port: parsed.port ? Number(parsed.port) : 5432,
    user: decodeURIComponent(parsed.username) || undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    database: decodeURIComponent(parsed.pathname.slice(1)) || undefined,
    ssl: sslmode === "require" || sslmode === "verify-full" || sslmode === "verify-ca" ? { rejectUnauthorized: sslmode !== "require" } : undefined,
  };
}

export function postgresqlAdapterFactory(url: string): PrismaPg {
  return new PrismaPg(poolConfig(url));
}
