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
import { seriesKeyOf } from "../db/rollup-cells";
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

/** A parsed label set with the keys it is compared and stored by, computed once per distinct raw label set. */
type LabelSet = EdgeLabels & { seriesKey: string; labelsKey: string };

/** Label sets repeat from export to export: their parse result is remembered (bounded) by the raw values. */
const MAX_CACHED_LABEL_SETS = 50_000;
const labelCache = new Map<string, LabelSet | string>();

/** One raw attribute value in the cache key, typed, so that "true" and true (or 1 and "1") never share an entry. */
function typed(v: Attributes[string] | undefined): string {
  if (typeof v === "string") return `s${v}`;
  return v === undefined ? "u" : v === null ? "n" : `${typeof v}:${String(v)}`;
}

/**
 * Frozen attribute records are shared by every point (or resource) with that attribute set
 * (message-metrics.ts interns them): the label set of a point is remembered by the identity of its
 * record, per resource record.
 */
const byResource = new WeakMap<Attributes, WeakMap<Attributes, LabelSet | string>>();

/** The memo of label sets of a resource's points, when its record is a shared one. */
function memoOf(resource: Attributes): WeakMap<Attributes, LabelSet | string> | undefined {
  if (!Object.isFrozen(resource)) return undefined;
  let memo = byResource.get(resource);
  if (memo === undefined) byResource.set(resource, (memo = new WeakMap()));
  return memo;
}

function edgeLabels(ctx: Context, point: Attributes): LabelSet | string {
  const memo = ctx.memo;
  if (memo === undefined || !Object.isFrozen(point)) return edgeLabelsByValue(point, ctx.resource);
  let labels = memo.get(point);
  if (labels === undefined) memo.set(point, (labels = edgeLabelsByValue(point, ctx.resource)));
  return labels;
}

function edgeLabelsByValue(point: Attributes, resource: Attributes): LabelSet | string {
  // Concatenated rather than mapped and joined: this runs for every data point.
  const key =
    typed(point[ATTR_SOURCE_SERVICE]) +
    "\u0000" +
    typed(resource[RESOURCE_SERVICE_NAME]) +
    "\u0000" +
    typed(point[ATTR_DESTINATION_SERVICE]) +
    "\u0000" +
    typed(point[ATTR_DESTINATION_VERSION]) +
    "\u0000" +
    typed(point[ATTR_RESPONSE_CLASS]) +
    "\u0000" +
    typed(point[ATTR_OUTCOME]) +
    "\u0000" +
    typed(point[ATTR_MTLS]) +
    "\u0000" +
    typed(point[ATTR_DIRECTION]);
  let labels = labelCache.get(key);
  if (labels === undefined) {
    if (labelCache.size >= MAX_CACHED_LABEL_SETS) labelCache.clear();
    const parsed = parseEdgeLabels(point, resource);
    labels = typeof parsed === "string" ? parsed : { ...parsed, seriesKey: seriesKeyOf(parsed), labelsKey: labelsKey(parsed) };
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
  memo: WeakMap<Attributes, LabelSet | string> | undefined;
  streamPrefix: string;
  nowMs: number;
  trackers: DeltaTrackers;
  reject: (reason: string, points?: number) => void;
}

/** The last conversion: the points of an export nearly always share their time (a bigint division allocates). */
let lastNs = -1n;
let lastMs = 0;

function timeMsOf(point: { timeNs: bigint }): number {
  const ns = point.timeNs;
  if (ns !== lastNs) {
    lastMs = Number(ns / 1_000_000n);
    lastNs = ns;
  }
  return lastMs;
}

/** The point's label set, or undefined when it is rejected (`at`.dataPoints.`i` names it then). */
function checkedLabels(ctx: Context, at: string, i: number, point: NumberPoint | HistogramPoint): LabelSet | undefined {
  const labels = edgeLabels(ctx, point.attributes);
  if (typeof labels === "string") return void ctx.reject(`${at}.dataPoints.${i}: ${labels}`);
  if (timeMsOf(point) > ctx.nowMs + MAX_FUTURE_MS) return void ctx.reject(`${at}.dataPoints.${i}: timeUnixNano is more than 10 minutes in the future`);
  return labels;
}

function observation(labels: LabelSet, timeMs: number, count: number, durationSumMs: number, buckets: number[]): RequestObservation {
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
    seriesKey: labels.seriesKey,
  };
}

