// Reads an OTLP metrics export straight from its protobuf bytes into the normalised form, without
// building protobufjs message objects (decoding them was most of the ingest's CPU). It reads only the
// plain shape nearly every exporter sends — scalar attributes, gauges, sums and explicit-bucket
// histograms with sound, exact values — and gives up (undefined) on anything else: unusual fields,
// repeated singular fields, bad UTF-8, values the general path would reject or read differently. The
// caller then decodes the same bytes with protobufjs (otlp-proto.ts) and normalises the message
// (message-metrics.ts), which alone decides what is wrong and says so. When it does not give up, its
// result equals that path's (metrics-wire-reader.test.ts compares them, also on mutated bytes).
import protobuf from "protobufjs";
import type { HistogramPoint, NormalisedMetric, NormalisedMetrics, NormalisedResource, NormalisedScope, NumberPoint, Temporality } from "./normalise-metrics";
import type { AttributeValue, Attributes } from "./otlp-values";
import { Rejections } from "./rejections";

/** An export read by readMetricsExport; normaliseMetrics() returns its content as it is. */
export class WireMetrics {
  constructor(readonly normalised: NormalisedMetrics) {}
}

/** Thrown inside the reader for anything it leaves to the general path. */
class GiveUp extends Error {}
const GIVE_UP = new GiveUp();

const TEMPORALITY: readonly Temporality[] = ["unspecified", "delta", "cumulative"];
const NO_RECORDED_VALUE = 1;
const TWO_32 = 4294967296;
const SAFE_HIGH = 0x200000;
const readStrict = protobuf.util.utf8.readStrict as (buffer: Uint8Array, start: number, end: number) => string;

/** Attribute lists by their encoded bytes (latin1 text of the KeyValue fields): one frozen record each, bounded. */
const MAX_INTERNED = 50_000;
/** Longer lists are not interned, so that the map holds at most MAX_INTERNED * this many bytes of keys. */
const MAX_INTERNED_BYTES = 2048;
const interned = new Map<string, Attributes>();

