import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { toTarget, type EndpointTarget } from "./balancer";
import { createBalancer } from "./create-balancer";
import { leastRequestScore, peakEwmaScore, PowerOfChoicesBalancer, type PickExplanation } from "./power-of-choices";
import { ManualClock, seededRandom } from "../time/manual-clock";
import { createLogger } from "../log";

const target = (id: string, weight = 1): EndpointTarget =>
  toTarget({ instanceId: id, version: "v1", host: "127.0.0.1", port: 30_000 + id.charCodeAt(0), weight, labels: {} });

const counts = (pick: () => EndpointTarget | undefined, n: number) => {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const id = pick()!.instanceId;
    out[id] = (out[id] ?? 0) + 1;
  }
  return out;
};

describe("PowerOfChoicesBalancer", () => {
  const clock = new ManualClock();

  it("least-request avoids the endpoint with the longest queue", () => {
    const [a, b, c] = [target("a"), target("b"), target("c")];
    const lb = new PowerOfChoicesBalancer([a, b, c], { choiceCount: 2, score: leastRequestScore, random: seededRandom(1), clock });
    a.load.pending = 10;
    b.load.pending = 0;
    c.load.pending = 5;
    const got = counts(() => lb.pick(), 3000);
    // a can only win when both draws are a (1/9); with 3 endpoints and 2 draws b wins whenever drawn.
    assert.ok((got.a ?? 0) < 400, JSON.stringify(got));
    assert.ok(got.b! > 1500, JSON.stringify(got));
  });

  it("spreads idle traffic in proportion to endpoint weight", () => {
    const lb = new PowerOfChoicesBalancer([target("a", 3), target("b", 1)], { choiceCount: 2, score: leastRequestScore, random: seededRandom(2), clock });
    // Two endpoints and two choices: both are looked at and tie at 0, so the tie-break (first) must not skew;
    // with more endpoints than choices the weighted draw decides.
    const lb4 = new PowerOfChoicesBalancer([target("a", 6), target("b", 2), target("c", 1), target("d", 1)], {
      choiceCount: 2,
      score: () => 0,
      random: seededRandom(3),
      clock,
    });
    const got = counts(() => lb4.pick(), 20_000);
    assert.ok(Math.abs(got.a! / 20_000 - 0.6) < 0.02, JSON.stringify(got));
    assert.ok(Math.abs(got.b! / 20_000 - 0.2) < 0.02, JSON.stringify(got));
    assert.equal(lb.size, 2);
  });

  it("peak-EWMA prefers the endpoint with the lower latency estimate", () => {
    const [fast, slow] = [target("f"), target("s")];
    fast.load.observe(5, clock.now());
    slow.load.observe(200, clock.now());
    const lb = new PowerOfChoicesBalancer([fast, slow], { choiceCount: 2, score: peakEwmaScore, random: seededRandom(4), clock });
    assert.deepEqual(counts(() => lb.pick(), 100), { f: 100 });
    // ... until the fast one's queue makes it costlier.
    fast.load.pending = 50;
    assert.equal(lb.pick()!.instanceId, "s");
  });

  it("avoids the previous endpoint on a retry whenever another exists", () => {
    const [a, b, c] = [target("a"), target("b"), target("c")];
    b.load.pending = 100;
    c.load.pending = 100;
    const lb = new PowerOfChoicesBalancer([a, b, c], { choiceCount: 2, score: leastRequestScore, random: seededRandom(5), clock });
    for (let i = 0; i < 200; i++) assert.notEqual(lb.pick(a), a);
    // Even when every draw is the endpoint to avoid.
    const always0 = new PowerOfChoicesBalancer([a, b, c], { choiceCount: 2, score: leastRequestScore, random: () => 0, clock });
    assert.equal(always0.pick(a), b);
    // A single endpoint is still returned: better a retry on it than none.
    assert.equal(new PowerOfChoicesBalancer([a], { choiceCount: 2, score: leastRequestScore, random: Math.random, clock }).pick(a), a);
  });

  it("explains a pick with its candidates and scores when asked", () => {
    const explained: PickExplanation[] = [];
    const [a, b] = [target("a"), target("b")];
    a.load.pending = 2;
    const lb = new PowerOfChoicesBalancer([a, b], { choiceCount: 2, score: leastRequestScore, random: seededRandom(6), clock, explain: (e) => explained.push(e) });
    lb.pick();
    // Both are looked at, the scan starting at a weighted draw: the order of candidates may vary.
    for (const e of explained) e.candidates.sort((x, y) => x.instanceId.localeCompare(y.instanceId));
    assert.deepEqual(explained, [{ candidates: [{ instanceId: "a", address: a.address, score: 2 }, { instanceId: "b", address: b.address, score: 0 }], chosen: "b" }]);
  });

  it("has nothing to pick without endpoints", () => {
    assert.equal(new PowerOfChoicesBalancer([], { choiceCount: 2, score: leastRequestScore, random: Math.random, clock }).pick(), undefined);
  });
});

describe("createBalancer", () => {
  it("builds every configured type and logs pick explanations only at debug level", () => {
    const lines: string[] = [];
    for (const level of ["debug", "info"] as const) {
      const log = createLogger({ service: "web", level, write: (l) => lines.push(l) });
      for (const type of ["round-robin", "least-request", "peak-ewma"] as const) {
        const choice = createBalancer(type, [target("a"), target("b")], { log, service: "catalog", random: seededRandom(8), clock: new ManualClock() });
        assert.equal(choice.effective, type);
        assert.ok(choice.balancer.pick());
      }
    }
    const picks = lines.map((l) => JSON.parse(l) as { level: string; event: string; balancer: string; service: string });
    assert.deepEqual(picks.map((p) => [p.level, p.event, p.balancer, p.service]), [
      ["debug", "balancer_pick", "least-request", "catalog"],
      ["debug", "balancer_pick", "peak-ewma", "catalog"],
    ]);
  });
});
