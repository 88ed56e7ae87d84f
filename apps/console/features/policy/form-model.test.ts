import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePolicy, type PolicySpec } from "@trellis/mesh-model";
import { emptyRule, formToDraft, move, specToForm, weightPercents } from "./form-model";

const context = { services: [{ name: "reviews", versions: ["v1", "v2", "v3"] }] };
const VERSIONS = ["v1", "v2", "v3"];

const FULL: PolicySpec = {
  service: "reviews",
  loadBalancer: { type: "least-request", choiceCount: 3 },
  routes: [
    {
      name: "api",
      match: { path: { prefix: "/api" }, methods: ["GET", "HEAD"], headers: [{ name: "x-canary", exact: "1" }, { name: "x-debug", present: true }] },
      backends: [{ version: "v2", weight: 100 }],
      timeout: { request: "2s" },
    },
    { match: { path: { regex: "^/r/[0-9]+$" } } },
    { backends: [{ version: "v1", weight: 90 }, { version: "v2", weight: 10 }] },
  ],
  retry: {
    attempts: 3, retryOn: ["5xx", "reset"], retriableStatusCodes: [503, 429], perTryTimeout: "500ms",
    backoff: { base: "20ms", max: "200ms" }, budget: { percent: 25, minConcurrent: 5 }, retryNonIdempotent: false,
  },
  timeout: { request: "3s" },
  circuitBreaker: {
    maxConnections: 100, maxPendingRequests: 0, maxRequests: 200,
    outlierDetection: { consecutive5xx: 3, consecutiveGatewayErrors: 2, baseEjectionTime: "10s", maxEjectionTime: "1m", maxEjectionPercent: 20, panicThresholdPercent: 40 },
  },
  healthCheck: { path: "/ready", interval: "2s", timeout: "500ms", healthyThreshold: 1, unhealthyThreshold: 2 },
};

describe("policy form model", () => {
  it("round-trips a spec that uses every field", () => {
    assert.ok(parsePolicy(FULL, context).ok, "the fixture is valid");
    assert.deepEqual(formToDraft(specToForm(FULL, VERSIONS)), FULL);
  });

  it("round-trips the all-defaults spec, and empty fields stay out of the spec", () => {
    const form = specToForm({ service: "reviews" }, VERSIONS);
    assert.equal(form.fields["retry.attempts"], "");
    assert.deepEqual(form.split, { v1: "", v2: "", v3: "" });
    assert.deepEqual(form.rules, []);
    assert.deepEqual(formToDraft(form), { service: "reviews" });
  });

  it("clearing a field removes it, and its parent object when that becomes empty", () => {
    const form = specToForm({ service: "reviews", timeout: { request: "1s" }, retry: { attempts: 2, perTryTimeout: "100ms" } }, VERSIONS);
    form.fields["timeout.request"] = "";
    form.fields["retry.attempts"] = " ";
    assert.deepEqual(formToDraft(form), { service: "reviews", retry: { perTryTimeout: "100ms" } });
  });

  it("a split becomes a last route without a match; unset versions are left out", () => {
    const form = specToForm({ service: "reviews" }, VERSIONS);
    form.split = { v1: "90", v2: "10", v3: "" };
    assert.deepEqual(formToDraft(form).routes, [{ backends: [{ version: "v1", weight: 90 }, { version: "v2", weight: 10 }] }]);
    assert.deepEqual(weightPercents(form.split), { v1: 90, v2: 10, v3: 0 });
  });

  it("keeps versions the spec names but the registry does not know, first", () => {
    const form = specToForm({ service: "reviews", routes: [{ backends: [{ version: "v9", weight: 1 }] }] }, ["v1"]);
    assert.deepEqual(Object.keys(form.split), ["v9", "v1"]);
  });

  it("passes unconvertible text through so that validation names the field", () => {
    const form = specToForm({ service: "reviews" }, VERSIONS);
    form.fields["retry.attempts"] = "lots";
    form.fields["loadBalancer.choiceCount"] = "0";
    const result = parsePolicy(formToDraft(form), context);
    assert.equal(result.ok, false);
    const paths = result.ok ? [] : result.issues.map((i) => i.path);
    assert.ok(paths.includes("retry.attempts"), paths.join());
    assert.ok(paths.includes("loadBalancer.type"), "a choice count without an algorithm is reported on the algorithm");
    assert.ok(paths.includes("loadBalancer.choiceCount"), paths.join());
  });

  it("reports an unknown version at the backend's path, rules counted before the split", () => {
    const form = specToForm({ service: "reviews" }, ["v1", "v4"]);
    form.rules = [{ ...emptyRule(["v1"]), path: "/api" }];
    form.split = { v1: "1", v4: "1" };
    const result = parsePolicy(formToDraft(form), context);
    assert.equal(result.ok, false);
    assert.deepEqual(result.ok ? [] : result.issues.map((i) => [i.path, i.code]), [["routes.1.backends.1.version", "unknown_version"]]);
  });

  it("builds header matches of every kind and keeps rule order", () => {
    const rule = { ...emptyRule([]), headers: [{ name: "a", kind: "regex" as const, value: "^x" }, { name: "b", kind: "present" as const, value: "false" }] };
    const form = { ...specToForm({ service: "reviews" }, []), rules: [rule, { ...emptyRule([]), path: "/b" }] };
    const routes = formToDraft(form).routes;
    assert.deepEqual(routes, [
      { match: { path: { prefix: "" }, headers: [{ name: "a", regex: "^x" }, { name: "b", present: false }] } },
      { match: { path: { prefix: "/b" } } },
    ]);
  });

  it("moves rules within bounds", () => {
    assert.deepEqual(move(["a", "b", "c"], 0, 1), ["b", "a", "c"]);
    assert.deepEqual(move(["a", "b", "c"], 2, 1), ["a", "b", "c"]);
    assert.deepEqual(move(["a", "b", "c"], 2, -2), ["c", "a", "b"]);
  });
});
