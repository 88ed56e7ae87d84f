// Brings a database up to the committed migrations at startup: the wasm schema engine's applyMigrations
// (Prisma's own `migrate deploy` logic), so the `_prisma_migrations` bookkeeping, checksums and failure
// handling are Prisma's standard ones, and the real CLI could take over the same database.
import pg from "pg";
import type { DatabaseTarget } from "../database-url";
import { poolConfig } from "../postgresql-adapter";
import { sqliteAdapterFactory } from "../sqlite-adapter";
import { readMigrations, schemaFile } from "./migration-files";
import { postgresqlMigrationAdapterFactory } from "./postgresql-migration-adapter";
import { withSchemaEngine } from "./schema-engine";

/** Our own advisory lock key: not Prisma's 72707369, which the engine takes on another session meanwhile. */
const MIGRATION_LOCK_KEY = "7366206843927519";
const LOCK_WAIT = "120s";

/** Returns the names of the migrations it applied (none when the database was up to date). */
export async function applyMigrations(target: DatabaseTarget): Promise<string[]> {
  const provider = target.provider;
  const factory = provider === "sqlite" ? sqliteAdapterFactory(target.path) : postgresqlMigrationAdapterFactory(target.url);
  const apply = () =>
    withSchemaEngine(schemaFile(provider), factory, async (engine) => {
      const output = await engine.applyMigrations({
        migrationsList: readMigrations(provider),
        filters: { externalTables: [], externalEnums: [] },
      });
      return output.appliedMigrationNames;
    });
  return provider === "postgresql" ? withAdvisoryLock(target.url, apply) : inProcessQueue(target.path, apply);
}

/**
 * Several control planes may start at once on one PostgreSQL. Without a lock, two engines could both
 * see a migration as pending and both run it; the second would fail and record a failed migration,
 * which blocks every later start. The engine takes Prisma's own advisory lock too, but through the
 * adapter's pool and with a short timeout; ours is held on one dedicated session for the whole apply and
 * waits up to LOCK_WAIT for a long migration on another replica.
 */
async function withAdvisoryLock<T>(url: string, work: () => Promise<T>): Promise<T> {
  const client = new pg.Client(poolConfig(url));
  await client.connect();
  try {
    await client.query(`SET lock_timeout = '${LOCK_WAIT}'`);
    await client.query("SELECT pg_advisory_lock($1::bigint)", [MIGRATION_LOCK_KEY]);
    try {
      return await work();
    } finally {
      await client.query("SELECT pg_advisory_unlock($1::bigint)", [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await client.end();
  }
}

/**
 * SQLite is one process's database; within that process, two opens of the same file must not apply
 * migrations side by side. (Several processes on one SQLite file are not a supported deployment.)
 */
const queues = new Map<string, Promise<unknown>>();

async function inProcessQueue<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const current = previous.catch(() => undefined).then(work);
  queues.set(key, current);
  try {
    return await current;
  } finally {
    if (queues.get(key) === current) queues.delete(key);
  }
}
