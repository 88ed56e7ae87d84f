// Operator login in Chromium against a real control plane and the built console: pages send an
// anonymous visitor to the login page; a wrong password is refused; the admin logs in through the
// form; every page carries a nonce CSP that the page obeys; a change with a foreign Origin is refused
// even with the admin's cookie; a viewer sees no edit controls and the API refuses the viewer's
// changes; logout ends the session.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { SIDECAR_API } from "@trellis/mesh-model";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { createUser, loginInBrowser, operatorCredentials } from "../support/auth";
import { startProcess, stopAll, type Started } from "../support/processes";

const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const CANARY = { spec: { service: "reviews", routes: [{ name: "canary", backends: [{ version: "v1", weight: 50 }, { version: "v2", weight: 50 }] }] }, message: "from the browser" };

describe("operator login in Chromium", { timeout: 150_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "trellis-auth-browser-"));
  const started: Started[] = [];
  const operator = operatorCredentials();
  const cspViolations: string[] = [];
  let browser: BrowserContext | undefined;
  let page: Page;
  let api = "";
  let consoleUrl = "";
  const testId = (id: string) => page.locator(`[data-test="${id}"]`);

  before(async () => {
    const cp = await startProcess({
      name: "control-plane",
      entry: "apps/control-plane/src/main.ts",
      args: ["--api-port", "0", "--otlp-http-port", "0", "--lease-ttl", "1h", "--database-url", `file:${path.join(dir, "cp.db")}`],
      env: operator.env,
    });
    started.push(cp);
    api = `http://127.0.0.1:${cp.listening.apiPort}`;
    for (const version of ["v1", "v2"]) {
      const res = await fetch(api + SIDECAR_API.register, {
        method: "POST",
        headers: { "content-type": "application/json", ...operator.headers },
        body: JSON.stringify({ instanceId: `reviews-${version}`, service: "reviews", version, host: "127.0.0.1", inboundPort: 9, labels: {} }),
      });
      assert.equal(res.status, 200);
    }
    await createUser(api, operator.token, "vera", "vera-password-1", "viewer");
    const web = await startProcess({ name: "console", entry: "apps/console/scripts/start.mjs", args: ["--port", "0", "--api-url", api], timeoutMs: 30_000 });
    started.push(web);
    consoleUrl = `http://127.0.0.1:${web.listening.port}`;
    browser = await chromium.launchPersistentContext(path.join(dir, "chromium-profile"), {
      executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS, viewport: { width: 1300, height: 900 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(10_000);
    page.on("console", (msg) => {
      if (/Content Security Policy|Refused to (execute|load|apply)/i.test(msg.text())) cspViolations.push(msg.text());
    });
  });

  after(async () => {
    await browser?.close();
    await stopAll(started);
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends an anonymous visitor to the login page and refuses a wrong password", async () => {
    await page.goto(`${consoleUrl}/services?window=15m`);
    await testId("login-page").waitFor();
    const url = new URL(page.url());
    assert.equal(url.pathname, "/login");
    assert.equal(url.searchParams.get("next"), "/services?window=15m");
    await testId("login-username").fill("admin");
    await testId("login-password").fill("not-the-password");
    await testId("login-submit").click();
    assert.match((await testId("login-error").textContent()) ?? "", /Wrong username or password/);
    const cookies = await browser!.cookies(consoleUrl);
    assert.deepEqual(cookies.map((c) => c.name), []);
  });

  it("logs the admin in through the form, with an HttpOnly SameSite=Strict cookie, back to the page asked for", async () => {
    await loginInBrowser(page, consoleUrl, "admin", operator.adminPassword, "/services");
    assert.equal(await testId("user-name").getAttribute("title"), "Logged in as admin (admin)");
    const [cookie] = await browser!.cookies(consoleUrl);
    assert.equal(cookie?.name, "trellis_session");
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, "Strict");
    // Scripts cannot read it.
    assert.equal(await page.evaluate(() => document.cookie), "");
    await testId("services-page").waitFor();
  });

  it("serves every page with a nonce CSP (no inline script without it) and the other security headers", async () => {
    const response = await page.goto(`${consoleUrl}/services/reviews/policy`);
    await testId("policy-page").waitFor();
    const headers = response!.headers();
    const csp = headers["content-security-policy"] ?? "";
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    assert.ok(nonce, csp);
    assert.match(csp, /script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /script-src[^;]*'unsafe-inline'/);
    assert.equal(headers["x-content-type-options"], "nosniff");
    assert.equal(headers["referrer-policy"], "same-origin");
    assert.equal(headers["x-frame-options"], "DENY");
    const html = await response!.text();
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    assert.ok(scripts.length > 0);
    for (const tag of scripts) assert.ok(tag.includes(`nonce="${nonce}"`), `script without the nonce: ${tag}`);
    // A second load gets another nonce.
    const again = await page.request.get(`${consoleUrl}/services`);
    assert.notEqual(/'nonce-([^']+)'/.exec(again.headers()["content-security-policy"] ?? "")?.[1], nonce);
    assert.deepEqual(cspViolations, [], "the console itself obeys its CSP");
    // The admin sees the edit controls.
    await testId("policy-apply-panel").waitFor();
  });

  it("refuses a change with a foreign Origin even with the admin's cookie", async () => {
    const foreign = await page.request.put(`${consoleUrl}/api/v1/policies/reviews`, { headers: { origin: "http://evil.example", "content-type": "application/json" }, data: CANARY });
    assert.equal(foreign.status(), 403, await foreign.text());
    assert.equal(((await foreign.json()) as { error: { code: string } }).error.code, "forbidden");
    const crossSite = await page.request.put(`${consoleUrl}/api/v1/policies/reviews`, { headers: { origin: consoleUrl, "sec-fetch-site": "cross-site", "content-type": "application/json" }, data: CANARY });
    assert.equal(crossSite.status(), 403);
    // The same change from the console's own page goes through.
    const status = await page.evaluate(async (body) => {
      const res = await fetch("/api/v1/policies/reviews", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      return res.status;
    }, CANARY);
    assert.equal(status, 200);
  });

  it("logs out: the session ends and pages go back to the login page", async () => {
    await page.goto(`${consoleUrl}/services`);
    await testId("logout").click();
    await page.waitForURL((url) => url.pathname === "/login");
    assert.equal((await page.request.get(`${consoleUrl}/api/v1/session`)).status(), 401);
    await page.goto(`${consoleUrl}/sidecars`);
    await testId("login-page").waitFor();
  });

  it("shows a viewer no edit controls, and the API refuses the viewer's changes", async () => {
    await loginInBrowser(page, consoleUrl, "vera", "vera-password-1", "/services/reviews/policy");
    await testId("policy-page").waitFor();
    await testId("policy-readonly").waitFor();
    assert.equal(await testId("policy-apply").count(), 0);
    assert.equal(await testId("policy-apply-panel").count(), 0);
    await testId("policy-history").waitFor();
    await page.locator('[data-test^="policy-history-row-"]').first().waitFor();
    assert.equal(await page.locator('[data-test^="policy-rollback-"]').count(), 0);
    // Calling the API directly from the viewer's page: refused by the control plane.
    const statuses = await page.evaluate(async (body) => {
      const put = await fetch("/api/v1/policies/reviews", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const del = await fetch("/api/v1/policies/reviews", { method: "DELETE" });
      const user = await fetch("/api/v1/users", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "mallory", password: "mallory-password", role: "admin" }) });
      return [put.status, del.status, user.status];
    }, CANARY);
    assert.deepEqual(statuses, [403, 403, 403]);
    const revisions = await fetch(`${api}/api/v1/policies/reviews/revisions`, { headers: operator.headers });
    assert.deepEqual(((await revisions.json()) as { revisions: Array<{ author: string }> }).revisions.map((r) => r.author), ["admin"]);
  });
});
