// The storage contract against SQLite: a new database file per test, in a temp folder removed afterwards.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe } from "node:test";
import { repositoryContract } from "./repositories.contract";

describe("storage contract: SQLite", () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-sqlite-"));
  let n = 0;
  after(() => rmSync(dir, { recursive: true, force: true }));
  // A subfolder that does not exist yet: openDatabase creates it.
  repositoryContract({ provider: "sqlite", emptyDatabaseUrl: async () => `file:${join(dir, `db-${++n}`, "trellis.db")}` });
});
