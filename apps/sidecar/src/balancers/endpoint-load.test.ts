import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DECAY_MS, DEFAULT_RTT_MS, EndpointLoad, EndpointLoads } from "./endpoint-load";

describe("EndpointLoad", () => {
  it("starts at the default estimate and takes the first observation as it is", () => {
    const load = new EndpointLoad();
    assert.equal(load.cost(0), DEFAULT_RTT_MS);
    load.observe(5, 100);
    assert.equal(load.rttEstimateMs, 5);
  });

  it("jumps to a slower peak at once and comes down slowly", () => {
    const load = new EndpointLoad();
    load.observe(10, 0);
    load.observe(200, 1);
    assert.equal(load.rttEstimateMs, 200);
    load.observe(10, 1 + DECAY_MS / 10);
    const after = load.rttEstimateMs;
    assert.ok(after > 150 && after < 200, String(after));
  });

  it("decays a new endpoint's default estimate from when it was first looked at", () => {
    const load = new EndpointLoad();
    assert.equal(load.cost(5_000), DEFAULT_RTT_MS);
    assert.ok(Math.abs(load.cost(5_000 + DECAY_MS) - DEFAULT_RTT_MS / Math.E) < 1e-9);
  });

  it("multiplies the estimate by the queue it would join, and decays while idle", () => {
    const load = new EndpointLoad();
    load.observe(100, 0);
    load.pending = 3;
    assert.equal(load.cost(0), 400);
    assert.ok(load.cost(DECAY_MS) < 400 * 0.37);
  });
});

describe("EndpointLoads", () => {
  it("keeps one load per instance and forgets departed instances", () => {
    const loads = new EndpointLoads();
    const a = loads.of("a");
    assert.equal(loads.of("a"), a);
    loads.of("b");
    loads.retain(new Set(["a"]));
    assert.equal(loads.size, 1);
    assert.equal(loads.of("a"), a);
  });
});
