import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bucketsWith, metricsExport } from "../../fixtures/otlp-exports";
import { readMetricsExport } from "./metrics-wire-reader";
import { normaliseMetrics, type NormalisedMetrics } from "./normalise-metrics";
import { decodeMetricsMessage, decodeMetricsRequest, encodeMetricsRequest } from "./otlp-proto";

const T = 1_700_000_000_000;
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

/** What protobufjs and message-metrics.ts make of the bytes, or "throws". */
function general(bytes: Uint8Array): NormalisedMetrics | "throws" {
  try {
    return normaliseMetrics(decodeMetricsMessage(bytes));
  } catch {
    return "throws";
  }
}

/** The reader's result, checked against the general path's; true when the reader read it. */
function agrees(bytes: Uint8Array): boolean {
  const wire = readMetricsExport(bytes);
  if (!wire) return false;
  const expected = general(bytes);
  assert.notEqual(expected, "throws", "the reader accepted bytes protobufjs refuses");
  assert.deepEqual(wire.normalised, expected);
  return true;
}

const sidecar = (temporality: "delta" | "cumulative", counter = true) =>
  metricsExport({
    service: "web",
    temporality,
    counter,
    points: [
      { destination: "api", buckets: bucketsWith(3), timeMs: T },
      { destination: "api", version: "v2", responseClass: "5xx", outcome: "error", buckets: bucketsWith(2, 9), timeMs: T, mtls: false },
      { destination: "db", direction: "inbound", source: "api", buckets: bucketsWith(0), timeMs: T },
    ],
  });

/** The shapes an OpenTelemetry SDK sends: gauges, double sums, other bounds, sum-less and bucket-less histograms, odd strings. */
const sdkLike = {
  resourceMetrics: [
    {
      resource: { attributes: [str("service.name", "shop"), { key: "pid", value: { intValue: "4242" } }, { key: "ratio", value: { doubleValue: 0.5 } }, { key: "empty", value: {} }, { key: "none" }] },
      schemaUrl: "https://opentelemetry.io/schemas/1.24.0",
      scopeMetrics: [
        {
          scope: { name: "@opentelemetry/instrumentation-http", version: "0.52.0" },
          metrics: [
            { name: "g", unit: "1", description: "a gauge — with UTF-8 ü", gauge: { dataPoints: [{ timeUnixNano: "1700000000000000001", asDouble: 1.25, attributes: [str("k", "värde")] }, { timeUnixNano: "1700000000000000001", asInt: "-7" }] } },
            { name: "s", sum: { aggregationTemporality: 2, isMonotonic: false, dataPoints: [{ startTimeUnixNano: "1", timeUnixNano: "2", asDouble: 3.5, flags: 1 }, { timeUnixNano: "3" }] } },
            {
              name: "h",
              unit: "s",
              histogram: {
                aggregationTemporality: 1,
                dataPoints: [
                  { timeUnixNano: "5", count: "3", sum: 0.75, bucketCounts: ["1", "2", "0"], explicitBounds: [0.1, 1], min: 0.01, max: 0.5, attributes: [str("a", "1"), str("a", "2")] },
                  { timeUnixNano: "5", count: "4" },
                  { timeUnixNano: "5", count: "0", explicitBounds: [1, 2] },
                ],
              },
            },
            { name: "nodata" },
          ],
        },
        { metrics: [] },
      ],
    },
    { scopeMetrics: [{ scope: { name: "x" }, metrics: [{ name: "n", sum: { dataPoints: [{ timeUnixNano: "9", asInt: "1" }] } }] }] },
  ],
};

