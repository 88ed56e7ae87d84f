import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Endpoint } from "./bundle";
import { ZBundle } from "./bundle";
import { compileBundle, compileService, normaliseWeights } from "./compile";
import { DEFAULTS, WEIGHT_TOTAL } from "./defaults";
import { type PolicySpec, ZPolicySpec } from "./spec";

const spec = (input: unknown): PolicySpec => ZPolicySpec.parse(input);

function endpoint(instanceId: string, version = "v1", port = 15006): Endpoint {
  return { instanceId, version, host: "127.0.0.1", port, weight: 100, labels: {} };
}

const sum = (xs: { weight: number }[]): number => xs.reduce((a, b) => a + b.weight, 0);

describe("compileService defaults", () => {
  it("applies every default and one catch-all route when there is no spec", () => {
    const compiled = compileService({ service: "orders", endpoints: [] });
    assert.deepEqual(compiled, {
      name: "orders",
      loadBalancer: { type: DEFAULTS.loadBalancer.type, choiceCount: DEFAULTS.loadBalancer.choiceCount },
      routes: [
        {
          name: "default",
          path: { kind: "any", value: "" },
          methods: [],
          headers: [],
          backends: [],
          retry: { ...DEFAULTS.retry, retryOn: [...DEFAULTS.retry.retryOn], retriableStatusCodes: [] },
          timeoutMs: DEFAULTS.timeoutMs,
          fault: null,
        },
      ],
      circuitBreaker: { ...DEFAULTS.circuitBreaker },
      healthCheck: { ...DEFAULTS.healthCheck },
      mtlsMode: DEFAULTS.mesh.mtlsMode,
      endpoints: [],
    });
  });

  it("adds the catch-all route for an empty routes list too", () => {
    const compiled = compileService({ service: "orders", spec: spec({ service: "orders", routes: [] }), endpoints: [] });
    assert.equal(compiled.routes.length, 1);
    assert.equal(compiled.routes[0]!.name, "default");
    assert.deepEqual(compiled.routes[0]!.path, { kind: "any", value: "" });
  });

  it("lets a service-level retry and timeout reach the implicit catch-all route", () => {
    const compiled = compileService({
      service: "orders",
      spec: spec({ service: "orders", retry: { attempts: 4 }, timeout: { request: "3s" } }),
      endpoints: [],
    });
    assert.equal(compiled.routes[0]!.retry.attempts, 4);
    assert.equal(compiled.routes[0]!.timeoutMs, 3000);
  });

  it("does not share arrays with DEFAULTS (a caller mutating the output cannot corrupt later compiles)", () => {
    const a = compileService({ service: "orders", endpoints: [] });
    a.routes[0]!.retry.retryOn.push("5xx");
    const b = compileService({ service: "orders", endpoints: [] });
    assert.deepEqual(b.routes[0]!.retry.retryOn, [...DEFAULTS.retry.retryOn]);
  });
});