class Cursor {
  pos = 0;
  readonly view: DataView;
  /** Buffer's latin1Slice, which toString("latin1", ...) calls after its checks (the bounds here are checked). */
  readonly latin1: (start: number, end: number) => string;
  // Timestamps: the points of one export nearly always share them.
  private nsHigh = -1;
  private nsLow = -1;
  private ns = 0n;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as Buffer & { latin1Slice(start: number, end: number): string };
    this.latin1 = (start, end) => buf.latin1Slice(start, end);
  }

  /**
   * A varint of a 32-bit field (tags, lengths, uint32, int32, bool): its low 32 bits, unsigned. Longer
   * than 5 bytes is left to protobufjs (it skips the rest without reading it).
   */
  varint(end: number): number {
    const b = this.bytes;
    let value = 0;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= end) throw GIVE_UP;
      const byte = b[this.pos++]!;
      value |= (byte & 0x7f) << (7 * i);
      if (byte < 0x80) return value >>> 0;
    }
    throw GIVE_UP;
  }

  /** The end of a length-delimited field that starts here. */
  sub(end: number): number {
    const n = this.varint(end);
    const e = this.pos + n;
    if (e > end) throw GIVE_UP;
    return e;
  }

  /** A signed 64-bit varint that fits a number exactly (else the general path reads it). */
  int64(end: number): number {
    const b = this.bytes;
    let low = 0;
    let high = 0;
    let i = 0;
    for (; ; i++) {
      if (i >= 10 || this.pos >= end) throw GIVE_UP;
      const byte = b[this.pos++]!;
      const bits = byte & 0x7f;
      const shift = 7 * i;
      if (shift < 28) low |= bits << shift;
      else if (shift === 28) {
        low |= (bits & 0x0f) << 28;
        high |= bits >>> 4;
      } else high |= bits << (shift - 32);
      if (byte < 0x80) break;
    }
    const h = high | 0;
    if (h >= SAFE_HIGH || h < -SAFE_HIGH) throw GIVE_UP;
    return h * TWO_32 + (low >>> 0);
  }

  double(end: number): number {
    if (this.pos + 8 > end) throw GIVE_UP;
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A signed fixed64 that fits a number exactly. */
  sfixed64Number(end: number): number {
    if (this.pos + 8 > end) throw GIVE_UP;
    const low = this.view.getUint32(this.pos, true);
    const high = this.view.getInt32(this.pos + 4, true);
    this.pos += 8;
    if (high >= SAFE_HIGH || high < -SAFE_HIGH) throw GIVE_UP;
    return high * TWO_32 + low;
  }

  /** An unsigned fixed64 that fits a number exactly. */
  fixed64Number(end: number): number {
    if (this.pos + 8 > end) throw GIVE_UP;
    const low = this.view.getUint32(this.pos, true);
    const high = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
    if (high >= SAFE_HIGH) throw GIVE_UP;
    return high * TWO_32 + low;
  }

  fixed64Nanos(end: number): bigint {
    if (this.pos + 8 > end) throw GIVE_UP;
    const low = this.view.getUint32(this.pos, true);
    const high = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
    if (low !== this.nsLow || high !== this.nsHigh) {
      this.nsLow = low;
      this.nsHigh = high;
      this.ns = (BigInt(high) << 32n) | BigInt(low);
    }
    return this.ns;
  }

  string(end: number): string {
    const e = this.sub(end);
    const s = this.pos;
    this.pos = e;
    const b = this.bytes;
    for (let i = s; i < e; i++) if (b[i]! >= 0x80) return readStrict(b, s, e); // throws on bad UTF-8, as protobufjs does
    return this.latin1(s, e);
  }

  /** Skips a field of wire type `wire` as protobufjs skips unknown fields (groups are left to it). */
  skip(wire: number, end: number): void {
    if (wire === 0) this.varint(end);
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.pos = this.sub(end);
    else if (wire === 5) this.pos += 4;
    else throw GIVE_UP;
    if (this.pos > end) throw GIVE_UP;
  }
}

/** The next tag within `end`: field number * 8 + wire type; a field number 0 is left to protobufjs. */
function tag(c: Cursor, end: number): number {
  const t = c.varint(end);
  if (t >>> 3 === 0) throw GIVE_UP;
  return t;
}

/** One AnyValue: a scalar, or null when it has none; gives up on arrays, lists and bytes. */
function anyValue(c: Cursor, end: number): AttributeValue {
  let value: AttributeValue = null;
  let set = false;
  while (c.pos < end) {
    const t = tag(c, end);
    if (set && t >>> 3 <= 7) throw GIVE_UP; // a second member of the oneof
    if (t === 0x0a) value = c.string(end);
    else if (t === 0x10) value = c.varint(end) !== 0;
    else if (t === 0x18) value = c.int64(end);
    else if (t === 0x21) value = c.double(end);
    else if (t >>> 3 <= 7 && (t & 7) === [0, 2, 0, 0, 1, 2, 2, 2][t >>> 3]) throw GIVE_UP; // array, kvlist, bytes
    else {
      c.skip(t & 7, end);
      continue;
    }
    set = true;
  }
  return value;
}

/** The attributes encoded in bytes [start, end) (a run of KeyValue fields of tag `fieldTag`), as a new record. */
function attributeRecord(c: Cursor, ranges: number[], fieldTag: number): Attributes {
  const out = Object.create(null) as Attributes;
  const saved = c.pos;
  for (let r = 0; r < ranges.length; r += 2) {
    c.pos = ranges[r]!;
    const end = ranges[r + 1]!;
    while (c.pos < end) {
      if (tag(c, end) !== fieldTag) throw GIVE_UP;
      const kvEnd = c.sub(end);
      let key = "";
      let value: AttributeValue = null;
      let hasValue = false;
      while (c.pos < kvEnd) {
        const t = tag(c, kvEnd);
        if (t === 0x0a) key = c.string(kvEnd);
        else if (t === 0x12) {
          if (hasValue) throw GIVE_UP; // protobufjs merges a repeated value
          hasValue = true;
          value = anyValue(c, c.sub(kvEnd));
        } else c.skip(t & 7, kvEnd);
      }
      out[key] = value;
    }
  }
  c.pos = saved;
  return out;
}

