import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LATENCY_BOUNDS_MS } from "@trellis/mesh-model";
import { rebucket } from "./rebucket";

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe("rebucket", () => {
  it("copies counts recorded with the same bounds", () => {
    const counts = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
    assert.deepEqual(rebucket(counts, LATENCY_BOUNDS_MS), counts);
  });

  it("spreads a wide bucket over the narrower target buckets, keeping whole counts and the total", () => {
    // One source bucket (0, 10] with 100 counts -> targets [0,1],(1,2],(2,5],(5,10]: 10, 10, 30, 50.
    const out = rebucket([100, 0], [10]);
    assert.deepEqual(out.slice(0, 4), [10, 10, 30, 50]);
    assert.equal(sum(out), 100);
  });

  it("merges narrow buckets into a wider target bucket", () => {
    // SDK default bounds (0, 5, 10, 25, 50, 75, 100, ...) into ours.
    const sdk = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];
    const counts = new Array<number>(sdk.length + 1).fill(0);
    counts[5] = 8; // (50, 75]
    counts[6] = 4; // (75, 100]
    const out = rebucket(counts, sdk);
    assert.equal(out[6], 12); // (50, 100]
    assert.equal(sum(out), 12);
  });

  it("puts the source overflow just above its lower bound", () => {
    const out = rebucket([0, 0, 7], [5, 20]);
    assert.equal(out[4], 7); // (10, 25] holds values just above 20
    const beyond = rebucket([0, 3], [20_000]);
    assert.equal(beyond[LATENCY_BOUNDS_MS.length], 3);
  });

  it("keeps totals for awkward fractions", () => {
    const out = rebucket([7, 11, 13], [3, 7]);
    assert.equal(sum(out), 31);
    assert.ok(out.every((c) => Number.isInteger(c) && c >= 0));
  });
});
