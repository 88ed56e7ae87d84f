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
import { ZGraphResponse } from "@trellis/mesh-model";
import { bucketsWith, grpcCall, GRPC_METRICS_EXPORT, GRPC_TRACES_EXPORT, metricsExport, sdkApp, sdkAttributes, tracesExportForProto, type GrpcOutcome } from "../../fixtures/otlp-exports";
import { startTestControlPlane, type TestControlPlane } from "../../fixtures/test-control-plane";
import { decodeMetricsResponse, decodeStatus, decodeTracesResponse, encodeMetricsRequest, encodeTracesRequest } from "../ingest/otlp-proto";

function expectError(outcome: GrpcOutcome, code: status): ServiceError {
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
      const { provider, request } = sdkApp({ service, exporter });
      try {
        for (let i = 0; i < 7; i++) request(sdkAttributes({ destination: "grpc-api", version: "v2" }), 12);
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
    expectError(await grpcCall(client, GRPC_METRICS_EXPORT, Buffer.from([0x0a, 0xff, 0x01, 0x02])), status.INVALID_ARGUMENT);
    for (let i = 0; i < 20; i++) {
      const outcome = await grpcCall(client, i % 2 ? GRPC_METRICS_EXPORT : GRPC_TRACES_EXPORT, randomBytes(64 + i));
      // Random bytes occasionally form a valid (if empty) message; they must never crash or be INTERNAL.
      if (!outcome.ok) assert.equal(outcome.error.code, status.INVALID_ARGUMENT, outcome.error.details);
    }
    const truncated = encodeMetricsRequest(metricsExport({ service: "web", points: [point("api", 2)] }));
    expectError(await grpcCall(client, GRPC_METRICS_EXPORT, truncated.subarray(0, truncated.length - 3)), status.INVALID_ARGUMENT);

    const ok = await grpcCall(client, GRPC_METRICS_EXPORT, encodeMetricsRequest(metricsExport({ service: "after-garbage", points: [point("api", 4)] })));
    assert.ok(ok.ok);
    assert.deepEqual(decodeMetricsResponse(ok.response), {});
    assert.equal((await edge(t, "after-garbage", "api"))?.outcomes.ok, 4);
    assert.ok(t.cp.ingest.stats.metricExports > before);
  });

  it("answers partial success for invalid points, and takes traces", async () => {
    const body = metricsExport({ service: "web", points: [point("api", 1), { ...point("api", 1), outcome: "weird" }], counter: false });
    const outcome = await grpcCall(client, GRPC_METRICS_EXPORT, encodeMetricsRequest(body));
    assert.ok(outcome.ok);
    const response = decodeMetricsResponse(outcome.response) as { partialSuccess: { rejectedDataPoints: number; errorMessage: string } };
    assert.equal(response.partialSuccess.rejectedDataPoints, 1);
    assert.match(response.partialSuccess.errorMessage, /trellis\.outcome/);

    const spansBefore = t.cp.ingest.stats.acceptedSpans;
    const traces = await grpcCall(client, GRPC_TRACES_EXPORT, encodeTracesRequest(tracesExportForProto("web", 3, Date.now())));
    assert.ok(traces.ok);
    assert.deepEqual(decodeTracesResponse(traces.response), {});
    assert.equal(t.cp.ingest.stats.acceptedSpans - spansBefore, 3);
  });

  it("refuses a message over --max-otlp-body (after decompression) with RESOURCE_EXHAUSTED", async () => {
    expectError(await grpcCall(client, GRPC_METRICS_EXPORT, randomBytes(65 * 1024)), status.RESOURCE_EXHAUSTED);
    // The limit holds after decompression: 1 MiB of zeros is a few KiB gzipped.
    const gzipClient = new Client(t.otlpGrpc, credentials.createInsecure(), { "grpc.default_compression_algorithm": compressionAlgorithms.gzip });
    try {
      expectError(await grpcCall(gzipClient, GRPC_METRICS_EXPORT, Buffer.alloc(1024 * 1024)), status.RESOURCE_EXHAUSTED);
    } finally {
      gzipClient.close();
    }
    const ok = await grpcCall(client, GRPC_METRICS_EXPORT, encodeMetricsRequest(metricsExport({ service: "web", points: [point("api", 1)] })));
    assert.ok(ok.ok);
  });

  it("answers UNIMPLEMENTED for other methods", async () => {
    expectError(await grpcCall(client, "/opentelemetry.proto.collector.logs.v1.LogsService/Export", Buffer.alloc(0)), status.UNIMPLEMENTED);
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
      grpcCall(client, GRPC_METRICS_EXPORT, encodeMetricsRequest(metricsExport({ service: "shed-web", instanceId: `w${i}`, points: [point("api", 2)] }))),
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