/** The interned record of the attribute fields at `ranges` (pairs of start, end). */
function attributesAt(c: Cursor, ranges: number[], fieldTag: number): Attributes {
  let size = 0;
  for (let r = 0; r < ranges.length; r += 2) size += ranges[r + 1]! - ranges[r]!;
  if (size > MAX_INTERNED_BYTES) return Object.freeze(attributeRecord(c, ranges, fieldTag));
  let key = c.latin1(ranges[0]!, ranges[1]!);
  for (let r = 2; r < ranges.length; r += 2) key += c.latin1(ranges[r]!, ranges[r + 1]!);
  let record = interned.get(key);
  if (record === undefined) {
    record = Object.freeze(attributeRecord(c, ranges, fieldTag));
    if (interned.size >= MAX_INTERNED) interned.clear();
    interned.set(key, record);
  }
  return record;
}

/** Adds the range of one attribute field (its tag at `start`, the cursor after its length) to `ranges`. */
function addAttributeRange(c: Cursor, ranges: number[], start: number, end: number): void {
  const e = c.sub(end);
  if (ranges.length > 0 && ranges[ranges.length - 1] === start) ranges[ranges.length - 1] = e;
  else ranges.push(start, e);
  c.pos = e;
}

function numberPoint(c: Cursor, end: number): NumberPoint & { flags: number } {
  const ranges: number[] = [];
  let startNs = 0n;
  let timeNs = 0n;
  let value = 0;
  let valueSet = false;
  let flags = 0;
  while (c.pos < end) {
    const start = c.pos;
    const t = tag(c, end);
    switch (t) {
      case 0x3a: // attributes = 7
        addAttributeRange(c, ranges, start, end);
        break;
      case 0x11: // start_time_unix_nano = 2
        startNs = c.fixed64Nanos(end);
        break;
      case 0x19: // time_unix_nano = 3
        timeNs = c.fixed64Nanos(end);
        break;
      case 0x21: // as_double = 4
        if (valueSet) throw GIVE_UP;
        value = c.double(end);
        valueSet = true;
        break;
      case 0x31: // as_int = 6
        if (valueSet) throw GIVE_UP;
        value = c.sfixed64Number(end);
        valueSet = true;
        break;
      case 0x2a: // exemplars = 5: protobufjs decodes (and checks) them; left to it
        throw GIVE_UP;
      case 0x40: // flags = 8
        flags = c.varint(end);
        break;
      default:
        c.skip(t & 7, end);
    }
  }
  if (timeNs === 0n || !Number.isFinite(value)) throw GIVE_UP;
  const attributes = ranges.length === 0 ? attributesAt(c, EMPTY_ONE, 0x3a) : attributesAt(c, ranges, 0x3a);
  return { attributes, startNs, timeNs, value, flags };
}

const EMPTY_ONE = [0, 0];

/** Appends a repeated fixed64 field (bucket counts), packed (wire type 2) or not, to `out`. */
function counts(c: Cursor, t: number, end: number, out: number[]): void {
  if ((t & 7) !== 2) {
    out.push(c.fixed64Number(end));
    return;
  }
  const e = c.sub(end);
  if ((e - c.pos) % 8 !== 0) throw GIVE_UP;
  while (c.pos < e) out.push(c.fixed64Number(e));
}

/** Appends a repeated double field (bounds), packed (wire type 2) or not, to `out`. */
function doubles(c: Cursor, t: number, end: number, out: number[]): void {
  if ((t & 7) !== 2) {
    out.push(c.double(end));
    return;
  }
  const e = c.sub(end);
  if ((e - c.pos) % 8 !== 0) throw GIVE_UP;
  while (c.pos < e) out.push(c.double(e));
}

