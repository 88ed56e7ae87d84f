// Turns an OTLP metrics export, decoded from protobuf or parsed from JSON, into one internal shape.
// The structure must be sound (else the whole request is a 400); each data point is checked on its
// own, and a bad one is rejected and counted (OTLP partial success) while the rest are kept.
import protobuf from "protobufjs";
import { z } from "zod";
import { InvalidRequestError } from "../errors";
import { zodProblem } from "../zod-issues";
import { ZAttributes, ZCount, ZDouble, ZInt64, ZOtlpEnum, ZUnsignedInt64, type Attributes } from "./otlp-values";
import { fastHistogramPoint, fastNumberPoint } from "./fast-points";
import { normaliseMetricsMessage, type PointFallback } from "./message-metrics";
import { WireMetrics } from "./metrics-wire-reader";
import { Rejections } from "./rejections";

export type Temporality = "unspecified" | "delta" | "cumulative";

export interface NumberPoint {
  attributes: Attributes;
  startNs: bigint;
  timeNs: bigint;
  value: number;
}

export interface HistogramPoint {
  attributes: Attributes;
  startNs: bigint;
  timeNs: bigint;
  count: number;
  sum: number | undefined;
  /** explicitBounds.length + 1 counts, or none at all (a histogram of count and sum only). */
  bucketCounts: number[];
  explicitBounds: number[];
}

interface MetricBase {
  name: string;
  unit: string;
}

export type NormalisedMetric =
  | (MetricBase & { kind: "gauge"; points: NumberPoint[] })
  | (MetricBase & { kind: "sum"; temporality: Temporality; monotonic: boolean; points: NumberPoint[] })
  | (MetricBase & { kind: "histogram"; temporality: Temporality; points: HistogramPoint[] })
  /** Exponential histograms and summaries: accepted and counted, not read. */
  | (MetricBase & { kind: "other"; pointCount: number });

export interface NormalisedScope {
  name: string;
  version: string;
  metrics: NormalisedMetric[];
}

export interface NormalisedResource {
  attributes: Attributes;
  scopes: NormalisedScope[];
}

export interface NormalisedMetrics {
  resources: NormalisedResource[];
  /** Data points kept (of every kind). */
  acceptedPoints: number;
  rejected: Rejections;
}

const TEMPORALITY: readonly Temporality[] = ["unspecified", "delta", "cumulative"];
const ZTemporality = ZOtlpEnum(["AGGREGATION_TEMPORALITY_UNSPECIFIED", "AGGREGATION_TEMPORALITY_DELTA", "AGGREGATION_TEMPORALITY_CUMULATIVE"]).transform(
  (n): Temporality => TEMPORALITY[n] ?? "unspecified",
);

const ZPoints = z.array(z.unknown()).default([]);

const ZMetric = z.object({
  name: z.string().default(""),
  unit: z.string().default(""),
  gauge: z.object({ dataPoints: ZPoints }).optional(),
  sum: z.object({ dataPoints: ZPoints, aggregationTemporality: ZTemporality.default("unspecified"), isMonotonic: z.boolean().default(false) }).optional(),
  histogram: z.object({ dataPoints: ZPoints, aggregationTemporality: ZTemporality.default("unspecified") }).optional(),
  exponentialHistogram: z.object({ dataPoints: ZPoints }).optional(),
  summary: z.object({ dataPoints: ZPoints }).optional(),
});

const ZScope = z.object({ name: z.string().default(""), version: z.string().default("") }).default({ name: "", version: "" });

const ZScopeMetrics = z.object({ scope: ZScope, metrics: z.array(ZMetric).default([]) });

const ZExportMetricsRequest = z.object({
  resourceMetrics: z
    .array(
      z.object({
        resource: z.object({ attributes: ZAttributes }).default({ attributes: {} }),
        scopeMetrics: z.array(ZScopeMetrics).default([]),
        // The protocol's older name for scopeMetrics, still sent by old SDKs.
        instrumentationLibraryMetrics: z
          .array(z.object({ instrumentationLibrary: ZScope, metrics: z.array(ZMetric).default([]) }))
          .default([]),
      }),
    )
    .default([]),
});

/** Points flagged FLAG_NO_RECORDED_VALUE carry no data (e.g. a stream that went stale). */
const NO_RECORDED_VALUE = 1;

const pointBase = {
  attributes: ZAttributes,
  startTimeUnixNano: ZUnsignedInt64.default(0n),
  timeUnixNano: ZUnsignedInt64.refine((t) => t > 0n, "is required"),
  flags: z.number().int().default(0),
};

export const ZNumberPoint = z
  .object({ ...pointBase, asDouble: ZDouble.optional(), asInt: ZInt64.optional() })
  .transform((p, ctx) => {
    // Neither set: protobuf omits a zero, and so do some JSON encoders.
    const value = p.asInt !== undefined ? Number(p.asInt) : (p.asDouble ?? 0);
    if (!Number.isFinite(value)) {
      ctx.addIssue({ code: "custom", path: ["asDouble"], message: "must be finite" });
      return z.NEVER;
    }
    return { attributes: p.attributes, startNs: p.startTimeUnixNano, timeNs: p.timeUnixNano, value, flags: p.flags };
  });

