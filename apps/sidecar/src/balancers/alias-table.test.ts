import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AliasTable } from "./alias-table";
import { seededRandom } from "../time/manual-clock";

const histogram = (weights: number[], draws: number) => {
  const table = new AliasTable(weights);
  const random = seededRandom(7);
  const counts = weights.map(() => 0);
  for (let i = 0; i < draws; i++) counts[table.sample(random)]! += 1;
  return counts.map((c) => c / draws);
};

describe("AliasTable", () => {
  it("draws each index in proportion to its weight", () => {
    const shares = histogram([5, 1, 3, 1], 100_000);
    [0.5, 0.1, 0.3, 0.1].forEach((want, i) => assert.ok(Math.abs(shares[i]! - want) < 0.01, `index ${i}: ${shares[i]} vs ${want}`));
  });

  it("is uniform for equal weights", () => {
    const shares = histogram([2, 2, 2, 2], 40_000);
    for (const s of shares) assert.ok(Math.abs(s - 0.25) < 0.01);
  });

  it("always returns an index in range, even for random() close to 1", () => {
    const table = new AliasTable([1, 9]);
    assert.ok([0, 1].includes(table.sample(() => 0.999999999)));
    assert.equal(new AliasTable([1, 1]).sample(() => 0.9999999999), 1);
  });
});
