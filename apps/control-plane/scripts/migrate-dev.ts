// Creates a new committed migration for both providers after prisma/schema.prisma changed:
//   npm run postinstall                      # regenerate the PostgreSQL schema copy and the clients
//   node --import tsx apps/control-plane/scripts/migrate-dev.ts --name add_something
// Like `prisma migrate dev`, but through @prisma/schema-engine-wasm and our driver adapters (the CLI would
// download a native engine). Each provider replays the history on a throwaway database: a temp SQLite
// file, and a temp PostgreSQL 15 server (or --postgres-url, a scratch database the engine may change).
// Both folders get the same name, so the two histories read alike.
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
    "postgres-url": { type: "string" },
    help: { type: "boolean" },
  },
});

if (values.help || !values.name || !/^[a-z0-9_]+$/.test(values.name)) {
  console.log("usage: migrate-dev.ts --name <snake_case_name> [--provider sqlite|postgresql ...] [--postgres-url <scratch db>]");
  process.exit(values.help ? 0 : 2);
}

const name = values.name;
const providers = values.provider ?? ["sqlite", "postgresql"];
let folder: string | undefined;

if (providers.includes("sqlite")) {
  const dir = mkdtempSync(join(tmpdir(), "trellis-migrate-"));
  try {
    folder = (await createMigration("sqlite", sqliteAdapterFactory(join(dir, "dev.db")), name)) ?? undefined;
    console.log(`sqlite: ${folder ?? "no schema changes"}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (providers.includes("postgresql")) {
  const { startPostgres } = await import("../../../test/support/postgres");
  const server = values["postgres-url"] ? undefined : await startPostgres({ database: "migrate_dev" });
  try {
    const url = values["postgres-url"] ?? server?.url ?? "";
    const result = await createMigration("postgresql", postgresqlMigrationAdapterFactory(url), name, folder);
    console.log(`postgresql: ${result ?? "no schema changes"}`);
  } finally {
    await server?.stop();
  }
}
