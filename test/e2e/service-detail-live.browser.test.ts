// The service detail page against a live mesh of real sidecars (strict mTLS, join tokens), the built
// console and Debian's Chromium, with steady traffic (10 + 5 req/s) from a `web` sidecar:
// - ratings has two endpoints, one whose app answers 500: the callers' outlier ejection opens its
//   breaker, and the page shows that endpoint open, why, and its ejections (the other closed);
// - reviews runs v1 and v2 at 90/10: the operator sets 50/50 with the policy editor's sliders,
//   applies, sees every sidecar it reaches synced, and the split under the request-rate chart moves
//   to 50/50 (within a tolerance) as the new traffic is reported.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { ENDPOINTS_API, ZServiceEndpointsResponse } from "@trellis/mesh-model";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { createUser, loginInBrowser } from "../support/auth";
import { runLoad, summary, type LoadResult } from "../support/load";
import { echo, startMesh, waitForEndpoints, waitForRevision, type Mesh, type Sidecar } from "../support/mesh";
import { startProcess, waitFor, type Started } from "../support/processes";

const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const SHOTS = process.env.TRELLIS_SCREENSHOT_DIR;
/** How far each version's share may be from 50% once the shift has arrived (10 req/s over 30 s: σ ≈ 3%). */
const TOLERANCE = 0.12;

