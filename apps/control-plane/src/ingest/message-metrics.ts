// Reads a metrics export decoded from protobuf as protobufjs message objects, without turning it into
// plain objects first (that cost more than decoding): the decoder already guarantees the structure and
// the field types, so only the values are checked here. A data point with anything unusual (an attribute
// that is bytes, an array or a list, a count past 2^53, an unsound histogram) is converted to its plain
// form and goes through the zod schema instead, which alone decides what is wrong and says so — the same
// answer as for the same export in OTLP/JSON.
import type protobuf from "protobufjs";
import type { HistogramPoint, NormalisedMetric, NormalisedMetrics, NormalisedResource, NumberPoint, Temporality } from "./normalise-metrics";
import { messageToObject } from "./otlp-proto";
import { ZAttributes, type AttributeValue, type Attributes } from "./otlp-values";
import { Rejections } from "./rejections";

/** Parses one point the general way (plain form, zod); undefined when it is rejected (and counted). */
export type PointFallback<T> = (plain: unknown, at: string, rejected: Rejections) => (T & { flags: number }) | undefined;

export interface Fallbacks {
  number: PointFallback<NumberPoint>;
  histogram: PointFallback<HistogramPoint>;
}

// The message classes protobufjs builds from the .proto files, as far as they are read here.
interface AnyValueMessage {
  value?: string;
  stringValue: string;
  boolValue: boolean;
  intValue: Long;
  doubleValue: number;
}
interface KeyValueMessage {
  key: string;
  value: AnyValueMessage | null;
}
interface PointMessage extends protobuf.Message {
  attributes: KeyValueMessage[];
  startTimeUnixNano: Long;
  timeUnixNano: Long;
  flags: number;
}
interface NumberPointMessage extends PointMessage {
  value?: string;
  asDouble: number;
  asInt: Long;
}
interface HistogramPointMessage extends PointMessage {
  count: Long;
  _sum?: string;
  sum: number;
  bucketCounts: Long[];
  explicitBounds: number[];
}
interface MetricMessage {
  name: string;
  unit: string;
  data?: string;
  gauge: { dataPoints: NumberPointMessage[] } | null;
  sum: { dataPoints: NumberPointMessage[]; aggregationTemporality: number; isMonotonic: boolean } | null;
  histogram: { dataPoints: HistogramPointMessage[]; aggregationTemporality: number } | null;
  exponentialHistogram: { dataPoints: unknown[] } | null;
  summary: { dataPoints: unknown[] } | null;
}
interface ScopeMetricsMessage {
  scope?: { name: string; version: string } | null;
  instrumentationLibrary?: { name: string; version: string } | null;
  metrics: MetricMessage[];
}
interface RequestMessage {
  resourceMetrics: { resource: (protobuf.Message & { attributes: KeyValueMessage[] }) | null; scopeMetrics: ScopeMetricsMessage[]; instrumentationLibraryMetrics: ScopeMetricsMessage[] }[];
}

type Long = protobuf.Long;

const TEMPORALITY: readonly Temporality[] = ["unspecified", "delta", "cumulative"];
const NO_RECORDED_VALUE = 1;
const TWO_32 = 4294967296;
/** high words below this keep an unsigned 64-bit value under 2^53 (exact as a number). */
const SAFE_HIGH = 0x200000;

/** An unsigned 64-bit value that fits a number exactly, else undefined. */
function safeUnsigned(v: Long): number | undefined {
  const high = v.high >>> 0;
  return high < SAFE_HIGH ? high * TWO_32 + (v.low >>> 0) : undefined;
}

/** A signed 64-bit value that fits a number exactly, else undefined. */
function safeSigned(v: Long): number | undefined {
  const high = v.high | 0;
  return high < SAFE_HIGH && high >= -SAFE_HIGH ? high * TWO_32 + (v.low >>> 0) : undefined;
}

/** Unsigned 64-bit values as bigint; the points of one export nearly always share their timestamps. */
class NanosCache {
  private high = -1;
  private low = -1;
  private value = 0n;

  of(v: Long): bigint {
    const high = v.high >>> 0;
    const low = v.low >>> 0;
    if (high !== this.high || low !== this.low) {
      this.high = high;
      this.low = low;
      this.value = (BigInt(high) << 32n) | BigInt(low);
    }
    return this.value;
  }
}

