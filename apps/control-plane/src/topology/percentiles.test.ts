import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LATENCY_BOUNDS_MS } from "@trellis/mesh-model";
import { latencyFromBuckets, quantileFromBuckets } from "./percentiles";

const empty = () => new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);

describe("quantileFromBuckets", () => {
  it("is undefined without counts", () => {
    assert.equal(quantileFromBuckets(0.5, empty()), undefined);
  });

  it("interpolates within the bucket holding the rank", () => {
    // bounds 1,2,5,10,...: 100 values in (5, 10] -> p50 at the middle of that bucket.
    const counts = empty();
    counts[3] = 100;
    assert.equal(quantileFromBuckets(0.5, counts), 7.5);
    assert.equal(quantileFromBuckets(0.99, counts), 5 + 5 * 0.99);
  });

  it("starts the first bucket at zero and walks cumulative counts", () => {
    const counts = [10, 0, 0, 0, 0, 0, 90, 0, 0, 0, 0, 0, 0, 0]; // 10 in [0,1], 90 in (50,100]
    assert.equal(quantileFromBuckets(0.05, counts), 0.5);
    assert.equal(quantileFromBuckets(0.1, counts), 1);
    assert.equal(quantileFromBuckets(0.55, counts), 75);
  });

  it("answers the last bound for ranks in the overflow bucket", () => {
    const counts = empty();
    counts[LATENCY_BOUNDS_MS.length] = 5;
    assert.equal(quantileFromBuckets(0.99, counts), 10_000);
  });

  it("works with other bounds", () => {
    assert.equal(quantileFromBuckets(0.5, [0, 4, 0], [10, 20]), 15);
  });
});

describe("latencyFromBuckets", () => {
  it("gives p50 <= p95 <= p99, or null without traffic", () => {
    assert.equal(latencyFromBuckets(empty()), null);
    const counts = [5, 10, 20, 30, 15, 10, 5, 3, 1, 1, 0, 0, 0, 0];
    const l = latencyFromBuckets(counts)!;
    assert.ok(l.p50 <= l.p95 && l.p95 <= l.p99, JSON.stringify(l));
  });
});
