// The OTLP/gRPC receiver against a real control plane: the official OpenTelemetry gRPC exporter's
// metrics reach the graph; undecodable, oversize and partly invalid exports get OTLP's answers and the
// process stays up; past --max-otlp-in-flight exports are shed with RESOURCE_EXHAUSTED + RetryInfo.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Client, compressionAlgorithms, credentials, status, type ServiceError } from "@grpc/grpc-js";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-grpc";
import { AggregationTemporalityPreference } from "@opentelemetry/exporter-metrics-otlp-http";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import {
  ATTR_DESTINATION_SERVICE,
  ATTR_DESTINATION_VERSION,
  ATTR_MTLS,
  ATTR_OUTCOME,
  ATTR_RESPONSE_CLASS,
  LATENCY_BOUNDS_MS,
  METRIC_REQUEST_DURATION,
  METRIC_REQUESTS,
  RESOURCE_SERVICE_INSTANCE_ID,
  RESOURCE_SERVICE_NAME,
  ZGraphResponse,
} from "@trellis/mesh-model";
import { bucketsWith, metricsExport, tracesExport } from "../../fixtures/otlp-exports";
import { startTestControlPlane, type TestControlPlane } from "../../fixtures/test-control-plane";
import { decodeMetricsResponse, decodeStatus, decodeTracesResponse, encodeMetricsRequest, encodeTracesRequest } from "../ingest/otlp-proto";

const METRICS_EXPORT = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
const TRACES_EXPORT = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

type Outcome = { ok: true; response: Buffer } | { ok: false; error: ServiceError };

/** One unary call with a raw (already encoded) request, as any OTLP/gRPC client would make it. */
function call(client: Client, path: string, body: Uint8Array): Promise<Outcome> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      { deadline: Date.now() + 10_000 },
      (error, response) => resolve(error ? { ok: false, error } : { ok: true, response: response ?? Buffer.alloc(0) }),
    );
  });
}

function expectError(outcome: Outcome, code: status): ServiceError {
  assert.ok(!outcome.ok, "expected an error");
  assert.equal(outcome.error.code, code, `${outcome.error.code}: ${outcome.error.details}`);
  return outcome.error;
}

async function edge(t: TestControlPlane, source: string, target: string) {
  const graph = ZGraphResponse.parse(await (await t.fetch("/api/v1/graph?window=5m")).json());
  return graph.edges.find((e) => e.source === source && e.target === target);
}

const point = (destination: string, count: number) => ({ destination, buckets: bucketsWith(count), timeMs: Date.now() });

