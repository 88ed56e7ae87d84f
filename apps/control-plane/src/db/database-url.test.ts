import assert from "node:assert/strict";
import { resolve } from "node:path";
import { test } from "node:test";
import { parseDatabaseUrl, UnsupportedDatabaseUrlError } from "./database-url";

test("file: URLs are SQLite files, relative ones under the working directory", () => {
  assert.deepEqual(parseDatabaseUrl("file:/var/lib/trellis/trellis.db"), { provider: "sqlite", url: "file:/var/lib/trellis/trellis.db", path: "/var/lib/trellis/trellis.db" });
  assert.equal(sqlitePath("file:///var/lib/trellis/trellis.db"), "/var/lib/trellis/trellis.db");
  assert.equal(sqlitePath("file:data/trellis.db?mode=rwc"), resolve("data/trellis.db"));
});

function sqlitePath(url: string): string | undefined {
  const target = parseDatabaseUrl(url);
  return target.provider === "sqlite" ? target.path : undefined;
}

test("postgres:// and postgresql:// URLs are PostgreSQL", () => {
  for (const url of ["postgres://u:p@db:5432/trellis", "postgresql://u@127.0.0.1/trellis?sslmode=require"]) {
    assert.deepEqual(parseDatabaseUrl(url), { provider: "postgresql", url });
  }
});

test("anything else is refused without echoing the URL (it may hold a password)", () => {
  assert.throws(() => parseDatabaseUrl("mysql://root:secret@db/trellis"), (error) => {
    assert.ok(error instanceof UnsupportedDatabaseUrlError);
    assert.equal(error.code, "unsupported_database_url");
    assert.doesNotMatch(error.message, /secret/);
    return true;
  });
});