function attributeValue(v: AnyValueMessage | null): AttributeValue | undefined {
  if (v === null) return null;
  switch (v.value) {
    case "stringValue":
      return v.stringValue;
    case "boolValue":
      return v.boolValue;
    case "intValue":
      return safeSigned(v.intValue);
    case "doubleValue":
      return v.doubleValue;
    case undefined:
      return null;
    default:
      return undefined; // bytes, arrays and lists: the general path renders them
  }
}

/** Attributes as a record (a repeated key keeps its last value), or undefined for the general path. */
function attributeRecord(list: KeyValueMessage[]): Attributes | undefined {
  const out = Object.create(null) as Attributes;
  for (let i = 0; i < list.length; i++) {
    const kv = list[i]!;
    const value = attributeValue(kv.value);
    if (value === undefined) return undefined;
    out[kv.key] = value;
  }
  return out;
}

/**
 * Attribute sets repeat point after point and export after export: one frozen record per distinct list
 * (bounded), so a point costs one string key instead of a new record, and readers downstream can
 * remember what they derived from a record by its identity (request-observations.ts).
 */
const MAX_INTERNED = 50_000;
const interned = new Map<string, Attributes>();

/** The list as an unambiguous string (lengths before texts), or undefined for a value that is not a plain scalar. */
function listKey(list: KeyValueMessage[]): string | undefined {
  let key = "";
  for (let i = 0; i < list.length; i++) {
    const kv = list[i]!;
    const v = kv.value;
    key += `${kv.key.length}:${kv.key}`;
    if (v === null) key += "n";
    else if (v.value === "stringValue") key += `s${v.stringValue.length}:${v.stringValue}`;
    else if (v.value === "boolValue") key += v.boolValue ? "t" : "f";
    else if (v.value === "intValue") key += `i${v.intValue.high}:${v.intValue.low};`;
    else if (v.value === "doubleValue") key += `d${v.doubleValue};`;
    else if (v.value === undefined) key += "n";
    else return undefined;
  }
  return key;
}

function attributes(list: KeyValueMessage[]): Attributes | undefined {
  const key = listKey(list);
  if (key === undefined) return attributeRecord(list);
  let record = interned.get(key);
  if (record === undefined) {
    record = attributeRecord(list);
    if (record === undefined) return undefined;
    if (interned.size >= MAX_INTERNED) interned.clear();
    interned.set(key, Object.freeze(record));
  }
  return record;
}

interface Walk {
  times: NanosCache;
  starts: NanosCache;
  accepted: number;
  rejected: Rejections;
  fallbacks: Fallbacks;
}

function numberPoints(w: Walk, raw: NumberPointMessage[], at: string): NumberPoint[] {
  const out: NumberPoint[] = [];
  for (let i = 0; i < raw.length; i++) {
    const p = raw[i]!;
    let point: (NumberPoint & { flags: number }) | undefined;
    const attrs = attributes(p.attributes);
    const value = p.value === "asInt" ? safeSigned(p.asInt) : p.value === "asDouble" ? p.asDouble : 0;
    if (attrs && value !== undefined && Number.isFinite(value) && (p.timeUnixNano.low !== 0 || p.timeUnixNano.high !== 0)) {
      point = { attributes: attrs, startNs: w.starts.of(p.startTimeUnixNano), timeNs: w.times.of(p.timeUnixNano), value, flags: p.flags };
    } else {
      point = w.fallbacks.number(messageToObject(p), `${at}.dataPoints.${i}`, w.rejected);
      if (!point) continue;
    }
    w.accepted++;
    // Kept with its flags, as the general path keeps it.
    if ((point.flags & NO_RECORDED_VALUE) === 0) out.push(point);
  }
  return out;
}

function sound(p: HistogramPointMessage, count: number | undefined, sum: number | undefined): number[] | undefined {
  if (count === undefined || (sum !== undefined && !Number.isFinite(sum))) return undefined;
  const bounds = p.explicitBounds;
  for (let b = 0; b < bounds.length; b++) if (!Number.isFinite(bounds[b]!) || (b > 0 && bounds[b]! <= bounds[b - 1]!)) return undefined;
  const raw = p.bucketCounts;
  if (raw.length === 0) return [];
  if (raw.length !== bounds.length + 1) return undefined;
  const counts = new Array<number>(raw.length);
  let total = 0;
  for (let b = 0; b < raw.length; b++) {
    const c = safeUnsigned(raw[b]!);
    if (c === undefined) return undefined;
    counts[b] = c;
    total += c;
  }
  return total === count ? counts : undefined;
}