function histogramPoint(c: Cursor, end: number): HistogramPoint & { flags: number } {
  const ranges: number[] = [];
  let startNs = 0n;
  let timeNs = 0n;
  let count = 0;
  let sum: number | undefined;
  const bucketCounts: number[] = [];
  const explicitBounds: number[] = [];
  let flags = 0;
  while (c.pos < end) {
    const start = c.pos;
    const t = tag(c, end);
    switch (t) {
      case 0x4a: // attributes = 9
        addAttributeRange(c, ranges, start, end);
        break;
      case 0x11:
        startNs = c.fixed64Nanos(end);
        break;
      case 0x19:
        timeNs = c.fixed64Nanos(end);
        break;
      case 0x21: // count = 4
        count = c.fixed64Number(end);
        break;
      case 0x29: // sum = 5
        sum = c.double(end);
        break;
      case 0x31: // bucket_counts = 6
      case 0x32:
        counts(c, t, end, bucketCounts);
        break;
      case 0x39: // explicit_bounds = 7
      case 0x3a:
        doubles(c, t, end, explicitBounds);
        break;
      case 0x42: // exemplars = 8
        throw GIVE_UP;
      case 0x50: // flags = 10
        flags = c.varint(end);
        break;
      default: // min = 11, max = 12 (not read) and unknown fields
        c.skip(t & 7, end);
    }
  }
  if (timeNs === 0n || (sum !== undefined && !Number.isFinite(sum))) throw GIVE_UP;
  for (let b = 0; b < explicitBounds.length; b++) if (!Number.isFinite(explicitBounds[b]!) || (b > 0 && explicitBounds[b]! <= explicitBounds[b - 1]!)) throw GIVE_UP;
  if (bucketCounts.length > 0) {
    if (bucketCounts.length !== explicitBounds.length + 1) throw GIVE_UP;
    let total = 0;
    for (let b = 0; b < bucketCounts.length; b++) total += bucketCounts[b]!;
    if (total !== count) throw GIVE_UP;
  }
  const attributes = ranges.length === 0 ? attributesAt(c, EMPTY_ONE, 0x4a) : attributesAt(c, ranges, 0x4a);
  return { attributes, startNs, timeNs, count, sum, bucketCounts, explicitBounds, flags };
}

interface Walk {
  accepted: number;
}

/** The data points of a Gauge, Sum or Histogram message (data_points = 1), with its other fields. */
function dataOf(c: Cursor, end: number, w: Walk, histogram: boolean): { points: (NumberPoint | HistogramPoint)[]; temporality: number; monotonic: boolean } {
  const points: (NumberPoint | HistogramPoint)[] = [];
  let temporality = 0;
  let monotonic = false;
  while (c.pos < end) {
    const t = tag(c, end);
    if (t === 0x0a) {
      const e = c.sub(end);
      const p = histogram ? histogramPoint(c, e) : numberPoint(c, e);
      c.pos = e;
      w.accepted++;
      if ((p.flags & NO_RECORDED_VALUE) === 0) points.push(p);
    } else if (t === 0x10) temporality = c.varint(end) | 0;
    else if (t === 0x18) monotonic = c.varint(end) !== 0;
    else c.skip(t & 7, end);
  }
  return { points, temporality, monotonic };
}

