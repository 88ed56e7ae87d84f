// The console graph benchmark: a real control plane seeded over OTLP with a generated mesh of
// 1,000 services and 3,000 edges, the real console build, Debian's Chromium; measures the time
// from navigation to an interactive full graph, and writes a dated row into docs/benchmarks.md.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { ensureConsoleBuild } from "../../scripts/console-build.mjs";
import { CHROMIUM, CHROMIUM_ARGS, ROOT, apiFetch, generateMesh, loginBrowser, seedMesh, startProcess, stopAll, waitFor } from "./harness.mjs";

const OPTIONS = {
  services: { type: "string", default: "1000", help: "services in the generated mesh" },
  edges: { type: "string", default: "3000", help: "edges in the generated mesh" },
  runs: { type: "string", default: "5", help: "page loads measured per view (the first one is cold)" },
  target: { type: "string", default: "2000", help: "target time to interactive of the full graph, ms" },
  write: { type: "string", default: "docs/benchmarks.md", help: 'file to write the section into; "" prints only' },
  "console-dir": { type: "string", default: "apps/console", help: "the console to serve (built there already unless it is apps/console)" },
};

function usage() {
  const lines = Object.entries(OPTIONS).map(([k, o]) => `  --${k.padEnd(11)} TRELLIS_BENCH_${k.toUpperCase().replace("-", "_").padEnd(11)} default ${JSON.stringify(o.default)}  ${o.help}`);
  return `npm run bench:console [-- options]\n${lines.join("\n")}`;
}

const { values } = parseArgs({ options: { ...Object.fromEntries(Object.entries(OPTIONS).map(([k, o]) => [k, { type: o.type }])), help: { type: "boolean" } } });
if (values.help) {
  console.log(usage());
  process.exit(0);
}
const opt = (k) => values[k] ?? process.env[`TRELLIS_BENCH_${k.toUpperCase().replace("-", "_")}`] ?? OPTIONS[k].default;
const int = (k) => {
  const n = Number(opt(k));
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${k} must be a positive integer\n${usage()}`);
    process.exit(2);
  }
  return n;
};
const services = int("services");
const edgeCount = int("edges");
const runs = int("runs");
const target = int("target");
const writeTo = opt("write");
const consoleDir = opt("console-dir");

const HEADING = "## Console: graph at 1,000 services";
const log = (event, fields = {}) => console.log(JSON.stringify({ time: new Date().toISOString(), level: "info", event, ...fields }));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dir = mkdtempSync(path.join(os.tmpdir(), "trellis-bench-console-"));
const overall = setTimeout(() => {
  console.error("the benchmark took longer than 15 minutes; stopping");
  void stopAll().then(() => process.exit(1));
}, 15 * 60_000);
process.on("SIGINT", () => void stopAll().then(() => process.exit(130)));

try {
  if (consoleDir === "apps/console") await ensureConsoleBuild();
  const cp = await startProcess("control-plane", "apps/control-plane/src/main.ts", [
    "--api-port", "0", "--otlp-http-port", "0", "--database-url", `file:${path.join(dir, "cp.db")}`, "--max-otlp-body", "16MiB",
  ]);
  const api = `http://127.0.0.1:${cp.event.apiPort}`;
  const otlp = `http://127.0.0.1:${cp.event.otlpHttpPort}`;
  const mesh = generateMesh(services, edgeCount);
  const seedStart = Date.now();
  await seedMesh(otlp, mesh);
  const graph = await waitFor("the seeded graph", async () => {
    const res = await apiFetch(`${api}/api/v1/graph?window=5m`);
    const body = await res.json();
    return body.nodes.length >= services && body.edges.length >= edgeCount ? body : undefined;
  }, 60_000);
  log("seeded", { services: graph.nodes.length, edges: graph.edges.length, ms: Date.now() - seedStart });
  const apiTimes = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await (await apiFetch(`${api}/api/v1/graph?window=5m`)).arrayBuffer();
    apiTimes.push(performance.now() - t);
  }

  const web = await startProcess("console", path.join(consoleDir, "scripts/start.mjs"), ["--port", "0", "--api-url", api]);
  const consoleUrl = `http://127.0.0.1:${web.event.port}`;
  const browser = await chromium.launchPersistentContext(path.join(dir, "profile"), {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1600, height: 1000 },
  });
  await loginBrowser(browser, consoleUrl);
  const chromiumVersion = browser.browser()?.version() ?? execFileSync(CHROMIUM, ["--version"]).toString().trim();

  /**
   * Navigation start to interactive: the page shows the expected number of services, xyflow has
   * rendered every one of them in the fitted view, and the main thread has come back for a frame
   * and a task (so a click would be handled). Read from performance.now(), relative to navigation.
   */
  const measure = async (query, expectNodes) => {
    const page = await browser.newPage();
    try {
      await page.goto(`${consoleUrl}/${query}`, { waitUntil: "commit", timeout: 60_000 });
      await page.waitForFunction((n) => {
        const counts = document.querySelector('[data-test="graph-counts"]');
        return counts !== null && counts.getAttribute("data-nodes") === String(n) && document.querySelectorAll('[data-test^="graph-node-"]').length >= n;
      }, expectNodes, { timeout: 60_000, polling: "raf" });
      return await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(() => resolve(performance.now()), 0))));
    } finally {
      await page.close();
    }
  };

  const full = [];
  for (let i = 0; i < runs; i++) full.push(await measure("?view=all&refresh=off", graph.nodes.length));
  log("full_graph", { ms: full.map(Math.round) });
  // The default view of a big mesh: its problems. Its size comes from the page itself.
  const probe = await browser.newPage();
  await probe.goto(`${consoleUrl}/?refresh=off`);
  await probe.waitForSelector('[data-test="graph-problems"]', { timeout: 60_000 });
  const problemNodes = Number(await probe.locator('[data-test="graph-counts"]').getAttribute("data-nodes"));
  await probe.close();
  const problems = [];
  for (let i = 0; i < runs; i++) problems.push(await measure("?refresh=off", problemNodes));
  log("problem_view", { nodes: problemNodes, ms: problems.map(Math.round) });
  await browser.close();

  const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT }).toString().trim();
  const fmt = (xs) => `${Math.round(median(xs))} ms (${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))})`;
  const ok = median(full) <= target;
  const row = `| ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC | ${commit} | ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? "?"} | ${chromiumVersion} | ${graph.nodes.length} / ${graph.edges.length} | **${fmt(full)}** ${ok ? "✓" : "✗"} | ${problemNodes} services: ${fmt(problems)} | ${fmt(apiTimes)} |`;
  console.log(row);
  if (writeTo !== "") writeSection(path.resolve(ROOT, writeTo), row);
  log("done", { fullGraphMedianMs: Math.round(median(full)), targetMs: target, met: ok });
  if (!ok) process.exitCode = 1;
} catch (err) {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exitCode = 1;
} finally {
  clearTimeout(overall);
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
}