describe("service detail on a live mesh in Chromium", { timeout: 360_000 }, () => {
  let mesh: Mesh | undefined;
  let web: Started | undefined;
  let browser: BrowserContext | undefined;
  let page: Page;
  let consoleUrl = "";
  let caller: Sidecar;
  let failing: Sidecar;
  let healthy: Sidecar;
  const stopLoad = new AbortController();
  let loads: Promise<LoadResult>[] = [];
  const password = randomBytes(12).toString("base64url");
  const testId = (id: string) => page.locator(`[data-test="${id}"]`);
  const shot = async (name: string) => {
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `detail-live-${name}.png`), fullPage: true });
  };
  const share = async (version: string) => Number(await testId(`chart-rps-split-${version}`).getAttribute("data-share", { timeout: 2_000 }).catch(() => null));

  before(async () => {
    const m = (mesh = await startMesh({ metricsInterval: "1s" }));
    const token = m.auth.authorization!.replace(/^Bearer /, "");
    await createUser(m.api, token, "operator", password, "admin");

    const reviewsApp = await m.app(echo("reviews"));
    const ratingsApp = await m.app(echo("ratings"));
    // Healthy to active health checks, 500 to real requests: the breaker, not the health check, takes it out.
    const brokenApp = await m.app((req, res) => {
      req.resume();
      res.writeHead(req.headers["x-trellis-health-check"] !== undefined ? 200 : 500).end("broken");
    });
    const webApp = await m.app(echo("web"));
    await m.startSidecar({ service: "reviews", version: "v1", appPort: reviewsApp.port });
    await m.startSidecar({ service: "reviews", version: "v2", appPort: reviewsApp.port });
    healthy = await m.startSidecar({ service: "ratings", version: "v1", appPort: ratingsApp.port, name: "sidecar ratings ok" });
    failing = await m.startSidecar({ service: "ratings", version: "v1", appPort: brokenApp.port, name: "sidecar ratings broken" });
    caller = await m.startSidecar({ service: "web", version: "v1", appPort: webApp.port });
    await waitForEndpoints(caller, "reviews", 2);
    await waitForEndpoints(caller, "ratings", 2);
    // Ejected after 3 consecutive 5xx for two minutes, so it stays open while the page is read.
    await m.putPolicy("ratings", { circuitBreaker: { outlierDetection: { consecutive5xx: 3, baseEjectionTime: "120s", panicThresholdPercent: 0 } } }, "eject fast");
    const split = await m.putPolicy("reviews", { routes: [{ name: "split", backends: [{ version: "v1", weight: 90 }, { version: "v2", weight: 10 }] }] }, "90/10");
    await waitForRevision(caller, split);

    web = await startProcess({ name: "console", entry: "apps/console/scripts/start.mjs", args: ["--port", "0", "--api-url", m.api], timeoutMs: 60_000 });
    consoleUrl = `http://127.0.0.1:${web.listening.port}`;
    // Open-loop traffic for the whole file, bounded in time; stopped in after().
    loads = [
      runLoad({ rate: 10, durationMs: 300_000, url: caller.outbound, host: "reviews", path: "/items", signal: stopLoad.signal, timeoutMs: 15_000 }),
      runLoad({ rate: 5, durationMs: 300_000, url: caller.outbound, host: "ratings", path: "/stars", signal: stopLoad.signal, timeoutMs: 15_000, accept: () => true }),
    ];
    browser = await chromium.launchPersistentContext(path.join(m.dir, "chromium-profile"), {
      executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS, viewport: { width: 1440, height: 1400 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(15_000);
    await loginInBrowser(page, consoleUrl, "operator", password, "/services");
  });

  after(async () => {
    stopLoad.abort();
    const results = await Promise.all(loads);
    for (const r of results) console.log(`load: ${summary(r)}`);
    await browser?.close();
    await web?.stop();
    await mesh?.close();
  });

  it("shows the endpoint whose app answers 500 with its breaker open, since when, why, and its ejections", async () => {
    await page.goto(`${consoleUrl}/services/ratings`);
    const row = page.locator(`[data-test="detail-endpoint-${failing.instanceId}"][data-breaker="open"]`);
    await row.waitFor({ timeout: 90_000 });
    await shot("breaker-open");
    assert.match(await row.getAttribute("data-reason") ?? "", /^(consecutive_5xx|half_open_failure)$/);
    assert.match(await row.locator('[data-test="endpoint-reason"]').textContent() ?? "", /consecutive 5xx|half-open probe failed/);
    assert.match(await row.locator('[data-test="endpoint-reason"]').textContent() ?? "", new RegExp(`seen by ${caller.instanceId} \\(web\\)`));
    assert.ok(Number(await row.getAttribute("data-ejections")) >= 1, "at least one ejection in the window");
    assert.equal(await row.locator('[data-test="endpoint-breaker"]').textContent(), "open");
    const good = testId(`detail-endpoint-${healthy.instanceId}`);
    assert.equal(await good.getAttribute("data-breaker"), "closed");
    assert.equal(await good.getAttribute("data-ejections"), "0");
    // The page shows what the API says, and the API what the caller's sidecar exported.
    const res = await fetch(`${mesh!.api}${ENDPOINTS_API.endpoints("ratings")}`, { headers: mesh!.auth });
    const api = ZServiceEndpointsResponse.parse(await res.json());
    const open = api.endpoints.find((e) => e.instanceId === failing.instanceId)!;
    assert.equal(open.breaker, "open");
    assert.equal(open.reports[0]?.reporter, caller.instanceId);
  });

  it("shifts reviews 50/50 with the sliders, sees every reached sidecar synced, and the split in the charts move to 50/50", async () => {
    await page.goto(`${consoleUrl}/services/reviews`);
    // Before: 90/10, over at least two complete steps of traffic.
    const before = await waitFor("the 90/10 split in the chart", async () => {
      await testId("chart-rps-split").waitFor({ timeout: 5_000 }).catch(() => undefined);
      const steps = Number(await testId("chart-rps-split").getAttribute("data-steps").catch(() => "0"));
      const v1 = await share("v1");
      return steps >= 2 && v1 > 0 ? v1 : undefined;
    }, 90_000, 1_000);
    assert.ok(before > 0.75, `v1 carried ${before} of reviews' traffic before the shift`);
    await shot("split-before");

    await testId("detail-policy-link").click();
    await testId("policy-weight-slider-v1").waitFor();
    await testId("policy-weight-slider-v1").fill("50");
    await testId("policy-weight-slider-v2").fill("50");
    assert.equal(await testId("policy-weight-percent-v1").textContent(), "50%");
    assert.equal(await testId("policy-weight-percent-v2").textContent(), "50%");
    await testId("policy-preview").click();
    await testId("policy-preview-result").waitFor();
    assert.equal(await testId("policy-preview-result").getAttribute("data-valid"), "true");
    const reached = await page.locator('[data-test^="policy-reach-"]').evaluateAll((els) => els.map((e) => e.textContent ?? ""));
    assert.ok(reached.includes(caller.instanceId), `the change reaches the caller's sidecar (${reached.join(", ")})`);
    await testId("policy-message").fill("50/50");
    await testId("policy-apply").click();
    await testId("policy-sync").waitFor();
    for (const id of reached) await page.locator(`[data-test="policy-sync-${id}"][data-sync="synced"]`).waitFor({ timeout: 30_000 });
    await shot("synced");

    await page.goto(`${consoleUrl}/services/reviews`);
    const after = await waitFor("the split in the chart near 50/50", async () => {
      const [v1, v2] = [await share("v1"), await share("v2")];
      return Math.abs(v1 - 0.5) <= TOLERANCE && Math.abs(v2 - 0.5) <= TOLERANCE ? { v1, v2 } : undefined;
    }, 120_000, 2_000);
    assert.ok(Math.abs(after.v1 + after.v2 - 1) < 0.001, `shares add up: ${JSON.stringify(after)}`);
    // The revision is marked on the charts, so before/after is visible.
    await shot("split-after");
  });
});