describe("OTLP/gRPC receiver", { timeout: 60_000 }, () => {
  let t: TestControlPlane;
  let client: Client;
  before(async () => {
    t = await startTestControlPlane({ args: ["--max-otlp-body", "64KiB"] });
    client = new Client(t.otlpGrpc, credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await t.close();
  });

  for (const gzip of [false, true]) {
    it(`takes the official OpenTelemetry gRPC exporter's metrics into the graph${gzip ? " (gzip)" : ""}`, async () => {
      const service = gzip ? "grpc-gzip-web" : "grpc-web";
      const exporter = new OTLPMetricExporter({
        url: `http://${t.otlpGrpc}`,
        temporalityPreference: AggregationTemporalityPreference.DELTA,
        compression: gzip ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE,
      });
      const provider = new MeterProvider({
        resource: resourceFromAttributes({ [RESOURCE_SERVICE_NAME]: service, [RESOURCE_SERVICE_INSTANCE_ID]: `${service}-1` }),
        readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })],
      });
      try {
        const meter = provider.getMeter("trellis-test");
        const requests = meter.createCounter(METRIC_REQUESTS);
        const duration = meter.createHistogram(METRIC_REQUEST_DURATION, { unit: "ms", advice: { explicitBucketBoundaries: [...LATENCY_BOUNDS_MS] } });
        const attributes = {
          [ATTR_DESTINATION_SERVICE]: "grpc-api",
          [ATTR_DESTINATION_VERSION]: "v2",
          [ATTR_RESPONSE_CLASS]: "2xx",
          [ATTR_OUTCOME]: "ok",
          [ATTR_MTLS]: true,
        };
        for (let i = 0; i < 7; i++) {
          requests.add(1, attributes);
          duration.record(12, attributes);
        }
        await provider.forceFlush();
        const e = await edge(t, service, "grpc-api");
        assert.equal(e?.outcomes.ok, 7, JSON.stringify(e));
        assert.ok(e.latencyMs && e.latencyMs.p50 > 10 && e.latencyMs.p50 <= 25, JSON.stringify(e.latencyMs));
      } finally {
        await provider.shutdown();
      }
    });
  }

  it("answers INVALID_ARGUMENT to undecodable protobuf, and keeps serving", async () => {
    const before = t.cp.ingest.stats.metricExports;
    // A length-delimited field that claims more bytes than follow: never a valid message.
    expectError(await call(client, METRICS_EXPORT, Buffer.from([0x0a, 0xff, 0x01, 0x02])), status.INVALID_ARGUMENT);
    for (let i = 0; i < 20; i++) {
      const outcome = await call(client, i % 2 ? METRICS_EXPORT : TRACES_EXPORT, randomBytes(64 + i));
      // Random bytes occasionally form a valid (if empty) message; they must never crash or be INTERNAL.
      if (!outcome.ok) assert.equal(outcome.error.code, status.INVALID_ARGUMENT, outcome.error.details);
    }
    const truncated = encodeMetricsRequest(metricsExport({ service: "web", points: [point("api", 2)] }));
    expectError(await call(client, METRICS_EXPORT, truncated.subarray(0, truncated.length - 3)), status.INVALID_ARGUMENT);

    const ok = await call(client, METRICS_EXPORT, encodeMetricsRequest(metricsExport({ service: "after-garbage", points: [point("api", 4)] })));
    assert.ok(ok.ok);
    assert.deepEqual(decodeMetricsResponse(ok.response), {});
    assert.equal((await edge(t, "after-garbage", "api"))?.outcomes.ok, 4);
    assert.ok(t.cp.ingest.stats.metricExports > before);
  });

  it("answers partial success for invalid points, and takes traces", async () => {
    const body = metricsExport({ service: "web", points: [point("api", 1), { ...point("api", 1), outcome: "weird" }], counter: false });
    const outcome = await call(client, METRICS_EXPORT, encodeMetricsRequest(body));
    assert.ok(outcome.ok);
    const response = decodeMetricsResponse(outcome.response) as { partialSuccess: { rejectedDataPoints: number; errorMessage: string } };
    assert.equal(response.partialSuccess.rejectedDataPoints, 1);
    assert.match(response.partialSuccess.errorMessage, /trellis\.outcome/);

    const spansBefore = t.cp.ingest.stats.acceptedSpans;
    // The fixture's ids are OTLP/JSON hex; protobufjs reads strings for bytes fields as base64.
    const base64Ids = (k: string, v: unknown) => ((k === "traceId" || k === "spanId") && typeof v === "string" ? Buffer.from(v, "hex").toString("base64") : v);
    const traces = await call(client, TRACES_EXPORT, encodeTracesRequest(JSON.parse(JSON.stringify(tracesExport("web", 3, Date.now()), base64Ids))));
    assert.ok(traces.ok);
    assert.deepEqual(decodeTracesResponse(traces.response), {});
    assert.equal(t.cp.ingest.stats.acceptedSpans - spansBefore, 3);
  });

  it("refuses a message over --max-otlp-body (after decompression) with RESOURCE_EXHAUSTED", async () => {
    expectError(await call(client, METRICS_EXPORT, randomBytes(65 * 1024)), status.RESOURCE_EXHAUSTED);
    // The limit holds after decompression: 1 MiB of zeros is a few KiB gzipped.
    const gzipClient = new Client(t.otlpGrpc, credentials.createInsecure(), { "grpc.default_compression_algorithm": compressionAlgorithms.gzip });
    try {
      expectError(await call(gzipClient, METRICS_EXPORT, Buffer.alloc(1024 * 1024)), status.RESOURCE_EXHAUSTED);
    } finally {
      gzipClient.close();
    }
    const ok = await call(client, METRICS_EXPORT, encodeMetricsRequest(metricsExport({ service: "web", points: [point("api", 1)] })));
    assert.ok(ok.ok);
  });

  it("answers UNIMPLEMENTED for other methods", async () => {
    expectError(await call(client, "/opentelemetry.proto.collector.logs.v1.LogsService/Export", Buffer.alloc(0)), status.UNIMPLEMENTED);
  });
});

describe("OTLP/gRPC load shedding", { timeout: 30_000 }, () => {
  const LIMIT = 1;
  const EXPORTS = 6;
  let t: TestControlPlane;
  let client: Client;
  let held: Promise<void> | undefined;
  before(async () => {
    t = await startTestControlPlane({ args: ["--max-otlp-in-flight", String(LIMIT)], beforeRollupWrite: () => held ?? Promise.resolve() });
    client = new Client(t.otlpGrpc, credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await t.close();
  });

  it("sheds with RESOURCE_EXHAUSTED and a RetryInfo, and stores every export it admitted", async () => {
    let release = () => {};
    held = new Promise<void>((resolve) => (release = resolve));
    const pending = Array.from({ length: EXPORTS }, (_, i) =>
      call(client, METRICS_EXPORT, encodeMetricsRequest(metricsExport({ service: "shed-web", instanceId: `w${i}`, points: [point("api", 2)] }))),
    );
    while (t.cp.ingest.stats.shedExports < EXPORTS - LIMIT) await new Promise((r) => setTimeout(r, 10));
    release();
    const outcomes = await Promise.all(pending);
    const stored = outcomes.filter((o) => o.ok);
    assert.equal(stored.length, LIMIT);
    for (const o of outcomes.filter((o) => !o.ok)) {
      const error = expectError(o, status.RESOURCE_EXHAUSTED);
      const [details] = error.metadata.get("grpc-status-details-bin");
      assert.ok(Buffer.isBuffer(details), "a google.rpc.Status with RetryInfo is attached");
      const decoded = decodeStatus(details);
      assert.equal(decoded.code, status.RESOURCE_EXHAUSTED);
      assert.equal(decoded.retryDelaySeconds, 1);
    }
    assert.equal((await edge(t, "shed-web", "api"))?.outcomes.ok, 2 * LIMIT);
    const health = (await (await fetch(`${t.api}/healthz`)).json()) as { ingest: { shedExports: number } };
    assert.equal(health.ingest.shedExports, EXPORTS - LIMIT);
  });
});
