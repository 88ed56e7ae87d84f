// The breaker group on a manual clock: ejection times, the max-ejection share, departed endpoints,
// and the available-endpoints balancer rebuilding only when the group's epoch moves.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DEFAULTS } from "@trellis/mesh-model";
import { AvailableBalancer } from "../balancers/available-balancer";
import { toTarget, type Balancer, type EndpointTarget } from "../balancers/balancer";
import { RoundRobinBalancer } from "../balancers/round-robin";
import { ManualClock } from "../time/manual-clock";
import { BreakerGroup } from "./breaker-group";
import { BreakerBoard } from "./breaker-board";
import { buildSnapshot } from "../snapshot/snapshot";
import { makeBundle } from "../testing/bundles";

const config = { ...DEFAULTS.circuitBreaker, consecutive5xx: 2, consecutiveGatewayErrors: 2, baseEjectionTimeMs: 1_000, maxEjectionTimeMs: 2_500, maxEjectionPercent: 50, panicThresholdPercent: 0 };

function setup(ids: string[], overrides: Partial<typeof config> = {}) {
  const clock = new ManualClock();
  const group = new BreakerGroup("catalog", { ...config, ...overrides }, () => clock.now());
  group.update(group.config, ids);
  return { clock, group };
}

describe("BreakerGroup", () => {
  it("ejects for base × ejections, capped at the max, and returns half-open when due", () => {
    const { group } = setup(["a", "b"]);
    const a = group.member("a");
    a.failure("5xx", 0);
    assert.equal(a.state, "closed");
    a.failure("5xx", 0);
    assert.deepEqual([a.state, a.returnsAt, group.nextReturnAt], ["open", 1_000, 1_000]);
    group.returnDue(1_000);
    assert.equal(a.state, "half-open");
    a.failure("gateway", 1_000);
    assert.deepEqual([a.state, a.returnsAt], ["open", 3_000]);
    group.returnDue(3_000);
    a.failure("gateway", 3_000);
    assert.equal(a.returnsAt, 5_500, "capped at maxEjectionTime");
    group.returnDue(5_500);
    a.success(5_500);
    assert.deepEqual([a.state, a.ejections], ["closed", 3]);
  });

  it("a non-gateway 5xx breaks a run of gateway errors but not of 5xx", () => {
    const { group } = setup(["a", "b"], { consecutive5xx: 3 });
    const a = group.member("a");
    a.failure("gateway", 0);
    a.failure("5xx", 0);
    assert.equal(a.consecutiveGateway, 0);
    assert.equal(a.state, "closed");
    a.failure("gateway", 0);
    assert.equal(a.state, "open");
    assert.equal(a.reason, "3 consecutive 5xx");
  });

  it("keeps ejections within maxEjectionPercent, one always allowed, and forgets departed endpoints", () => {
    const { group } = setup(["a", "b", "c"], { maxEjectionPercent: 10 });
    for (const id of ["a", "b", "c"]) for (let i = 0; i < 2; i++) group.member(id).failure("5xx", 0);
    assert.equal(group.ejectedCount, 1);
    assert.equal(group.ejectionsRefused, 2);
    group.update(group.config, ["b", "c"]);
    assert.equal(group.ejectedCount, 0, "the ejected endpoint left");
    group.member("b").failure("5xx", 0);
    assert.equal(group.member("b").state, "open");
  });
});

describe("AvailableBalancer", () => {
  it("rebuilds its candidate set only when availability changes, and panics below the threshold", () => {
    const { clock, group } = setup(["a", "b", "c", "d"], { panicThresholdPercent: 50 });
    const targets: EndpointTarget[] = ["a", "b", "c", "d"].map((id, i) => toTarget({ instanceId: id, version: "v1", host: "127.0.0.1", port: 1000 + i, weight: 1, labels: {} }, undefined, group.member(id)));
    let builds = 0;
    const balancer = new AvailableBalancer(targets, group, (ts): Balancer => (builds++, new RoundRobinBalancer(ts, 0)), clock);
    for (let i = 0; i < 10; i++) balancer.pick();
    assert.equal(builds, 1);
    group.setHealthy(group.member("a"), false);
    const picked = new Set(Array.from({ length: 9 }, () => balancer.pick()?.instanceId));
    assert.deepEqual([...picked].sort(), ["b", "c", "d"]);
    assert.equal(builds, 2);
    group.member("b").failure("5xx", clock.now());
    group.member("b").failure("5xx", clock.now());
    // Two of four available: 50% is not below the threshold.
    assert.equal(balancer.size, 2);
    group.setHealthy(group.member("c"), false);
    assert.equal(balancer.size, 4, "one of four available is below 50%: all endpoints, health ignored");
    assert.equal(balancer.panic, true);
  });
});

describe("BreakerBoard", () => {
  it("keeps state per instance id across bundles, and a bundle refused halfway through changes nothing", () => {
    const clock = new ManualClock();
    const board = new BreakerBoard(clock);
    const endpoints = [{ instanceId: "e0", port: 1001 }, { instanceId: "e1", port: 1002 }];
    const spec = { circuitBreaker: { outlierDetection: { consecutive5xx: 1, maxEjectionPercent: 50 } } };
    const first = buildSnapshot(makeBundle(1, [{ service: "catalog", endpoints, spec }]), "control-plane", { breakers: board, clock });
    first.destinations.get("catalog")!.breakers.member("e0").failure("5xx", 0);
    buildSnapshot(makeBundle(2, [{ service: "catalog", endpoints, spec }]), "control-plane", { breakers: board, clock });
    assert.equal(board.view().catalog?.endpoints.e0?.state, "open", "kept across bundles");

    const bad = makeBundle(3, [{ service: "catalog", endpoints: endpoints.slice(1), spec }, { service: "zeta" }]);
    bad.services.zeta!.routes[0]!.path = { kind: "regex", value: "(" };
    assert.throws(() => buildSnapshot(bad, "control-plane", { breakers: board, clock }));
    assert.deepEqual(Object.keys(board.view().catalog?.endpoints ?? {}).sort(), ["e0", "e1"]);
    assert.equal(board.view().catalog?.ejected, 1);
  });
});
