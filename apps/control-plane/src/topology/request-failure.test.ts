import assert from "node:assert/strict";
import { it } from "node:test";
import { isFailure } from "./request-failure";

it("isFailure: 2xx/3xx/4xx delivered requests succeed, everything else fails", () => {
  assert.equal(isFailure("2xx", "ok"), false);
  assert.equal(isFailure("3xx", "ok"), false);
  assert.equal(isFailure("4xx", "ok"), false);
  assert.equal(isFailure("2xx", "retried"), false);
  assert.equal(isFailure("2xx", "ejected_avoided"), false);
  assert.equal(isFailure("5xx", "ejected_avoided"), true);
  assert.equal(isFailure("5xx", "budget_exhausted"), true);
  assert.equal(isFailure("none", "per_try_timeout"), true);
  assert.equal(isFailure("5xx", "ok"), true);
  assert.equal(isFailure("none", "ok"), true);
  assert.equal(isFailure("2xx", "timed_out"), true);
  assert.equal(isFailure("none", "breaker_open"), true);
  assert.equal(isFailure("4xx", "denied"), true);
  assert.equal(isFailure("none", "no_route"), true);
  assert.equal(isFailure("none", "error"), true);
});
