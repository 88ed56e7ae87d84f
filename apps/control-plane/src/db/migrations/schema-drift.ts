// Whether the committed migrations still produce exactly the schema: a schema change without its
// migration fails the contract tests instead of surprising a deployment.
import type { DatabaseTarget } from "../database-url";
import { sqliteAdapterFactory } from "../sqlite-adapter";
import { readMigrations, schemaFile } from "./migration-files";
import { postgresqlMigrationAdapterFactory } from "./postgresql-migration-adapter";
import { withSchemaEngine } from "./schema-engine";

/**
 * Replays the migrations on a shadow database and diffs the result against the schema. Returns the SQL a
 * new migration would need, or null when there is none. `scratch` is an empty database the engine may use.
 */
export async function schemaDrift(scratch: DatabaseTarget): Promise<string | null> {
  const provider = scratch.provider;
  const schema = schemaFile(provider);
  const factory = provider === "sqlite" ? sqliteAdapterFactory(scratch.path) : postgresqlMigrationAdapterFactory(scratch.url);
  return withSchemaEngine(schema, factory, async (engine) => {
    const result = await engine.diff({
      from: { tag: "migrations", ...readMigrations(provider) },
      to: { tag: "schemaDatamodel", files: [schema] },
      script: true,
      exitCode: true,
      filters: { externalTables: [], externalEnums: [] },
    });
    // exitCode 2 means "there is a difference" (as `prisma migrate diff --exit-code`).
    return result.exitCode === 2 ? (result.stdout ?? "(difference without a script)") : null;
  });
}
