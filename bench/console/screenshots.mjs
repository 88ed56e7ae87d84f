// Screenshots of every console page in light and dark, against a real `trellis demo`, into
// docs/screenshots/<page>-<theme>.png (referenced from README.md and apps/console/README.md).
// `npm run screenshots` — about two minutes: the demo runs until its charts have a minute or two of data.
// Against a demo that already runs: TRELLIS_SCREENSHOTS_CONSOLE_URL and TRELLIS_SCREENSHOTS_API_URL
// (and TRELLIS_ADMIN_PASSWORD / TRELLIS_API_TOKEN when it asks for a login).
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { ensureConsoleBuild } from "../../scripts/console-build.mjs";
import { CHROMIUM, CHROMIUM_ARGS, ROOT, apiFetch, loginBrowser, startProcess, stopAll, waitFor } from "./harness.mjs";

const OUT = path.join(ROOT, "docs/screenshots");
const TRAFFIC_S = Number(process.env.TRELLIS_SCREENSHOTS_TRAFFIC_S ?? 100);
const dir = mkdtempSync(path.join(os.tmpdir(), "trellis-screenshots-"));
const log = (event, fields = {}) => console.log(JSON.stringify({ time: new Date().toISOString(), level: "info", event, ...fields }));
process.on("SIGINT", () => void stopAll().then(() => process.exit(130)));
const overall = setTimeout(() => {
  console.error("screenshots took longer than 10 minutes; stopping");
  void stopAll().then(() => process.exit(1));
}, 10 * 60_000);

const PAGES = [
  { name: "graph", path: "/?sel=node%3Areviews", ready: '[data-test="graph-side-panel"]', height: 860 },
  { name: "services", path: "/services", ready: '[data-test="services-table"]', height: 860 },
  { name: "service-detail", path: "/services/reviews?window=15m", ready: '[data-test="chart-rps"] .recharts-surface', height: 1340 },
  { name: "policy-editor", path: "/services/reviews/policy", ready: '[data-test="policy-history"]', height: 1200 },
  { name: "sidecars", path: "/sidecars", ready: '[data-test="sidecars-table"]', height: 760 },
];

try {
  let consoleUrl = process.env.TRELLIS_SCREENSHOTS_CONSOLE_URL;
  let api = process.env.TRELLIS_SCREENSHOTS_API_URL;
  if (consoleUrl === undefined || api === undefined) {
    await ensureConsoleBuild();
    const demo = await startProcess("trellis demo", "apps/cli/src/main.ts",
      ["demo", "--console-port", "0", "--api-port", "0", "--otlp-http-port", "0", "--data-dir", dir, "--rate", "20"],
      { readyEvent: "ready", timeoutMs: 90_000 });
    consoleUrl = demo.event.console;
    api = demo.event.api;
  }
  log("demo_ready", { console: consoleUrl });
  // Let the charts fill: a few minutes of 10 s steps would be nicer, this keeps the script short.
  await waitFor("traffic in the charts", async () => {
    const res = await apiFetch(`${api}/api/v1/services/reviews/series?window=5m`);
    const body = await res.json();
    return body.points.filter((p) => p.requests > 0).length * 10 >= TRAFFIC_S;
  }, (TRAFFIC_S + 120) * 1000, 2000);

  mkdirSync(OUT, { recursive: true });
  for (const theme of ["light", "dark"]) {
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    for (const p of PAGES) {
      const context = await browser.newContext({ viewport: { width: 1440, height: p.height }, colorScheme: theme, deviceScaleFactor: 1 });
      await context.addInitScript((t) => window.localStorage.setItem("trellis.console.theme", t), theme);
      await loginBrowser(context, consoleUrl);
      const page = await context.newPage();
      await page.goto(`${consoleUrl}${p.path}${p.path.includes("?") ? "&" : "?"}refresh=off`);
      await page.waitForSelector(p.ready, { timeout: 30_000 });
      await page.waitForTimeout(800);
      const file = path.join(OUT, `${p.name}-${theme}.png`);
      await page.screenshot({ path: file });
      log("screenshot", { file: path.relative(ROOT, file) });
      await context.close();
    }
    await browser.close();
  }
} catch (err) {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exitCode = 1;
} finally {
  clearTimeout(overall);
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
}
