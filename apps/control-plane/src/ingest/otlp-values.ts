// Zod schemas for the scalar shapes OTLP carries differently in protobuf and JSON: 64-bit integers
// (decimal strings or numbers), doubles (numbers or "NaN"/"Infinity"), ids (hex in JSON, bytes in
// protobuf, sometimes base64), enums (numbers or names) and attributes (typed AnyValue wrappers).
import { z } from "zod";

const DECIMAL = /^-?\d+$/;

/** int64/uint64/fixed64 as bigint, from a decimal string, an integral number or a bigint. */
export const ZInt64 = z.union([z.string().regex(DECIMAL, "must be a decimal integer"), z.number().int(), z.bigint()]).transform((v) => BigInt(v));

export const ZUnsignedInt64 = ZInt64.refine((v) => v >= 0n, "must not be negative");

/** A count that fits a JS number exactly. */
export const ZCount = ZUnsignedInt64.refine((v) => v <= BigInt(Number.MAX_SAFE_INTEGER), "is too large").transform(Number);

const SPECIAL_DOUBLES: Record<string, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, "-Infinity": Number.NEGATIVE_INFINITY };

/** A double as JSON carries it: a number, a numeric string, or "NaN" / "Infinity" / "-Infinity". */
export const ZDouble = z.union([
  z.number(),
  z.string().transform((s, ctx) => {
    const special = SPECIAL_DOUBLES[s];
    if (special !== undefined) return special;
    const n = s.trim() === "" ? Number.NaN : Number(s);
    if (Number.isNaN(n)) {
      ctx.addIssue({ code: "custom", message: "must be a number" });
      return z.NEVER;
    }
    return n;
  }),
]);

const HEX = /^[0-9a-fA-F]*$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * A trace or span id of `bytes` bytes as lower-case hex. OTLP/JSON sends hex; protobuf decodes to
 * bytes; some exporters send base64 (protobuf's own JSON mapping), which we accept too.
 * The empty id (absent) is allowed only when `optional`.
 */
export function ZId(bytes: number, optional = false) {
  return z.union([z.string(), z.instanceof(Uint8Array)]).transform((v, ctx) => {
    let hex: string | undefined;
    if (typeof v !== "string") hex = Buffer.from(v).toString("hex");
    else if (v.length === bytes * 2 && HEX.test(v)) hex = v.toLowerCase();
    else if (v === "") hex = "";
    else if (BASE64.test(v)) {
      const decoded = Buffer.from(v, "base64");
      if (decoded.length === bytes) hex = decoded.toString("hex");
    }
    if (hex === "" && optional) return "";
    if (hex === undefined || hex.length !== bytes * 2 || /^0+$/.test(hex)) {
      ctx.addIssue({ code: "custom", message: `must be a non-zero ${bytes}-byte id (${bytes * 2} hex digits)` });
      return z.NEVER;
    }
    return hex;
  });
}

/** An OTLP enum: its number, or its name from `names` (index = number). Unknown numbers are kept. */
export function ZOtlpEnum(names: readonly string[]) {
  return z.union([
    z.number().int().min(0),
    z.string().transform((s, ctx) => {
      const i = names.indexOf(s);
      if (i < 0) {
        ctx.addIssue({ code: "custom", message: `must be one of ${names.join(", ")} or its number` });
        return z.NEVER;
      }
      return i;
    }),
  ]);
}

export type AttributeValue = string | number | boolean | null;
export type Attributes = Record<string, AttributeValue>;

const MAX_COMPLEX_CHARS = 1024;

/** Arrays and key-value lists are kept as bounded text: we never read them, and they may nest deeply. */
function complexToText(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v)) ?? "";
  } catch {
    text = "[unprintable]";
  }
  return text.length > MAX_COMPLEX_CHARS ? `${text.slice(0, MAX_COMPLEX_CHARS)}…` : text;
}

export const ZAnyValue = z
  .object({
    stringValue: z.string().optional(),
    boolValue: z.boolean().optional(),
    intValue: ZInt64.optional(),
    doubleValue: ZDouble.optional(),
    bytesValue: z.union([z.string(), z.instanceof(Uint8Array)]).optional(),
    arrayValue: z.unknown().optional(),
    kvlistValue: z.unknown().optional(),
  })
  .transform((v): AttributeValue => {
    if (v.stringValue !== undefined) return v.stringValue;
    if (v.boolValue !== undefined) return v.boolValue;
    if (v.intValue !== undefined) return Number(v.intValue);
    if (v.doubleValue !== undefined) return v.doubleValue;
    if (v.bytesValue !== undefined) return typeof v.bytesValue === "string" ? v.bytesValue : Buffer.from(v.bytesValue).toString("base64");
    if (v.arrayValue !== undefined) return complexToText(v.arrayValue);
    if (v.kvlistValue !== undefined) return complexToText(v.kvlistValue);
    return null;
  });

/** A KeyValue list as a record; a repeated key keeps its last value. */
export const ZAttributes = z
  .array(z.object({ key: z.string().default(""), value: ZAnyValue.optional() }))
  .default([])
  .transform((list) => {
    const out: Attributes = Object.create(null) as Attributes;
    for (const { key, value } of list) out[key] = value ?? null;
    return out;
  });

/** A canonical, order-independent text of attributes, for stream keys. */
export function attributesKey(attributes: Attributes): string {
  return JSON.stringify(Object.keys(attributes).sort().map((k) => [k, attributes[k]]));
}
