// prisma/schema.postgresql.prisma must be exactly what the script renders from prisma/schema.prisma.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { POSTGRESQL_SCHEMA, renderPostgresqlSchema, SOURCE_SCHEMA } from "../../scripts/postgresql-schema.mjs";

test("the PostgreSQL schema is an up-to-date copy of prisma/schema.prisma", () => {
  assert.equal(
    readFileSync(POSTGRESQL_SCHEMA, "utf8"),
    renderPostgresqlSchema(readFileSync(SOURCE_SCHEMA, "utf8")),
    "prisma/schema.postgresql.prisma is stale: run `node apps/control-plane/scripts/postgresql-schema.mjs`",
  );
});

test("the rendering changes the provider and the client output, nothing else", () => {
  const rendered = renderPostgresqlSchema('generator client {\n  output = "../x/generated/sqlite"\n}\ndatasource db {\n  provider = "sqlite"\n}\nmodel A {\n  provider String @id\n}\n');
  assert.match(rendered, /output = "..\/x\/generated\/postgresql"/);
  assert.match(rendered, /datasource db \{\n {2}provider = "postgresql"\n\}/);
  assert.match(rendered, /model A \{\n {2}provider String @id\n\}/);
  assert.throws(() => renderPostgresqlSchema("datasource db {\n  provider = \"postgresql\"\n}\n"), /datasource provider/);
});
