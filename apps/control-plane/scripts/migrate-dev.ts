// Creates a new committed migration for both providers when prisma/schema.prisma changed:
//   node --import tsx apps/control-plane/scripts/migrate-dev.ts --name add_something
// Like `prisma migrate dev`, but through @prisma/schema-engine-wasm and our driver adapters (the CLI would
// download a native engine). Each provider gets a throwaway database: a temp SQLite file, and a temp
// PostgreSQL 15 server (or --postgres-url to use an existing server you can create databases on).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createMigration } from "../src/db/migrations/create-migration";
import { postgresqlMigrationAdapterFactory } from "../src/db/migrations/postgresql-migration-adapter";
import { sqliteAdapterFactory } from "../src/db/sqlite-adapter";

const { values } = parseArgs({
  options: {
    name: { type: "string" },
    provider: { type: "string", multiple: true },
    help: { type: "boolean" },
  },
});

if (values.help || !values.name) {
  console.log("usage: migrate-dev.ts --name <snake_case_name> [--provider sqlite|postgresql ...]");
  process.exit(values.help ? 0 : 2);
}

const name = values.name;
const providers = values.provider ?? ["sqlite", "postgresql"];

if (providers.includes("sqlite")) {
  const dir = mkdtempSync(join(tmpdir(), "trellis-migrate-"));
  try {
    const result = await createMigration("sqlite", sqliteAdapterFactory(join(dir, "dev.db")), name);
    console.log(`sqlite: ${result ?? "no schema changes"}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (providers.includes("postgresql")) {
  const { startPostgres } = await import("../../../test/support/postgres");
  const server = await startPostgres({ database: "migrate_dev" });
  try {
    const result = await createMigration("postgresql", postgresqlMigrationAdapterFactory(server.url), name);
    console.log(`postgresql: ${result ?? "no schema changes"}`);
  } finally {
    await server.stop();
  }
}
