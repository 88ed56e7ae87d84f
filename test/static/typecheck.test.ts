// Every workspace type-checks under strict TypeScript: the suite fails on the first type error.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { ROOT } from "../support/processes";

const tsc = path.join(ROOT, "node_modules/typescript/bin/tsc");
const workspaces = ["packages", "apps"].flatMap((group) =>
  readdirSync(path.join(ROOT, group))
    .map((name) => path.join(group, name))
    .filter((dir) => existsSync(path.join(ROOT, dir, "tsconfig.json"))),
);

for (const dir of workspaces) {
  test(`${dir} type-checks`, { timeout: 300_000 }, () => {
    const r = spawnSync(process.execPath, [tsc, "--noEmit", "-p", dir], { cwd: ROOT, encoding: "utf8" });
    assert.equal(r.status, 0, `tsc -p ${dir} failed:\n${r.stdout}${r.stderr}`);
  });
}

test("test/ type-checks", { timeout: 300_000 }, () => {
  const r = spawnSync(process.execPath, [tsc, "--noEmit", "-p", "test"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(r.status, 0, `tsc -p test failed:\n${r.stdout}${r.stderr}`);
});
