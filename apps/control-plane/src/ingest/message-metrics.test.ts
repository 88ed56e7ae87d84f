import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { normaliseMetrics } from "./normalise-metrics";
import { decodeMetricsMessage, encodeMetricsRequest } from "./otlp-proto";

/** The same export as OTLP/JSON and as decoded protobuf must normalise alike, rejections included. */
function bothWays(json: Record<string, unknown>) {
  const fromJson = normaliseMetrics(JSON.parse(JSON.stringify(json)));
  const fromProto = normaliseMetrics(decodeMetricsMessage(encodeMetricsRequest(json)));
  return { fromJson, fromProto };
}

const point = (extra: Record<string, unknown>) => ({ timeUnixNano: "1700000000000000123", startTimeUnixNano: "1699999990000000456", ...extra });

describe("normalising decoded protobuf messages", () => {
  it("reads unusual points the general way and rejects the same ones, with the same reasons", () => {
    const json = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "web" } }, { key: "blob", value: { bytesValue: "AQID" } }] },
          scopeMetrics: [
            {
              scope: { name: "s", version: "1" },
              metrics: [
                {
                  name: "h",
                  unit: "ms",
                  histogram: {
                    aggregationTemporality: 2,
                    dataPoints: [
                      point({ count: "3", sum: 1.5, bucketCounts: ["1", "2"], explicitBounds: [5], attributes: [{ key: "list", value: { arrayValue: { values: [{ intValue: "1" }] } } }] }),
                      point({ count: "9007199254740993", bucketCounts: ["9007199254740993", "0"], explicitBounds: [5] }), // past 2^53
                      point({ count: "5", bucketCounts: ["1", "1"], explicitBounds: [5] }), // count is not the sum
                      point({ count: "2", bucketCounts: ["1", "1"], explicitBounds: [5], flags: 1 }), // no recorded value
                      point({ count: "4" }), // count only
                    ],
                  },
                },
                {
                  name: "c",
                  sum: {
                    aggregationTemporality: 1,
                    isMonotonic: true,
                    dataPoints: [point({ asInt: "-7", attributes: [{ key: "big", value: { intValue: "9007199254740993" } }] }), point({ asDouble: 2.5 }), { asInt: "1" }],
                  },
                },
                { name: "", gauge: { dataPoints: [point({ asInt: "1" })] } },
                { name: "e", exponentialHistogram: { dataPoints: [{}, {}] } },
              ],
            },
          ],
        },
      ],
    };
    const { fromJson, fromProto } = bothWays(json);
    assert.deepEqual(fromProto.resources, fromJson.resources);
    assert.equal(fromProto.acceptedPoints, fromJson.acceptedPoints);
    assert.equal(fromProto.rejected.count, fromJson.rejected.count);
    assert.equal(fromProto.rejected.message(), fromJson.rejected.message());
    assert.equal(fromJson.rejected.count, 4, fromJson.rejected.message());
    const [histogram] = fromProto.resources[0]!.scopes[0]!.metrics;
    assert.equal(histogram?.kind, "histogram");
    if (histogram?.kind === "histogram") {
      assert.equal(histogram.points.length, 2);
      assert.equal(histogram.points[0]!.timeNs, 1700000000000000123n, "nanoseconds stay exact");
      assert.equal(histogram.points[0]!.startNs, 1699999990000000456n);
    }
  });
});
