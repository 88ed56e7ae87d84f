import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CumulativeToDelta, counterArithmetic, histogramArithmetic } from "./cumulative-to-delta";

const S = 1_000_000_000n; // one second in ns

describe("CumulativeToDelta", () => {
  it("counts a fresh stream from its first point, then differences", () => {
    const c = new CumulativeToDelta(counterArithmetic, { sinceNs: 100n * S });
    assert.equal(c.next("k", 150n * S, 160n * S, 5, 0), 5);
    assert.equal(c.next("k", 150n * S, 170n * S, 12, 0), 7);
    assert.equal(c.next("k", 150n * S, 180n * S, 12, 0), 0);
  });

  it("uses the first point of a stream older than us as a baseline only", () => {
    const c = new CumulativeToDelta(counterArithmetic, { sinceNs: 100n * S });
    assert.equal(c.next("k", 10n * S, 160n * S, 500, 0), undefined);
    assert.equal(c.next("k", 10n * S, 170n * S, 503, 0), 3);
    // An unknown start time (0) is treated the same way.
    assert.equal(c.next("z", 0n, 170n * S, 9, 0), undefined);
  });

  it("ignores repeated and out-of-order points", () => {
    const c = new CumulativeToDelta(counterArithmetic, { sinceNs: 0n });
    c.next("k", 1n, 10n, 5, 0);
    c.next("k", 1n, 20n, 8, 0);
    assert.equal(c.next("k", 1n, 20n, 8, 0), undefined);
    assert.equal(c.next("k", 1n, 15n, 6, 0), undefined);
    assert.equal(c.next("k", 1n, 30n, 9, 0), 1);
  });

  it("treats a new start time as a new stream (an SDK restart)", () => {
    const c = new CumulativeToDelta(counterArithmetic, { sinceNs: 0n });
    c.next("k", 1n, 10n, 50, 0);
    assert.equal(c.next("k", 40n, 50n, 4, 0), 4);
  });

  it("treats a decrease without a new start time as a reset", () => {
    const c = new CumulativeToDelta(counterArithmetic, { sinceNs: 0n });
    c.next("k", 1n, 10n, 50, 0);
    assert.equal(c.next("k", 1n, 20n, 3, 0), 3);
    assert.equal(c.next("k", 1n, 30n, 10, 0), 7);
  });

  it("differences histograms bucket by bucket and detects their resets", () => {
    const c = new CumulativeToDelta(histogramArithmetic, { sinceNs: 0n });
    c.next("h", 1n, 10n, { count: 3, sum: 30, bucketCounts: [1, 2, 0] }, 0);
    assert.deepEqual(c.next("h", 1n, 20n, { count: 5, sum: 70, bucketCounts: [1, 3, 1] }, 0), { count: 2, sum: 40, bucketCounts: [0, 1, 1] });
    assert.deepEqual(c.next("h", 1n, 30n, { count: 1, sum: 5, bucketCounts: [1, 0, 0] }, 0), { count: 1, sum: 5, bucketCounts: [1, 0, 0] });
  });

  it("bounds its memory: idle streams expire and the least recently used go past the cap", () => {
    const c = new CumulativeToDelta(counterArithmetic, { sinceNs: 0n, maxStreams: 2, idleTtlMs: 1000 });
    c.next("a", 1n, 10n, 1, 0);
    c.next("b", 1n, 10n, 1, 500);
    c.next("a", 1n, 20n, 2, 600); // a is now the most recent
    c.next("c", 1n, 10n, 1, 700); // evicts b
    assert.equal(c.size, 2);
    assert.equal(c.next("b", 1n, 20n, 5, 700), 5, "b starts over (and evicts a)");
    assert.equal(c.prune(1600), 0);
    assert.equal(c.prune(1701), 2);
    assert.equal(c.size, 0);
  });
});
