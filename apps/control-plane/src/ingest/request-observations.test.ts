import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bucketsWith, metricsExport, type EdgePoint } from "../../fixtures/otlp-exports";
import { CumulativeToDelta, counterArithmetic, histogramArithmetic } from "./cumulative-to-delta";
import { normaliseMetrics } from "./normalise-metrics";
import { extractRequestObservations, type DeltaTrackers } from "./request-observations";

const T = Date.parse("2026-02-01T12:00:00Z");
const trackers = (): DeltaTrackers => ({
  counters: new CumulativeToDelta(counterArithmetic, { sinceNs: 0n }),
  histograms: new CumulativeToDelta(histogramArithmetic, { sinceNs: 0n }),
});

function extract(points: EdgePoint[], opts: { counter?: boolean; temporality?: "delta" | "cumulative"; service?: string } = {}, t = trackers()) {
  const metrics = normaliseMetrics(metricsExport({ service: opts.service ?? "client", points, counter: opts.counter, temporality: opts.temporality }));
  return { ...extractRequestObservations(metrics, T, t), rejected: metrics.rejected };
}

describe("extractRequestObservations", () => {
  it("turns a delta histogram into an observation, the source defaulting to the resource's service", () => {
    const { observations, rejected } = extract([{ destination: "echo", version: "v2", buckets: bucketsWith(4, 3), timeMs: T }]);
    assert.equal(rejected.count, 0);
    assert.equal(observations.length, 1, "the counter for the same labels is not counted twice");
    const o = observations[0]!;
    assert.deepEqual([o.source, o.destination, o.destinationVersion, o.responseClass, o.outcome, o.mtls, o.count, o.timeMs], ["client", "echo", "v2", "2xx", "ok", true, 4, T]);
    assert.equal(o.buckets[3], 4);
  });

  it("uses the counter alone when no histogram is sent", () => {
    const { observations } = extract([{ destination: "echo", buckets: bucketsWith(5), timeMs: T }], { counter: true, service: "client" });
    assert.equal(observations.reduce((a, o) => a + o.count, 0), 5);
    const metrics = normaliseMetrics(metricsExport({ service: "client", points: [{ destination: "echo", buckets: bucketsWith(5), timeMs: T }] }));
    metrics.resources[0]!.scopes[0]!.metrics.shift(); // drop the histogram
    const onlyCounter = extractRequestObservations(metrics, T, trackers());
    assert.equal(onlyCounter.observations.length, 1);
    assert.equal(onlyCounter.observations[0]!.count, 5);
    assert.equal(onlyCounter.observations[0]!.durationSumMs, 0);
  });

  it("differences cumulative points across exports", () => {
    const t = trackers();
    const start = T - 60_000; // the stream started after the tracker's sinceNs (0)
    const first = extract([{ destination: "echo", buckets: bucketsWith(3), timeMs: T, startMs: start }], { temporality: "cumulative" }, t);
    const second = extract([{ destination: "echo", buckets: bucketsWith(10), timeMs: T + 10_000, startMs: start }], { temporality: "cumulative" }, t);
    assert.equal(first.observations[0]!.count, 3);
    assert.equal(second.observations[0]!.count, 7);
    const same = extract([{ destination: "echo", buckets: bucketsWith(10), timeMs: T + 20_000, startMs: start }], { temporality: "cumulative" }, t);
    assert.equal(same.observations.length, 0, "no increase, nothing to store");
  });

  it("keeps the caller's view of mesh calls and the callee's view of external ones", () => {
    const { observations, duplicateViews } = extract(
      [
        { source: "client", destination: "echo", direction: "outbound", buckets: bucketsWith(2), timeMs: T },
        { source: "client", destination: "echo", direction: "inbound", buckets: bucketsWith(2), timeMs: T },
        { source: "external", destination: "echo", direction: "inbound", buckets: bucketsWith(1), timeMs: T },
      ],
      { counter: false, service: "echo" },
    );
    assert.deepEqual(observations.map((o) => [o.source, o.count]), [["client", 2], ["external", 1]]);
    assert.equal(duplicateViews, 1);
  });

  it("rejects our points with missing or invalid labels, or from the far future, with reasons", () => {
    const { observations, rejected } = extract(
      [
        { destination: "Not A Name", buckets: bucketsWith(1), timeMs: T },
        { destination: "echo", outcome: "exploded", buckets: bucketsWith(1), timeMs: T },
        { destination: "echo", buckets: bucketsWith(1), timeMs: T + 3_600_000 },
        { destination: "echo", buckets: bucketsWith(1), timeMs: T },
      ],
      { counter: false },
    );
    assert.equal(observations.length, 1);
    assert.equal(rejected.count, 3);
    assert.match(rejected.message(), /trellis\.destination\.service/);
    assert.match(rejected.message(), /trellis\.outcome/);
    assert.match(rejected.message(), /future/);
  });

  it("converts seconds to milliseconds and re-buckets other bounds", () => {
    const metrics = normaliseMetrics({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "client" } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: "trellis.request.duration",
                  unit: "s",
                  histogram: {
                    aggregationTemporality: 1,
                    dataPoints: [
                      {
                        timeUnixNano: String(BigInt(T) * 1_000_000n),
                        count: "6",
                        sum: 0.12,
                        bucketCounts: ["0", "6", "0"],
                        explicitBounds: [0.01, 0.025],
                        attributes: [
                          { key: "trellis.destination.service", value: { stringValue: "echo" } },
                          { key: "trellis.outcome", value: { stringValue: "ok" } },
                        ],
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    const { observations } = extractRequestObservations(metrics, T, trackers());
    assert.equal(observations[0]!.durationSumMs, 120);
    assert.equal(observations[0]!.buckets[4], 6, "(10, 25] ms");
    assert.equal(observations[0]!.responseClass, "none");
    assert.equal(observations[0]!.mtls, false);
  });

  it("counts metrics that are not ours without storing them", () => {
    const { observations, foreignPoints, rejected } = (() => {
      const metrics = normaliseMetrics({
        resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: "http.server.duration", gauge: { dataPoints: [{ timeUnixNano: "1", asDouble: 1 }, { timeUnixNano: "1", asDouble: 2 }] } }] }] }],
      });
      return { ...extractRequestObservations(metrics, T, trackers()), rejected: metrics.rejected };
    })();
    assert.equal(observations.length, 0);
    assert.equal(foreignPoints, 2);
    assert.equal(rejected.count, 0);
  });
});