describe("normaliseWeights", () => {
  it("turns a 90/10 canary into basis points", () => {
    assert.deepEqual(normaliseWeights([{ version: "v1", weight: 90 }, { version: "v2", weight: 10 }]), [
      { version: "v1", weight: 9000 },
      { version: "v2", weight: 1000 },
    ]);
  });

  it("uses largest remainder, ties to the earlier backend", () => {
    assert.deepEqual(
      normaliseWeights([{ version: "a", weight: 1 }, { version: "b", weight: 1 }, { version: "c", weight: 1 }]).map((b) => b.weight),
      [3334, 3333, 3333],
    );
    // 1/7 = 1428.571..., remainders .571 (x7 total 4 units left): the first four get the extra point.
    const sevenths = normaliseWeights(Array.from({ length: 7 }, (_, i) => ({ version: `v${i}`, weight: 5 })));
    assert.deepEqual(sevenths.map((b) => b.weight), [1429, 1429, 1429, 1429, 1428, 1428, 1428]);
    // The largest fraction wins over position: 2/3 of the leftover goes to the 0.67 one, not the first.
    assert.deepEqual(
      normaliseWeights([{ version: "a", weight: 1.00001 }, { version: "b", weight: 2 }]).map((b) => b.weight),
      [3333, 6667],
    );
  });

  it("keeps zero weights at zero and accepts fractional weights", () => {
    assert.deepEqual(normaliseWeights([{ version: "a", weight: 0 }, { version: "b", weight: 2.5 }, { version: "c", weight: 2.5 }]).map((b) => b.weight), [0, 5000, 5000]);
    assert.deepEqual(normaliseWeights([{ version: "a", weight: 1 }, { version: "b", weight: 1 }, { version: "c", weight: 1 }, { version: "z", weight: 0 }]).map((b) => b.weight), [3334, 3333, 3333, 0]);
  });

  it("returns all zeros when the weights sum to zero (validatePolicy reports it)", () => {
    assert.deepEqual(normaliseWeights([{ version: "a", weight: 0 }, { version: "b", weight: 0 }]), [
      { version: "a", weight: 0 },
      { version: "b", weight: 0 },
    ]);
    assert.deepEqual(normaliseWeights([]), []);
  });

  it("always sums to WEIGHT_TOTAL with integer weights in range (deterministic pseudo-random sweep)", () => {
    let seed = 42;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let n = 0; n < 2000; n++) {
      const count = 1 + Math.floor(rand() * 32);
      const input = Array.from({ length: count }, (_, i) => ({ version: `v${i}`, weight: rand() < 0.2 ? 0 : rand() * (rand() < 0.5 ? 100 : 100_000) }));
      if (sum(input) === 0) continue;
      const out = normaliseWeights(input);
      assert.equal(sum(out), WEIGHT_TOTAL, JSON.stringify(input));
      for (const [i, b] of out.entries()) {
        assert.ok(Number.isInteger(b.weight) && b.weight >= 0 && b.weight <= WEIGHT_TOTAL);
        assert.equal(b.version, input[i]!.version);
        if (input[i]!.weight === 0) assert.equal(b.weight, 0);
        // Never more than one basis point away from the exact share.
        assert.ok(Math.abs(b.weight - (input[i]!.weight / sum(input)) * WEIGHT_TOTAL) < 1 + 1e-9);
      }
    }
  });
});

describe("compileService routes", () => {
  const routed = spec({
    service: "reviews",
    routes: [
      { name: "canary-header", match: { headers: [{ name: "X-Canary", exact: "true" }, { name: "X-Debug", present: false }] }, backends: [{ version: "v2", weight: 1 }] },
      { match: { path: { prefix: "/api" }, methods: ["GET", "HEAD"] }, backends: [{ version: "v1", weight: 3 }, { version: "v2", weight: 1 }] },
      { match: { path: { regex: "^/items/[0-9]+$" } } },
      { name: "exact", match: { path: { exact: "/healthz" } }, fault: { abort: { percent: 5, status: 503 } } },
    ],
  });
  const compiled = compileService({ service: "reviews", spec: routed, endpoints: [] });

  it("keeps route order and names unnamed routes by position", () => {
    assert.deepEqual(compiled.routes.map((r) => r.name), ["canary-header", "route-1", "route-2", "exact"]);
  });

  it("compiles path matches of every kind and keeps methods", () => {
    assert.deepEqual(compiled.routes.map((r) => r.path), [
      { kind: "any", value: "" },
      { kind: "prefix", value: "/api" },
      { kind: "regex", value: "^/items/[0-9]+$" },
      { kind: "exact", value: "/healthz" },
    ]);
    assert.deepEqual(compiled.routes[1]!.methods, ["GET", "HEAD"]);
    assert.deepEqual(compiled.routes[0]!.methods, []);
  });

  it("lower-cases header names and turns present:false into absent", () => {
    assert.deepEqual(compiled.routes[0]!.headers, [
      { name: "x-canary", kind: "exact", value: "true" },
      { name: "x-debug", kind: "absent", value: "" },
    ]);
  });

  it("normalises each route's backends and leaves absent backends empty", () => {
    assert.deepEqual(compiled.routes[0]!.backends, [{ version: "v2", weight: 10_000 }]);
    assert.deepEqual(compiled.routes[1]!.backends, [{ version: "v1", weight: 7500 }, { version: "v2", weight: 2500 }]);
    assert.deepEqual(compiled.routes[2]!.backends, []);
  });

  it("compiles faults only where they are set, with a 503 default abort status", () => {
    assert.equal(compiled.routes[0]!.fault, null);
    assert.deepEqual(compiled.routes[3]!.fault, { delayPercent: 0, delayMs: 0, abortPercent: 5, abortStatus: 503 });
    const delayed = compileService({ service: "a", spec: spec({ service: "a", routes: [{ fault: { delay: { percent: 10, duration: "1.5s" } } }, { fault: {} }] }), endpoints: [] });
    assert.deepEqual(delayed.routes[0]!.fault, { delayPercent: 10, delayMs: 1500, abortPercent: 0, abortStatus: 503 });
    assert.equal(delayed.routes[1]!.fault, null);
  });
});