function metricOf(c: Cursor, end: number, w: Walk): NormalisedMetric | undefined {
  let name = "";
  let unit = "";
  let kind = 0; // field number of the data member
  let data: ReturnType<typeof dataOf> | undefined;
  while (c.pos < end) {
    const t = tag(c, end);
    const field = t >>> 3;
    if (t === 0x0a) name = c.string(end);
    else if (t === 0x12) c.string(end); // description: read for its UTF-8 check
    else if (t === 0x1a) unit = c.string(end);
    else if ((field === 5 || field === 7 || field === 9) && (t & 7) === 2) {
      if (kind !== 0) throw GIVE_UP; // a second data member, or a repeated one (protobufjs merges it)
      kind = field;
      const e = c.sub(end);
      // Temporality and monotonicity fields of a gauge are unknown fields: skipped as protobufjs skips them.
      data = dataOf(c, e, w, field === 9);
      c.pos = e;
    } else if ((field === 10 || field === 11) && (t & 7) === 2) throw GIVE_UP; // exponential histograms, summaries
    else c.skip(t & 7, end);
  }
  if (name === "") throw GIVE_UP; // rejected by the general path, which says why
  if (!data) return undefined;
  if (kind === 7) {
    const temporality = TEMPORALITY[data.temporality] ?? "unspecified";
    return { name, unit, kind: "sum", temporality, monotonic: data.monotonic, points: data.points as NumberPoint[] };
  }
  if (kind === 5) return { name, unit, kind: "gauge", points: data.points as NumberPoint[] };
  return { name, unit, kind: "histogram", temporality: TEMPORALITY[data.temporality] ?? "unspecified", points: data.points as HistogramPoint[] };
}

function scopeMetrics(c: Cursor, end: number, w: Walk): NormalisedScope {
  let name = "";
  let version = "";
  let scopeSeen = false;
  const metrics: NormalisedMetric[] = [];
  while (c.pos < end) {
    const t = tag(c, end);
    if (t === 0x0a) {
      if (scopeSeen) throw GIVE_UP;
      scopeSeen = true;
      const e = c.sub(end);
      while (c.pos < e) {
        const st = tag(c, e);
        if (st === 0x0a) name = c.string(e);
        else if (st === 0x12) version = c.string(e);
        else c.skip(st & 7, e);
      }
    } else if (t === 0x12) {
      const e = c.sub(end);
      const m = metricOf(c, e, w);
      c.pos = e;
      if (m) metrics.push(m);
    } else if (t === 0x1a) c.string(end); // schema_url
    else c.skip(t & 7, end);
  }
  return { name, version, metrics };
}

function resourceMetrics(c: Cursor, end: number, w: Walk): NormalisedResource {
  let attributes: Attributes | undefined;
  const scopes: NormalisedScope[] = [];
  while (c.pos < end) {
    const t = tag(c, end);
    if (t === 0x0a) {
      if (attributes) throw GIVE_UP;
      const e = c.sub(end);
      const ranges: number[] = [];
      while (c.pos < e) {
        const start = c.pos;
        const rt = tag(c, e);
        if (rt === 0x0a) addAttributeRange(c, ranges, start, e);
        else if (rt === 0x10) c.varint(e);
        else c.skip(rt & 7, e);
      }
      attributes = attributesAt(c, ranges.length === 0 ? EMPTY_ONE : ranges, 0x0a);
    } else if (t === 0x12) {
      const e = c.sub(end);
      scopes.push(scopeMetrics(c, e, w));
      c.pos = e;
    } else if (t === 0x1a) c.string(end); // schema_url
    else if (t >>> 3 === 1000 && (t & 7) === 2) throw GIVE_UP; // instrumentation_library_metrics: the general path orders them
    else c.skip(t & 7, end);
  }
  return { attributes: attributes ?? (Object.create(null) as Attributes), scopes };
}

/** The normalised export, or undefined when it is left to protobufjs and the general path. */
export function readMetricsExport(bytes: Uint8Array): WireMetrics | undefined {
  const c = new Cursor(bytes);
  const w: Walk = { accepted: 0 };
  const resources: NormalisedResource[] = [];
  try {
    const end = bytes.length;
    while (c.pos < end) {
      const t = tag(c, end);
      if (t === 0x0a) {
        const e = c.sub(end);
        resources.push(resourceMetrics(c, e, w));
        c.pos = e;
      } else c.skip(t & 7, end);
    }
  } catch (err) {
    if (err === GIVE_UP || err instanceof Error) return undefined; // bad UTF-8 (readStrict) too
    throw err;
  }
  return new WireMetrics({ resources, acceptedPoints: w.accepted, rejected: new Rejections() });
}
