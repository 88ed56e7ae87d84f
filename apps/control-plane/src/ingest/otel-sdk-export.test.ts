// A real OpenTelemetry SDK (MeterProvider + OTLP/HTTP exporter, as the sidecar uses them) exporting
// to the receiver, with cumulative and delta temporality, gzip, our latency bounds and the SDK's own.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ZGraphResponse, ZServicesResponse } from "@trellis/mesh-model";
import { AggregationTemporalityPreference, OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import type { MeterProvider } from "@opentelemetry/sdk-metrics";
import { sdkApp, sdkAttributes } from "../../fixtures/otlp-exports";
import { startTestControlPlane, type TestControlPlane } from "../../fixtures/test-control-plane";

interface Sdk {
  provider: MeterProvider;
  request(destination: string, ms: number, outcome?: string, responseClass?: string): void;
}

function sdk(t: TestControlPlane, service: string, temporality: AggregationTemporalityPreference, opts: { gzip?: boolean; ourBounds?: boolean } = {}): Sdk {
  const exporter = new OTLPMetricExporter({
    url: `${t.otlp}/v1/metrics`,
    temporalityPreference: temporality,
    compression: opts.gzip ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE,
  });
  const app = sdkApp({ service, exporter, ourBounds: opts.ourBounds });
  const foreign = app.provider.getMeter("trellis-test").createCounter("http.client.requests");
  return {
    provider: app.provider,
    request(destination, ms, outcome = "ok", responseClass = "2xx") {
      app.request(sdkAttributes({ destination, outcome, responseClass, mtls: false, direction: "outbound" }), ms);
      foreign.add(1);
    },
  };
}

async function edgeOutcomes(t: TestControlPlane, source: string, target: string) {
  const graph = ZGraphResponse.parse(await (await t.fetch("/api/v1/graph?window=5m")).json());
  return graph.edges.find((e) => e.source === source && e.target === target);
}

describe("OpenTelemetry SDK export", { timeout: 60_000 }, () => {
  let t: TestControlPlane;
  before(async () => {
    t = await startTestControlPlane();
  });
  after(async () => t.close());

  it("ingests cumulative exports as deltas: nothing is counted twice", async () => {
    const s = sdk(t, "cumulative-app", AggregationTemporalityPreference.CUMULATIVE);
    for (let i = 0; i < 5; i++) s.request("orders", 20);
    await s.provider.forceFlush();
    for (let i = 0; i < 3; i++) s.request("orders", 300, "timed_out", "none");
    await s.provider.forceFlush();
    await s.provider.forceFlush(); // no new requests: a repeat of the same totals
    await s.provider.shutdown();
    const e = await edgeOutcomes(t, "cumulative-app", "orders");
    assert.equal(e?.outcomes.ok, 5);
    assert.equal(e?.outcomes.timed_out, 3);
    assert.equal(e?.errorRate, 0.375);
    assert.ok(e?.latencyMs && e.latencyMs.p99 > 250, JSON.stringify(e?.latencyMs));
    assert.ok(t.cp.ingest.stats.foreignPoints > 0, "other metrics are accepted and counted");
  });

  it("ingests delta exports, gzipped", async () => {
    const s = sdk(t, "delta-app", AggregationTemporalityPreference.DELTA, { gzip: true });
    for (let i = 0; i < 4; i++) s.request("payments", 8);
    await s.provider.forceFlush();
    for (let i = 0; i < 6; i++) s.request("payments", 8, "ok", "5xx");
    await s.provider.forceFlush();
    await s.provider.shutdown();
    const e = await edgeOutcomes(t, "delta-app", "payments");
    assert.equal(e?.outcomes.ok, 10);
    assert.equal(e?.errorRate, 0.6);
    assert.equal(e?.health, "failing");
    assert.ok(e?.latencyMs && e.latencyMs.p50 > 5 && e.latencyMs.p50 <= 10, JSON.stringify(e?.latencyMs));
  });

  it("re-buckets histograms recorded with the SDK's default bounds", async () => {
    const s = sdk(t, "default-bounds", AggregationTemporalityPreference.DELTA, { ourBounds: false });
    for (let i = 0; i < 10; i++) s.request("search", 60);
    await s.provider.forceFlush();
    await s.provider.shutdown();
    const e = await edgeOutcomes(t, "default-bounds", "search");
    assert.equal(e?.outcomes.ok, 10);
    // SDK bucket (50, 75] spreads over our (50, 100]: the median lands inside it.
    assert.ok(e?.latencyMs && e.latencyMs.p50 > 50 && e.latencyMs.p50 <= 100, JSON.stringify(e?.latencyMs));
  });

  it("registers services seen only in telemetry", async () => {
    const services = ZServicesResponse.parse(await (await t.fetch("/api/v1/services?window=5m")).json()).services;
    const orders = services.find((s) => s.name === "orders");
    assert.ok(orders, JSON.stringify(services.map((s) => s.name)));
    assert.deepEqual(orders.versions, ["v1"]);
    assert.deepEqual(orders.instances, { total: 0, up: 0 });
    assert.ok(orders.requestRate > 0);
    assert.ok(services.some((s) => s.name === "cumulative-app"));
  });
});
