import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { backoffDelay } from "./backoff";

describe("backoffDelay", () => {
  const policy = { baseMs: 100, maxMs: 1_000 };
  it("doubles per attempt up to the cap", () => {
    assert.deepEqual([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, policy, () => 1)), [100, 200, 400, 800, 1000, 1000]);
  });
  it("jitters within the upper half", () => {
    assert.deepEqual([0, 3].map((a) => backoffDelay(a, policy, () => 0)), [50, 400]);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(2, policy);
      assert.ok(d >= 200 && d <= 400, String(d));
    }
  });
});
