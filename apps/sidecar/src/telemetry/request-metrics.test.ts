// RequestMetrics must export what the SDK's own counter and histogram exported: the same records go
// through both (the SDK with the view the sidecar used to configure) and the metric data is compared.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AggregationTemporality, AggregationType, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type MetricData, type ScopeMetrics } from "@opentelemetry/sdk-metrics";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  ATTR_DESTINATION_SERVICE,
  ATTR_DESTINATION_VERSION,
  ATTR_DIRECTION,
  ATTR_MTLS,
  ATTR_OUTCOME,
  ATTR_RESPONSE_CLASS,
  ATTR_SOURCE_SERVICE,
  ATTR_SOURCE_VERSION,
  LATENCY_BOUNDS_MS,
  METRIC_REQUEST_DURATION,
  METRIC_REQUESTS,
  OUTCOMES,
} from "@trellis/mesh-model";
import { bucketOf, mergeScopes, RequestMetrics } from "./request-metrics";
import type { RequestRecord } from "./request-recorder";

const NAMES = {
  requests: { name: METRIC_REQUESTS, unit: "{request}", description: "Requests through the sidecar" },
  duration: { name: METRIC_REQUEST_DURATION, unit: "ms", description: "Request duration until the response finished" },
};
const SOURCE = { [ATTR_SOURCE_SERVICE]: "web", [ATTR_SOURCE_VERSION]: "v1" };

function sdkBaseline() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({}),
    readers: [reader],
    views: [{ instrumentName: METRIC_REQUEST_DURATION, aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: [...LATENCY_BOUNDS_MS] } } }],
  });
  const meter = provider.getMeter("trellis-sidecar");
  const requests = meter.createCounter(NAMES.requests.name, { unit: NAMES.requests.unit, description: NAMES.requests.description });
  const duration = meter.createHistogram(NAMES.duration.name, { unit: NAMES.duration.unit, description: NAMES.duration.description });
  return {
    record(r: RequestRecord) {
      const attributes = {
        ...SOURCE,
        [ATTR_DESTINATION_SERVICE]: r.destinationService,
        [ATTR_DESTINATION_VERSION]: r.destinationVersion,
        [ATTR_RESPONSE_CLASS]: r.responseClass,
        [ATTR_OUTCOME]: r.outcome,
        [ATTR_DIRECTION]: r.direction,
        [ATTR_MTLS]: r.mtls,
      };
      requests.add(1, attributes);
      duration.record(r.durationMs, attributes);
    },
    async take(): Promise<MetricData[]> {
      exporter.reset();
      await provider.forceFlush();
      return exporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((s) => s.metrics));
    },
    shutdown: () => provider.shutdown(),
  };
}

// Times differ by construction; everything else must be equal (points in any order).
function comparable(metrics: MetricData[]) {
  return metrics.map((m) => ({
    name: m.descriptor.name,
    unit: m.descriptor.unit,
    description: m.descriptor.description,
    valueType: m.descriptor.valueType,
    temporality: m.aggregationTemporality,
    type: m.dataPointType,
    monotonic: "isMonotonic" in m ? m.isMonotonic : undefined,
    points: m.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value })).sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes))),
  }));
}

describe("RequestMetrics", () => {
  it("exports the same counter and histogram data as the SDK's instruments, interval after interval", async () => {
    const sdk = sdkBaseline();
    const ours = new RequestMetrics(SOURCE, LATENCY_BOUNDS_MS, NAMES, { name: "trellis-sidecar" }, resourceFromAttributes({}));
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const services = ["catalog", "cart", "unknown"];
    for (const round of [0, 1, 2]) {
      // Round 1 leaves some series out: they must not be exported with zero counts.
      const n = round === 1 ? 40 : 400;
      for (let i = 0; i < n; i++) {
        const bound = LATENCY_BOUNDS_MS[Math.floor(rand() * LATENCY_BOUNDS_MS.length)]!;
        const r: RequestRecord = {
          direction: rand() < 0.8 ? "outbound" : "inbound",
          destinationService: services[Math.floor(rand() * (round === 1 ? 1 : services.length))]!,
          destinationVersion: rand() < 0.5 ? "v1" : "v2",
          responseClass: rand() < 0.9 ? "2xx" : "5xx",
          outcome: OUTCOMES[Math.floor(rand() * OUTCOMES.length)]!,
          mtls: rand() < 0.5,
          // Exact bucket bounds too: the bounds are inclusive.
          durationMs: rand() < 0.2 ? bound : rand() * 3000,
        };
        sdk.record(r);
        ours.record(r);
      }
      const expected = comparable(await sdk.take());
      const got = comparable(ours.takeMetricData());
      assert.deepEqual(got, expected, `round ${round}`);
    }
    assert.deepEqual(ours.takeMetricData(), [], "an interval without requests exports nothing");
    await sdk.shutdown();
  });

  it("puts values on an inclusive upper bound in that bound's bucket", () => {
    assert.equal(bucketOf([1, 5, 10], 0.5), 0);
    assert.equal(bucketOf([1, 5, 10], 1), 0);
    assert.equal(bucketOf([1, 5, 10], 1.0001), 1);
    assert.equal(bucketOf([1, 5, 10], 10), 2);
    assert.equal(bucketOf([1, 5, 10], 11), 3);
  });

  it("folds our scope entry into the meter's, our metrics first", () => {
    const m = (name: string) => ({ descriptor: { name } }) as unknown as MetricData;
    const scope = { name: "trellis-sidecar", version: "", schemaUrl: undefined };
    const merged = mergeScopes([
      { scope, metrics: [m("gauge")] },
      { scope: { name: "other" }, metrics: [m("x")] },
      { scope, metrics: [m("requests"), m("duration")] },
    ] as ScopeMetrics[]);
    assert.deepEqual(
      merged.map((s) => [s.scope.name, s.metrics.map((x) => x.descriptor.name)]),
      [
        ["trellis-sidecar", ["requests", "duration", "gauge"]],
        ["other", ["x"]],
      ],
    );
  });
});
