// Retries, timeouts and faults through real sidecars over real sockets: app → outbound sidecar (web)
// → inbound sidecars (catalog) → apps, one of which fails. Bundles are applied directly.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Bundle } from "@trellis/mesh-model";
import { makeBundle } from "./testing/bundles";
import { send, startServer, startTestSidecar, type TestServer, type TestSidecar } from "./testing/servers";

describe("sidecar resilience", () => {
  let failing: TestServer, healthy: TestServer;
  let web: TestSidecar, bad: TestSidecar, good: TestSidecar;
  let hangingAborted = 0;

  const apply = (sc: TestSidecar, bundle: Bundle) => {
    const r = sc.store.apply(bundle, { source: "control-plane", allowRegression: true });
    assert.ok(r.status === "applied", JSON.stringify(r));
  };

  before(async () => {
    failing = await startServer((req, res) => {
      if (req.url === "/hang") {
        res.on("close", () => hangingAborted++);
        return;
      }
      res.writeHead(503, { "x-app": "failing" });
      res.end("unavailable");
    });
    healthy = await startServer((_req, res) => {
      res.writeHead(200, { "x-app": "healthy" });
      res.end("ok");
    });
    [web, bad, good] = await Promise.all([
      startTestSidecar({ service: "web", appPort: 1 }),
      startTestSidecar({ service: "catalog", appPort: failing.port }),
      startTestSidecar({ service: "catalog", appPort: healthy.port }),
    ]);
    apply(
      web,
      makeBundle(1, [
        {
          service: "catalog",
          endpoints: [
            { instanceId: "catalog-bad", port: bad.ports.inbound },
            { instanceId: "catalog-good", port: good.ports.inbound },
          ],
          spec: {
            loadBalancer: { type: "peak-ewma" },
            retry: { attempts: 2, backoff: { base: "1ms", max: "5ms" } },
            routes: [
              { name: "teapot", match: { path: { exact: "/teapot" } }, fault: { abort: { percent: 100, status: 418 } } },
              { name: "default" },
            ],
          },
        },
        // The failing instance alone, so that its hanging path is reached every time.
        { service: "slow", endpoints: [{ instanceId: "catalog-bad", port: bad.ports.inbound }], spec: { timeout: { request: "200ms" }, retry: { attempts: 3 } } },
      ]),
    );
  });

  after(async () => {
    await Promise.all([web, bad, good].map((s) => s?.close()));
    await Promise.all([failing, healthy].map((s) => s?.close()));
  });

  it("retries the failing instance's 503 onto the healthy one, through both sidecars", async () => {
    for (let i = 0; i < 20; i++) {
      const r = await send(web.ports.outbound, { path: "/items", headers: { host: "catalog" } });
      assert.equal(r.status, 200, r.body);
      assert.equal(r.headers["x-app"], "healthy");
    }
    const stats = (await send(web.ports.admin, { path: "/stats" })).body;
    const { requests } = JSON.parse(stats) as { requests: { outbound: { ok: number; retried: number; ejected_avoided: number; total: number } } };
    assert.equal(requests.outbound.total, 20);
    // Once the failing instance is ejected (5 consecutive 5xx), picks that leave it out count as ejected_avoided.
    assert.equal(requests.outbound.ok + requests.outbound.retried + requests.outbound.ejected_avoided, 20);
  });

  it("answers 504 timed_out at the route's deadline, and the app sees its request cancelled", async () => {
    const started = Date.now();
    const r = await send(web.ports.outbound, { path: "/hang", headers: { host: "slow" } });
    assert.equal(r.status, 504);
    assert.equal(r.headers["x-trellis-error"], "timed_out");
    assert.ok(Date.now() - started < 1_500);
    const until = Date.now() + 2_000;
    while (hangingAborted === 0 && Date.now() < until) await new Promise((res) => setTimeout(res, 10));
    assert.ok(hangingAborted >= 1);
  });

  it("aborts a faulted route with its status and reason header", async () => {
    const r = await send(web.ports.outbound, { path: "/teapot", headers: { host: "catalog" } });
    assert.equal(r.status, 418);
    assert.equal(r.headers["x-trellis-error"], "fault_injected");
  });
});
