// Fast paths for the data points nearly every export carries: plain, well-formed values read without
// zod (which costs ~100 µs a point). Each returns undefined for anything unusual, and the caller then
// parses the point with the zod schema, which alone decides what is wrong and says so. A fast path
// accepts a strict subset of what the schema accepts and yields the same result.
import type { AttributeValue, Attributes } from "./otlp-values";

const DECIMAL = /^\d+$/;
const SIGNED_DECIMAL = /^-?\d+$/;

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

/** An unsigned 64-bit integer as a decimal string or a safe non-negative integer. */
function uint64(v: unknown): bigint | undefined {
  if (typeof v === "string") return DECIMAL.test(v) ? BigInt(v) : undefined;
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : undefined;
  return undefined;
}

/** A count (fits a JS number exactly). */
function count(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v === "string" && DECIMAL.test(v) && v.length <= 15) return Number(v);
  return undefined;
}

function anyValue(v: unknown): AttributeValue | undefined {
  if (!isObject(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length !== 1) return undefined;
  const s = v.stringValue;
  if (typeof s === "string") return s;
  const b = v.boolValue;
  if (typeof b === "boolean") return b;
  const i = v.intValue;
  if (typeof i === "string" && SIGNED_DECIMAL.test(i) && i.length <= 15) return Number(i);
  if (typeof i === "number" && Number.isSafeInteger(i)) return i;
  const d = v.doubleValue;
  if (typeof d === "number") return d;
  return undefined;
}

export function fastAttributes(list: unknown): Attributes | undefined {
  if (list === undefined) return Object.create(null) as Attributes;
  if (!Array.isArray(list)) return undefined;
  const out = Object.create(null) as Attributes;
  for (const kv of list) {
    if (!isObject(kv) || typeof kv.key !== "string") return undefined;
    const value = kv.value === undefined ? null : anyValue(kv.value);
    if (value === undefined) return undefined;
    out[kv.key] = value;
  }
  return out;
}

interface PointBase {
  attributes: Attributes;
  startNs: bigint;
  timeNs: bigint;
  flags: number;
}

function pointBase(p: Obj): PointBase | undefined {
  const attributes = fastAttributes(p.attributes);
  const startNs = p.startTimeUnixNano === undefined ? 0n : uint64(p.startTimeUnixNano);
  const timeNs = uint64(p.timeUnixNano);
  const flags = p.flags === undefined ? 0 : p.flags;
  if (!attributes || startNs === undefined || timeNs === undefined || timeNs <= 0n || typeof flags !== "number" || !Number.isInteger(flags)) return undefined;
  return { attributes, startNs, timeNs, flags };
}

export function fastNumberPoint(p: unknown): (PointBase & { value: number }) | undefined {
  if (!isObject(p)) return undefined;
  const base = pointBase(p);
  if (!base) return undefined;
  let value: number;
  if (p.asInt !== undefined) {
    const i = p.asInt;
    if (typeof i === "string" && SIGNED_DECIMAL.test(i) && i.length <= 15) value = Number(i);
    else if (typeof i === "number" && Number.isSafeInteger(i)) value = i;
    else return undefined;
  } else if (p.asDouble !== undefined) {
    if (typeof p.asDouble !== "number" || !Number.isFinite(p.asDouble)) return undefined;
    value = p.asDouble;
  } else value = 0;
  return { ...base, value };
}

export function fastHistogramPoint(p: unknown): (PointBase & { count: number; sum: number | undefined; bucketCounts: number[]; explicitBounds: number[] }) | undefined {
  if (!isObject(p)) return undefined;
  const base = pointBase(p);
  if (!base) return undefined;
  const total = p.count === undefined ? 0 : count(p.count);
  if (total === undefined) return undefined;
  let sum: number | undefined;
  if (p.sum !== undefined) {
    if (typeof p.sum !== "number" || !Number.isFinite(p.sum)) return undefined;
    sum = p.sum;
  }
  const rawCounts = p.bucketCounts === undefined ? [] : p.bucketCounts;
  const rawBounds = p.explicitBounds === undefined ? [] : p.explicitBounds;
  if (!Array.isArray(rawCounts) || !Array.isArray(rawBounds)) return undefined;
  const bucketCounts: number[] = [];
  let bucketTotal = 0;
  for (const c of rawCounts) {
    const n = count(c);
    if (n === undefined) return undefined;
    bucketCounts.push(n);
    bucketTotal += n;
  }
  const explicitBounds: number[] = [];
  for (const b of rawBounds) {
    if (typeof b !== "number" || !Number.isFinite(b) || (explicitBounds.length > 0 && b <= explicitBounds[explicitBounds.length - 1]!)) return undefined;
    explicitBounds.push(b);
  }
  if (bucketCounts.length > 0 && (bucketCounts.length !== explicitBounds.length + 1 || bucketTotal !== total)) return undefined;
  return { ...base, count: total, sum, bucketCounts, explicitBounds };
}
