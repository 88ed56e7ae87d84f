import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Outcome, ResponseClass } from "@trellis/mesh-model";
import type { RollupAggregate } from "../db/repositories";
import { emptyStats, statsByDestination, statsByEdge, summarise } from "./traffic-stats";

function cell(source: string, destination: string, count: number, responseClass: ResponseClass = "2xx", outcome: Outcome = "ok", mtls = true): RollupAggregate {
  const buckets = new Array<number>(14).fill(0);
  buckets[4] = count; // (10, 25] ms
  return { source, destination, destinationVersion: "v1", responseClass, outcome, mtls, count, durationSumMs: count * 20, buckets };
}

describe("traffic stats", () => {
  const cells = [
    cell("a", "b", 90),
    cell("a", "b", 10, "5xx"),
    cell("external", "b", 50, "none", "timed_out", false),
    cell("b", "c", 30),
  ];

  it("groups by edge and by destination", () => {
    const byEdge = statsByEdge(cells);
    assert.deepEqual([...byEdge.keys()].sort(), ["a->b", "b->c", "external->b"]);
    assert.equal(byEdge.get("a->b")!.requests, 100);
    assert.equal(byEdge.get("a->b")!.failures, 10);
    const byDest = statsByDestination(cells);
    assert.equal(byDest.get("b")!.requests, 150);
    assert.equal(byDest.get("b")!.failures, 60);
    assert.equal(byDest.get("b")!.outcomes.timed_out, 50);
  });

  it("summarises into rates, shares, percentiles and health", () => {
    const s = summarise(statsByEdge(cells).get("a->b")!, 100);
    assert.equal(s.requestRate, 1);
    assert.equal(s.errorRate, 0.1);
    assert.equal(s.health, "failing");
    assert.equal(s.mtlsShare, 1);
    assert.equal(s.outcomes.ok, 100);
    assert.equal(s.outcomes.denied, 0);
    assert.ok(s.latencyMs && s.latencyMs.p50 > 10 && s.latencyMs.p99 <= 25);
    const none = summarise(emptyStats(), 300);
    assert.deepEqual([none.requestRate, none.errorRate, none.latencyMs, none.health, none.mtlsShare], [0, 0, null, "unknown", 0]);
  });
});
