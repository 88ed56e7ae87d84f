// The official OpenTelemetry JS SDK with its exporters' default settings (only the URL points at us):
// OTLP/HTTP protobuf, OTLP/HTTP JSON and OTLP/gRPC, cumulative (the default) and delta temporality,
// counters, histograms and a gauge, all the way to the graph API; and SDK traces to /v1/traces.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { OTLPMetricExporter as GrpcMetricExporter } from "@opentelemetry/exporter-metrics-otlp-grpc";
import { AggregationTemporalityPreference, OTLPMetricExporter as JsonMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as ProtoMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from "@opentelemetry/sdk-metrics";
import { SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import {
  ATTR_DESTINATION_SERVICE,
  ATTR_DESTINATION_VERSION,
  ATTR_MTLS,
  ATTR_OUTCOME,
  ATTR_RESPONSE_CLASS,
  METRIC_REQUEST_DURATION,
  METRIC_REQUESTS,
  RESOURCE_SERVICE_NAME,
  ZGraphResponse,
} from "@trellis/mesh-model";
import { startTestControlPlane, type TestControlPlane } from "../../fixtures/test-control-plane";

/** The operator API may ask for credentials: the fixture's, when it has them. */
function credentialsOf(t: TestControlPlane): Record<string, string> {
  if (!("auth" in t) || typeof t.auth !== "object" || t.auth === null) return {};
  return Object.fromEntries(Object.entries(t.auth).filter((e): e is [string, string] => typeof e[1] === "string"));
}

async function graphEdge(t: TestControlPlane, source: string, target: string) {
  const res = await fetch(`${t.api}/api/v1/graph?window=5m`, { headers: credentialsOf(t) });
  assert.equal(res.status, 200);
  return ZGraphResponse.parse(await res.json()).edges.find((e) => e.source === source && e.target === target);
}

type Transport = "http/protobuf" | "http/json" | "grpc";

function exporterFor(t: TestControlPlane, transport: Transport, temporality?: AggregationTemporalityPreference): PushMetricExporter {
  // Nothing but the URL (and, for the delta runs, the temporality) differs from the defaults.
  const pref = temporality === undefined ? {} : { temporalityPreference: temporality };
  if (transport === "http/protobuf") return new ProtoMetricExporter({ url: `${t.otlp}/v1/metrics`, ...pref });
  if (transport === "http/json") return new JsonMetricExporter({ url: `${t.otlp}/v1/metrics`, ...pref });
  return new GrpcMetricExporter({ url: `http://${t.otlpGrpc}`, ...pref });
}

describe("OpenTelemetry SDK exporters with default settings", { timeout: 90_000 }, () => {
  let t: TestControlPlane;
  before(async () => {
    t = await startTestControlPlane();
  });
  after(async () => t.close());

  const cases: { transport: Transport; temporality?: AggregationTemporalityPreference }[] = [
    { transport: "http/protobuf" },
    { transport: "http/protobuf", temporality: AggregationTemporalityPreference.DELTA },
    { transport: "http/json" },
    { transport: "grpc" },
    { transport: "grpc", temporality: AggregationTemporalityPreference.DELTA },
  ];
  for (const { transport, temporality } of cases) {
    const label = `${transport}, ${temporality === undefined ? "default (cumulative)" : "delta"} temporality`;
    it(`${label}: counters, histograms (SDK default buckets) and a gauge reach the graph`, async () => {
      const source = `sdk-${transport.replace("/", "-")}-${temporality === undefined ? "cumulative" : "delta"}`;
      const provider = new MeterProvider({
        resource: resourceFromAttributes({ [RESOURCE_SERVICE_NAME]: source }),
        readers: [new PeriodicExportingMetricReader({ exporter: exporterFor(t, transport, temporality), exportIntervalMillis: 3_600_000 })],
      });
      try {
        const meter = provider.getMeter("app");
        const requests = meter.createCounter(METRIC_REQUESTS);
        const duration = meter.createHistogram(METRIC_REQUEST_DURATION, { unit: "ms" });
        const inFlight = meter.createGauge("app.in_flight");
        const edge = (outcome: string, responseClass: string) => ({
          [ATTR_DESTINATION_SERVICE]: "sdk-orders",
          [ATTR_DESTINATION_VERSION]: "v3",
          [ATTR_RESPONSE_CLASS]: responseClass,
          [ATTR_OUTCOME]: outcome,
          [ATTR_MTLS]: true,
        });
        for (let i = 0; i < 6; i++) {
          requests.add(1, edge("ok", "2xx"));
          duration.record(30, edge("ok", "2xx"));
        }
        inFlight.record(3);
        await provider.forceFlush();
        // A second export: cumulative totals grow (9 ok, 2 failures), delta sends only the new ones.
        for (let i = 0; i < 3; i++) duration.record(30, edge("ok", "2xx"));
        requests.add(3, edge("ok", "2xx"));
        requests.add(2, edge("timed_out", "none")); // a counter without a histogram counts on its own
        inFlight.record(1);
        await provider.forceFlush();
        await provider.forceFlush(); // nothing new: must add nothing

        const e = await graphEdge(t, source, "sdk-orders");
        assert.ok(e, `edge ${source} -> sdk-orders in the graph`);
        assert.equal(e.outcomes.ok, 9, JSON.stringify(e.outcomes));
        assert.equal(e.outcomes.timed_out, 2, JSON.stringify(e.outcomes));
        assert.equal(e.errorRate, Number((2 / 11).toFixed(6)));
        assert.equal(e.mtlsShare, 1);
        // SDK default bucket (25, 50] spreads over our (25, 50]: p50 lands inside it.
        assert.ok(e.latencyMs && e.latencyMs.p50 > 25 && e.latencyMs.p50 <= 50, JSON.stringify(e.latencyMs));
        assert.ok(e.requestRate > 0);
      } finally {
        await provider.shutdown();
      }
    });
  }

  it("the gauge and other metrics that are not ours are accepted and counted, not refused", () => {
    const s = t.cp.ingest.stats;
    assert.ok(s.foreignPoints >= cases.length, JSON.stringify(s));
    assert.equal(s.rejectedPoints, 0, JSON.stringify(s));
  });

  it("SDK traces over OTLP/HTTP protobuf are accepted on /v1/traces", async () => {
    const before = t.cp.ingest.stats.acceptedSpans;
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ [RESOURCE_SERVICE_NAME]: "sdk-traced" }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${t.otlp}/v1/traces` }) })],
    });
    try {
      const tracer = provider.getTracer("app");
      for (let i = 0; i < 4; i++) tracer.startActiveSpan(`GET /items/${i}`, (span) => span.end());
      await provider.forceFlush();
      assert.equal(t.cp.ingest.stats.acceptedSpans - before, 4);
      assert.equal(t.cp.ingest.stats.rejectedSpans, 0);
    } finally {
      await provider.shutdown();
    }
  });
});
