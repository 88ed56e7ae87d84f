// Every route of the console's production build (read from Next's route manifests) needs a session
// unless it is on the allow-list: pages answer a redirect to /login, the API proxy a 401 from the
// control plane; also with the x-middleware-subrequest header (CVE-2025-29927: it once made Next skip
// middleware) and with a forged cookie. With a real session the same routes answer, so the check can
// fail. The control plane's own routes are enumerated in apps/control-plane/src/auth/auth-api.test.ts.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { z } from "zod";
import { operatorCredentials } from "../support/auth";
import { ROOT, startProcess, stopAll, type Started } from "../support/processes";

const NEXT_DIR = path.join(ROOT, "apps/console/.next");
/** Served to anyone: the login page, liveness, the control plane's health (public there too), the icon. */
const ALLOW_LIST = new Set(["/login", "/livez", "/healthz", "/icon.svg", "/favicon.ico"]);
const BYPASS_HEADERS: Array<Record<string, string>> = [
  {},
  { "x-middleware-subrequest": "middleware:middleware:middleware:middleware:middleware" },
  { "x-middleware-subrequest": "proxy:proxy:proxy:proxy:proxy" },
  { "x-middleware-subrequest": "src/middleware:src/middleware:src/middleware:src/middleware:src/middleware" },
  { cookie: "trellis_session=forged" },
];

/** Every route of the build: app router paths, plus the static and dynamic routes Next serves. */
function buildRoutes(): string[] {
  const appPaths = z.record(z.string(), z.string()).parse(JSON.parse(readFileSync(path.join(NEXT_DIR, "app-path-routes-manifest.json"), "utf8")));
  const manifest = z
    .object({ staticRoutes: z.array(z.object({ page: z.string() })), dynamicRoutes: z.array(z.object({ page: z.string() })) })
    .parse(JSON.parse(readFileSync(path.join(NEXT_DIR, "routes-manifest.json"), "utf8")));
  return [...new Set([...Object.values(appPaths), ...manifest.staticRoutes.map((r) => r.page), ...manifest.dynamicRoutes.map((r) => r.page)])].sort();
}

const concrete = (route: string): string =>
  route.replace(/\[\[\.\.\.\w+\]\]/g, "").replace(/\[\.\.\.\w+\]/g, "v1/graph").replace(/\[\w+\]/g, "reviews");

describe("every console route needs a session", { timeout: 90_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "trellis-routes-"));
  const started: Started[] = [];
  const operator = operatorCredentials();
  let consoleUrl = "";
  let session = "";

  before(async () => {
    assert.ok(existsSync(path.join(NEXT_DIR, "BUILD_ID")), "the console is built (npm run build -w @trellis/console)");
    const cp = await startProcess({
      name: "control-plane",
      entry: "apps/control-plane/src/main.ts",
      args: ["--api-port", "0", "--otlp-http-port", "0", "--database-url", `file:${path.join(dir, "cp.db")}`],
      env: operator.env,
    });
    started.push(cp);
    const web = await startProcess({ name: "console", entry: "apps/console/scripts/start.mjs", args: ["--port", "0", "--api-url", `http://127.0.0.1:${cp.listening.apiPort}`], timeoutMs: 30_000 });
    started.push(web);
    consoleUrl = `http://127.0.0.1:${web.listening.port}`;
    const login = await fetch(`${consoleUrl}/api/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: consoleUrl },
      body: JSON.stringify({ username: "admin", password: operator.adminPassword }),
    });
    assert.equal(login.status, 200, await login.clone().text());
    session = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
  });

  after(async () => {
    await stopAll(started);
    rmSync(dir, { recursive: true, force: true });
  });

  it("enumerates the build's routes and refuses each without a session, with any bypass header", async () => {
    const routes = buildRoutes();
    for (const expected of ["/", "/services", "/sidecars", "/services/[name]/policy", "/api/[...path]", "/login"]) {
      assert.ok(routes.includes(expected), `${expected} in ${routes.join(", ")}`);
    }
    const checked: string[] = [];
    for (const route of routes) {
      const url = `${consoleUrl}${concrete(route)}`;
      if (ALLOW_LIST.has(route)) {
        const res = await fetch(url, { redirect: "manual" });
        await res.arrayBuffer();
        assert.ok(res.status === 200, `${route} (allow-listed) answered ${res.status}`);
        continue;
      }
      const isApi = route.startsWith("/api/");
      for (const headers of BYPASS_HEADERS) {
        for (const method of isApi ? ["GET", "POST", "PUT", "DELETE"] : ["GET"]) {
          const res = await fetch(url, { method, redirect: "manual", headers: { ...headers, origin: consoleUrl, ...(method === "GET" ? {} : { "content-type": "application/json" }) }, ...(method === "GET" ? {} : { body: "{}" }) });
          await res.arrayBuffer();
          if (isApi) {
            assert.equal(res.status, 401, `${method} ${route} with ${JSON.stringify(headers)} answered ${res.status}`);
          } else {
            assert.equal(res.status, 307, `${route} with ${JSON.stringify(headers)} answered ${res.status}`);
            assert.match(res.headers.get("location") ?? "", /\/login(\?|$)/, route);
          }
        }
      }
      checked.push(route);
    }
    assert.ok(checked.length >= 5, checked.join(", "));
  });

  it("answers the same routes with a real session (so the check above can fail)", async () => {
    for (const route of ["/", "/services", "/sidecars", "/services/[name]/policy", "/api/[...path]"]) {
      const res = await fetch(`${consoleUrl}${concrete(route)}`, { redirect: "manual", headers: { cookie: session } });
      await res.arrayBuffer();
      assert.equal(res.status, 200, `${route} with a session answered ${res.status}`);
    }
  });
});
