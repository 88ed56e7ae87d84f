// Reads Trellis's request metrics out of a normalised export: `trellis.request.duration` histograms
// and `trellis.requests` counters become RequestObservations (deltas, in our latency buckets).
// Points of ours that are malformed are rejected with a reason; everyone else's metrics are counted.
import {
  ATTR_DESTINATION_SERVICE,
  ATTR_DESTINATION_VERSION,
  ATTR_DIRECTION,
  ATTR_MTLS,
  ATTR_OUTCOME,
  ATTR_RESPONSE_CLASS,
  ATTR_SOURCE_SERVICE,
  EXTERNAL_SOURCE,
  LATENCY_BOUNDS_MS,
  METRIC_REQUEST_DURATION,
  METRIC_REQUESTS,
  OUTCOMES,
  RESOURCE_SERVICE_NAME,
  RESPONSE_CLASSES,
  ZServiceName,
  ZVersion,
} from "@trellis/mesh-model";
import { z } from "zod";
import type { CumulativeToDelta, HistogramValue } from "./cumulative-to-delta";
import type { HistogramPoint, NormalisedMetric, NormalisedMetrics, NumberPoint } from "./normalise-metrics";
import { attributesKey, type Attributes } from "./otlp-values";
import { rebucket } from "./rebucket";
import type { RequestObservation } from "./rollup-bucketing";

export interface DeltaTrackers {
  counters: CumulativeToDelta<number>;
  histograms: CumulativeToDelta<HistogramValue>;
}

export interface Extraction {
  observations: RequestObservation[];
  /** Points of metrics that are not ours: accepted, not stored. */
  foreignPoints: number;
  /** Inbound-side views of mesh-internal requests, which the caller's outbound view already counts. */
  duplicateViews: number;
}

/** Points stamped further ahead than this are refused: a clock that far off would corrupt the rollups. */
const MAX_FUTURE_MS = 10 * 60_000;

const ATTRIBUTE_OF: Record<string, string> = {
  source: ATTR_SOURCE_SERVICE,
  destination: ATTR_DESTINATION_SERVICE,
  destinationVersion: ATTR_DESTINATION_VERSION,
  responseClass: ATTR_RESPONSE_CLASS,
  outcome: ATTR_OUTCOME,
  mtls: ATTR_MTLS,
  direction: ATTR_DIRECTION,
};

const ZEdgeLabels = z.object({
  source: ZServiceName,
  destination: ZServiceName,
  destinationVersion: ZVersion.default("unknown"),
  responseClass: z.enum(RESPONSE_CLASSES).default("none"),
  outcome: z.enum(OUTCOMES),
  mtls: z.union([z.boolean(), z.enum(["true", "false"]).transform((s) => s === "true")]).default(false),
  direction: z.enum(["inbound", "outbound"]).optional(),
});
type EdgeLabels = z.infer<typeof ZEdgeLabels>;

const present = (v: Attributes[string] | undefined) => (v === null ? undefined : v);

/** Label sets repeat from export to export: their parse result is remembered (bounded) by the raw values. */
const MAX_CACHED_LABEL_SETS = 50_000;
const labelCache = new Map<string, EdgeLabels | string>();

function edgeLabels(point: Attributes, resource: Attributes): EdgeLabels | string {
  const raw = [
    point[ATTR_SOURCE_SERVICE],
    resource[RESOURCE_SERVICE_NAME],
    point[ATTR_DESTINATION_SERVICE],
    point[ATTR_DESTINATION_VERSION],
    point[ATTR_RESPONSE_CLASS],
    point[ATTR_OUTCOME],
    point[ATTR_MTLS],
    point[ATTR_DIRECTION],
  ];
  // Typed, so that "true" and true (or 1 and "1") never share an entry.
  const key = raw.map((v) => (v === undefined ? "u" : v === null ? "n" : `${typeof v}:${String(v)}`)).join("\u0000");
  let labels = labelCache.get(key);
  if (labels === undefined) {
    if (labelCache.size >= MAX_CACHED_LABEL_SETS) labelCache.clear();
    labels = parseEdgeLabels(point, resource);
    labelCache.set(key, labels);
  }
  return labels;
}

