// libsql opens a new connection after every transaction; the per-connection settings must follow it.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { z } from "zod";
import { parseDatabaseUrl } from "./database-url";
import { createPrismaClient } from "./prisma-client";

const dir = mkdtempSync(join(tmpdir(), "trellis-sqlite-adapter-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("WAL, busy timeout and foreign keys hold on every connection, also after transactions", async () => {
  const client = createPrismaClient(parseDatabaseUrl(`file:${join(dir, "new-folder", "pragmas.db")}`));
  const pragma = async (name: string) => z.array(z.record(z.string(), z.unknown())).parse(await client.$queryRawUnsafe(`PRAGMA ${name}`))[0];
  try {
    for (let round = 0; round < 3; round++) {
      assert.deepEqual(await pragma("busy_timeout"), { timeout: 5000 }, `round ${round}`);
      assert.deepEqual(await pragma("journal_mode"), { journal_mode: "wal" });
      assert.deepEqual(await pragma("foreign_keys"), { foreign_keys: 1 });
      await client.$transaction(async (tx) => tx.$queryRawUnsafe("SELECT 1"));
      await client.$transaction([client.$queryRawUnsafe("SELECT 1"), client.$queryRawUnsafe("SELECT 2")]);
    }
  } finally {
    await client.$disconnect();
  }
});
