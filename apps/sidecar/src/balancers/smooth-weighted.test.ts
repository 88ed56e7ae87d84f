import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MAX_SCHEDULE, SmoothWeighted } from "./smooth-weighted";

const picks = <T>(rr: SmoothWeighted<T>, n: number): T[] => Array.from({ length: n }, () => rr.pick()!);
const count = <T>(xs: T[]): Map<T, number> => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<T, number>());

describe("SmoothWeighted", () => {
  it("spreads picks smoothly: 5:1:1 gives a a b a c a a", () => {
    const rr = new SmoothWeighted([{ item: "a", weight: 5 }, { item: "b", weight: 1 }, { item: "c", weight: 1 }]);
    assert.deepEqual(picks(rr, 7).join(" "), "a a b a c a a");
  });

  it("with equal weights is plain round robin", () => {
    const rr = new SmoothWeighted(["x", "y", "z"].map((item) => ({ item, weight: 1 })));
    assert.deepEqual(picks(rr, 6), ["x", "y", "z", "x", "y", "z"]);
  });

  it("gives each item exactly its weight over every full period", () => {
    const rr = new SmoothWeighted([{ item: "a", weight: 3 }, { item: "b", weight: 2 }, { item: "c", weight: 5 }]);
    const c = count(picks(rr, 1000));
    assert.deepEqual([c.get("a"), c.get("b"), c.get("c")], [300, 200, 500]);
  });

  it("never picks weight-0 items and returns undefined when empty", () => {
    const rr = new SmoothWeighted([{ item: "a", weight: 0 }, { item: "b", weight: 4 }]);
    assert.deepEqual(new Set(picks(rr, 10)), new Set(["b"]));
    assert.equal(new SmoothWeighted<string>([]).pick(), undefined);
    assert.equal(new SmoothWeighted([{ item: "a", weight: 0 }]).pick(), undefined);
  });

  it("computes the same sequence live when the period is too long to precompute", () => {
    // Coprime weights summing past MAX_SCHEDULE force the live path.
    const entries = [{ item: "a", weight: MAX_SCHEDULE - 1 }, { item: "b", weight: 3 }, { item: "c", weight: 7 }];
    const live = picks(new SmoothWeighted(entries), 2 * (MAX_SCHEDULE + 9));
    const c = count(live);
    assert.deepEqual([c.get("a"), c.get("b"), c.get("c")], [2 * (MAX_SCHEDULE - 1), 6, 14]);
    // Same algorithm as the precomputed one: scaled-down weights give the same pattern.
    const small = picks(new SmoothWeighted([{ item: "a", weight: 5 }, { item: "b", weight: 1 }]), 12);
    const large = picks(new SmoothWeighted([{ item: "a", weight: 5 * 1009 }, { item: "b", weight: 1009 }]), 12);
    assert.deepEqual(large, small);
  });

  it("starts where told, so that sidecars do not all begin on the same endpoint", () => {
    const rr = new SmoothWeighted(["x", "y", "z"].map((item) => ({ item, weight: 1 })), 4);
    assert.deepEqual(picks(rr, 3), ["y", "z", "x"]);
  });
});
