import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type PolicyContext, parsePolicy, RETRY_LIMITS, validatePolicy } from "./validate";
import { ZPolicySpec } from "./spec";

const context: PolicyContext = {
  services: [
    { name: "reviews", versions: ["v1", "v2", "v3"] },
    { name: "ratings", versions: ["v1"] },
    { name: "fresh", versions: [] },
  ],
};

/** "path code" of every issue validatePolicy finds in a (schema-valid) spec. */
function check(input: unknown): string[] {
  return validatePolicy(ZPolicySpec.parse(input), context).map((i) => `${i.path} ${i.code}`);
}

describe("validatePolicy: clean specs", () => {
  it("finds nothing in a sound spec", () => {
    assert.deepEqual(
      check({
        service: "reviews",
        routes: [
          { name: "canary", match: { headers: [{ name: "x-canary", exact: "1" }] }, backends: [{ version: "v2", weight: 1 }] },
          { name: "api", match: { path: { prefix: "/api" } }, backends: [{ version: "v1", weight: 90 }, { version: "v2", weight: 10 }], retry: { attempts: 3, perTryTimeout: "1s" }, timeout: { request: "5s" } },
          { name: "rest", backends: [{ version: "v1", weight: 0 }, { version: "v3", weight: 1 }] },
        ],
        retry: { backoff: { base: "50ms", max: "1s" }, budget: { percent: RETRY_LIMITS.maxBudgetPercent, minConcurrent: RETRY_LIMITS.maxBudgetMinConcurrent } },
        circuitBreaker: { outlierDetection: { baseEjectionTime: "30s", maxEjectionTime: "30s" } },
      }),
      [],
    );
    assert.deepEqual(check({ service: "ratings" }), []);
  });
});

describe("validatePolicy: registry checks", () => {
  it("reports an unknown destination service, and no version noise for it", () => {
    assert.deepEqual(check({ service: "nope", routes: [{ backends: [{ version: "v9", weight: 1 }] }] }), ["service unknown_service"]);
  });

  it("reports each unknown version at its backend, naming the known ones", () => {
    const issues = validatePolicy(
      ZPolicySpec.parse({ service: "reviews", routes: [{ match: { path: { prefix: "/a" } }, backends: [{ version: "v1", weight: 1 }, { version: "v4", weight: 1 }] }, { backends: [{ version: "V1", weight: 1 }] }] }),
      context,
    );
    assert.deepEqual(issues.map((i) => `${i.path} ${i.code}`), ["routes.0.backends.1.version unknown_version", "routes.1.backends.0.version unknown_version"]);
    assert.match(issues[0]!.message, /"v4".*known: v1, v2, v3/);
  });

  it("says so when a service has no version registered", () => {
    const [issue] = validatePolicy(ZPolicySpec.parse({ service: "fresh", routes: [{ backends: [{ version: "v1", weight: 1 }] }] }), context);
    assert.equal(issue!.code, "unknown_version");
    assert.match(issue!.message, /none is registered/);
  });

  it("skips registry checks without a context, but keeps the others", () => {
    const issues = validatePolicy(ZPolicySpec.parse({ service: "nope", routes: [{ backends: [{ version: "v9", weight: 0 }] }] }));
    assert.deepEqual(issues.map((i) => `${i.path} ${i.code}`), ["routes.0.backends zero_total_weight"]);
  });
});

describe("validatePolicy: backends", () => {
  it("reports weights that sum to 0", () => {
    assert.deepEqual(check({ service: "reviews", routes: [{ backends: [{ version: "v1", weight: 0 }, { version: "v2", weight: 0 }] }] }), ["routes.0.backends zero_total_weight"]);
  });

  it("reports a version listed twice in one backends list, at the second one", () => {
    const issues = validatePolicy(
      ZPolicySpec.parse({ service: "reviews", routes: [{ backends: [{ version: "v1", weight: 1 }, { version: "v2", weight: 1 }, { version: "v1", weight: 5 }] }] }),
      context,
    );
    assert.deepEqual(issues.map((i) => `${i.path} ${i.code}`), ["routes.0.backends.2.version duplicate_version"]);
    assert.match(issues[0]!.message, /routes\.0\.backends\.0/);
  });

  it("allows the same version in different routes", () => {
    assert.deepEqual(check({ service: "reviews", routes: [{ match: { path: { prefix: "/a" } }, backends: [{ version: "v1", weight: 1 }] }, { backends: [{ version: "v1", weight: 1 }] }] }), []);
  });
});

