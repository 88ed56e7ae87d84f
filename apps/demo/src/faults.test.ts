import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDemoArgs } from "./config";
import { decideFault, faultPlan } from "./faults";

function configOf(argv: string[]) {
  const parsed = parseDemoArgs(argv, {});
  assert.ok("config" in parsed);
  return parsed.config;
}

/** Dice that return the given values in order. */
function dice(...values: number[]): () => number {
  return () => values.shift() ?? 0.99;
}

describe("fault plans", () => {
  it("has the per-service defaults", () => {
    assert.equal(faultPlan(configOf(["ratings"])).errorRate, 0.05);
    assert.equal(faultPlan(configOf(["ratings"])).errorStatus, 503);
    assert.equal(faultPlan(configOf(["catalog"])).errorRate, 0.02);
    assert.equal(faultPlan(configOf(["reviews", "--version", "v2"])).delayRate, 0.25);
    assert.equal(faultPlan(configOf(["reviews"])).delayRate, 0);
    assert.equal(faultPlan(configOf(["frontend"])).errorRate, 0);
  });

  it("turns everything off with --fault-scale 0 and up with explicit rates", () => {
    const off = faultPlan(configOf(["ratings", "--fault-scale", "0"]));
    assert.equal(off.errorRate, 0);
    const up = faultPlan(configOf(["catalog", "--error-rate", "0.5", "--fault-scale", "3"]));
    assert.equal(up.errorRate, 1, "scaled rates are capped at 1");
  });

  it("reads the knobs from env, the way the launcher sets them", () => {
    const parsed = parseDemoArgs(["ratings"], { TRELLIS_ERROR_RATE: "1", TRELLIS_ERROR_STATUS: "502" });
    assert.ok("config" in parsed);
    assert.deepEqual([faultPlan(parsed.config).errorRate, faultPlan(parsed.config).errorStatus], [1, 502]);
  });

  it("rejects rates outside 0..1 and bad ranges", () => {
    assert.throws(() => parseDemoArgs(["ratings", "--error-rate", "2"], {}), /--error-rate/);
    assert.throws(() => parseDemoArgs(["ratings", "--delay-ms", "800-200"], {}), /--delay-ms/);
    assert.throws(() => parseDemoArgs(["nosuch"], {}), /service name/);
  });
});

describe("decideFault", () => {
  const plan = { errorRate: 0.1, errorStatus: 503, delayRate: 0.5, delayMinMs: 200, delayMaxMs: 800 };

  it("delays within the range and fails below the error rate", () => {
    assert.deepEqual(decideFault(plan, dice(0.4, 0.5, 0.05)), { delayMs: 500, failWith: 503 });
  });

  it("does nothing when the dice are above both rates", () => {
    assert.deepEqual(decideFault(plan, dice(0.6, 0.2)), { delayMs: 0, failWith: undefined });
  });
});
