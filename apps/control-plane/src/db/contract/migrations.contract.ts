// Contract: openDatabase migrates an empty database, is idempotent on restart, survives concurrent
// starts, and the committed migrations match the schema.
import assert from "node:assert/strict";
import { it } from "node:test";
import { z } from "zod";
import { ZSqlNumber } from "../columns";
import { parseDatabaseUrl } from "../database-url";
import { openDatabase } from "../index";
import { applyMigrations } from "../migrations/apply-migrations";
import { readMigrations } from "../migrations/migration-files";
import { schemaDrift } from "../migrations/schema-drift";
import { createPrismaClient } from "../prisma-client";
import { T0, type ContractFixture } from "./fixture";

const ZMigrationRows = z.array(
  z.object({ migration_name: z.string(), finished_at: z.unknown(), rolled_back_at: z.unknown(), applied_steps_count: ZSqlNumber }),
);

export function migrationContract(fixture: ContractFixture): void {
  it(`chooses ${fixture.provider} from the URL`, async () => {
    const opened = await openDatabase(await fixture.emptyDatabaseUrl());
    try {
      assert.equal(opened.provider, fixture.provider);
      assert.equal(await opened.revisions.current(), 0);
    } finally {
      await opened.close();
    }
  });

  it("applies every committed migration to an empty database, then none on the next start", async () => {
    const target = parseDatabaseUrl(await fixture.emptyDatabaseUrl());
    const committed = readMigrations(fixture.provider).migrationDirectories.map((dir) => dir.path);
    assert.ok(committed.length > 0);
    assert.deepEqual(await applyMigrations(target), committed);
    assert.deepEqual(await applyMigrations(target), []);
  });

  it("keeps the data when opened twice (a restart), and records each migration once", async () => {
    const url = await fixture.emptyDatabaseUrl();
    const first = await openDatabase(url);
    await first.users.create({ username: "ada", passwordHash: "h", role: "admin", now: T0 });
    await first.close();
    const second = await openDatabase(url);
    try {
      assert.equal((await second.users.findByUsername("ada"))?.role, "admin");
    } finally {
      await second.close();
    }
    await assertMigrationTable(url);
  });

  it("survives several control planes starting at once on one database", async () => {
    const url = await fixture.emptyDatabaseUrl();
    const opened = await Promise.all([openDatabase(url), openDatabase(url), openDatabase(url)]);
    try {
      const bumped = await Promise.all(opened.map((replica) => replica.revisions.bump("start")));
      assert.deepEqual([...bumped].sort(), [1, 2, 3]);
    } finally {
      await Promise.all(opened.map((replica) => replica.close()));
    }
    await assertMigrationTable(url);
  });

  it("has a committed migration for every change of the schema", async () => {
    const drift = await schemaDrift(parseDatabaseUrl(await fixture.emptyDatabaseUrl()));
    assert.equal(drift, null, `prisma/schema.prisma changed without a migration; run apps/control-plane/scripts/migrate-dev.ts. Missing:\n${drift}`);
  });

  async function assertMigrationTable(url: string) {
    const client = createPrismaClient(parseDatabaseUrl(url));
    try {
      const rows = ZMigrationRows.parse(
        await client.$queryRaw`SELECT "migration_name", "finished_at", "rolled_back_at", "applied_steps_count" FROM "_prisma_migrations" ORDER BY "migration_name"`,
      );
      const committed = readMigrations(fixture.provider).migrationDirectories.map((dir) => dir.path);
      assert.deepEqual(rows.map((row) => row.migration_name), committed, "one row per committed migration");
      for (const row of rows) {
        assert.ok(row.finished_at, `${row.migration_name} finished`);
        assert.equal(row.rolled_back_at, null);
        assert.equal(row.applied_steps_count, 1);
      }
    } finally {
      await client.$disconnect();
    }
  }
}