function parseEdgeLabels(point: Attributes, resource: Attributes): EdgeLabels | string {
  const parsed = ZEdgeLabels.safeParse({
    source: present(point[ATTR_SOURCE_SERVICE]) ?? present(resource[RESOURCE_SERVICE_NAME]),
    destination: present(point[ATTR_DESTINATION_SERVICE]),
    destinationVersion: present(point[ATTR_DESTINATION_VERSION]),
    responseClass: present(point[ATTR_RESPONSE_CLASS]),
    outcome: present(point[ATTR_OUTCOME]),
    mtls: present(point[ATTR_MTLS]),
    direction: present(point[ATTR_DIRECTION]),
  });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = String(issue.path[0] ?? "");
  const name = field === "source" ? `${ATTR_SOURCE_SERVICE} (or resource ${RESOURCE_SERVICE_NAME})` : (ATTRIBUTE_OF[field] ?? field);
  return `attribute ${name}: ${issue.message}`;
}

/** Milliseconds per unit of a duration histogram; UCUM units as OpenTelemetry writes them. */
const UNIT_MS: Record<string, number> = { "": 1, ms: 1, s: 1000, us: 0.001, ns: 0.000001 };

interface Context {
  resource: Attributes;
  streamPrefix: string;
  nowMs: number;
  trackers: DeltaTrackers;
  reject: (reason: string, points?: number) => void;
}

function timeMsOf(point: { timeNs: bigint }): number {
  return Number(point.timeNs / 1_000_000n);
}

function checkedLabels(ctx: Context, at: string, point: NumberPoint | HistogramPoint): EdgeLabels | undefined {
  const labels = edgeLabels(point.attributes, ctx.resource);
  if (typeof labels === "string") return void ctx.reject(`${at}: ${labels}`);
  if (timeMsOf(point) > ctx.nowMs + MAX_FUTURE_MS) return void ctx.reject(`${at}: timeUnixNano is more than 10 minutes in the future`);
  return labels;
}

function observation(labels: EdgeLabels, timeMs: number, count: number, durationSumMs: number, buckets: number[]): RequestObservation {
  return {
    timeMs,
    source: labels.source,
    destination: labels.destination,
    destinationVersion: labels.destinationVersion,
    responseClass: labels.responseClass,
    outcome: labels.outcome,
    mtls: labels.mtls,
    count,
    durationSumMs,
    buckets,
  };
}

function histogramObservations(ctx: Context, metric: Extract<NormalisedMetric, { kind: "histogram" }>, at: string): [EdgeLabels, RequestObservation][] {
  const unitMs = UNIT_MS[metric.unit];
  if (unitMs === undefined) {
    ctx.reject(`${at}: unit ${JSON.stringify(metric.unit)} is not a duration unit (ms, s, us, ns)`, metric.points.length);
    return [];
  }
  if (metric.temporality === "unspecified") {
    ctx.reject(`${at}: aggregationTemporality must be DELTA or CUMULATIVE`, metric.points.length);
    return [];
  }
  const out: [EdgeLabels, RequestObservation][] = [];
  metric.points.forEach((point, i) => {
    const labels = checkedLabels(ctx, `${at}.dataPoints.${i}`, point);
    if (!labels) return;
    let value: HistogramValue | undefined = { count: point.count, sum: point.sum ?? 0, bucketCounts: point.bucketCounts };
    if (metric.temporality === "cumulative") {
      const key = `${ctx.streamPrefix}\u0000${metric.name}\u0000${attributesKey(point.attributes)}\u0000${point.explicitBounds.join(",")}`;
      value = ctx.trackers.histograms.next(key, point.startNs, point.timeNs, value, ctx.nowMs);
    }
    if (!value || value.count <= 0) return;
    const sumMs = value.sum * unitMs;
    let buckets: number[];
    if (value.bucketCounts.length === 0) {
      // Count and sum only: place every request at the mean, the one latency we know.
      buckets = rebucket([0, value.count], [sumMs / value.count]);
    } else {
      buckets = rebucket(value.bucketCounts, unitMs === 1 ? point.explicitBounds : point.explicitBounds.map((b) => b * unitMs), LATENCY_BOUNDS_MS);
    }
    out.push([labels, observation(labels, timeMsOf(point), value.count, sumMs, buckets)]);
  });
  return out;
}

