#!/usr/bin/env node
// `npm test`: prepares what the suites need (Debian's Chromium, a console build), then runs every
// *.test.ts in the repo with node's test runner and closes with "N passed, N failed, N skipped".
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { ensureConsoleBuild } from "./console-build.mjs";

const root = path.resolve(import.meta.dirname, "..");
const SKIP_DIRS = new Set(["node_modules", ".next", ".git", "generated", "data", ".trellis"]);
const SEARCH = ["packages", "apps", "test", "scripts"];

function findTests(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) findTests(path.join(dir, entry.name), out);
    } else if (/\.test\.(ts|tsx|mjs)$/.test(entry.name)) {
      out.push(path.join(dir, entry.name));
    }
  }
  return out;
}

function ensureChromium() {
  if (existsSync("/usr/bin/chromium")) return;
  if (process.getuid?.() !== 0) {
    console.error("Browser tests need Debian's Chromium: run `sudo apt-get install -y chromium` first.");
    process.exit(1);
  }
  console.log("Installing Debian's chromium for the browser tests…");
  for (const args of [["update"], ["install", "-y", "--no-install-recommends", "chromium"]]) {
    const r = spawnSync("apt-get", args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}

const filter = process.argv.slice(2);
const files = SEARCH.flatMap((d) => (existsSync(path.join(root, d)) ? findTests(path.join(root, d)) : []))
  .map((f) => path.relative(root, f))
  .filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)))
  .sort();

if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}
if (files.some((f) => f.includes(".browser."))) ensureChromium();
if (files.some((f) => f.startsWith("test/"))) await ensureConsoleBuild();

console.log(`running ${files.length} test files`);
const child = spawn(
  process.execPath,
  ["--import", "tsx", "--test", "--test-reporter=tap", `--test-concurrency=${process.env.TRELLIS_TEST_CONCURRENCY ?? 1}`, ...files],
  { cwd: root, stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } },
);
const counts = { pass: 0, fail: 0, skipped: 0, todo: 0, cancelled: 0 };
let tail = "";
child.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  tail += chunk.toString();
  const lines = tail.split("\n");
  tail = lines.pop() ?? "";
  for (const line of lines) {
    const m = /^# (pass|fail|skipped|todo|cancelled) (\d+)$/.exec(line);
    if (m) counts[m[1]] = Number(m[2]);
  }
});
const code = await new Promise((resolve) => child.on("close", resolve));
const failed = counts.fail + counts.cancelled;
console.log(`\n${counts.pass} passed, ${failed} failed, ${counts.skipped + counts.todo} skipped`);
process.exit(code === 0 && failed === 0 ? 0 : 1);
