import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bucketsWith, metricsExport } from "../../fixtures/otlp-exports";
import { normaliseMetrics } from "./normalise-metrics";
import { decodeMetricsRequest, encodeMetricsRequest } from "./otlp-proto";

const T = Date.parse("2026-02-01T12:00:00Z");

describe("normaliseMetrics", () => {
  it("gives the same shape for OTLP/JSON and for protobuf", () => {
    const json = metricsExport({ service: "client", points: [{ destination: "echo", buckets: bucketsWith(3), timeMs: T }] });
    const fromJson = normaliseMetrics(JSON.parse(JSON.stringify(json)));
    const fromProto = normaliseMetrics(decodeMetricsRequest(encodeMetricsRequest(json)));
    assert.deepEqual(fromProto.resources, fromJson.resources);
    assert.equal(fromJson.acceptedPoints, 2);
    assert.equal(fromJson.rejected.count, 0);
    const [histogram, counter] = fromJson.resources[0]!.scopes[0]!.metrics;
    assert.equal(fromJson.resources[0]!.attributes["service.name"], "client");
    assert.equal(histogram?.kind, "histogram");
    if (histogram?.kind !== "histogram") return;
    assert.equal(histogram.temporality, "delta");
    assert.equal(histogram.points[0]!.count, 3);
    assert.equal(histogram.points[0]!.timeNs, BigInt(T) * 1_000_000n);
    assert.equal(histogram.points[0]!.attributes["trellis.mtls"], true);
    assert.equal(counter?.kind, "sum");
    if (counter?.kind === "sum") assert.equal(counter.points[0]!.value, 3);
  });

  it("accepts enum names, numbers for int64, numeric strings for doubles and the old instrumentationLibraryMetrics", () => {
    const out = normaliseMetrics({
      resourceMetrics: [
        {
          instrumentationLibraryMetrics: [
            {
              instrumentationLibrary: { name: "old" },
              metrics: [
                { name: "c", sum: { aggregationTemporality: "AGGREGATION_TEMPORALITY_CUMULATIVE", isMonotonic: true, dataPoints: [{ timeUnixNano: 5, asDouble: "2.5" }] } },
                { name: "g", gauge: { dataPoints: [{ timeUnixNano: "7", asInt: 4, flags: 1 }] } },
                { name: "e", exponentialHistogram: { dataPoints: [{}, {}] } },
              ],
            },
          ],
        },
      ],
    });
    const metrics = out.resources[0]!.scopes[0]!.metrics;
    assert.equal(out.resources[0]!.scopes[0]!.name, "old");
    assert.deepEqual(metrics.map((m) => m.kind), ["sum", "gauge", "other"]);
    if (metrics[0]!.kind === "sum") {
      assert.equal(metrics[0]!.temporality, "cumulative");
      assert.equal(metrics[0]!.points[0]!.value, 2.5);
    }
    if (metrics[1]!.kind === "gauge") assert.equal(metrics[1]!.points.length, 0, "no-recorded-value points carry nothing");
    assert.equal(out.acceptedPoints, 4);
  });

  it("rejects bad points one by one and keeps the rest", () => {
    const json = metricsExport({
      service: "client",
      points: [
        { destination: "echo", buckets: bucketsWith(3), timeMs: T },
        { destination: "echo", buckets: bucketsWith(2), timeMs: T },
      ],
    });
    const histogram = json.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0] as { histogram: { dataPoints: Record<string, unknown>[] } };
    histogram.histogram.dataPoints[1]!.bucketCounts = ["1", "1"];
    const out = normaliseMetrics(json);
    assert.equal(out.rejected.count, 1);
    assert.match(out.rejected.message(), /metrics\.0\.histogram\.dataPoints\.1.*bucketCounts/);
    assert.equal(out.acceptedPoints, 3);
  });

  it("rejects points without a time, with a count that is not the sum of buckets, or with non-finite values", () => {
    const out = normaliseMetrics({
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                { name: "a", sum: { aggregationTemporality: 1, dataPoints: [{ asInt: "1" }, { timeUnixNano: "1", asDouble: "NaN" }, { timeUnixNano: "1", asInt: "x" }] } },
                { name: "h", histogram: { aggregationTemporality: 1, dataPoints: [{ timeUnixNano: "1", count: "5", bucketCounts: ["1", "1"], explicitBounds: [1] }] } },
                { name: "", gauge: { dataPoints: [{ timeUnixNano: "1" }] } },
              ],
            },
          ],
        },
      ],
    });
    assert.equal(out.rejected.count, 5);
    assert.equal(out.acceptedPoints, 0);
  });

  it("refuses an unsound structure with the path of the problem", () => {
    for (const [body, path] of [
      [{ resourceMetrics: "nope" }, "resourceMetrics"],
      [{ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 5 }] }] }] }, "resourceMetrics.0.scopeMetrics.0.metrics.0.name"],
      [{ resourceMetrics: [{ resource: { attributes: [{ key: "a", value: { intValue: "1.5" } }] } }] }, "resourceMetrics.0.resource.attributes.0.value.intValue"],
      [null, ""],
      ["text", ""],
    ] as const) {
      assert.throws(() => normaliseMetrics(body), (err: { code?: string; path?: string }) => {
        assert.equal(err.code, "invalid_body");
        assert.equal(err.path ?? "", path);
        return true;
      });
    }
  });

  it("treats an empty export as valid", () => {
    assert.equal(normaliseMetrics({}).resources.length, 0);
    assert.equal(normaliseMetrics(decodeMetricsRequest(new Uint8Array())).resources.length, 0);
  });
});
