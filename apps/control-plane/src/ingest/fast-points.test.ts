// The fast paths must agree with the zod schemas: same value when they answer, and no answer for
// anything the schemas refuse (so the schemas alone word the rejection).
import assert from "node:assert/strict";
import { it } from "node:test";
import { fastHistogramPoint, fastNumberPoint } from "./fast-points";
import { ZHistogramPoint, ZNumberPoint } from "./normalise-metrics";

const attrs = [{ key: "a", value: { stringValue: "x" } }, { key: "b", value: { boolValue: true } }, { key: "c", value: { intValue: "7" } }, { key: "d", value: { doubleValue: 1.5 } }, { key: "e" }];
const T = "1732600000000000000";

const numberPoints: unknown[] = [
  { attributes: attrs, startTimeUnixNano: "1", timeUnixNano: T, asInt: "42" },
  { timeUnixNano: T, asDouble: 2.5 },
  { timeUnixNano: T },
  { timeUnixNano: 5, asInt: 3, flags: 1 },
  { timeUnixNano: T, asInt: "-3" },
  { timeUnixNano: "0", asInt: "1" },
  { asInt: "1" },
  { timeUnixNano: "-5", asInt: "1" },
  { timeUnixNano: T, asInt: "1.5" },
  { timeUnixNano: T, asDouble: "NaN" },
  { timeUnixNano: T, asDouble: "2" },
  { timeUnixNano: T, asInt: "99999999999999999999" },
  { timeUnixNano: T, attributes: [{ key: "k", value: { arrayValue: { values: [] } } }] },
  { timeUnixNano: T, attributes: [{ value: { stringValue: "no key" } }] },
  { timeUnixNano: T, attributes: "nope" },
  { timeUnixNano: T, flags: 1.5 },
  null,
  [],
  "point",
];

const histogramPoints: unknown[] = [
  { attributes: attrs, timeUnixNano: T, count: "3", sum: 12, bucketCounts: ["1", "2", "0"], explicitBounds: [5, 10] },
  { timeUnixNano: T, count: 4, sum: 1 },
  { timeUnixNano: T },
  { timeUnixNano: T, count: "3", bucketCounts: ["1", "1", "0"], explicitBounds: [5, 10] },
  { timeUnixNano: T, count: "2", bucketCounts: ["1", "1"], explicitBounds: [5, 10] },
  { timeUnixNano: T, count: "2", bucketCounts: ["1", "1", "0"], explicitBounds: [10, 5] },
  { timeUnixNano: T, count: "2", sum: "NaN", bucketCounts: ["1", "1", "0"], explicitBounds: [5, 10] },
  { timeUnixNano: T, count: "-1" },
  { timeUnixNano: T, count: "1", bucketCounts: ["1"], explicitBounds: [] },
  { timeUnixNano: T, count: "18014398509481984" },
];

function agree(fast: (p: unknown) => unknown, schema: { safeParse(p: unknown): { success: boolean; data?: unknown } }, points: unknown[]): number {
  let fastAnswered = 0;
  points.forEach((point, i) => {
    const quick = fast(point);
    const slow = schema.safeParse(point);
    if (quick === undefined) return;
    fastAnswered++;
    assert.ok(slow.success, `point ${i}: the fast path accepted what the schema refuses: ${JSON.stringify(point)}`);
    assert.deepEqual({ ...(quick as object) }, { ...(slow.data as object) }, `point ${i}`);
  });
  return fastAnswered;
}

it("fast number points agree with ZNumberPoint", () => {
  assert.ok(agree(fastNumberPoint, ZNumberPoint, numberPoints) >= 4, "the usual points take the fast path");
});

it("fast histogram points agree with ZHistogramPoint", () => {
  assert.ok(agree(fastHistogramPoint, ZHistogramPoint, histogramPoints) >= 3, "the usual points take the fast path");
});

it("ZHistogramPoint rejects a bucket count too large for a number without throwing", () => {
  const parsed = ZHistogramPoint.safeParse({ timeUnixNano: T, count: "1", bucketCounts: ["1", "99999999999999999999"], explicitBounds: [5] });
  assert.equal(parsed.success, false);
});
