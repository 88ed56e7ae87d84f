// Where the full graph's time to interactive goes: the bench's setup (control plane seeded with a
// generated mesh, the production console, Chromium), then one traced load of `/?view=all` — the
// navigation and resource timings (document, scripts, the graph API call) and the main thread's
// CPU profile, summarised as self time per function and per script. For working on the graph page;
// `npm run bench:console` is the measurement of record.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { ensureConsoleBuild } from "../../scripts/console-build.mjs";
import { CHROMIUM, CHROMIUM_ARGS, apiFetch, generateMesh, loginBrowser, seedMesh, startProcess, stopAll, waitFor } from "./harness.mjs";

const { values } = parseArgs({ options: {
  services: { type: "string", default: "1000" },
  edges: { type: "string", default: "3000" },
  query: { type: "string", default: "?view=all&refresh=off" },
  loads: { type: "string", default: "3" },
  out: { type: "string", default: "" },
} });
const services = Number(values.services);
const dir = mkdtempSync(path.join(os.tmpdir(), "trellis-profile-console-"));
const round = (n) => Math.round(n);

try {
  await ensureConsoleBuild();
  const cp = await startProcess("control-plane", "apps/control-plane/src/main.ts", [
    "--api-port", "0", "--otlp-http-port", "0", "--database-url", `file:${path.join(dir, "cp.db")}`, "--max-otlp-body", "16MiB",
  ]);
  const api = `http://127.0.0.1:${cp.event.apiPort}`;
  await seedMesh(`http://127.0.0.1:${cp.event.otlpHttpPort}`, generateMesh(services, Number(values.edges)));
  await waitFor("the seeded graph", async () => {
    const body = await (await apiFetch(`${api}/api/v1/graph?window=5m`)).json();
    return body.nodes.length >= services ? true : undefined;
  }, 60_000);
  const web = await startProcess("console", "apps/console/scripts/start.mjs", ["--port", "0", "--api-url", api]);
  const consoleUrl = `http://127.0.0.1:${web.event.port}`;
  const browser = await chromium.launchPersistentContext(path.join(dir, "profile"), {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1600, height: 1000 },
  });
  await loginBrowser(browser, consoleUrl);
  for (let load = 0; load < Number(values.loads); load++) {
    const page = await browser.newPage();
    const cdp = await browser.newCDPSession(page);
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
    await cdp.send("Profiler.start");
    const cpu0 = (await cdp.send("Performance.enable"), await cdp.send("Performance.getMetrics")).metrics;
    await page.goto(`${consoleUrl}/${values.query}`, { waitUntil: "commit", timeout: 60_000 });
    page.on("console", (m) => console.log("console:", m.type(), m.text().slice(0, 300)));
    page.on("pageerror", (e) => console.log("pageerror:", e.message));
    await page.waitForFunction(() => {
      const counts = document.querySelector('[data-test="graph-counts"]');
      const n = counts?.getAttribute("data-nodes");
      return n != null && document.querySelectorAll('[data-test^="graph-node-"]').length >= Number(n);
    }, undefined, { timeout: 60_000, polling: "raf" }).catch(async (err) => {
      console.log((await page.locator("body").innerText()).slice(0, 2000));
      await page.screenshot({ path: path.join(os.tmpdir(), "trellis-profile-timeout.png") });
      throw err;
    });
    const done = await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(() => resolve(performance.now()), 0))));
    const { profile } = await cdp.send("Profiler.stop");
    const cpu1 = (await cdp.send("Performance.getMetrics")).metrics;
    const timing = await page.evaluate(() => ({
      nav: performance.getEntriesByType("navigation").map((e) => ({ requestStart: e.requestStart, responseStart: e.responseStart, responseEnd: e.responseEnd, domInteractive: e.domInteractive, dcl: e.domContentLoadedEventEnd })),
      resources: performance.getEntriesByType("resource").map((e) => ({ name: e.name.replace(location.origin, ""), start: e.startTime, ttfb: e.responseStart, end: e.responseEnd, size: e.encodedBodySize, decoded: e.decodedBodySize })),
      marks: performance.getEntriesByType("mark").map((m) => ({ name: m.name, t: m.startTime })),
    }));
    const metric = (ms, name) => ms.find((m) => m.name === name)?.value ?? 0;
    // Self time per function and per script from the sampled profile.
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map();
    const dt = profile.timeDeltas;
    for (let i = 0; i < profile.samples.length; i++) {
      const n = byId.get(profile.samples[i]);
      const key = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.replace(/.*\//, "")}:${n.callFrame.lineNumber}`;
      self.set(key, (self.get(key) ?? 0) + (dt[i + 1] ?? 0) / 1000);
    }
    const byScript = new Map();
    for (const [k, v] of self) {
      const script = k.split(" ")[1]?.split(":")[0] || "(native)";
      byScript.set(script, (byScript.get(script) ?? 0) + v);
    }
    const top = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${round(v).toString().padStart(6)} ms  ${k}`);
    console.log(`\n=== load ${load + 1}: interactive at ${round(done)} ms; main-thread script ${round((metric(cpu1, "ScriptDuration") - metric(cpu0, "ScriptDuration")) * 1000)} ms, layout ${round((metric(cpu1, "LayoutDuration") - metric(cpu0, "LayoutDuration")) * 1000)} ms, recalc style ${round((metric(cpu1, "RecalcStyleDuration") - metric(cpu0, "RecalcStyleDuration")) * 1000)} ms, task ${round((metric(cpu1, "TaskDuration") - metric(cpu0, "TaskDuration")) * 1000)} ms`);
    console.log("navigation", JSON.stringify(timing.nav.map((e) => Object.fromEntries(Object.entries(e).map(([k, v]) => [k, round(v)])))));
    for (const r of timing.resources) console.log(`  ${round(r.start).toString().padStart(6)} → ${round(r.end).toString().padStart(6)} (ttfb ${round(r.ttfb)})  ${String(r.size).padStart(8)} B  ${r.name}`);
    for (const m of timing.marks) console.log(`  mark ${round(m.t)} ${m.name}`);
    console.log("self time by script:\n" + top(byScript, 10).join("\n"));
    console.log("self time by function:\n" + top(self, 25).join("\n"));
    if (values.out !== "") writeFileSync(`${values.out}-${load + 1}.cpuprofile`, JSON.stringify(profile));
    await page.close();
  }
  await browser.close();
} catch (err) {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exitCode = 1;
} finally {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
}
