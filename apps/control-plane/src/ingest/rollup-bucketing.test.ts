import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mergeRollupRows } from "../db/rollup-merge";
import { bucketStartMs, rollupRowsOf, type RequestObservation } from "./rollup-bucketing";

const obs = (timeIso: string, count: number, outcome: RequestObservation["outcome"] = "ok"): RequestObservation => ({
  timeMs: Date.parse(timeIso),
  source: "a",
  destination: "b",
  destinationVersion: "v1",
  responseClass: "2xx",
  outcome,
  mtls: true,
  count,
  durationSumMs: count * 3,
  buckets: [0, 0, count, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
});

describe("rollup bucketing", () => {
  it("aligns bucket starts down to the resolution", () => {
    const t = Date.parse("2026-03-01T10:07:59.999Z");
    assert.equal(new Date(bucketStartMs(t, 10)).toISOString(), "2026-03-01T10:07:50.000Z");
    assert.equal(new Date(bucketStartMs(t, 60)).toISOString(), "2026-03-01T10:07:00.000Z");
  });

  it("makes one row per resolution, unless filtered", () => {
    const rows = rollupRowsOf(obs("2026-03-01T10:07:15Z", 2));
    assert.deepEqual(rows.map((r) => [r.resolution, r.bucketStart.toISOString()]), [
      [10, "2026-03-01T10:07:10.000Z"],
      [60, "2026-03-01T10:07:00.000Z"],
    ]);
    assert.deepEqual(rollupRowsOf(obs("2026-03-01T10:07:15Z", 2), (r) => r === 60).map((r) => r.resolution), [60]);
  });

  it("merges rows with the same key and keeps different keys apart", () => {
    const rows = [
      ...rollupRowsOf(obs("2026-03-01T10:07:11Z", 2)),
      ...rollupRowsOf(obs("2026-03-01T10:07:19Z", 3)),
      ...rollupRowsOf(obs("2026-03-01T10:07:25Z", 4)),
      ...rollupRowsOf(obs("2026-03-01T10:07:12Z", 1, "retried")),
    ];
    const merged = mergeRollupRows(rows);
    const ten = merged.filter((r) => r.resolution === 10 && r.outcome === "ok").map((r) => [r.bucketStart.toISOString(), r.count, r.buckets[2]]);
    assert.deepEqual(ten, [
      ["2026-03-01T10:07:10.000Z", 5, 5],
      ["2026-03-01T10:07:20.000Z", 4, 4],
    ]);
    const minute = merged.filter((r) => r.resolution === 60);
    assert.deepEqual(minute.map((r) => [r.outcome, r.count, r.durationSumMs]), [["ok", 9, 27], ["retried", 1, 3]]);
    assert.equal(rows[0]!.count, 2, "inputs untouched");
  });
});
