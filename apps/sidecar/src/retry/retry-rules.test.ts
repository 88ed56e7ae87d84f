import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DEFAULTS, type CompiledRetry } from "@trellis/mesh-model";
import { backoffMs, compileRetryRules } from "./retry-rules";
import { DeadlineExceededError, InternalError, PerTryTimeoutError, UpstreamConnectError, UpstreamResetError } from "../errors";

const rules = (over: Partial<CompiledRetry> = {}) => compileRetryRules({ ...DEFAULTS.retry, retryOn: [...DEFAULTS.retry.retryOn], retriableStatusCodes: [], ...over });

describe("compileRetryRules", () => {
  it("retries only idempotent methods unless the route allows others", () => {
    const r = rules();
    assert.deepEqual(["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "POST", "PATCH"].map(r.mayRetry), [true, true, true, true, true, false, false]);
    assert.equal(rules({ retryNonIdempotent: true }).mayRetry("POST"), true);
  });

  it("gateway-error means 502, 503, 504; 5xx means all of them; listed codes are their own", () => {
    const statuses = [500, 502, 503, 504, 429, 200];
    assert.deepEqual(statuses.map(rules({ retryOn: ["gateway-error"] }).retriesStatus), [false, true, true, true, false, false]);
    assert.deepEqual(statuses.map(rules({ retryOn: ["5xx"] }).retriesStatus), [true, true, true, true, false, false]);
    assert.deepEqual(statuses.map(rules({ retryOn: ["retriable-status-codes"], retriableStatusCodes: [429] }).retriesStatus), [false, false, false, false, true, false]);
    assert.deepEqual(statuses.map(rules({ retryOn: ["connect-failure", "reset"] }).retriesStatus), statuses.map(() => false));
  });

  it("retries connect failures, resets and per-try timeouts by condition, never deadlines or bugs", () => {
    const errors = [new UpstreamConnectError("x"), new UpstreamResetError("x"), new PerTryTimeoutError("x"), new DeadlineExceededError("x"), new InternalError("x"), new Error("x")];
    assert.deepEqual(errors.map(rules({ retryOn: ["connect-failure"] }).retriesError), [true, false, false, false, false, false]);
    assert.deepEqual(errors.map(rules({ retryOn: ["reset"] }).retriesError), [false, true, false, false, false, false]);
    assert.deepEqual(errors.map(rules({ retryOn: ["gateway-error"] }).retriesError), [true, true, true, false, false, false]);
    assert.deepEqual(errors.map(rules({ retryOn: [] }).retriesError), errors.map(() => false));
  });
});

describe("backoffMs", () => {
  it("is full jitter under an exponential ceiling capped at the maximum", () => {
    const r = rules({ backoffBaseMs: 25, backoffMaxMs: 250 });
    assert.deepEqual([1, 2, 3, 4, 5, 40].map((n) => backoffMs(r, n, () => 0.999999)), [24, 49, 99, 199, 249, 249]);
    assert.equal(backoffMs(r, 3, () => 0), 0);
  });
});