/** Unusual exports the reader leaves to the general path (which rejects or reads them its own way). */
const unusual: Record<string, unknown>[] = [
  { resourceMetrics: [{ resource: { attributes: [{ key: "blob", value: { bytesValue: "AQID" } }] } }] },
  { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: "", gauge: { dataPoints: [{ timeUnixNano: "1" }] } }] }] }] },
  { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: "g", gauge: { dataPoints: [{ asInt: "1" }] } }] }] }] }, // no time
  { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: "g", gauge: { dataPoints: [{ timeUnixNano: "1", asInt: "9007199254740993" }] } }] }] }] },
  { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: "h", histogram: { dataPoints: [{ timeUnixNano: "1", count: "5", bucketCounts: ["1", "1"], explicitBounds: [5] }] } }] }] }] },
  { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: "h", histogram: { dataPoints: [{ timeUnixNano: "1", count: "2", bucketCounts: ["1", "1"], explicitBounds: [5, 6] }] } }] }] }] },
  { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: "h", histogram: { dataPoints: [{ timeUnixNano: "1", count: "2", bucketCounts: ["1", "1", "0"], explicitBounds: [6, 5] }] } }] }] }] },
  { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: "e", exponentialHistogram: { dataPoints: [{ timeUnixNano: "1" }] } }] }] }] },
  { resourceMetrics: [{ instrumentationLibraryMetrics: [{ instrumentationLibrary: { name: "old" }, metrics: [] }] }] },
  { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: "g", gauge: { dataPoints: [{ timeUnixNano: "1", attributes: [{ key: "l", value: { arrayValue: { values: [] } } }] }] } }] }] }] },
];

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("reading metrics exports straight from protobuf bytes", () => {
  it("reads our sidecar's exports and an SDK's plain shapes exactly as protobufjs and the message reader do", () => {
    // Attribute lists past the interning bound (2 KB) are read all the same.
    const long = { resourceMetrics: [{ resource: { attributes: [str("service.name", "x".repeat(3000))] }, scopeMetrics: [{ metrics: [{ name: "g", gauge: { dataPoints: [{ timeUnixNano: "1", attributes: [str("k", "y".repeat(5000))] }] } }] }] }] };
    for (const json of [sidecar("delta"), sidecar("cumulative"), sidecar("delta", false), sdkLike, long, {}, { resourceMetrics: [{}] }]) {
      assert.equal(agrees(encodeMetricsRequest(json)), true, JSON.stringify(json).slice(0, 200));
    }
    assert.equal(agrees(new Uint8Array()), true);
  });

  it("leaves unusual exports to the general path, which answers for them", () => {
    for (const json of unusual) {
      const bytes = encodeMetricsRequest(json);
      assert.equal(readMetricsExport(bytes), undefined, JSON.stringify(json));
      assert.deepEqual(normaliseMetrics(decodeMetricsRequest(bytes)), general(bytes));
    }
  });

  it("shares one frozen attribute record per distinct attribute list, also across exports", () => {
    const a = readMetricsExport(encodeMetricsRequest(sidecar("delta")))!.normalised;
    const b = readMetricsExport(encodeMetricsRequest(sidecar("delta")))!.normalised;
    const pointsOf = (m: NormalisedMetrics) => m.resources[0]!.scopes[0]!.metrics.flatMap((x): { attributes: object }[] => ("points" in x ? x.points : []));
    const [pa, pb] = [pointsOf(a), pointsOf(b)];
    assert.equal(pa[0]!.attributes, pb[0]!.attributes);
    assert.equal(pa[3]!.attributes, pb[3]!.attributes);
    assert.deepEqual(pa[0]!.attributes, pa[3]!.attributes, "the histogram's and the counter's point of one label set");
    assert.ok(Object.isFrozen(pa[0]!.attributes) && Object.isFrozen(a.resources[0]!.attributes));
    assert.equal(a.resources[0]!.attributes, b.resources[0]!.attributes);
  });

  it("never accepts what protobufjs refuses, and agrees with it on mutated and truncated bytes", () => {
    const next = random(4);
    let read = 0;
    let refused = 0;
    for (const base of [encodeMetricsRequest(sidecar("delta")), encodeMetricsRequest(sdkLike)]) {
      for (let i = 0; i < 1500; i++) {
        const bytes = Uint8Array.from(base);
        const mutations = 1 + Math.floor(next() * 3);
        for (let m = 0; m < mutations; m++) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
        const cut = next() < 0.2 ? bytes.subarray(0, Math.floor(next() * bytes.length)) : bytes;
        if (agrees(cut)) read++;
        else if (general(cut) === "throws") refused++;
      }
    }
    // The mutations must exercise both sides: many still read by the reader, many refused outright.
    assert.ok(read > 300, `read ${read}`);
    assert.ok(refused > 300, `refused ${refused}`);
  });
});
