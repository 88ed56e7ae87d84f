import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RetryBudget, RetryBudgets } from "./retry-budget";

describe("RetryBudget", () => {
  it("always allows minConcurrent retries in progress", () => {
    const b = new RetryBudget();
    b.active = 1;
    assert.deepEqual([1, 2, 3, 4].map(() => b.tryAcquire(20, 3)), [true, true, true, false]);
    b.release();
    assert.equal(b.tryAcquire(20, 3), true);
    assert.equal(b.exhausted, 1);
  });

  it("allows retries up to percent of active requests beyond that", () => {
    const b = new RetryBudget();
    b.active = 100;
    let granted = 0;
    while (b.tryAcquire(20, 3)) granted++;
    assert.equal(granted, 20);
    assert.equal(b.retrying, 20);
  });

  it("keeps one budget per destination and reports exhaustion", () => {
    const budgets = new RetryBudgets();
    assert.equal(budgets.of("a"), budgets.of("a"));
    budgets.of("a").tryAcquire(0, 0);
    assert.deepEqual(budgets.exhausted(), { a: 1 });
  });
});
