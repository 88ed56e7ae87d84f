// The storage layer's entry point: openDatabase(DATABASE_URL) migrates the database and returns the
// repositories. Nothing outside db/ imports Prisma.
import { auditRepository } from "./audit-repository";
import { parseDatabaseUrl } from "./database-url";
import { configStatusRepository } from "./config-status-repository";
import { edgeRepository } from "./edge-repository";
import { graphReadRepository } from "./graph-read-repository";
import { endpointStateRepository } from "./endpoint-state-repository";
import { applyMigrations } from "./migrations/apply-migrations";
import { meshRevisionRepository } from "./mesh-revision-repository";
import { policyRepository } from "./policy-repository";
import { caRepository } from "./ca-repository";
import { createPrismaClient } from "./prisma-client";
import { registryRepository } from "./registry-repository";
import type { Database } from "./repositories";
import { rollupRepository } from "./rollup-repository";
import { apiTokenRepository, sessionRepository } from "./session-repository";
import { userRepository } from "./user-repository";
import { countingWrites } from "./write-generation";

export type * from "./repositories";
export type { CaRepository, CaRootRecord, JoinTokenRecord } from "./ca-repository";
export type { EdgeTraffic, GraphReadRepository } from "./graph-read-repository";
export type { EndpointEjectionCount, EndpointStateRecord, EndpointStateReport, EndpointStateRepository } from "./endpoint-state-repository";
export { endpointStateKey } from "./endpoint-state-repository";
export { AUDIT_ACTIONS } from "./repositories";
export { UnsupportedDatabaseUrlError } from "./database-url";
export { UniqueConstraintError } from "./errors";
export { SchemaEngineError } from "./migrations/schema-engine";

/**
 * Opens `file:` URLs as SQLite (creating the parent folder) and `postgres://` / `postgresql://` as
 * PostgreSQL, after applying every committed migration that is not applied yet. Safe to call on an empty
 * database, again on a migrated one, and from several control planes at once on one PostgreSQL.
 */
export async function openDatabase(databaseUrl: string): Promise<Database> {
  const target = parseDatabaseUrl(databaseUrl);
  await applyMigrations(target);
  const client = createPrismaClient(target);
  await client.$connect();
  const rollups = countingWrites(rollupRepository(client, target.provider), ["add", "addCells", "deleteBefore"]);
  return {
    provider: target.provider,
    // Writes that change the graph's inputs are counted (write-generation.ts), for its read cache.
    registry: countingWrites(registryRepository(client), ["register", "ensureService"]),
    revisions: meshRevisionRepository(client),
    policies: policyRepository(client),
    audit: auditRepository(client),
    configStatus: configStatusRepository(client),
    rollups,
    graphReads: graphReadRepository(client, target.provider, rollups),
    edges: countingWrites(edgeRepository(client), ["touch"]),
    users: userRepository(client),
    ca: caRepository(client),
    endpointStates: endpointStateRepository(client),
    sessions: sessionRepository(client),
    apiTokens: apiTokenRepository(client),
    close: () => client.$disconnect(),
  };
}
