// Active health checks through real sidecars: an endpoint whose app's /healthz fails leaves the
// caller's rotation and returns once it passes again; the local app's check drives /ready.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { makeBundle } from "../testing/bundles";
import { send, startServer, startTestSidecar, type TestServer, type TestSidecar } from "../testing/servers";

const CHECK = { path: "/healthz", interval: "40ms", timeout: "200ms", healthyThreshold: 2, unhealthyThreshold: 2 };

/** An app that names itself and whose /healthz answers 200 or 503 as the test says. */
function app(name: string, state: { healthy: boolean }) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === "/healthz") {
      res.writeHead(state.healthy ? 200 : 503);
      return res.end();
    }
    res.writeHead(200, { "x-app": name });
    res.end(name);
  };
}

const ZStats = z.object({ breakers: z.record(z.string(), z.object({ endpoints: z.record(z.string(), z.object({ healthy: z.boolean() })) })) });

async function until(what: string, predicate: () => Promise<boolean>, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe("active health checks", () => {
  const a = { healthy: true };
  const b = { healthy: true };
  const local = { healthy: true };
  let appA: TestServer, appB: TestServer, webApp: TestServer;
  let catA: TestSidecar, catB: TestSidecar, web: TestSidecar;

  before(async () => {
    [appA, appB, webApp] = await Promise.all([startServer(app("a", a)), startServer(app("b", b)), startServer(app("web", local))]);
    [catA, catB] = await Promise.all([startTestSidecar({ service: "catalog", appPort: appA.port }), startTestSidecar({ service: "catalog", appPort: appB.port })]);
    web = await startTestSidecar({ service: "web", appPort: webApp.port });
    const bundle = makeBundle(1, [
      {
        service: "catalog",
        endpoints: [
          { instanceId: "cat-a", port: catA.ports.inbound },
          { instanceId: "cat-b", port: catB.ports.inbound },
        ],
        spec: { healthCheck: CHECK, retry: { attempts: 1 } },
      },
    ]);
    web.store.apply({ ...bundle, localHealthCheck: { path: "/healthz", intervalMs: 40, timeoutMs: 200, healthyThreshold: 2, unhealthyThreshold: 2 } }, { source: "control-plane", allowRegression: true });
  });

  after(async () => {
    await Promise.all([web?.close(), catA?.close(), catB?.close()]);
    await Promise.all([appA?.close(), appB?.close(), webApp?.close()]);
  });

  const healthOf = async (id: string) => ZStats.parse(JSON.parse((await send(web.ports.admin, { path: "/stats" })).body)).breakers.catalog?.endpoints[id]?.healthy;
  const apps = async (n: number) => {
    const seen: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = await send(web.ports.outbound, { path: "http://catalog/items" });
      assert.equal(r.status, 200);
      seen.push(r.body);
    }
    return seen;
  };

  it("takes an endpoint whose app fails /healthz out of the rotation and brings it back when it passes", async () => {
    assert.deepEqual(new Set(await apps(4)), new Set(["a", "b"]));
    a.healthy = false;
    await until("cat-a unhealthy", async () => (await healthOf("cat-a")) === false);
    assert.deepEqual(await apps(6), Array(6).fill("b"));
    a.healthy = true;
    await until("cat-a healthy again", async () => (await healthOf("cat-a")) === true);
    assert.deepEqual(new Set(await apps(4)), new Set(["a", "b"]));
  });

  it("reports the local app's health in /ready", async () => {
    await until("ready", async () => (await send(web.ports.admin, { path: "/ready" })).status === 200);
    local.healthy = false;
    await until("not ready", async () => (await send(web.ports.admin, { path: "/ready" })).status === 503);
    assert.match((await send(web.ports.admin, { path: "/ready" })).body, /health check/);
    local.healthy = true;
    await until("ready again", async () => (await send(web.ports.admin, { path: "/ready" })).status === 200);
  });

  it("stops checking an endpoint that left with a new bundle", async () => {
    const keys = async () => Object.keys(z.object({ healthChecks: z.record(z.string(), z.unknown()) }).parse(JSON.parse((await send(web.ports.admin, { path: "/stats" })).body)).healthChecks).sort();
    assert.deepEqual(await keys(), ["catalog/cat-a", "catalog/cat-b", "local-app"]);
    const bundle = makeBundle(2, [{ service: "catalog", endpoints: [{ instanceId: "cat-b", port: catB.ports.inbound }], spec: { healthCheck: CHECK } }]);
    assert.equal(web.store.apply(bundle, { source: "control-plane", allowRegression: true }).status, "applied");
    assert.deepEqual(await keys(), ["catalog/cat-b", "local-app"]);
  });
});
