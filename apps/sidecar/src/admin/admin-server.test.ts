import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { makeBundle } from "../testing/bundles";
import { send, startTestSidecar, type TestSidecar } from "../testing/servers";

describe("admin server", () => {
  let sc: TestSidecar;
  before(async () => {
    sc = await startTestSidecar({ service: "web", appPort: 1 });
  });
  after(async () => {
    await sc?.close();
  });

  it("is live at once, and ready only once a bundle is loaded", async () => {
    assert.equal((await send(sc.ports.admin, { path: "/healthz" })).status, 200);
    const notReady = await send(sc.ports.admin, { path: "/ready" });
    assert.equal(notReady.status, 503);
    assert.match(notReady.body, /no configuration/);
    assert.equal((await send(sc.ports.admin, { path: "/config" })).status, 503);

    const bundle = makeBundle(4, [{ service: "catalog", endpoints: [{ port: 1234 }] }]);
    sc.store.apply(bundle, { source: "control-plane", allowRegression: true });
    const ready = await send(sc.ports.admin, { path: "/ready" });
    assert.equal(ready.status, 200);
    assert.deepEqual(JSON.parse(ready.body), { ready: true, revision: 4, source: "control-plane" });

    const config = await send(sc.ports.admin, { path: "/config" });
    assert.equal(config.status, 200);
    assert.equal(config.headers["x-trellis-revision"], "4");
    assert.deepEqual(JSON.parse(config.body), bundle);
  });

  it("reports stats: config, control plane state and request counts", async () => {
    await send(sc.ports.outbound, { path: "http://nosuch/" });
    const stats = JSON.parse((await send(sc.ports.admin, { path: "/stats" })).body);
    assert.equal(stats.service, "web");
    assert.equal(stats.instanceId, sc.instanceId);
    assert.equal(stats.config.revision, 4);
    assert.equal(stats.controlPlane.registered, false, "the control plane in tests is unreachable");
    assert.equal(stats.requests.outbound.no_route, 1);
    assert.deepEqual(stats.inFlight, { outbound: 0, inbound: 0 });
  });

  it("is read-only, answers unknown paths with 404, and listens on loopback only", async () => {
    assert.equal((await send(sc.ports.admin, { method: "POST", path: "/ready" })).status, 405);
    assert.equal((await send(sc.ports.admin, { path: "/nope" })).status, 404);
  });
});