describe("compileService retry and timeout layering", () => {
  const layered = spec({
    service: "payments",
    retry: {
      attempts: 3,
      retryOn: ["5xx", "reset"],
      perTryTimeout: "500ms",
      backoff: { base: "100ms", max: "1s" },
      budget: { percent: 10, minConcurrent: 5 },
    },
    timeout: { request: "4s" },
    routes: [
      { name: "inherits" },
      { name: "overrides", retry: { attempts: 1, backoff: { max: "2s" }, budget: { percent: 30 }, retryNonIdempotent: true }, timeout: { request: "10s" } },
      { name: "no-retry-on", retry: { retryOn: [], retriableStatusCodes: [502, 503] } },
    ],
  });
  const [inherits, overrides, noRetryOn] = compileService({ service: "payments", spec: layered, endpoints: [] }).routes;

  it("gives routes without their own policy the service-level one", () => {
    assert.deepEqual(inherits!.retry, {
      attempts: 3,
      retryOn: ["5xx", "reset"],
      retriableStatusCodes: [],
      perTryTimeoutMs: 500,
      backoffBaseMs: 100,
      backoffMaxMs: 1000,
      budgetPercent: 10,
      budgetMinConcurrent: 5,
      retryNonIdempotent: false,
    });
    assert.equal(inherits!.timeoutMs, 4000);
  });

  it("overrides field by field, including inside backoff and budget", () => {
    assert.deepEqual(overrides!.retry, {
      attempts: 1,
      retryOn: ["5xx", "reset"],
      retriableStatusCodes: [],
      perTryTimeoutMs: 500,
      backoffBaseMs: 100, // from the service: the route only changed max
      backoffMaxMs: 2000,
      budgetPercent: 30,
      budgetMinConcurrent: 5, // from the service: the route only changed percent
      retryNonIdempotent: true,
    });
    assert.equal(overrides!.timeoutMs, 10_000);
  });

  it("treats an explicit empty retryOn as a real value, not as absent", () => {
    assert.deepEqual(noRetryOn!.retry.retryOn, []);
    assert.deepEqual(noRetryOn!.retry.retriableStatusCodes, [502, 503]);
  });
});

describe("compileService endpoints, circuit breaker, health check", () => {
  it("sorts endpoints by instance id in code-unit order, whatever the locale", () => {
    const compiled = compileService({ service: "a", endpoints: [endpoint("b-2"), endpoint("a-1"), endpoint("B-3"), endpoint("a_0"), endpoint("a-10")] });
    assert.deepEqual(compiled.endpoints.map((e) => e.instanceId), ["B-3", "a-1", "a-10", "a_0", "b-2"]);
  });

  it("copies endpoints field by field and does not mutate the input", () => {
    const input = [endpoint("z"), endpoint("y")];
    const wide = [{ ...input[0]!, lastHeartbeatAt: "2025-01-01T00:00:00.000Z" }, input[1]!];
    const compiled = compileService({ service: "a", endpoints: wide });
    assert.deepEqual(wide.map((e) => e.instanceId), ["z", "y"]);
    assert.deepEqual(Object.keys(compiled.endpoints[1]!), ["instanceId", "version", "host", "port", "weight", "labels"]);
    assert.notEqual(compiled.endpoints[0]!.labels, input[1]!.labels);
  });

  it("compiles circuit breaker and health check durations to ms, defaults for the rest", () => {
    const compiled = compileService({
      service: "a",
      spec: spec({
        service: "a",
        loadBalancer: { type: "least-request", choiceCount: 3 },
        circuitBreaker: { maxRequests: 50, outlierDetection: { consecutive5xx: 3, baseEjectionTime: "10s", maxEjectionTime: "2m" } },
        healthCheck: { path: "/ready", interval: "2s", timeout: "250ms" },
      }),
      endpoints: [],
    });
    assert.deepEqual(compiled.loadBalancer, { type: "least-request", choiceCount: 3 });
    assert.deepEqual(compiled.circuitBreaker, {
      ...DEFAULTS.circuitBreaker,
      maxRequests: 50,
      consecutive5xx: 3,
      baseEjectionTimeMs: 10_000,
      maxEjectionTimeMs: 120_000,
    });
    assert.deepEqual(compiled.healthCheck, { ...DEFAULTS.healthCheck, path: "/ready", intervalMs: 2000, timeoutMs: 250 });
  });
});

