// Reads a committed migrations folder (prisma/migrations/<provider>) into the shape the schema engine
// takes. The folders are Prisma's standard layout, so the real CLI could deploy them too.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { MigrationList } from "@prisma/schema-engine-wasm/schema_engine_bg";

export type Provider = "sqlite" | "postgresql";

/** The repository's prisma/ folder (no build step: this file runs from its source location). */
export const PRISMA_DIR = fileURLToPath(new URL("../../../../../prisma/", import.meta.url));

export function migrationsDir(provider: Provider): string {
  return join(PRISMA_DIR, "migrations", provider);
}

export function schemaFile(provider: Provider): { path: string; content: string } {
  const path = join(PRISMA_DIR, provider === "sqlite" ? "schema.prisma" : "schema.postgresql.prisma");
  return { path, content: readFileSync(path, "utf8") };
}

export function readMigrations(provider: Provider, baseDir = migrationsDir(provider)): MigrationList {
  const lockPath = join(baseDir, "migration_lock.toml");
  const names = existsSync(baseDir)
    ? readdirSync(baseDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && existsSync(join(baseDir, entry.name, "migration.sql")))
        .map((entry) => entry.name)
        .sort()
    : [];
  return {
    baseDir,
    lockfile: { path: "migration_lock.toml", content: existsSync(lockPath) ? readFileSync(lockPath, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: names.map((name) => ({
      path: name,
      migrationFile: { path: "migration.sql", content: { tag: "ok", value: readFileSync(join(baseDir, name, "migration.sql"), "utf8") } },
    })),
  };
}
