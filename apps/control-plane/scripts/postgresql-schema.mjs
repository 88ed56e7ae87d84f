// Renders prisma/schema.postgresql.prisma from prisma/schema.prisma (the source of truth): the same models
// with the PostgreSQL provider and its own client output. `provider` cannot come from env(), so the copy is
// a file, committed, and checked by src/db/postgresql-schema.test.ts. Run directly to rewrite it.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const SOURCE_SCHEMA = fileURLToPath(new URL("../../../prisma/schema.prisma", import.meta.url));
export const POSTGRESQL_SCHEMA = fileURLToPath(new URL("../../../prisma/schema.postgresql.prisma", import.meta.url));

const HEADER =
  "// GENERATED from prisma/schema.prisma by apps/control-plane/scripts/postgresql-schema.mjs. Do not edit:\n" +
  "// change the source and run `npm run postinstall` (or that script).\n\n";

/** @param {string} source @returns {string} */
export function renderPostgresqlSchema(source) {
  return HEADER + replaceOnce(
    replaceOnce(source, /(datasource\s+\w+\s*\{[^}]*?provider\s*=\s*)"sqlite"/, '$1"postgresql"', "the datasource provider"),
    /(output\s*=\s*"[^"]*\/generated\/)sqlite"/,
    '$1postgresql"',
    "the client output folder",
  );
}

/** @returns {boolean} whether the file changed */
export function writePostgresqlSchema() {
  const rendered = renderPostgresqlSchema(readFileSync(SOURCE_SCHEMA, "utf8"));
  let current = null;
  try {
    current = readFileSync(POSTGRESQL_SCHEMA, "utf8");
  } catch {}
  if (current === rendered) return false;
  writeFileSync(POSTGRESQL_SCHEMA, rendered);
  return true;
}

function replaceOnce(text, pattern, replacement, what) {
  const matches = text.match(new RegExp(pattern.source, "g")) ?? [];
  if (matches.length !== 1) throw new Error(`prisma/schema.prisma: expected exactly one match for ${what}, found ${matches.length}`);
  return text.replace(pattern, replacement);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(writePostgresqlSchema() ? "wrote prisma/schema.postgresql.prisma" : "prisma/schema.postgresql.prisma is up to date");
}