describe("validatePolicy: unreachable routes", () => {
  it("reports every route after a catch-all", () => {
    const issues = validatePolicy(
      ZPolicySpec.parse({ service: "reviews", routes: [{ name: "all" }, { name: "api", match: { path: { prefix: "/api" } } }, { match: { methods: ["GET"] } }] }),
      context,
    );
    assert.deepEqual(issues.map((i) => `${i.path} ${i.code}`), ["routes.1 unreachable_route", "routes.2 unreachable_route"]);
    assert.equal(issues[0]!.message, 'route "api" (routes.1) can never match: route "all" (routes.0) before it matches every request');
  });

  it("recognises the spellings of a catch-all", () => {
    const catchAlls = [{}, { match: {} }, { match: { path: { prefix: "/" } } }, { match: { headers: [] } }, { match: { methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"] } }];
    for (const first of catchAlls) {
      assert.deepEqual(check({ service: "reviews", routes: [first, { match: { path: { exact: "/x" } } }] }), ["routes.1 unreachable_route"], JSON.stringify(first));
    }
  });

  it("does not treat a narrower route as a catch-all", () => {
    const narrower = [{ match: { path: { prefix: "/a" } } }, { match: { methods: ["GET"] } }, { match: { headers: [{ name: "x", present: false }] } }, { match: { path: { regex: ".*" } } }];
    for (const first of narrower) assert.deepEqual(check({ service: "reviews", routes: [first, {}] }), [], JSON.stringify(first));
  });

  it("reports an exact duplicate of an earlier match, whatever the spelling", () => {
    const issues = validatePolicy(
      ZPolicySpec.parse({
        service: "reviews",
        routes: [
          { name: "first", match: { path: { prefix: "/api" }, methods: ["POST", "GET"], headers: [{ name: "X-A", exact: "1" }, { name: "x-b", present: true }] } },
          { name: "other", match: { path: { prefix: "/api" }, methods: ["GET"] } },
          { name: "again", match: { headers: [{ name: "x-b", present: true }, { name: "x-a", exact: "1" }], methods: ["GET", "POST", "GET"], path: { prefix: "/api" } } },
        ],
      }),
      context,
    );
    assert.deepEqual(issues.map((i) => `${i.path} ${i.code}`), ["routes.2.match unreachable_route"]);
    assert.equal(issues[0]!.message, 'route "again" (routes.2) can never match: route "first" (routes.0) before it has the same match');
  });
});

describe("validatePolicy: retry amplification", () => {
  it(`reports a budget above ${RETRY_LIMITS.maxBudgetPercent}% when the policy retries`, () => {
    assert.deepEqual(check({ service: "reviews", retry: { attempts: 3, budget: { percent: 80 } } }), ["retry.budget.percent retry_amplification"]);
    // attempts defaults to 2, so a budget alone is enough to retry.
    assert.deepEqual(check({ service: "reviews", routes: [{ retry: { budget: { percent: 51 } } }] }), ["routes.0.retry.budget.percent retry_amplification"]);
  });

  it("allows any budget when the policy does not retry", () => {
    assert.deepEqual(check({ service: "reviews", retry: { attempts: 1, budget: { percent: 100, minConcurrent: 1000 } } }), []);
  });

  it("reports an inherited budget once, only when some route really retries with it", () => {
    const spec = { service: "reviews", retry: { budget: { percent: 90 } }, routes: [{ match: { path: { prefix: "/a" } } }, { match: { path: { prefix: "/b" } } }, { retry: { attempts: 1 } }] };
    assert.deepEqual(check(spec), ["retry.budget.percent retry_amplification"]);
    const noneRetries = { ...spec, routes: [{ match: { path: { prefix: "/a" } }, retry: { attempts: 1 } }, { retry: { attempts: 1 } }] };
    assert.deepEqual(check(noneRetries), []);
  });

  it(`reports a budget floor above ${RETRY_LIMITS.maxBudgetMinConcurrent} concurrent retries`, () => {
    assert.deepEqual(check({ service: "reviews", retry: { budget: { minConcurrent: 500 } } }), ["retry.budget.minConcurrent retry_amplification"]);
  });
});

describe("validatePolicy: timeouts and backoff", () => {
  it("reports a perTryTimeout not below the request timeout", () => {
    assert.deepEqual(check({ service: "reviews", retry: { perTryTimeout: "2s" }, timeout: { request: "2s" } }), ["retry.perTryTimeout per_try_timeout_too_long"]);
    assert.deepEqual(check({ service: "reviews", routes: [{ retry: { perTryTimeout: "20s" } }] }), ["routes.0.retry.perTryTimeout per_try_timeout_too_long"]);
    // The route's own timeout makes the inherited perTryTimeout too long for that route only.
    const issues = validatePolicy(ZPolicySpec.parse({ service: "reviews", retry: { perTryTimeout: "1s" }, routes: [{ match: { path: { prefix: "/a" } } }, { timeout: { request: "500ms" } }] }), context);
    assert.deepEqual(issues.map((i) => `${i.path} ${i.code}`), ["retry.perTryTimeout per_try_timeout_too_long"]);
    assert.equal(issues[0]!.message, "perTryTimeout (1s) must be below the request timeout (500ms), or no retry can run before the deadline");
  });

  it("ignores perTryTimeout when there is no overall deadline", () => {
    assert.deepEqual(check({ service: "reviews", retry: { perTryTimeout: "1m" }, timeout: { request: "0s" } }), []);
  });

  it("reports a backoff base above its max, wherever each was written", () => {
    assert.deepEqual(check({ service: "reviews", retry: { backoff: { base: "2s", max: "1s" } } }), ["retry.backoff.base backoff_base_above_max"]);
    // Only max written, below the default base.
    assert.deepEqual(check({ service: "reviews", routes: [{ retry: { backoff: { max: "10ms" } } }] }), ["routes.0.retry.backoff.max backoff_base_above_max"]);
    // Base from the route, max from the service.
    assert.deepEqual(check({ service: "reviews", retry: { backoff: { max: "100ms" } }, routes: [{ retry: { backoff: { base: "200ms" } } }] }), ["routes.0.retry.backoff.base backoff_base_above_max"]);
  });
});

describe("validatePolicy: outlier detection", () => {
  it("reports a maxEjectionTime below baseEjectionTime", () => {
    assert.deepEqual(check({ service: "reviews", circuitBreaker: { outlierDetection: { baseEjectionTime: "1m", maxEjectionTime: "30s" } } }), ["circuitBreaker.outlierDetection.maxEjectionTime max_ejection_below_base"]);
    // Only base written, above the default max of 5m.
    assert.deepEqual(check({ service: "reviews", circuitBreaker: { outlierDetection: { baseEjectionTime: "10m" } } }), ["circuitBreaker.outlierDetection.baseEjectionTime max_ejection_below_base"]);
  });
});

describe("parsePolicy", () => {
  it("returns the parsed spec when it is sound", () => {
    const result = parsePolicy({ service: "reviews", routes: [{ backends: [{ version: "v1", weight: 1 }] }] }, context);
    assert.deepEqual(result, { ok: true, spec: { service: "reviews", routes: [{ backends: [{ version: "v1", weight: 1 }] }] } });
  });

  it("returns schema issues with dotted paths, before any semantic check", () => {
    const result = parsePolicy({ service: "reviews", routes: [{ backends: [{ version: "v1", weight: -1 }] }], retry: { attempts: 3, budget: { percent: 99 } }, bogus: 1 }, context);
    assert.equal(result.ok, false);
    assert.deepEqual(!result.ok && result.issues.map((i) => `${i.path} ${i.code}`), ["routes.0.backends.0.weight too_small", "bogus unrecognized_keys"]);
  });

  it("returns semantic issues in document order", () => {
    const result = parsePolicy(
      {
        service: "reviews",
        routes: [{ backends: [{ version: "v7", weight: 0 }] }, { name: "late" }],
        retry: { backoff: { base: "1s", max: "10ms" } },
        circuitBreaker: { outlierDetection: { baseEjectionTime: "1m", maxEjectionTime: "1s" } },
      },
      context,
    );
    assert.equal(result.ok, false);
    assert.deepEqual(!result.ok && result.issues, [
      { path: "routes.0.backends.0.version", code: "unknown_version", message: 'service "reviews" has no version "v7" (known: v1, v2, v3)' },
      { path: "routes.0.backends", code: "zero_total_weight", message: "the weights sum to 0, so no request could be sent anywhere" },
      { path: "routes.1", code: "unreachable_route", message: 'route "late" (routes.1) can never match: routes.0 before it matches every request' },
      { path: "retry.backoff.base", code: "backoff_base_above_max", message: "backoff base (1s) is above backoff max (10ms)" },
      { path: "circuitBreaker.outlierDetection.maxEjectionTime", code: "max_ejection_below_base", message: "maxEjectionTime (1s) is below baseEjectionTime (1m)" },
    ]);
  });

  it("works without a context", () => {
    assert.equal(parsePolicy({ service: "anything" }).ok, true);
  });
});
