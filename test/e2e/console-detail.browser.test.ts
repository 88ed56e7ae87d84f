// The console against a real `trellis demo` in Debian's Chromium: a service's detail page with charts
// from the live mesh, the time range surviving a reload, the graph's name filter, and hostile text
// (a would-be service name, a policy message, a filter) shown as text, never as markup.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { POLICY_API, SIDECAR_API, ZCurrentPolicyResponse, ZServiceSeriesResponse } from "@trellis/mesh-model";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { startProcess, waitFor, type Started } from "../support/processes";

const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const HOSTILE = "<img src=x onerror=alert(1)>";
// Operator credentials for a control plane with login (one without it ignores them).
const ADMIN_PASSWORD = randomBytes(12).toString("base64url");
const API_TOKEN = randomBytes(32).toString("base64url");
const apiFetch = (url: string, init: RequestInit = {}) => {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${API_TOKEN}`);
  return fetch(url, { signal: AbortSignal.timeout(10_000), ...init, headers });
};

describe("console pages against trellis demo in Chromium", { timeout: 240_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "trellis-console-browser-"));
  let demo: Started | undefined;
  let browser: BrowserContext | undefined;
  let page: Page;
  let consoleUrl = "";
  let api = "";
  const dialogs: string[] = [];
  const testId = (id: string) => page.locator(`[data-test="${id}"]`);

  before(async () => {
    demo = await startProcess({
      name: "trellis demo",
      entry: "apps/cli/src/main.ts",
      args: ["demo", "--console-port", "0", "--api-port", "0", "--otlp-http-port", "0", "--data-dir", dir, "--rate", "20"],
      readyEvent: "ready",
      timeoutMs: 90_000,
      env: { TRELLIS_ADMIN_PASSWORD: ADMIN_PASSWORD, TRELLIS_API_TOKEN: API_TOKEN },
    });
    consoleUrl = String(demo.listening.console);
    api = String(demo.listening.api);
    browser = await chromium.launchPersistentContext(path.join(dir, "chromium-profile"), {
      executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS, viewport: { width: 1440, height: 1200 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(15_000);
    // Log in through the login page, as an operator would (a console without one answers 404).
    const login = await page.goto(`${consoleUrl}/login`);
    if (login?.status() !== 404) {
      await testId("login-username").fill("admin");
      await testId("login-password").fill(ADMIN_PASSWORD);
      await testId("login-submit").click();
      await page.waitForURL((url) => url.pathname !== "/login");
    }
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    // Two 10 s steps with traffic, so the charts have lines to draw.
    await waitFor("reviews traffic in the series", async () => {
      const res = await apiFetch(`${api}/api/v1/services/reviews/series?window=5m`);
      const s = ZServiceSeriesResponse.parse(await res.json());
      return s.points.filter((p) => p.requests > 0).length >= 2 ? s : undefined;
    }, 60_000);
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("opens a service's detail page from the services table and shows its charts, instances, edges and policy", async () => {
    await page.goto(`${consoleUrl}/services`);
    await testId("services-link-reviews").click();
    await page.waitForURL(/\/services\/reviews(\?|$)/);
    await testId("detail-page").waitFor();
    for (const chart of ["chart-rps", "chart-success", "chart-latency"]) {
      await page.locator(`[data-test="${chart}"] .recharts-surface`).first().waitFor();
      assert.ok(Number(await testId(chart).getAttribute("data-points")) > 0, chart);
    }
    // Rate drawn per version: the demo's canary sends some traffic to v2.
    await page.locator('[data-test="chart-rps"] .recharts-area').first().waitFor();
    await page.locator('[data-test="chart-latency"] .recharts-line').first().waitFor();
    assert.notEqual(await testId("detail-stat-success").innerText(), "Success (effective)\n—");
    // The canary the demo applied at start is a policy revision: marked on the charts, described in words.
    // (A vertical line has an empty box, so it is "attached", never "visible" to Playwright.)
    await page.locator('[data-test="chart-rps"] .recharts-reference-line').first().waitFor({ state: "attached" });
    await page.locator('[data-test="chart-rps"] text', { hasText: /^r\d+$/ }).first().waitFor({ state: "attached" });
    assert.match(await testId("detail-policy-lines").innerText(), /v1 80% · v2 20%/);
    await testId("detail-edge-catalog").waitFor();
    await testId("detail-edge-ratings").waitFor();
    assert.ok(await page.locator('[data-test^="detail-instance-"]').count() >= 2, "reviews v1 and v2 sidecars");
    assert.ok(Number(await testId("detail-outcome-retried").getAttribute("data-count")) >= 0);
  });

  it("keeps the time range in the URL across a reload, look-back and custom", async () => {
    await page.goto(`${consoleUrl}/services/reviews`);
    await testId("window-option-15m").click();
    await page.waitForURL(/window=15m/);
    await page.reload();
    assert.equal(await testId("window-picker").getAttribute("data-value"), "15m");
    assert.equal(await testId("window-option-15m").getAttribute("aria-pressed"), "true");
    await page.locator('[data-test="chart-rps"] .recharts-area').first().waitFor();

    const to = new Date();
    const from = new Date(to.getTime() - 10 * 60_000);
    const custom = `window=custom&from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`;
    const seriesRequest = page.waitForRequest((r) => r.url().includes("/series?") && r.url().includes("from="));
    await page.goto(`${consoleUrl}/services/reviews?${custom}`);
    await seriesRequest;
    await page.reload();
    assert.equal(await testId("window-picker").getAttribute("data-value"), "custom");
    assert.equal(await testId("window-option-custom").getAttribute("aria-pressed"), "true");
    await page.locator('[data-test="chart-rps"] .recharts-area').first().waitFor();
    // Navigating keeps the range.
    await testId("nav-services").click();
    await page.waitForURL(/\/services\?/);
    assert.match(page.url(), /window=custom/);
    assert.match(page.url(), /from=/);
  });

  it("filters the graph by name: matches with their neighbours, in the URL", async () => {
    await page.goto(`${consoleUrl}/`);
    await testId("graph-node-frontend").waitFor();
    await testId("graph-filter").fill("revi");
    await page.waitForURL(/q=revi/);
    await testId("graph-node-reviews").waitFor();
    await page.waitForFunction(() => document.querySelector('[data-test="graph-node-frontend"]') === null);
    assert.equal(await testId("graph-node-reviews").getAttribute("data-matched"), "true");
    assert.equal(await testId("graph-node-catalog").getAttribute("data-matched"), "false", "a neighbour, shown for context");
    await page.reload();
    assert.equal(await testId("graph-filter").inputValue(), "revi");
    await testId("graph-node-ratings").waitFor();
    assert.equal(await page.locator('[data-test^="graph-node-"]').count(), 3);
  });

  it("shows hostile names and messages as text", async () => {
    // The registry refuses the name outright: it can never become a service.
    const reg = await apiFetch(api + SIDECAR_API.register, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ instanceId: "evil-1", service: HOSTILE, version: "v1", host: "127.0.0.1", inboundPort: 9 }),
    });
    assert.equal(reg.status, 400);
    assert.equal(((await reg.json()) as { error: { path?: string } }).error.path, "service");
    // Free text that does get stored, a policy revision's message and author, is shown on the detail page.
    const current = ZCurrentPolicyResponse.parse(await (await apiFetch(api + POLICY_API.policy("ratings"))).json());
    const put = await apiFetch(api + POLICY_API.policy("ratings"), {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ spec: { ...current.spec, timeout: { request: "5s" } }, message: HOSTILE, author: HOSTILE }),
    });
    assert.ok(put.status === 200 || put.status === 201, `${put.status} ${await put.text()}`);

    await page.goto(`${consoleUrl}/services/ratings`);
    await testId("detail-revisions").waitFor();
    assert.match(await testId("detail-revisions").innerText(), /<img src=x onerror=alert\(1\)>/);
    // The name itself, in the URL of a detail page and in the graph filter.
    await page.goto(`${consoleUrl}/services/${encodeURIComponent(HOSTILE)}`);
    await testId("detail-page").waitFor();
    assert.equal(await page.locator("h1").innerText(), HOSTILE);
    await page.goto(`${consoleUrl}/?q=${encodeURIComponent(HOSTILE)}`);
    await testId("graph-no-match").waitFor();
    assert.match(await testId("graph-no-match").innerText(), /<img src=x onerror=alert\(1\)>/);
    await page.waitForTimeout(500);
    assert.equal(await page.locator('img[src="x"]').count(), 0, "no element was made from the text");
    assert.deepEqual(dialogs, [], "no script ran");
  });
});
