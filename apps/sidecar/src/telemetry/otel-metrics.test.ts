// The metrics really leave the sidecar: a small OTLP/HTTP receiver decodes what the SDK exports.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { connect } from "node:net";
import { LATENCY_BOUNDS_MS, METRIC_ENDPOINT_BREAKER_STATE, METRIC_ENDPOINT_EJECTIONS, METRIC_ENDPOINT_HEALTHY, METRIC_ENDPOINT_STATE_SINCE, METRIC_REQUEST_DURATION, METRIC_REQUESTS, METRIC_SIDECAR_REJECTED_REQUESTS } from "@trellis/mesh-model";
import { z } from "zod";
import { makeBundle } from "../testing/bundles";
import { echoApp, send, startServer, startTestSidecar, type TestServer, type TestSidecar } from "../testing/servers";

// Just the parts of OTLP/JSON this test reads.
const ZValue = z.object({ stringValue: z.string().optional(), boolValue: z.boolean().optional() });
const ZAttrs = z.array(z.object({ key: z.string(), value: ZValue })).default([]);
const ZPoint = z.object({
  attributes: ZAttrs,
  asInt: z.union([z.string(), z.number()]).optional(),
  asDouble: z.number().optional(),
  count: z.union([z.string(), z.number()]).optional(),
  explicitBounds: z.array(z.number()).optional(),
  bucketCounts: z.array(z.union([z.string(), z.number()])).optional(),
});
const ZMetric = z.object({
  name: z.string(),
  unit: z.string().optional(),
  sum: z.object({ dataPoints: z.array(ZPoint), aggregationTemporality: z.number() }).optional(),
  histogram: z.object({ dataPoints: z.array(ZPoint), aggregationTemporality: z.number() }).optional(),
  gauge: z.object({ dataPoints: z.array(ZPoint) }).optional(),
});
const ZExport = z.object({
  resourceMetrics: z.array(z.object({ resource: z.object({ attributes: ZAttrs }), scopeMetrics: z.array(z.object({ metrics: z.array(ZMetric) })) })),
});
type Metric = z.infer<typeof ZMetric>;
const DELTA = 1;
const startedAt = Date.now();

const attrs = (list: z.infer<typeof ZAttrs>) => Object.fromEntries(list.map((a) => [a.key, a.value.stringValue ?? a.value.boolValue]));

