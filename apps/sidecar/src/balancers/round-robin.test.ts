import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RoundRobinBalancer } from "./round-robin";
import { toTarget } from "./balancer";

const endpoint = (id: string, weight: number, version = "v1") =>
  toTarget({ instanceId: id, version, host: "127.0.0.1", port: 10_000 + id.length, weight, labels: {} });

describe("RoundRobinBalancer", () => {
  it("rotates evenly over equally weighted endpoints", () => {
    const lb = new RoundRobinBalancer([endpoint("a", 1), endpoint("bb", 1), endpoint("ccc", 1)]);
    const seen = Array.from({ length: 9 }, () => lb.pick()!.instanceId);
    assert.deepEqual(seen, ["a", "bb", "ccc", "a", "bb", "ccc", "a", "bb", "ccc"]);
  });

  it("honours endpoint weights", () => {
    const lb = new RoundRobinBalancer([endpoint("a", 300), endpoint("bb", 100)]);
    const counts = { a: 0, bb: 0 } as Record<string, number>;
    for (let i = 0; i < 4000; i++) counts[lb.pick()!.instanceId]! += 1;
    assert.deepEqual(counts, { a: 3000, bb: 1000 });
  });

  it("has nothing to pick without endpoints", () => {
    assert.equal(new RoundRobinBalancer([]).pick(), undefined);
  });

  it("brackets IPv6 hosts in the origin", () => {
    const t = toTarget({ instanceId: "x", version: "v1", host: "::1", port: 8080, weight: 1, labels: {} });
    assert.equal(t.origin, "http://[::1]:8080");
  });
});