/** Adds the row to this benchmark's own section (created when absent); other sections stay as they are. */
function writeSection(file, row) {
  const intro = [
    HEADING, "",
    "`npm run bench:console` (bench/console/run.mjs): a real control plane seeded over OTLP with a generated mesh, the",
    "production console build, Debian's Chromium through playwright-core at 1600×1000. **Full graph** is the time from",
    "navigation to an interactive `/?view=all` — every service rendered in the fitted view and the main thread free for",
    "a frame and a task — median of the runs (min–max; the first is a cold load). **Problem view** is the same for the",
    "default `/` of a large mesh (its worst edges and their neighbourhood). **API** is `GET /api/v1/graph?window=5m`. Target ≤ 2 s.",
    "",
    "| date | commit | machine | Chromium | services / edges | full graph | problem view | API |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  let text = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n\nMeasured results of the benchmarks in [bench/](../bench/README.md), one section per benchmark.\n";
  const start = text.indexOf(HEADING);
  if (start < 0) {
    text = `${text.trimEnd()}\n\n${intro.join("\n")}\n${row}\n`;
  } else {
    const next = text.indexOf("\n## ", start + HEADING.length);
    const end = next < 0 ? text.length : next + 1;
    const section = text.slice(start, end).trimEnd();
    const rows = section.split("\n").filter((l) => l.startsWith("| 20"));
    // Notes about earlier rows ("> …" lines under the table) are kept.
    const notes = section.split("\n").filter((l) => l.startsWith("> "));
    text = `${text.slice(0, start)}${intro.join("\n")}\n${[...rows, row].join("\n")}\n${notes.length === 0 ? "" : `\n${notes.join("\n")}\n`}${next < 0 ? "" : "\n"}${text.slice(end)}`;
  }
  writeFileSync(file, text);
  log("written", { file: path.relative(ROOT, file) });
}
