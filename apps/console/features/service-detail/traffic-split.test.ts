// The split readout: shares over the latest complete steps with traffic, the step in progress left out.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChartRow } from "./series-model";
import { recentSplit } from "./traffic-split";

const row = (t: number, v1: number, v2: number): ChartRow => ({ t, rps: v1 + v2, success: null, firstTry: null, p50: null, p95: null, p99: null, "v:v1": v1, "v:v2": v2 });

describe("recentSplit", () => {
  it("shares the latest complete steps with traffic, skipping idle steps and the one in progress", () => {
    const rows = [row(0, 9, 1), row(10, 9, 1), row(20, 5, 5), row(30, 0, 0), row(40, 6, 4), row(50, 4, 6), row(60, 0, 10)];
    const split = recentSplit({ rows, versions: ["v1", "v2"] });
    assert.deepEqual(split, { shares: { v1: 0.5, v2: 0.5 }, steps: 3, sinceMs: 20 });
  });

  it("is empty without traffic", () => {
    assert.deepEqual(recentSplit({ rows: [row(0, 0, 0), row(10, 3, 0)], versions: ["v1", "v2"] }), { shares: {}, steps: 0, sinceMs: null });
  });
});
