// The SQLite adapter: per-connection settings hold, and transactions run on the one connection.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
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

test("transactions run on the client's one connection: no file descriptor per transaction, rollback undoes, the next statement is outside", async () => {
  const client = createPrismaClient(parseDatabaseUrl(`file:${join(dir, "one-connection.db")}`));
  const openFiles = () => readdirSync("/proc/self/fd").length;
  const count = async () => z.array(z.object({ n: z.coerce.number() })).parse(await client.$queryRawUnsafe("SELECT COUNT(*) AS n FROM t"))[0]!.n;
  try {
    await client.$executeRawUnsafe("CREATE TABLE t (x INTEGER NOT NULL)");
    await client.$transaction(async (tx) => tx.$executeRawUnsafe("INSERT INTO t VALUES (0)"));
    const before = openFiles();
    for (let i = 1; i <= 300; i++) {
      await client.$transaction(async (tx) => tx.$executeRawUnsafe(`INSERT INTO t VALUES (${i})`));
      await client.$transaction([client.$executeRawUnsafe(`INSERT INTO t VALUES (${-i})`)]);
    }
    // @libsql/client's own transactions each left a connection (and its descriptors) for the GC: +600 here.
    assert.ok(openFiles() - before < 10, `open files ${before} -> ${openFiles()}`);
    assert.equal(await count(), 601);

    await assert.rejects(
      client.$transaction(async (tx) => {
        await tx.$executeRawUnsafe("INSERT INTO t VALUES (1000)");
        throw new Error("changed my mind");
      }),
      /changed my mind/,
    );
    assert.equal(await count(), 601, "the rolled-back insert is gone");
    // A statement SQLite refuses inside a transaction, then the next ones run outside any transaction.
    await assert.rejects(client.$transaction(async (tx) => tx.$executeRawUnsafe("INSERT INTO t VALUES (NULL)")));
    await client.$executeRawUnsafe("INSERT INTO t VALUES (1001)");
    assert.equal(await count(), 602);
    assert.deepEqual(await client.$queryRawUnsafe("PRAGMA busy_timeout"), [{ timeout: 5000 }]);
  } finally {
    await client.$disconnect();
  }
});