function histogramObservations(ctx: Context, metric: Extract<NormalisedMetric, { kind: "histogram" }>, at: string, out: [LabelSet, RequestObservation][]): void {
  const unitMs = UNIT_MS[metric.unit];
  if (unitMs === undefined) {
    ctx.reject(`${at}: unit ${JSON.stringify(metric.unit)} is not a duration unit (ms, s, us, ns)`, metric.points.length);
    return;
  }
  if (metric.temporality === "unspecified") {
    ctx.reject(`${at}: aggregationTemporality must be DELTA or CUMULATIVE`, metric.points.length);
    return;
  }
  const points = metric.points;
  for (let i = 0; i < points.length; i++) {
    const point = points[i]!;
    const labels = checkedLabels(ctx, at, i, point);
    if (!labels) continue;
    let value: HistogramValue | undefined = { count: point.count, sum: point.sum ?? 0, bucketCounts: point.bucketCounts };
    if (metric.temporality === "cumulative") {
      const key = `${ctx.streamPrefix}\u0000${metric.name}\u0000${attributesKey(point.attributes)}\u0000${point.explicitBounds.join(",")}`;
      value = ctx.trackers.histograms.next(key, point.startNs, point.timeNs, value, ctx.nowMs);
    }
    if (!value || value.count <= 0) continue;
    const sumMs = value.sum * unitMs;
    let buckets: number[];
    if (value.bucketCounts.length === 0) {
      // Count and sum only: place every request at the mean, the one latency we know.
      buckets = rebucket([0, value.count], [sumMs / value.count]);
    } else {
      buckets = rebucket(value.bucketCounts, unitMs === 1 ? point.explicitBounds : point.explicitBounds.map((b) => b * unitMs), LATENCY_BOUNDS_MS);
    }
    out.push([labels, observation(labels, timeMsOf(point), value.count, sumMs, buckets)]);
  }
}

/** A counter's requests: the observation is built only if no histogram of the export covers its label set. */
type CounterCount = [LabelSet, number, number];

function counterObservations(ctx: Context, metric: Extract<NormalisedMetric, { kind: "sum" }>, at: string, out: CounterCount[]): void {
  if (!metric.monotonic) {
    ctx.reject(`${at}: ${METRIC_REQUESTS} must be a monotonic sum`, metric.points.length);
    return;
  }
  if (metric.temporality === "unspecified") {
    ctx.reject(`${at}: aggregationTemporality must be DELTA or CUMULATIVE`, metric.points.length);
    return;
  }
  const points = metric.points;
  for (let i = 0; i < points.length; i++) {
    const point = points[i]!;
    const labels = checkedLabels(ctx, at, i, point);
    if (!labels) continue;
    if (point.value < 0) {
      ctx.reject(`${at}.dataPoints.${i}: a request count cannot be negative`);
      continue;
    }
    let value: number | undefined = point.value;
    if (metric.temporality === "cumulative") {
      const key = `${ctx.streamPrefix}\u0000${metric.name}\u0000${attributesKey(point.attributes)}`;
      value = ctx.trackers.counters.next(key, point.startNs, point.timeNs, point.value, ctx.nowMs);
    }
    const count = Math.round(value ?? 0);
    if (count <= 0) continue;
    out.push([labels, timeMsOf(point), count]);
  }
}

const labelsKey = (l: EdgeLabels) => [l.source, l.destination, l.destinationVersion, l.responseClass, l.outcome, l.mtls, l.direction].join("\u0000");

/** Both sidecars of a mesh-internal call record it; the caller's (outbound) view is the one kept. */
const isDuplicateView = (labels: EdgeLabels) => labels.direction === "inbound" && labels.source !== EXTERNAL_SOURCE;

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
    const fromHistograms: [LabelSet, RequestObservation][] = [];
    const fromCounters: CounterCount[] = [];
    resource.scopes.forEach((scope, s) => {
      const ctx: Context = {
        resource: resource.attributes,
        memo: memoOf(resource.attributes),
        streamPrefix: `${resourceKey}\u0000${scope.name}\u0000${scope.version}`,
        nowMs,
        trackers,
        reject: (reason, points = 1) => metrics.rejected.add(points, reason),
      };
      scope.metrics.forEach((metric, m) => {
        const at = `resource ${r} scope ${s} metric ${m} (${metric.name})`;
        if (metric.name === METRIC_REQUEST_DURATION && metric.kind === "histogram") histogramObservations(ctx, metric, at, fromHistograms);
        else if (metric.name === METRIC_REQUESTS && metric.kind === "sum") counterObservations(ctx, metric, at, fromCounters);
        else if (metric.name === METRIC_REQUEST_DURATION || metric.name === METRIC_REQUESTS) {
          const points = metric.kind === "other" ? metric.pointCount : metric.points.length;
          metrics.rejected.add(points, `${at}: ${metric.name} must be a ${metric.name === METRIC_REQUESTS ? "monotonic sum" : "histogram"}`);
        } else foreignPoints += metric.kind === "other" ? metric.pointCount : metric.points.length;
      });
    });
    const withHistogram = new Set<string>();
    for (const [labels, obs] of fromHistograms) {
      withHistogram.add(labels.labelsKey);
      if (isDuplicateView(labels)) duplicateViews++;
      else observations.push(obs);
    }
    for (const [labels, timeMs, count] of fromCounters) {
      if (withHistogram.has(labels.labelsKey)) continue;
      if (isDuplicateView(labels)) duplicateViews++;
      else observations.push(observation(labels, timeMs, count, 0, new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0)));
    }
  });
  return { observations, foreignPoints, duplicateViews };
}
