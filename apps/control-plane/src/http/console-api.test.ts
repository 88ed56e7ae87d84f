// The console's read API from rollups: rates, error rates, percentiles, health, windows, retention.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SIDECAR_API, ZGraphResponse, ZServicesResponse } from "@trellis/mesh-model";
import { bucketsWith, metricsExport, type EdgePoint } from "../../fixtures/otlp-exports";
import { postJson, startTestControlPlane, type TestControlPlane } from "../../fixtures/test-control-plane";

describe("console read API", { timeout: 30_000 }, () => {
  let t: TestControlPlane;
  let clock = Date.parse("2026-03-01T12:00:00Z");
  const now = () => new Date(clock);

  const ingest = async (service: string, points: EdgePoint[]) => {
    const res = await postJson(`${t.otlp}/v1/metrics`, metricsExport({ service, points }));
    assert.equal(res.status, 200, await res.text());
  };
  const graph = async (window = "5m") => ZGraphResponse.parse(await (await t.fetch(`/api/v1/graph?window=${window}`)).json());
  const services = async (window = "5m") => ZServicesResponse.parse(await (await t.fetch(`/api/v1/services?window=${window}`)).json());

  before(async () => {
    t = await startTestControlPlane({ now, args: ["--retention-10s", "1h", "--retention-1m", "1d"] });
    await postJson(t.api + SIDECAR_API.register, { instanceId: "shop-1", service: "shop", version: "v2", host: "127.0.0.1", inboundPort: 9001 });
    const at = clock - 30_000;
    await ingest("gateway", [
      { source: "external", destination: "shop", version: "v2", direction: "inbound", buckets: bucketsWith(600, 5), timeMs: at },
      { destination: "shop", version: "v2", responseClass: "5xx", buckets: bucketsWith(0), timeMs: at },
    ]);
    await ingest("shop", [
      { destination: "stock", version: "v1", buckets: bucketsWith(95, 3), timeMs: at },
      { destination: "stock", version: "v2", responseClass: "4xx", buckets: bucketsWith(3, 3), timeMs: at, mtls: false },
      { destination: "stock", version: "v2", outcome: "breaker_open", responseClass: "none", buckets: bucketsWith(2, 0), timeMs: at },
    ]);
  });
  after(async () => t.close());

  it("builds the graph: nodes with versions and incoming traffic, edges with rates, percentiles and health", async () => {
    const g = await graph();
    assert.equal(g.window, "5m");
    assert.equal(g.generatedAt, now().toISOString());
    assert.deepEqual(g.nodes.map((n) => n.id), ["external", "shop", "stock"]);
    const shop = g.nodes.find((n) => n.id === "shop")!;
    assert.deepEqual(shop.versions, ["v2"]);
    assert.equal(shop.health, "healthy");
    assert.equal(g.nodes.find((n) => n.id === "external")!.health, "unknown", "nobody calls external");
    const stock = g.edges.find((e) => e.id === "shop->stock")!;
    assert.equal(stock.source, "shop");
    assert.equal(stock.target, "stock");
    // 100 requests: 2 breaker_open errors (4xx is not an error) -> degraded.
    assert.equal(stock.errorRate, 0.02);
    assert.equal(stock.health, "degraded");
    assert.equal(stock.outcomes.breaker_open, 2);
    assert.equal(stock.outcomes.ok, 98);
    assert.equal(stock.mtlsShare, 0.97);
    assert.ok(stock.latencyMs!.p50 > 5 && stock.latencyMs!.p50 <= 10);
    // The mesh is younger than the 5 min window: its first rollup bucket began 30 s ago, so rates
    // divide by those 30 s, not by the whole window.
    assert.equal(stock.requestRate, Number((100 / 30).toFixed(6)));
    const ingress = g.edges.find((e) => e.id === "external->shop")!;
    assert.equal(ingress.requestRate, 20);
    assert.equal(ingress.health, "healthy");
  });

  it("summarises services, with instances from the registry and traffic from rollups", async () => {
    const list = (await services()).services;
    const shop = list.find((s) => s.name === "shop")!;
    assert.deepEqual(shop.instances, { total: 1, up: 1 });
    assert.equal(shop.requestRate, 20);
    const stock = list.find((s) => s.name === "stock")!;
    assert.deepEqual(stock.versions, ["v1", "v2"]);
    assert.equal(stock.health, "degraded");
    assert.equal(list.find((s) => s.name === "external")!.latencyMs, null);
  });

  it("keeps idle edges in the graph, and drops expired rollups per resolution", async () => {
    clock += 2 * 3_600_000; // two hours later
    const idle = (await graph()).edges.find((e) => e.id === "shop->stock")!;
    assert.equal(idle.requestRate, 0);
    assert.equal(idle.health, "unknown");
    assert.equal(idle.latencyMs, null);
    const day = (await graph("24h")).edges.find((e) => e.id === "shop->stock")!;
    assert.equal(day.outcomes.ok, 98, "minute rollups answer long windows");

    const swept = await t.cp.ingest.sweepRetention();
    assert.ok(swept.deleted10s > 0, JSON.stringify(swept));
    assert.equal(swept.deleted1m, 0);
    assert.equal((await graph("24h")).edges.find((e) => e.id === "shop->stock")!.outcomes.ok, 98);
    clock += 24 * 3_600_000;
    assert.ok((await t.cp.ingest.sweepRetention()).deleted1m > 0);
  });

  it("refuses bad windows", async () => {
    for (const w of ["1s", "8d", "soon", ""]) {
      const res = await t.fetch(`/api/v1/graph?window=${w}`);
      assert.equal(res.status, 400, w);
      assert.equal(((await res.json()) as { error: { path: string } }).error.path, "window");
    }
  });

  it("answers /healthz", async () => {
    const res = await fetch(`${t.api}/healthz`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { status: string; database: string };
    assert.equal(body.status, "ok");
    assert.equal(body.database, "sqlite");
  });
});
