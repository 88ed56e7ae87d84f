import assert from "node:assert/strict";
import { it } from "node:test";
import { healthOf } from "./health";

it("healthOf applies the thresholds at their edges", () => {
  assert.equal(healthOf(0, 0), "unknown");
  assert.equal(healthOf(100, 0), "healthy");
  assert.equal(healthOf(100, 0.0099), "healthy");
  assert.equal(healthOf(100, 0.01), "degraded");
  assert.equal(healthOf(100, 0.0999), "degraded");
  assert.equal(healthOf(100, 0.1), "failing");
  assert.equal(healthOf(100, 1), "failing");
});
