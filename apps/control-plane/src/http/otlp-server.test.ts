// The OTLP/HTTP receiver against a real control plane: encodings, compression, limits, errors, and
// that what it accepts shows up in the graph.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { ZGraphResponse, type GraphEdge } from "@trellis/mesh-model";
import { bucketsWith, metricsExport, tracesExport } from "../../fixtures/otlp-exports";
import { startTestControlPlane, type TestControlPlane } from "../../fixtures/test-control-plane";
import { decodeMetricsResponse, decodeStatus, decodeTracesResponse, encodeMetricsRequest, encodeTracesRequest } from "../ingest/otlp-proto";

const JSON_TYPE = { "content-type": "application/json" };
const PROTO_TYPE = { "content-type": "application/x-protobuf" };

async function edge(t: TestControlPlane, source: string, target: string): Promise<GraphEdge | undefined> {
  const res = await t.fetch("/api/v1/graph?window=5m");
  assert.equal(res.status, 200);
  return ZGraphResponse.parse(await res.json()).edges.find((e) => e.source === source && e.target === target);
}

describe("OTLP/HTTP receiver", { timeout: 60_000 }, () => {
  let t: TestControlPlane;
  const post = (path: string, body: Uint8Array | string, headers: Record<string, string>) => fetch(t.otlp + path, { method: "POST", headers, body });

  before(async () => {
    t = await startTestControlPlane({ args: ["--max-otlp-body", "64KiB"] });
  });
  after(async () => t.close());

  it("accepts OTLP/JSON metrics and shows them in the graph", async () => {
    const body = metricsExport({ service: "web", points: [{ destination: "api", buckets: bucketsWith(30, 4), timeMs: Date.now() }] });
    const res = await post("/v1/metrics", JSON.stringify(body), JSON_TYPE);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    assert.deepEqual(await res.json(), {});
    const e = await edge(t, "web", "api");
    assert.ok(e && e.requestRate > 0, JSON.stringify(e));
    assert.equal(e.outcomes.ok, 30);
    assert.equal(e.health, "healthy");
    assert.ok(e.latencyMs && e.latencyMs.p50 > 10 && e.latencyMs.p50 <= 25, JSON.stringify(e.latencyMs));
    assert.equal(e.mtlsShare, 1);
  });

  it("accepts protobuf, plain and gzipped, answering in protobuf", async () => {
    const exportAt = (timeMs: number) => encodeMetricsRequest(metricsExport({ service: "web", points: [{ destination: "cart", outcome: "timed_out", responseClass: "none", buckets: bucketsWith(5, 9), timeMs }] }));
    const now = Date.now();
    const res = await post("/v1/metrics", exportAt(now), PROTO_TYPE);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/x-protobuf");
    assert.deepEqual(decodeMetricsResponse(new Uint8Array(await res.arrayBuffer())), {});
    // Another export (the same bytes again would be a retry, stored once: export-retry.test.ts).
    const zipped = await post("/v1/metrics", gzipSync(exportAt(now + 1)), { ...PROTO_TYPE, "content-encoding": "gzip" });
    assert.equal(zipped.status, 200);
    const e = await edge(t, "web", "cart");
    assert.equal(e?.outcomes.timed_out, 10);
    assert.equal(e?.errorRate, 1);
    assert.equal(e?.health, "failing");
  });

  it("accepts gzipped JSON", async () => {
    const body = metricsExport({ service: "web", points: [{ destination: "search", buckets: bucketsWith(7), timeMs: Date.now() }] });
    const res = await post("/v1/metrics", gzipSync(JSON.stringify(body)), { ...JSON_TYPE, "content-encoding": "gzip" });
    assert.equal(res.status, 200);
    assert.equal((await edge(t, "web", "search"))?.outcomes.ok, 7);
  });

  it("answers partial success for invalid points, in JSON and protobuf", async () => {
    const body = metricsExport({
      service: "web",
      points: [
        { destination: "api", buckets: bucketsWith(1), timeMs: Date.now() },
        { destination: "api", outcome: "weird", buckets: bucketsWith(1), timeMs: Date.now() },
      ],
      counter: false,
    });
    const res = await post("/v1/metrics", JSON.stringify(body), JSON_TYPE);
    assert.equal(res.status, 200);
    const json = (await res.json()) as { partialSuccess: { rejectedDataPoints: number; errorMessage: string } };
    assert.equal(json.partialSuccess.rejectedDataPoints, 1);
    assert.match(json.partialSuccess.errorMessage, /trellis\.outcome/);
    const proto = await post("/v1/metrics", encodeMetricsRequest(body), PROTO_TYPE);
    const decoded = decodeMetricsResponse(new Uint8Array(await proto.arrayBuffer())) as { partialSuccess: { rejectedDataPoints: number } };
    assert.equal(decoded.partialSuccess.rejectedDataPoints, 1);
  });

  it("accepts and counts traces in JSON and protobuf", async () => {
    const before = t.cp.ingest.stats.acceptedSpans;
    const body = tracesExport("web", 3, Date.now());
    assert.equal((await post("/v1/traces", JSON.stringify(body), JSON_TYPE)).status, 200);
    const proto = await post("/v1/traces", encodeTracesRequest(JSON.parse(JSON.stringify(body, (k, v: unknown) => (k === "traceId" || k === "spanId") && typeof v === "string" ? Buffer.from(v, "hex").toString("base64") : v))), PROTO_TYPE);
    assert.equal(proto.status, 200);
    assert.deepEqual(decodeTracesResponse(new Uint8Array(await proto.arrayBuffer())), {});
    assert.equal(t.cp.ingest.stats.acceptedSpans - before, 6);
    const bad = tracesExport("web", 2, Date.now());
    (bad.resourceSpans[0]!.scopeSpans[0]!.spans[0] as Record<string, unknown>).spanId = "nope";
    const partial = (await (await post("/v1/traces", JSON.stringify(bad), JSON_TYPE)).json()) as { partialSuccess: { rejectedSpans: number } };
    assert.equal(partial.partialSuccess.rejectedSpans, 1);
  });

  it("accepts empty exports", async () => {
    assert.equal((await post("/v1/metrics", new Uint8Array(), PROTO_TYPE)).status, 200);
    assert.equal((await post("/v1/metrics", "{}", JSON_TYPE)).status, 200);
    assert.equal((await fetch(`${t.otlp}/v1/traces`, { method: "POST", headers: PROTO_TYPE })).status, 200);
  });

  it("answers 400 with a google.rpc.Status for undecodable input", async () => {
    const json = await post("/v1/metrics", "{nope", JSON_TYPE);
    assert.equal(json.status, 400);
    const status = (await json.json()) as { code: number; message: string };
    assert.equal(status.code, 3);
    assert.match(status.message, /JSON/);
    const shape = await post("/v1/metrics", JSON.stringify({ resourceMetrics: [{ scopeMetrics: "x" }] }), JSON_TYPE);
    assert.equal(shape.status, 400);
    assert.match(((await shape.json()) as { message: string }).message, /resourceMetrics\.0\.scopeMetrics/);
    const proto = await post("/v1/metrics", Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), PROTO_TYPE);
    assert.equal(proto.status, 400);
    assert.equal(proto.headers.get("content-type"), "application/x-protobuf");
    assert.equal(decodeStatus(new Uint8Array(await proto.arrayBuffer())).code, 3);
    const badGzip = await post("/v1/metrics", "not gzip", { ...JSON_TYPE, "content-encoding": "gzip" });
    assert.equal(badGzip.status, 400);
  });

  it("answers 415 for other media types and encodings", async () => {
    assert.equal((await post("/v1/metrics", "x", { "content-type": "text/plain" })).status, 415);
    assert.equal((await post("/v1/metrics", "{}", { ...JSON_TYPE, "content-encoding": "br" })).status, 415);
    const none = await fetch(`${t.otlp}/v1/metrics`, { method: "POST", body: new Uint8Array([1, 2, 3]) });
    assert.equal(none.status, 415);
    const body = (await none.json()) as { code: number; message: string };
    assert.match(body.message, /content-type/);
  });

  it("answers 413 past the limit, also when it is only reached after decompression", async () => {
    const big = JSON.stringify({ resourceMetrics: [], pad: "x".repeat(100_000) });
    const plain = await post("/v1/metrics", big, JSON_TYPE);
    assert.equal(plain.status, 413);
    const zipped = gzipSync(big);
    assert.ok(zipped.length < 64 * 1024);
    assert.equal((await post("/v1/metrics", zipped, { ...JSON_TYPE, "content-encoding": "gzip" })).status, 413);
  });

  it("refuses a gzip bomb quickly, without inflating it", async () => {
    const bomb = gzipSync(Buffer.alloc(512 * 1024 * 1024)); // 512 MiB of zeros, about 500 KiB compressed
    const started = performance.now();
    const res = await post("/v1/metrics", bomb, { ...PROTO_TYPE, "content-encoding": "gzip" });
    assert.equal(res.status, 413);
    assert.equal(decodeStatus(new Uint8Array(await res.arrayBuffer())).code, 8);
    assert.ok(performance.now() - started < 3000, `took ${performance.now() - started} ms`);
  });

  it("answers 404 for other paths", async () => {
    assert.equal((await fetch(`${t.otlp}/v1/logs`, { method: "POST", headers: JSON_TYPE, body: "{}" })).status, 404);
    assert.equal((await fetch(`${t.otlp}/v1/metrics`)).status, 404);
  });
});