function histogramPoints(w: Walk, raw: HistogramPointMessage[], at: string): HistogramPoint[] {
  const out: HistogramPoint[] = [];
  for (let i = 0; i < raw.length; i++) {
    const p = raw[i]!;
    let point: (HistogramPoint & { flags: number }) | undefined;
    const attrs = attributes(p.attributes);
    const count = safeUnsigned(p.count);
    const sum = p._sum === "sum" ? p.sum : undefined;
    const bucketCounts = sound(p, count, sum);
    if (attrs && bucketCounts && count !== undefined && (p.timeUnixNano.low !== 0 || p.timeUnixNano.high !== 0)) {
      point = {
        attributes: attrs,
        startNs: w.starts.of(p.startTimeUnixNano),
        timeNs: w.times.of(p.timeUnixNano),
        count,
        sum,
        bucketCounts,
        explicitBounds: p.explicitBounds,
        flags: p.flags,
      };
    } else {
      point = w.fallbacks.histogram(messageToObject(p), `${at}.dataPoints.${i}`, w.rejected);
      if (!point) continue;
    }
    w.accepted++;
    if ((point.flags & NO_RECORDED_VALUE) === 0) out.push(point);
  }
  return out;
}

function metricOf(w: Walk, m: MetricMessage, at: string): NormalisedMetric | undefined {
  const base = { name: m.name, unit: m.unit };
  const data = m.data === undefined ? undefined : (m[m.data as keyof MetricMessage] as { dataPoints: unknown[] } | null);
  const all = data?.dataPoints.length ?? 0;
  if (m.name === "") {
    w.rejected.add(all, `${at}.name: is required`);
    return undefined;
  }
  if (m.data === "sum" && m.sum) {
    const temporality = TEMPORALITY[m.sum.aggregationTemporality] ?? "unspecified";
    return { ...base, kind: "sum", temporality, monotonic: m.sum.isMonotonic, points: numberPoints(w, m.sum.dataPoints, `${at}.sum`) };
  }
  if (m.data === "gauge" && m.gauge) return { ...base, kind: "gauge", points: numberPoints(w, m.gauge.dataPoints, `${at}.gauge`) };
  if (m.data === "histogram" && m.histogram) {
    const temporality = TEMPORALITY[m.histogram.aggregationTemporality] ?? "unspecified";
    return { ...base, kind: "histogram", temporality, points: histogramPoints(w, m.histogram.dataPoints, `${at}.histogram`) };
  }
  w.accepted += all;
  return all > 0 ? { ...base, kind: "other", pointCount: all } : undefined;
}

/** The normalised form of a decoded ExportMetricsServiceRequest message (see normaliseMetrics). */
export function normaliseMetricsMessage(message: protobuf.Message, fallbacks: Fallbacks): NormalisedMetrics {
  const request = message as unknown as RequestMessage;
  const w: Walk = { times: new NanosCache(), starts: new NanosCache(), accepted: 0, rejected: new Rejections(), fallbacks };
  const resources = request.resourceMetrics.map((rm, r): NormalisedResource => {
    const resource = rm.resource;
    const resourceAttributes = resource ? (attributes(resource.attributes) ?? ZAttributes.parse(messageToObject(resource).attributes)) : (Object.create(null) as Attributes);
    const scopes = [
      ...rm.scopeMetrics.map((sm) => ({ scope: sm.scope, metrics: sm.metrics, field: "scopeMetrics" })),
      ...rm.instrumentationLibraryMetrics.map((il) => ({ scope: il.instrumentationLibrary, metrics: il.metrics, field: "instrumentationLibraryMetrics" })),
    ];
    return {
      attributes: resourceAttributes,
      scopes: scopes.map(({ scope, metrics, field }, s) => ({
        name: scope?.name ?? "",
        version: scope?.version ?? "",
        metrics: metrics.flatMap((metric, m) => metricOf(w, metric, `resourceMetrics.${r}.${field}.${s}.metrics.${m}`) ?? []),
      })),
    };
  });
  return { resources, acceptedPoints: w.accepted, rejected: w.rejected };
}