describe("OTLP metrics export", () => {
  let received: Array<{ resource: Record<string, unknown>; metrics: Metric[] }> = [];
  let receiverStatus = 200;
  let receiver: TestServer, app: TestServer;
  let web: TestSidecar, catalog: TestSidecar;

  before(async () => {
    receiver = await startServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        assert.equal(req.url, "/v1/metrics");
        let body = Buffer.concat(chunks);
        if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
        assert.match(String(req.headers["content-type"]), /application\/json/);
        const parsed = ZExport.parse(JSON.parse(body.toString("utf8")));
        for (const rm of parsed.resourceMetrics) received.push({ resource: attrs(rm.resource.attributes), metrics: rm.scopeMetrics.flatMap((s) => s.metrics) });
        res.writeHead(receiverStatus, { "content-type": "application/json" });
        res.end("{}");
      });
    });
    app = await startServer(echoApp("catalog"));
    catalog = await startTestSidecar({ service: "catalog", appPort: app.port });
    web = await startTestSidecar({ service: "web", appPort: 1, otlpEndpoint: `http://127.0.0.1:${receiver.port}`, instanceId: "web-test-1", metricsIntervalMs: 60_000 });
    web.store.apply(makeBundle(1, [{ service: "catalog", endpoints: [{ port: catalog.ports.inbound, version: "v1" }] }]), { source: "control-plane", allowRegression: true });
  });

  after(async () => {
    await Promise.all([web?.close(), catalog?.close()]);
    await Promise.all([app?.close(), receiver?.close()]);
  });

  it("exports request counts and latency histograms with DELTA temporality and the mesh's attributes", async () => {
    for (let i = 0; i < 3; i++) assert.equal((await send(web.ports.outbound, { path: "http://catalog/items" })).status, 200);
    assert.equal((await send(web.ports.outbound, { path: "http://nosuch/" })).status, 404);
    await web.flushTelemetry();

    assert.ok(received.length > 0, "the receiver got an export");
    const { "service.name": name, "service.version": version, "service.instance.id": instance } = received[0]!.resource;
    assert.deepEqual({ name, version, instance }, { name: "web", version: "v1", instance: "web-test-1" });
    const metrics = received.flatMap((r) => r.metrics);
    const requests = metrics.filter((m) => m.name === METRIC_REQUESTS);
    const durations = metrics.filter((m) => m.name === METRIC_REQUEST_DURATION);
    assert.ok(requests.length && durations.length, `got ${metrics.map((m) => m.name).join(", ")}`);
    for (const m of requests) assert.equal(m.sum?.aggregationTemporality, DELTA);
    for (const m of durations) {
      assert.equal(m.unit, "ms");
      assert.equal(m.histogram?.aggregationTemporality, DELTA);
      for (const p of m.histogram!.dataPoints) assert.deepEqual(p.explicitBounds, [...LATENCY_BOUNDS_MS]);
    }

    const byOutcome = new Map<string, { count: number; attributes: Record<string, unknown> }>();
    for (const p of requests.flatMap((m) => m.sum!.dataPoints)) {
      const a = attrs(p.attributes);
      const prev = byOutcome.get(String(a["trellis.outcome"]));
      byOutcome.set(String(a["trellis.outcome"]), { count: (prev?.count ?? 0) + Number(p.asInt ?? p.asDouble), attributes: a });
    }
    assert.deepEqual(byOutcome.get("ok"), {
      count: 3,
      attributes: {
        "trellis.source.service": "web",
        "trellis.source.version": "v1",
        "trellis.destination.service": "catalog",
        "trellis.destination.version": "v1",
        "trellis.response.class": "2xx",
        "trellis.outcome": "ok",
        "trellis.mtls": false,
        "trellis.direction": "outbound",
      },
    });
    const noRoute = byOutcome.get("no_route");
    assert.equal(noRoute?.count, 1);
    assert.equal(noRoute?.attributes["trellis.destination.service"], "unknown");
    assert.equal(noRoute?.attributes["trellis.response.class"], "none");

    const histogramCount = durations.flatMap((m) => m.histogram!.dataPoints).reduce((n, p) => n + Number(p.count), 0);
    assert.equal(histogramCount, 4);
  });

  it("exports each destination endpoint's breaker state and health as gauges", async () => {
    received = [];
    await web.flushTelemetry();
    const metrics = received.flatMap((r) => r.metrics);
    const point = (name: string) => {
      const points = metrics.filter((m) => m.name === name).flatMap((m) => m.gauge?.dataPoints ?? []);
      assert.equal(points.length, 1, `one ${name} point`);
      return { attributes: attrs(points[0]!.attributes), value: Number(points[0]!.asInt ?? points[0]!.asDouble) };
    };
    const expected = { "trellis.destination.service": "catalog", "trellis.endpoint": "catalog-v1-0" };
    assert.deepEqual(point(METRIC_ENDPOINT_BREAKER_STATE), { attributes: expected, value: 0 });
    assert.deepEqual(point(METRIC_ENDPOINT_HEALTHY), { attributes: expected, value: 1 });
    // Closed since the sidecar first saw the endpoint, which was after this test file started.
    const since = point(METRIC_ENDPOINT_STATE_SINCE);
    assert.deepEqual(since.attributes, { ...expected, "trellis.breaker.reason": "none" });
    assert.ok(since.value >= startedAt && since.value <= Date.now(), `state_since ${since.value} within the test`);
    const ejections = metrics.filter((m) => m.name === METRIC_ENDPOINT_EJECTIONS);
    assert.equal(ejections[0]?.sum?.aggregationTemporality, DELTA);
    const ejectionPoints = ejections.flatMap((m) => m.sum!.dataPoints);
    assert.deepEqual(ejectionPoints.map((p) => ({ attributes: attrs(p.attributes), value: Number(p.asInt ?? p.asDouble) })), [{ attributes: expected, value: 0 }]);
  });

  it("exports requests the listeners refused as a delta counter by direction and reason", async () => {
    const refuse = (port: number, request: string) =>
      new Promise<void>((resolve) => {
        const socket = connect(port, "127.0.0.1", () => socket.end(request));
        socket.on("error", () => {});
        socket.on("close", () => resolve());
        socket.resume();
      });
    await refuse(web.ports.outbound, "POST http://catalog/ HTTP/1.1\r\nHost: catalog\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd");
    await refuse(web.ports.outbound, "GET http://catalog/ HTTP/1.1\r\nHost: catalog\r\nHost: other\r\n\r\n");
    await refuse(web.ports.inbound, "GET / HTTP/1.1\r\nHost: web\r\nX-A: one\r\n two\r\n\r\n");
    const exported = async () => {
      received = [];
      await web.flushTelemetry();
      const points = received.flatMap((r) => r.metrics).filter((m) => m.name === METRIC_SIDECAR_REJECTED_REQUESTS);
      for (const m of points) assert.equal(m.sum?.aggregationTemporality, DELTA);
      const out: Record<string, number> = {};
      for (const p of points.flatMap((m) => m.sum?.dataPoints ?? [])) {
        const a = attrs(p.attributes);
        out[`${String(a["trellis.direction"])}/${String(a["trellis.reject.reason"])}`] = Number(p.asInt ?? p.asDouble);
      }
      return out;
    };
    assert.deepEqual(await exported(), { "outbound/duplicate_content_length": 1, "outbound/duplicate_host": 1, "inbound/bad_header": 1 });
    // Deltas: nothing new refused, nothing counted again.
    const again = await exported();
    assert.ok(Object.values(again).every((n) => n === 0), JSON.stringify(again));
  });

  it("keeps serving traffic when the OTLP receiver fails", async () => {
    receiverStatus = 500;
    received = [];
    for (let i = 0; i < 3; i++) assert.equal((await send(web.ports.outbound, { path: "http://catalog/items" })).status, 200);
    await web.flushTelemetry();
    assert.equal((await send(web.ports.outbound, { path: "http://catalog/items" })).status, 200);
  });
});
