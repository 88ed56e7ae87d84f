// Shared by the contract's groups: what a provider's test file supplies, the database the repository
// tests share, and small builders for test data.
import { after, before, beforeEach } from "node:test";
import { LATENCY_BOUNDS_MS, type PolicySpec } from "@trellis/mesh-model";
import { parseDatabaseUrl } from "../database-url";
import { openDatabase } from "../index";
import { createPrismaClient, Prisma, type DbClient } from "../prisma-client";
import type { Database, RollupRow } from "../repositories";

export interface ContractFixture {
  provider: "sqlite" | "postgresql";
  /** A new, empty database (no tables) on every call. */
  emptyDatabaseUrl(): Promise<string>;
}

export interface SharedDatabase {
  readonly db: Database;
  readonly url: string;
}

/**
 * One migrated database for the repository tests, emptied before each test: creating and migrating a
 * PostgreSQL database per test costs about a second. Migration tests get fresh empty databases.
 */
export function useSharedDatabase(fixture: ContractFixture): SharedDatabase {
  let db: Database | undefined;
  let url: string | undefined;
  let wiper: DbClient | undefined;
  before(async () => {
    url = await fixture.emptyDatabaseUrl();
    db = await openDatabase(url);
    wiper = createPrismaClient(parseDatabaseUrl(url));
  });
  beforeEach(async () => {
    // Every table, children before parents (the schema declares parents first).
    for (const table of Object.values(Prisma.ModelName).reverse()) await wiper?.$executeRawUnsafe(`DELETE FROM "${table}"`);
  });
  after(async () => {
    await wiper?.$disconnect();
    await db?.close();
  });
  return {
    get db() {
      if (!db) throw new Error("the shared database is opened in before()");
      return db;
    },
    get url() {
      if (!url) throw new Error("the shared database is opened in before()");
      return url;
    },
  };
}

export const T0 = new Date("2025-03-01T12:00:00.000Z");
export const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
export const BUCKETS = LATENCY_BOUNDS_MS.length + 1;

export function rollup(overrides: Partial<RollupRow> = {}): RollupRow {
  return {
    resolution: 10,
    bucketStart: T0,
    source: "frontend",
    destination: "catalog",
    destinationVersion: "v1",
    responseClass: "2xx",
    outcome: "ok",
    mtls: true,
    count: 1,
    durationSumMs: 1.5,
    buckets: Array.from({ length: BUCKETS }, (_, i) => (i === 2 ? 1 : 0)),
    ...overrides,
  };
}

export function spec(service: string, attempts: number): PolicySpec {
  return { service, retry: { attempts, retryOn: ["5xx"] }, timeout: { request: "2s" } };
}
