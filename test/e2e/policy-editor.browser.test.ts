// The policy editor, as an operator uses it: a real control plane, two real sidecars of "reviews"
// (v1, v2), the built console and Debian's Chromium. Split 90/10, see a validation error, preview,
// apply, watch both sidecars sync, find the revision in the history, roll back; then check the API.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { POLICY_API, ZCurrentPolicyResponse, ZPolicyRevision, ZPolicyRevisionsResponse, ZSidecarsResponse } from "@trellis/mesh-model";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { loginInBrowser, operatorCredentials } from "../support/auth";
import { mintJoinToken } from "../support/mesh";
import { startProcess, stopAll, waitFor, type Started } from "../support/processes";

const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const SHOTS = process.env.TRELLIS_SCREENSHOT_DIR;

describe("policy editor in Chromium", { timeout: 150_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "trellis-policy-browser-"));
  const started: Array<Started | undefined> = [];
  let app: Server | undefined;
  let browser: BrowserContext | undefined;
  let page: Page;
  let api = "";
  let consoleUrl = "";
  let instanceIds: string[] = [];
  let firstRevision = -1;
  const operator = operatorCredentials();

  const getJson = async <T>(url: string, schema: { parse: (x: unknown) => T }): Promise<T> => {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000), headers: operator.headers });
    assert.equal(res.status, 200, `${url} answered ${res.status}`);
    return schema.parse(await res.json());
  };
  const testId = (id: string) => page.locator(`[data-test="${id}"]`);
  const shot = async (name: string) => {
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `policy-${name}.png`), fullPage: true });
  };

  before(async () => {
    app = createServer((_req, res) => res.end("ok"));
    await new Promise<void>((resolve) => app!.listen(0, "127.0.0.1", resolve));
    const appPort = (app.address() as AddressInfo).port;
    const cp = await startProcess({
      name: "control-plane",
      entry: "apps/control-plane/src/main.ts",
      args: ["--api-port", "0", "--otlp-http-port", "0", "--database-url", `file:${path.join(dir, "cp.db")}`],
      env: operator.env,
    });
    started.push(cp);
    api = `http://127.0.0.1:${cp.listening.apiPort}`;
    for (const version of ["v1", "v2"]) {
      started.push(await startProcess({
        name: `sidecar ${version}`,
        entry: "apps/sidecar/src/main.ts",
        args: [
          "--service", "reviews", "--version", version, "--app-port", String(appPort),
          "--outbound-port", "0", "--inbound-port", "0", "--admin-port", "0",
          "--control-plane", api, "--cache-dir", path.join(dir, `cache-${version}`),
        ],
        // The control plane requires the sidecar's join token (and strict mTLS wants the certificate).
        env: { TRELLIS_JOIN_TOKEN: await mintJoinToken(api, operator.headers, "reviews") },
      }));
    }
    const web = await startProcess({ name: "console", entry: "apps/console/scripts/start.mjs", args: ["--port", "0", "--api-url", api], timeoutMs: 30_000 });
    started.push(web);
    consoleUrl = `http://127.0.0.1:${web.listening.port}`;
    instanceIds = await waitFor("both sidecars registered and synced", async () => {
      const { sidecars } = await getJson(`${api}/api/v1/sidecars`, ZSidecarsResponse);
      const mine = sidecars.filter((s) => s.service === "reviews" && s.syncState === "synced");
      return mine.length === 2 ? mine.map((s) => s.instanceId) : undefined;
    }, 20_000);
    browser = await chromium.launchPersistentContext(path.join(dir, "chromium-profile"), {
      executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS, viewport: { width: 1400, height: 1000 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(10_000);
  });

  after(async () => {
    await browser?.close();
    await stopAll(started);
    await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("reaches the editor from the services table, after logging in", async () => {
    await loginInBrowser(page, consoleUrl, "admin", operator.adminPassword, "/services");
    await testId("services-policy-reviews").click();
    await testId("policy-page").waitFor();
    assert.match(page.url(), /\/services\/reviews\/policy/);
    await testId("policy-weight-v2").waitFor();
  });

  it("shows an invalid value's issue beside its field, and clears it when fixed", async () => {
    await testId("policy-field-retry.attempts").fill("0");
    await testId("policy-issue-retry.attempts").waitFor();
    assert.equal(await testId("policy-apply").isDisabled(), true);
    await shot("invalid");
    await testId("policy-field-retry.attempts").fill("");
    await testId("policy-issue-retry.attempts").waitFor({ state: "detached" });
  });

  it("adds, reorders and removes match rules, with their issues beside them", async () => {
    await testId("policy-rule-add").click();
    await testId("policy-rule-0-path").fill("/api");
    await testId("policy-rule-0-method-GET").click();
    await testId("policy-rule-0-weight-v2").fill("100");
    await testId("policy-rule-add").click();
    await testId("policy-rule-1-path-kind").selectOption("regex");
    await testId("policy-rule-1-path").fill("([");
    await testId("policy-issue-routes.1.match.path.regex").waitFor();
    await testId("policy-rule-1-up").click();
    await testId("policy-issue-routes.0.match.path.regex").waitFor();
    assert.equal(await testId("policy-rule-1-path").inputValue(), "/api", "the /api rule moved down");
    await shot("rules");
    await testId("policy-rule-0-remove").click();
    await testId("policy-issue-routes.0.match.path.regex").waitFor({ state: "detached" });
    await testId("policy-rule-0-remove").click();
    await testId("policy-rule-0").waitFor({ state: "detached" });
  });

  it("sets a 90/10 split, previews the diffs and the sidecars it reaches, and applies it", async () => {
    await testId("policy-weight-v1").fill("90");
    await testId("policy-weight-v2").fill("10");
    // The health check runs in reviews' own sidecars, so this change reaches both of them.
    await testId("policy-field-healthCheck.interval").fill("2s");
    assert.equal(await testId("policy-weight-percent-v1").textContent(), "90%");
    assert.equal(await testId("policy-weight-percent-v2").textContent(), "10%");
    assert.ok(Number(await testId("policy-diff").getAttribute("data-count")) > 0, "the spec diff lists the split");
    await testId("policy-preview").click();
    await testId("policy-preview-result").waitFor();
    assert.equal(await testId("policy-preview-result").getAttribute("data-valid"), "true");
    assert.ok(Number(await testId("policy-compiled-diff").getAttribute("data-count")) > 0, "the compiled bundle changes");
    const reached = await page.locator('[data-test^="policy-reach-"]').evaluateAll((els) => els.map((e) => e.textContent));
    assert.deepEqual([...reached].sort(), [...instanceIds].sort(), "the preview names both sidecars of reviews");
    assert.equal(await testId("policy-apply").isDisabled(), true, "a message is required");
    await testId("policy-message").fill("canary: 10% to v2");
    await shot("preview");
    await testId("policy-apply").click();
    await testId("policy-sync").waitFor();
    firstRevision = Number(await testId("policy-sync").getAttribute("data-revision"));
    assert.ok(firstRevision > 0);
    for (const id of reached) {
      await page.locator(`[data-test="policy-sync-${id}"][data-sync="synced"]`).waitFor({ timeout: 20_000 });
    }
    await testId(`policy-history-row-${firstRevision}`).waitFor();
    assert.match((await testId(`policy-history-row-${firstRevision}`).textContent()) ?? "", /canary: 10% to v2/);
    await shot("applied");
  });

  it("keeps every sidecar of the mesh synced on the new revision", async () => {
    await waitFor("sidecars synced after apply", async () => {
      const { sidecars } = await getJson(`${api}/api/v1/sidecars`, ZSidecarsResponse);
      const mine = sidecars.filter((s) => instanceIds.includes(s.instanceId));
      return mine.length === 2 && mine.every((s) => s.syncState === "synced") ? true : undefined;
    }, 20_000);
  });

  it("rolls back to the first revision after confirmation, as a new revision with its spec", async () => {
    // A second change, so there is an earlier revision with a spec to return to.
    await testId("policy-weight-v2").fill("50");
    await testId("policy-weight-v1").fill("50");
    await testId("policy-preview").click();
    await testId("policy-preview-result").waitFor();
    await testId("policy-message").fill("50/50");
    await testId("policy-apply").click();
    const before = await waitFor("the second revision", async () => {
      const current = await getJson(`${api}${POLICY_API.policy("reviews")}`, ZCurrentPolicyResponse);
      return current.current !== null && current.current.revision > firstRevision ? current : undefined;
    }, 10_000);
    await testId(`policy-history-row-${before.current!.revision}`).waitFor();

    await testId(`policy-diff-${firstRevision}`).click();
    await testId("policy-history-diff").waitFor();
    assert.ok(Number(await testId("policy-history-diff-spec").getAttribute("data-count")) > 0);
    await testId(`policy-rollback-${firstRevision}`).click();
    await testId(`policy-rollback-confirm-${firstRevision}`).click();

    const after = await waitFor("a rollback revision", async () => {
      const current = await getJson(`${api}${POLICY_API.policy("reviews")}`, ZCurrentPolicyResponse);
      return current.current !== null && current.current.revision > before.current!.revision ? current : undefined;
    }, 10_000);
    const weights = after.spec.routes?.at(-1)?.backends?.map((b) => [b.version, b.weight]);
    assert.deepEqual(weights, [["v1", 90], ["v2", 10]]);
    const old = await getJson(`${api}${POLICY_API.revision("reviews", firstRevision)}`, ZPolicyRevision);
    assert.deepEqual(after.spec, old.spec, `the spec in force is revision ${firstRevision}'s again`);
    const { revisions } = await getJson(`${api}${POLICY_API.revisions("reviews")}`, ZPolicyRevisionsResponse);
    assert.equal(revisions.length, 3);
    // The author of each change is the logged-in operator, not something the browser claimed.
    assert.deepEqual(revisions.map((r) => r.author), ["admin", "admin", "admin"]);
    await testId(`policy-history-row-${after.current!.revision}`).waitFor();
    await page.locator('[data-test="policy-weight-v1"]').and(page.locator('[value="90"]')).waitFor();
    await shot("rolled-back");
    if (SHOTS) {
      await testId("theme-toggle").click();
      await shot("dark");
    }
  });
});
