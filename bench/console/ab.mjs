// A/B of console builds on a shared, noisy machine: one control plane seeded with the bench's
// mesh (1,000 services, 3,000 edges), one `next start` per built console directory, and page loads
// of the full graph and of the problem view interleaved between them (ABBA…), timed as run.mjs
// times them. For comparing a change with a copy of the build before it, e.g.
//   node bench/console/ab.mjs /tmp/console-before apps/console     (RUNS=5 loads per view and build)
// where /tmp/console-before is a copy of apps/console with its .next (and a node_modules symlink to
// the repo's). Prints the medians and every load; writes nothing.
import path from "node:path";
import os from "node:os";
import { mkdtempSync, rmSync } from "node:fs";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, apiFetch, generateMesh, loginBrowser, seedMesh, startProcess, stopAll, waitFor } from "./harness.mjs";
const dirs = process.argv.slice(2);
const runs = Number(process.env.RUNS ?? 5);
const dir = mkdtempSync(path.join(os.tmpdir(), "h5-ab-"));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  const cp = await startProcess("control-plane", "apps/control-plane/src/main.ts", ["--api-port", "0", "--otlp-http-port", "0", "--database-url", `file:${path.join(dir, "cp.db")}`, "--max-otlp-body", "16MiB"]);
  const api = `http://127.0.0.1:${cp.event.apiPort}`;
  await seedMesh(`http://127.0.0.1:${cp.event.otlpHttpPort}`, generateMesh(1000, 3000));
  await waitFor("seed", async () => { const b = await (await apiFetch(`${api}/api/v1/graph?window=5m`)).json(); return b.nodes.length >= 1000 ? true : undefined; }, 60000);
  const urls = [];
  for (const d of dirs) { const w = await startProcess("console", path.join(d, "scripts/start.mjs"), ["--port", "0", "--api-url", api]); urls.push(`http://127.0.0.1:${w.event.port}`); }
  const browser = await chromium.launchPersistentContext(path.join(dir, "profile"), { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1600, height: 1000 } });
  // One login: every console talks to the same control plane, and cookies do not depend on the port.
  await loginBrowser(browser, urls[0]);
  const measure = async (url, query, n) => {
    const page = await browser.newPage();
    try {
      await page.goto(`${url}/${query}`, { waitUntil: "commit", timeout: 60000 });
      await page.waitForFunction((n) => { const c = document.querySelector('[data-test="graph-counts"]'); return c !== null && (n === 0 || c.getAttribute("data-nodes") === String(n)) && document.querySelectorAll('[data-test^="graph-node-"]').length >= Number(c.getAttribute("data-nodes")); }, n, { timeout: 60000, polling: "raf" });
      const t = await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(() => r(performance.now()), 0))));
      return t;
    } finally { await page.close(); }
  };
  const res = dirs.map(() => ({ full: [], problems: [] }));
  for (let i = 0; i < runs; i++) for (let k = 0; k < urls.length; k++) {
    const j = (i % 2 === 0) ? k : urls.length - 1 - k;
    res[j].full.push(Math.round(await measure(urls[j], "?view=all&refresh=off", 1000)));
  }
  for (let i = 0; i < runs; i++) for (let k = 0; k < urls.length; k++) {
    const j = (i % 2 === 0) ? k : urls.length - 1 - k;
    res[j].problems.push(Math.round(await measure(urls[j], "?refresh=off", 0)));
  }
  dirs.forEach((d, j) => console.log(d, "full", median(res[j].full), JSON.stringify(res[j].full), "problems", median(res[j].problems), JSON.stringify(res[j].problems)));
  await browser.close();
} catch (e) { console.error(e); process.exitCode = 1; } finally { await stopAll(); rmSync(dir, { recursive: true, force: true }); }
