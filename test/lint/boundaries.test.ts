// The architecture lint: `npm run lint` passes on the tree, and each boundary rule in
// .dependency-cruiser.cjs really fires, proven on violating files in a throwaway copy of the layout.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { z } from "zod";
import { ROOT } from "../support/processes";

const DEPCRUISE = path.join(ROOT, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");

const ZReport = z.object({
  summary: z.object({
    violations: z.array(z.object({ from: z.string(), to: z.string(), rule: z.object({ name: z.string(), severity: z.string() }) })),
  }),
});

/** Each file of the throwaway tree, and the rules it must break (none for the allowed ones). */
const FILES: Record<string, { source: string; breaks: string[] }> = {
  "packages/mesh-model/src/ok.ts": { source: 'import { z } from "zod";\nexport const name = z.string();\n', breaks: [] },
  "packages/mesh-model/src/ok.test.ts": { source: 'import "node:test";\nimport "./ok";\n', breaks: [] },
  "packages/mesh-model/src/bad-fs.ts": {
    source: 'import { readFileSync } from "node:fs";\nexport const read = readFileSync;\n',
    breaks: ["mesh-model-imports-only-zod", "mesh-model-no-node-builtins"],
  },
  "packages/mesh-model/src/bad-react.ts": { source: 'import React from "react";\nexport const r = React;\n', breaks: ["mesh-model-imports-only-zod"] },
  "packages/mesh-model/src/bad-app.ts": { source: 'import { x } from "../../../apps/console/lib/x";\nexport const y = x;\n', breaks: ["mesh-model-imports-only-zod"] },
  "apps/console/lib/x.ts": { source: "export const x = 1;\n", breaks: [] },
  "apps/console/lib/bad-prisma.ts": {
    source: 'import { PrismaClient } from "@prisma/client";\nexport const c = PrismaClient;\n',
    breaks: ["console-never-imports-prisma", "prisma-only-in-control-plane-db"],
  },
  "apps/sidecar/src/bad-cross-app.ts": { source: 'import { x } from "../../console/lib/x";\nexport const y = x;\n', breaks: ["no-app-imports-another-app"] },
  "apps/sidecar/src/bad-react.ts": { source: 'import React from "react";\nexport const r = React;\n', breaks: ["sidecar-no-react-or-prisma"] },
  "apps/sidecar/src/ok-undici.ts": { source: 'import { request } from "undici";\nimport { name } from "../../../packages/mesh-model/src/ok";\nexport { request, name };\n', breaks: [] },
  "apps/control-plane/src/db/generated/sqlite/client.ts": { source: "export const PrismaClient = class {};\n", breaks: [] },
  "apps/control-plane/src/db/ok-prisma.ts": {
    source: 'import { PrismaClient } from "./generated/sqlite/client";\nimport { PrismaLibSql } from "@prisma/adapter-libsql";\nexport { PrismaClient, PrismaLibSql };\n',
    breaks: [],
  },
  "apps/control-plane/src/registry/bad-prisma.ts": {
    source: 'import type { PrismaClient } from "@prisma/client";\nexport type C = PrismaClient;\n',
    breaks: ["prisma-only-in-control-plane-db"],
  },
  "apps/control-plane/src/registry/bad-generated.ts": {
    source: 'import { PrismaClient } from "../db/generated/sqlite/client";\nexport const c = PrismaClient;\n',
    breaks: ["prisma-only-in-control-plane-db"],
  },
};

function depcruise(cwd: string, args: string[]) {
  return spawnSync(process.execPath, [DEPCRUISE, "--config", ".dependency-cruiser.cjs", ...args], { cwd, encoding: "utf8", timeout: 120_000 });
}

describe("architecture lint", { timeout: 240_000 }, () => {
  let dir = "";

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "trellis-lint-"));
    for (const file of [".dependency-cruiser.cjs", "tsconfig.base.json"]) copyFileSync(path.join(ROOT, file), path.join(dir, file));
    symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    for (const [file, { source }] of Object.entries(FILES)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), source);
    }
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("passes on the repository (npm run lint)", () => {
    const r = spawnSync("npm", ["run", "lint", "--silent"], { cwd: ROOT, encoding: "utf8", timeout: 180_000 });
    assert.equal(r.status, 0, `npm run lint failed:\n${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /no dependency violations found/);
  });

  it("fires every rule on a violating file, and only there", () => {
    const r = depcruise(dir, ["--output-type", "json", "apps", "packages"]);
    const report = ZReport.parse(JSON.parse(r.stdout));
    const found = report.summary.violations.map((v) => `${v.from} :: ${v.rule.name}`);
    const expected = Object.entries(FILES).flatMap(([file, { breaks }]) => breaks.map((rule) => `${file} :: ${rule}`));
    assert.deepEqual([...new Set(found)].sort(), expected.sort());
    assert.ok(report.summary.violations.every((v) => v.rule.severity === "error"));
  });

  it("fails the lint command (non-zero exit) when a rule is broken", () => {
    const r = depcruise(dir, ["apps", "packages"]);
    assert.notEqual(r.status, 0);
    assert.match(r.stdout, /error no-app-imports-another-app: apps\/sidecar\/src\/bad-cross-app\.ts/);
  });

  it("covers every rule of the config with at least one violating file", async () => {
    const config = z.object({ forbidden: z.array(z.object({ name: z.string() })) }).parse((await import(path.join(ROOT, ".dependency-cruiser.cjs"))).default);
    const exercised = new Set(Object.values(FILES).flatMap((f) => f.breaks));
    assert.deepEqual(config.forbidden.map((r) => r.name).filter((name) => !exercised.has(name)), []);
  });
});