export const ZHistogramPoint = z
  .object({
    ...pointBase,
    count: ZCount.default(0),
    sum: ZDouble.optional(),
    bucketCounts: z.array(ZCount).default([]),
    explicitBounds: z.array(ZDouble).default([]),
  })
  .superRefine((p, ctx) => {
    const { bucketCounts: counts, explicitBounds: bounds } = p;
    if (counts.length > 0 && counts.length !== bounds.length + 1) {
      ctx.addIssue({ code: "custom", path: ["bucketCounts"], message: `must have explicitBounds.length + 1 = ${bounds.length + 1} entries, has ${counts.length}` });
    }
    if (bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= bounds[i - 1]!))) {
      ctx.addIssue({ code: "custom", path: ["explicitBounds"], message: "must be finite and strictly increasing" });
    }
    // zod runs this refinement even when an element failed its own check (a count too large stays a
    // bigint there): compare sums only when every count is a number.
    if (counts.length > 0 && counts.every((c) => typeof c === "number") && counts.reduce((a, b) => a + b, 0) !== p.count) {
      ctx.addIssue({ code: "custom", path: ["count"], message: "must equal the sum of bucketCounts" });
    }
    if (p.sum !== undefined && !Number.isFinite(p.sum)) ctx.addIssue({ code: "custom", path: ["sum"], message: "must be finite" });
  })
  .transform((p) => ({
    attributes: p.attributes,
    startNs: p.startTimeUnixNano,
    timeNs: p.timeUnixNano,
    count: p.count,
    sum: p.sum,
    bucketCounts: p.bucketCounts,
    explicitBounds: p.explicitBounds,
    flags: p.flags,
  }));

type Parsed<T> = T & { flags: number };

/** Each point through `fast` (plain, well-formed points), else through the zod schema, which names what is wrong. */
function parsePoints<T>(schema: z.ZodType<Parsed<T>>, fast: (point: unknown) => Parsed<T> | undefined, raw: unknown[], at: string, counts: { accepted: number }, rejected: Rejections): T[] {
  const out: T[] = [];
  raw.forEach((point, i) => {
    let data = fast(point);
    if (!data) {
      const parsed = schema.safeParse(point);
      if (!parsed.success) {
        rejected.add(1, `${at}.dataPoints.${i}: ${zodProblem(parsed.error).message}`);
        return;
      }
      data = parsed.data;
    }
    counts.accepted++;
    if ((data.flags & NO_RECORDED_VALUE) === 0) out.push(data);
  });
  return out;
}

function normaliseMetric(metric: z.infer<typeof ZMetric>, at: string, counts: { accepted: number }, rejected: Rejections): NormalisedMetric | undefined {
  const base = { name: metric.name, unit: metric.unit };
  const all = (metric.gauge ?? metric.sum ?? metric.histogram ?? metric.exponentialHistogram ?? metric.summary)?.dataPoints ?? [];
  if (metric.name === "") {
    rejected.add(all.length, `${at}.name: is required`);
    return undefined;
  }
  if (metric.sum) {
    const { aggregationTemporality: temporality, isMonotonic: monotonic } = metric.sum;
    return { ...base, kind: "sum", temporality, monotonic, points: parsePoints(ZNumberPoint, fastNumberPoint, metric.sum.dataPoints, `${at}.sum`, counts, rejected) };
  }
  if (metric.gauge) return { ...base, kind: "gauge", points: parsePoints(ZNumberPoint, fastNumberPoint, metric.gauge.dataPoints, `${at}.gauge`, counts, rejected) };
  if (metric.histogram) {
    const temporality = metric.histogram.aggregationTemporality;
    return { ...base, kind: "histogram", temporality, points: parsePoints(ZHistogramPoint, fastHistogramPoint, metric.histogram.dataPoints, `${at}.histogram`, counts, rejected) };
  }
  counts.accepted += all.length;
  return all.length > 0 ? { ...base, kind: "other", pointCount: all.length } : undefined;
}

/** One point through the zod schema alone (message-metrics.ts hands over the points it does not read itself). */
function zodFallback<T>(schema: z.ZodType<Parsed<T>>): PointFallback<T> {
  return (plain, at, rejected) => {
    const parsed = schema.safeParse(plain);
    if (parsed.success) return parsed.data;
    rejected.add(1, `${at}: ${zodProblem(parsed.error).message}`);
    return undefined;
  };
}
const FALLBACKS = { number: zodFallback<NumberPoint>(ZNumberPoint), histogram: zodFallback<HistogramPoint>(ZHistogramPoint) };

/**
 * Throws InvalidRequestError (with the path of the problem) when the request's structure is unsound.
 * The input is OTLP/JSON parsed, or what otlp-proto's decodeMetricsRequest returns: an export read
 * straight from its bytes (already normalised), or a protobufjs message.
 */
export function normaliseMetrics(input: unknown): NormalisedMetrics {
  if (input instanceof WireMetrics) return input.normalised;
  if (input instanceof protobuf.Message) return normaliseMetricsMessage(input, FALLBACKS);
  const parsed = ZExportMetricsRequest.safeParse(input);
  if (!parsed.success) {
    const problem = zodProblem(parsed.error);
    throw new InvalidRequestError("body", `not an OTLP metrics export: ${problem.message}`, problem.path || undefined);
  }
  const rejected = new Rejections();
  const counts = { accepted: 0 };
  const resources = parsed.data.resourceMetrics.map((rm, r): NormalisedResource => {
    const scopes = [
      ...rm.scopeMetrics.map((sm) => ({ scope: sm.scope, metrics: sm.metrics, field: "scopeMetrics" })),
      ...rm.instrumentationLibraryMetrics.map((il) => ({ scope: il.instrumentationLibrary, metrics: il.metrics, field: "instrumentationLibraryMetrics" })),
    ];
    return {
      attributes: rm.resource.attributes,
      scopes: scopes.map(({ scope, metrics, field }, s) => ({
        name: scope.name,
        version: scope.version,
        metrics: metrics.flatMap((metric, m) => normaliseMetric(metric, `resourceMetrics.${r}.${field}.${s}.metrics.${m}`, counts, rejected) ?? []),
      })),
    };
  });
  return { resources, acceptedPoints: counts.accepted, rejected };
}