function counterObservations(ctx: Context, metric: Extract<NormalisedMetric, { kind: "sum" }>, at: string): [EdgeLabels, RequestObservation][] {
  if (!metric.monotonic) {
    ctx.reject(`${at}: ${METRIC_REQUESTS} must be a monotonic sum`, metric.points.length);
    return [];
  }
  if (metric.temporality === "unspecified") {
    ctx.reject(`${at}: aggregationTemporality must be DELTA or CUMULATIVE`, metric.points.length);
    return [];
  }
  const out: [EdgeLabels, RequestObservation][] = [];
  metric.points.forEach((point, i) => {
    const labels = checkedLabels(ctx, `${at}.dataPoints.${i}`, point);
    if (!labels) return;
    if (point.value < 0) return void ctx.reject(`${at}.dataPoints.${i}: a request count cannot be negative`);
    let value: number | undefined = point.value;
    if (metric.temporality === "cumulative") {
      const key = `${ctx.streamPrefix}\u0000${metric.name}\u0000${attributesKey(point.attributes)}`;
      value = ctx.trackers.counters.next(key, point.startNs, point.timeNs, point.value, ctx.nowMs);
    }
    const count = Math.round(value ?? 0);
    if (count <= 0) return;
    out.push([labels, observation(labels, timeMsOf(point), count, 0, new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0))]);
  });
  return out;
}

const labelsKey = (l: EdgeLabels) => [l.source, l.destination, l.destinationVersion, l.responseClass, l.outcome, l.mtls, l.direction].join("\u0000");

/**
 * The observations in an export. Where a sidecar sends both metrics for the same requests, the
 * histogram counts them (it carries latency too) and the counter is used only for label sets that
 * have no histogram in the same export. Rejections are added to `metrics.rejected`.
 */
export function extractRequestObservations(metrics: NormalisedMetrics, nowMs: number, trackers: DeltaTrackers): Extraction {
  const observations: RequestObservation[] = [];
  let foreignPoints = 0;
  let duplicateViews = 0;
  metrics.resources.forEach((resource, r) => {
    const resourceKey = attributesKey(resource.attributes);
    const fromHistograms: [EdgeLabels, RequestObservation][] = [];
    const fromCounters: [EdgeLabels, RequestObservation][] = [];
    resource.scopes.forEach((scope, s) => {
      const ctx: Context = {
        resource: resource.attributes,
        streamPrefix: `${resourceKey}\u0000${scope.name}\u0000${scope.version}`,
        nowMs,
        trackers,
        reject: (reason, points = 1) => metrics.rejected.add(points, reason),
      };
      scope.metrics.forEach((metric, m) => {
        const at = `resource ${r} scope ${s} metric ${m} (${metric.name})`;
        if (metric.name === METRIC_REQUEST_DURATION && metric.kind === "histogram") fromHistograms.push(...histogramObservations(ctx, metric, at));
        else if (metric.name === METRIC_REQUESTS && metric.kind === "sum") fromCounters.push(...counterObservations(ctx, metric, at));
        else if (metric.name === METRIC_REQUEST_DURATION || metric.name === METRIC_REQUESTS) {
          const points = metric.kind === "other" ? metric.pointCount : metric.points.length;
          metrics.rejected.add(points, `${at}: ${metric.name} must be a ${metric.name === METRIC_REQUESTS ? "monotonic sum" : "histogram"}`);
        } else foreignPoints += metric.kind === "other" ? metric.pointCount : metric.points.length;
      });
    });
    const withHistogram = new Set(fromHistograms.map(([labels]) => labelsKey(labels)));
    const kept = [...fromHistograms, ...fromCounters.filter(([labels]) => !withHistogram.has(labelsKey(labels)))];
    for (const [labels, obs] of kept) {
      // Both sidecars of a mesh-internal call record it; the caller's (outbound) view is the one kept.
      if (labels.direction === "inbound" && labels.source !== EXTERNAL_SOURCE) duplicateViews++;
      else observations.push(obs);
    }
  });
  return { observations, foreignPoints, duplicateViews };
}
