// The foundation's promise, checked as a person would: `trellis demo` starts the control plane, the
// console and the demo mesh, and within 30 s Chromium shows a graph of at least four services with
// live edges. Real processes, real Next.js build, Debian's Chromium.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { loginInBrowser } from "../support/auth";
import { startProcess, type Started } from "../support/processes";

const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

describe("trellis demo in Chromium", { timeout: 180_000 }, () => {
  let demo: Started | undefined;
  let browser: BrowserContext | undefined;
  let page: Page;
  let consoleUrl = "";
  let startedAt = 0;
  const dir = mkdtempSync(path.join(tmpdir(), "trellis-demo-browser-"));

  before(async () => {
    startedAt = Date.now();
    demo = await startProcess({
      name: "trellis demo",
      entry: "apps/cli/src/main.ts",
      args: ["demo", "--console-port", "0", "--api-port", "0", "--otlp-http-port", "0", "--data-dir", dir, "--rate", "20"],
      readyEvent: "ready",
      timeoutMs: 60_000,
    });
    consoleUrl = String(demo.listening.console);
    // The demo prints where to log in and admin's generated password, as an operator reads them.
    assert.equal(demo.listening.login, `${consoleUrl}/login`);
    assert.equal(demo.listening.username, "admin");
    assert.equal(typeof demo.listening.password, "string");
    console.log(`# demo ready after ${Date.now() - startedAt} ms`);
    browser = await chromium.launchPersistentContext(path.join(dir, "chromium-profile"), {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 900 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows at least four services with live edges within 30 s of start, after logging in", async () => {
    const loginStarted = Date.now();
    await loginInBrowser(page, consoleUrl, "admin", String(demo!.listening.password), "/?window=1m");
    // The 30 s are the mesh's: the time the operator spends on the login page does not count.
    const loginMs = Date.now() - loginStarted;
    console.log(`# login took ${loginMs} ms`);
    const deadline = startedAt + 30_000 + loginMs;
    let nodes = 0;
    let edges = 0;
    while (Date.now() < deadline) {
      nodes = await page.locator('[data-test^="graph-node-"]').count();
      edges = await page.locator('[data-test^="graph-edge-"]:not([data-test^="graph-edge-path-"])').count();
      if (nodes >= 4 && edges >= 3) break;
      await page.waitForTimeout(500);
    }
    const elapsed = Date.now() - startedAt;
    console.log(`# graph had ${nodes} nodes and ${edges} edges after ${elapsed} ms`);
    await page.screenshot({ path: path.join(tmpdir(), "trellis-demo-graph.png") });
    assert.ok(nodes >= 4 && edges >= 3, `after ${elapsed} ms the graph had ${nodes} nodes and ${edges} edges`);
    for (const service of ["frontend", "catalog", "reviews", "ratings"]) {
      assert.equal(await page.locator(`[data-test="graph-node-${service}"]`).count(), 1, `node ${service} is drawn`);
    }
  });

  it("labels edges with a non-zero request rate and explains one in the side panel", async () => {
    const label = page.locator('[data-test="graph-edge-frontend-catalog"]');
    await label.waitFor({ timeout: 10_000 });
    const text = (await label.textContent()) ?? "";
    const rate = Number.parseFloat(text);
    assert.ok(rate > 0, `edge label shows a live rate: "${text}"`);
    await label.click();
    const panel = page.locator('[data-test="graph-side-panel"]');
    await panel.waitFor({ timeout: 5_000 });
    assert.equal(await panel.getAttribute("data-kind"), "edge");
    const ok = Number(await page.locator('[data-test="graph-panel-outcome-ok"]').getAttribute("data-count"));
    assert.ok(ok > 0, "the panel counts ok outcomes");
  });

  it("lists the services with their rates on the services page", async () => {
    await page.goto(`${consoleUrl}/services?window=1m`);
    const row = page.locator('[data-test="services-row-catalog"]');
    await row.waitFor({ timeout: 10_000 });
    assert.match((await row.textContent()) ?? "", /catalog/);
  });
});