describe("compileBundle", () => {
  const input = {
    revision: 7,
    generatedAt: "2025-01-01T00:00:00.000Z",
    sidecar: { service: "frontend", version: "v1" },
    localSpec: spec({ service: "frontend", healthCheck: { path: "/live", interval: "1s" } }),
    destinations: [
      { service: "reviews", spec: spec({ service: "reviews", routes: [{ backends: [{ version: "v1", weight: 9 }, { version: "v2", weight: 1 }] }] }), endpoints: [endpoint("r-2", "v2"), endpoint("r-1")] },
      { service: "catalog", endpoints: [endpoint("c-1")] },
      { service: "accounts", spec: spec({ service: "accounts", timeout: { request: "1s" } }), endpoints: [] },
    ],
  };

  it("produces a bundle that ZBundle accepts, with services keyed and ordered by name", () => {
    const bundle = compileBundle(input);
    assert.deepEqual(ZBundle.parse(bundle), bundle);
    assert.deepEqual(Object.keys(bundle.services), ["accounts", "catalog", "reviews"]);
    assert.equal(bundle.schemaVersion, 1);
    assert.equal(bundle.revision, 7);
    assert.deepEqual(bundle.localHealthCheck, { ...DEFAULTS.healthCheck, path: "/live", intervalMs: 1000 });
  });

  it("is deterministic: the same mesh state in any input order compiles to the same bytes", () => {
    const shuffled = {
      ...input,
      destinations: [...input.destinations].reverse().map((d) => ({ ...d, endpoints: [...d.endpoints].reverse() })),
    };
    assert.equal(JSON.stringify(compileBundle(shuffled)), JSON.stringify(compileBundle(input)));
    assert.equal(JSON.stringify(compileBundle(input)), JSON.stringify(compileBundle(input)));
  });

  it("keeps only the sidecar's service and version even when given a wider object", () => {
    const bundle = compileBundle({ ...input, sidecar: { ...input.sidecar, instanceId: "frontend-1" } as typeof input.sidecar });
    assert.deepEqual(bundle.sidecar, { service: "frontend", version: "v1" });
    assert.equal(ZBundle.safeParse(bundle).success, true);
  });

  it("uses the default local health check when the sidecar's own service has no spec", () => {
    const { localSpec: _unused, ...withoutLocal } = input;
    assert.deepEqual(compileBundle(withoutLocal).localHealthCheck, { ...DEFAULTS.healthCheck });
  });

  it("compiles every sample spec into a bundle that ZBundle accepts", () => {
    const samples: unknown[] = [
      { service: "a" },
      { service: "a", routes: [{ match: { path: { exact: "/" }, headers: [{ name: "A", regex: "^x" }, { name: "B", prefix: "y" }, { name: "C", present: true }] } }] },
      { service: "a", retry: { attempts: 10, retryOn: ["retriable-status-codes"], retriableStatusCodes: [429] }, timeout: { request: "24h" } },
      { service: "a", routes: [{ backends: [{ version: "v1", weight: 0 }, { version: "v2", weight: 0 }] }] },
      { service: "a", routes: Array.from({ length: 64 }, (_, i) => ({ match: { path: { prefix: `/${i}` } }, backends: Array.from({ length: 32 }, (_, j) => ({ version: `v${j}`, weight: j + i / 7 })) })) },
    ];
    for (const s of samples) {
      const bundle = compileBundle({ ...input, destinations: [{ service: "a", spec: spec(s), endpoints: [endpoint("a-1")] }] });
      const parsed = ZBundle.safeParse(bundle);
      assert.equal(parsed.success, true, `${JSON.stringify(s)}: ${parsed.error?.message}`);
    }
  });
});
