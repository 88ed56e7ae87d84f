import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { flattenZodIssues } from "../api/errors";
import { ZPolicySpec } from "./spec";

/** Parses and returns "path code" for each issue, or [] when the input is valid. */
function problems(input: unknown): string[] {
  const r = ZPolicySpec.safeParse(input);
  return r.success ? [] : flattenZodIssues(r.error.issues).map((i) => `${i.path} ${i.code}`);
}

describe("ZPolicySpec accepts", () => {
  it("the smallest spec and a full one", () => {
    assert.deepEqual(problems({ service: "orders" }), []);
    assert.deepEqual(
      problems({
        service: "orders",
        loadBalancer: { type: "least-request", choiceCount: 2 },
        routes: [
          {
            name: "api",
            match: { path: { prefix: "/api" }, methods: ["GET"], headers: [{ name: "x-user", regex: "^[a-z]+$" }, { name: "x-debug", present: true }] },
            backends: [{ version: "v1", weight: 90 }, { version: "v2", weight: 10 }],
            retry: { attempts: 3, retryOn: ["5xx"], retriableStatusCodes: [503], perTryTimeout: "1s", backoff: { base: "10ms", max: "1s" }, budget: { percent: 20, minConcurrent: 3 }, retryNonIdempotent: false },
            timeout: { request: "5s" },
            fault: { delay: { percent: 1, duration: "2s" }, abort: { percent: 1, status: 503 } },
          },
        ],
        retry: { attempts: 2 },
        timeout: { request: "15s" },
        circuitBreaker: { maxConnections: 10, maxPendingRequests: 0, maxRequests: 10, outlierDetection: { consecutive5xx: 5, baseEjectionTime: "30s", maxEjectionTime: "5m", maxEjectionPercent: 10, panicThresholdPercent: 50 } },
        healthCheck: { path: "/healthz", interval: "5s", timeout: "1s", healthyThreshold: 2, unhealthyThreshold: 3 },
      }),
      [],
    );
  });
});

describe("ZPolicySpec rejects with the dotted path of the bad field", () => {
  const cases: [string, unknown, string[]][] = [
    ["a negative weight", { service: "a", routes: [{ backends: [{ version: "v1", weight: 1 }, { version: "v2", weight: -1 }] }] }, ["routes.0.backends.1.weight too_small"]],
    ["a weight that is not a number", { service: "a", routes: [{}, { backends: [{ version: "v1", weight: "10" }] }] }, ["routes.1.backends.0.weight invalid_type"]],
    ["a bad version", { service: "a", routes: [{ backends: [{ version: "v 1", weight: 1 }] }] }, ["routes.0.backends.0.version invalid_format"]],
    ["empty backends", { service: "a", routes: [{ backends: [] }] }, ["routes.0.backends too_small"]],
    ["a bad service name", { service: "Orders" }, ["service invalid_format"]],
    ["a missing service", {}, ["service invalid_type"]],
    ["a malformed duration", { service: "a", retry: { perTryTimeout: "2 s" } }, ["retry.perTryTimeout custom"]],
    ["a duration past a day", { service: "a", routes: [{ timeout: { request: "25h" } }] }, ["routes.0.timeout.request custom"]],
    ["an unknown top-level field", { service: "a", extra: 1 }, ["extra unrecognized_keys"]],
    ["an unknown nested field", { service: "a", circuitBreaker: { outlierDetection: { consecutive5XX: 3 } } }, ["circuitBreaker.outlierDetection.consecutive5XX unrecognized_keys"]],
    ["a path without a leading slash", { service: "a", routes: [{ match: { path: { prefix: "api" } } }] }, ["routes.0.match.path.prefix invalid_format"]],
    ["an invalid regex", { service: "a", routes: [{ match: { path: { regex: "(" } } }] }, ["routes.0.match.path.regex custom"]],
    ["a header value of the wrong type", { service: "a", routes: [{ match: { headers: [{ name: "x", present: "yes" }] } }] }, ["routes.0.match.headers.0.present invalid_type"]],
    ["a header match of no known form", { service: "a", routes: [{ match: { headers: [{ name: "x" }] } }] }, ["routes.0.match.headers.0 invalid_union"]],
    ["a path match with two forms at once", { service: "a", routes: [{ match: { path: { prefix: "/a", exact: "/b" } } }] }, ["routes.0.match.path invalid_union"]],
    ["an unknown method", { service: "a", routes: [{ match: { methods: ["GET", "FETCH"] } }] }, ["routes.0.match.methods.1 invalid_value"]],
    ["an unknown retryOn", { service: "a", retry: { retryOn: ["5xx", "timeout"] } }, ["retry.retryOn.1 invalid_value"]],
    ["attempts out of range", { service: "a", retry: { attempts: 0 } }, ["retry.attempts too_small"]],
    ["a non-integer attempt count", { service: "a", routes: [{ retry: { attempts: 1.5 } }] }, ["routes.0.retry.attempts invalid_type"]],
    ["a status out of range", { service: "a", routes: [{ retry: { retriableStatusCodes: [503, 600] } }] }, ["routes.0.retry.retriableStatusCodes.1 too_big"]],
    ["an unknown load balancer", { service: "a", loadBalancer: { type: "random" } }, ["loadBalancer.type invalid_value"]],
    ["a budget over 100%", { service: "a", retry: { budget: { percent: 101 } } }, ["retry.budget.percent too_big"]],
    ["too many routes", { service: "a", routes: Array.from({ length: 65 }, () => ({})) }, ["routes too_big"]],
    ["a health path without a slash", { service: "a", healthCheck: { path: "healthz" } }, ["healthCheck.path invalid_format"]],
    ["a non-object", "orders", [" invalid_type"]],
    [
      "several problems at once, in document order",
      { service: "a", routes: [{ backends: [{ version: "v1", weight: 1e6 }] }], retry: { attempts: 11 }, healthCheck: { interval: "soon" } },
      ["routes.0.backends.0.weight too_big", "retry.attempts too_big", "healthCheck.interval custom"],
    ],
  ];
  for (const [what, input, expected] of cases) {
    it(what, () => assert.deepEqual(problems(input), expected));
  }

  it("never reports a field problem without a path", () => {
    for (const [, input] of cases.filter(([, input]) => typeof input === "object")) {
      for (const p of problems(input)) assert.ok(!p.startsWith(" "), p);
    }
  });
});
