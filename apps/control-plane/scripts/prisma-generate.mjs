// Generates both Prisma clients (src/db/generated/sqlite and .../postgresql) offline; the root
// package.json runs it on postinstall, so `npm ci` leaves a working client. Usage: node prisma-generate.mjs [--force]
// Every prisma CLI command first looks for a native schema engine and would download one; pointing
// PRISMA_SCHEMA_ENGINE_BINARY at a stub that exits 1 lets `generate` run (it needs no engine).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { POSTGRESQL_SCHEMA, SOURCE_SCHEMA, writePostgresqlSchema } from "./postgresql-schema.mjs";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const generatedDir = fileURLToPath(new URL("../src/db/generated/", import.meta.url));
const stub = fileURLToPath(new URL("./no-schema-engine.sh", import.meta.url));
const force = process.argv.includes("--force");
const started = Date.now();

let prismaCli;
try {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve("prisma/package.json");
  prismaCli = join(dirname(packageJson), JSON.parse(readFileSync(packageJson, "utf8")).bin.prisma);
} catch {
  // A production install (--omit=dev) has no CLI; its image must carry clients generated at build time.
  console.warn("prisma-generate: the prisma CLI is not installed; Prisma clients were not generated");
  process.exit(0);
}
const prismaVersion = JSON.parse(readFileSync(join(dirname(prismaCli), "..", "package.json"), "utf8")).version;

writePostgresqlSchema();
chmodSync(stub, 0o755); // in case a checkout lost the executable bit

const targets = [
  { provider: "sqlite", schema: SOURCE_SCHEMA },
  { provider: "postgresql", schema: POSTGRESQL_SCHEMA },
];
const results = await Promise.all(targets.map(generate));
console.log(`prisma-generate: ${results.join(", ")} in ${Date.now() - started} ms`);

/** Generates one client unless its stamp says it was generated from this schema by this Prisma version. */
async function generate({ provider, schema }) {
  const stampFile = join(generatedDir, provider, ".schema-stamp");
  const stamp = createHash("sha256").update(prismaVersion).update(readFileSync(schema)).digest("hex");
  const clientExists = existsSync(join(generatedDir, provider, "client.ts"));
  if (!force && clientExists && existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) return `${provider} up to date`;
  await run(process.execPath, [prismaCli, "generate", "--schema", relative(root, schema), "--no-hints"]);
  writeFileSync(stampFile, stamp);
  return `${provider} generated`;
}

function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: stub, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`prisma ${args.slice(1).join(" ")} exited with ${code}:\n${output}`)),
    );
  });
}
