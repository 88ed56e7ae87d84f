import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { balanceLayer } from "./balance";
import { routeLayer } from "./route";
import { NoEndpointsError } from "../errors";
import { compose } from "../stack";
import { buildSnapshot } from "../snapshot/snapshot";
import { makeBundle } from "../testing/bundles";
import { proxyRequest } from "../testing/requests";
import { ManualClock } from "../time/manual-clock";
import { FAILURE_RTT_MS } from "./balance";
import { UpstreamConnectError } from "../errors";

// Route then balance, answering with the chosen endpoint's id.
const pickWith = (bundle: ReturnType<typeof makeBundle>) => {
  const snapshot = buildSnapshot(bundle, "control-plane", { balancerStart: 0 });
  const handler = compose([routeLayer(), balanceLayer()], async (req) => ({ status: 200, headers: { id: req.ctx.endpoint!.instanceId }, body: null }));
  return async (host = "catalog") => String((await handler(proxyRequest({ host, snapshot }))).headers.id);
};

describe("balanceLayer", () => {
  it("round robins over all endpoints, by weight", async () => {
    const pick = pickWith(makeBundle(1, [{ service: "catalog", endpoints: [{ instanceId: "a", port: 1, weight: 2 }, { instanceId: "b", port: 2 }] }]));
    const ids = [];
    for (let i = 0; i < 6; i++) ids.push(await pick());
    assert.deepEqual(ids, ["a", "b", "a", "a", "b", "a"]);
  });

  it("splits by the route's version weights", async () => {
    const pick = pickWith(
      makeBundle(1, [
        {
          service: "catalog",
          endpoints: [{ instanceId: "one", version: "v1", port: 1 }, { instanceId: "two", version: "v2", port: 2 }],
          spec: { routes: [{ backends: [{ version: "v1", weight: 9 }, { version: "v2", weight: 1 }] }] },
        },
      ]),
    );
    const counts: Record<string, number> = {};
    for (let i = 0; i < 100; i++) {
      const id = await pick();
      counts[id] = (counts[id] ?? 0) + 1;
    }
    assert.deepEqual(counts, { one: 90, two: 10 });
  });

  it("fails explicitly when there is no endpoint to pick, naming the missing version", async () => {
    await assert.rejects(pickWith(makeBundle(1, [{ service: "catalog" }]))(), NoEndpointsError);
    const canaryWithoutPods = pickWith(
      makeBundle(1, [{ service: "catalog", endpoints: [{ version: "v1", port: 1 }], spec: { routes: [{ backends: [{ version: "v2", weight: 1 }] }] } }]),
    );
    await assert.rejects(canaryWithoutPods(), /no endpoints of version "v2"/);
  });

  it("counts the try in flight on its endpoint and records its round trip, penalising failures", async () => {
    const clock = new ManualClock();
    const snapshot = buildSnapshot(makeBundle(1, [{ service: "catalog", endpoints: [{ instanceId: "a", port: 1 }] }]), "control-plane");
    const target = snapshot.destinations.get("catalog")!.balancer.pick()!;
    let fail = false;
    const handler = compose([routeLayer(), balanceLayer(clock)], async (req) => {
      assert.equal(req.ctx.endpoint!.load.pending, 1);
      await clock.advance(40);
      if (fail) throw new UpstreamConnectError("refused");
      return { status: 200, headers: {}, body: null };
    });
    await handler(proxyRequest({ snapshot }));
    assert.equal(target.load.pending, 0);
    assert.equal(target.load.rttEstimateMs, 40);
    fail = true;
    await assert.rejects(handler(proxyRequest({ snapshot })), UpstreamConnectError);
    assert.equal(target.load.pending, 0);
    assert.equal(target.load.rttEstimateMs, FAILURE_RTT_MS);
  });

  it("prefers another endpoint than the previous try's", async () => {
    const snapshot = buildSnapshot(
      makeBundle(1, [{ service: "catalog", endpoints: [{ instanceId: "a", port: 1 }, { instanceId: "b", port: 2 }], spec: { loadBalancer: { type: "peak-ewma" } } }]),
      "control-plane",
    );
    const handler = compose([routeLayer(), balanceLayer()], async (req) => ({ status: 200, headers: { id: req.ctx.endpoint!.instanceId }, body: null }));
    for (let i = 0; i < 20; i++) {
      const first = proxyRequest({ snapshot });
      const id = String((await handler(first)).headers.id);
      // The same request again (as a retry does): the other endpoint.
      assert.notEqual(String((await handler(first)).headers.id), id);
    }
  });
});
