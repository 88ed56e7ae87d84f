import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OUTCOMES, type PolicySpec, type ServiceSeriesResponse } from "@trellis/mesh-model";
import { sampleGraph, sampleSidecars } from "../../fixtures/sample-mesh";
import { serviceEdges, serviceInstances } from "./edges-model";
import { describePolicy, policyFeatures } from "./policy-summary";
import { BREAKDOWN_OUTCOMES, revisionMarkers, toChartSeries } from "./series-model";

const zero = () => Object.fromEntries(OUTCOMES.map((o) => [o, 0]));

function point(t: string, requests: number, extra: Partial<ServiceSeriesResponse["points"][number]> = {}): ServiceSeriesResponse["points"][number] {
  return {
    t, requests, requestRate: requests / 60,
    errorRate: requests ? 0 : null, successRate: requests ? 1 : null, firstTrySuccessRate: requests ? 1 : null,
    latencyMs: requests ? { p50: 5, p95: 20, p99: 40 } : null,
    outcomes: { ...zero(), ok: requests }, versions: requests ? { v1: requests / 60 } : {},
    ...extra,
  } as ServiceSeriesResponse["points"][number];
}

const series: ServiceSeriesResponse = {
  service: "reviews", from: "2026-03-01T11:00:00.000Z", to: "2026-03-01T11:03:00.000Z", stepSeconds: 60, resolution: 10,
  generatedAt: "2026-03-01T11:02:30.000Z",
  points: [
    point("2026-03-01T11:00:00.000Z", 120),
    point("2026-03-01T11:01:00.000Z", 0),
    point("2026-03-01T11:02:00.000Z", 60, {
      errorRate: 0.1, successRate: 0.9, firstTrySuccessRate: 0.75,
      outcomes: { ...zero(), ok: 45, retried: 9, timed_out: 6 } as never,
      versions: { v1: 0.5, v2: 0.5 },
    }),
  ],
};

describe("rollups -> chart series", () => {
  it("makes one row per step with percentages, gaps for empty steps, and versions and outcomes as columns", () => {
    const c = toChartSeries(series);
    assert.equal(c.rows.length, 3);
    assert.deepEqual(c.versions, ["v1", "v2"]);
    assert.equal(c.rows[0]!.t, Date.parse("2026-03-01T11:00:00.000Z"));
    assert.equal(c.rows[0]!.success, 100);
    assert.equal(c.rows[1]!.success, null, "no requests is a gap, not 0%");
    assert.equal(c.rows[1]!.p99, null);
    assert.equal(c.rows[2]!.success, 90);
    assert.equal(c.rows[2]!.firstTry, 75);
    assert.equal(c.rows[2]!["v:v2"], 0.5);
    assert.equal(c.rows[0]!["v:v2"], 0, "a version absent from a step is 0 there");
    assert.equal(c.rows[2]!["o:retried"], 9);
    assert.equal("o:ok" in c.rows[2]!, false, "plain ok is not in the breakdown");
    assert.deepEqual(c.outcomes, ["retried", "timed_out"], "only outcomes that happened, in OUTCOMES order");
    assert.equal(c.totals.requests, 180);
    assert.equal(c.totals.successRate, (120 + 54) / 180);
    assert.equal(c.totals.firstTrySuccessRate, (120 + 45) / 180);
    assert.equal(c.totals.outcomes.timed_out, 6);
  });

  it("breaks down every outcome of mesh-model but ok", () => {
    assert.deepEqual([...BREAKDOWN_OUTCOMES], OUTCOMES.filter((o) => o !== "ok"));
  });

  it("marks policy revisions inside the range only, oldest first", () => {
    const rev = (revision: number, createdAt: string) => ({ service: "reviews", revision, author: "ann", message: `m${revision}`, createdAt });
    const marks = revisionMarkers([rev(9, "2026-03-01T11:02:10.000Z"), rev(4, "2026-03-01T10:00:00.000Z"), rev(7, "2026-03-01T11:00:30.000Z")],
      Date.parse(series.from), Date.parse(series.to));
    assert.deepEqual(marks.map((m) => m.label), ["r7", "r9"]);
    assert.equal(marks[1]!.title, "r9 by ann: m9");
  });
});

describe("service edges and instances", () => {
  it("splits the graph's edges into callers and callees, busiest first", () => {
    const { inbound, outbound } = serviceEdges(sampleGraph, "catalog");
    assert.ok(inbound.length > 0 && inbound.every((e) => e.target === "catalog"));
    assert.ok(outbound.length > 0 && outbound.every((e) => e.source === "catalog"));
    for (let i = 1; i < outbound.length; i++) assert.ok(outbound[i - 1]!.requestRate >= outbound[i]!.requestRate);
    assert.deepEqual(serviceEdges(undefined, "catalog"), { inbound: [], outbound: [] });
  });

  it("lists the service's sidecars, live ones first", () => {
    const list = serviceInstances(sampleSidecars.sidecars, "checkout");
    assert.deepEqual(list.map((s) => s.instanceId).sort(), ["checkout-1", "checkout-2"]);
    const firstDown = list.findIndex((s) => !s.up);
    if (firstDown >= 0) assert.ok(list.slice(firstDown).every((s) => !s.up));
  });
});

describe("policy summary", () => {
  it("reads the features that badge the graph", () => {
    const spec: PolicySpec = {
      service: "reviews",
      routes: [{ backends: [{ version: "v1", weight: 80 }, { version: "v2", weight: 20 }], fault: { abort: { percent: 5, status: 503 } } }],
      retry: { attempts: 3, retryOn: ["5xx"] },
    };
    assert.deepEqual(policyFeatures(spec), { shifting: true, retries: true, timeouts: false, fault: true, breaker: false });
    assert.deepEqual(policyFeatures({ service: "x", routes: [{ backends: [{ version: "v1", weight: 1 }, { version: "v2", weight: 0 }] }] }).shifting, false);
    assert.deepEqual(policyFeatures({ service: "x", timeout: { request: "2s" } }).timeouts, true);
  });

  it("describes a spec in lines, none for defaults", () => {
    assert.deepEqual(describePolicy({ service: "x" }), []);
    const lines = describePolicy({
      service: "reviews",
      routes: [{ name: "canary", match: { path: { prefix: "/api" }, methods: ["GET"] }, backends: [{ version: "v1", weight: 3 }, { version: "v2", weight: 1 }] }],
      retry: { attempts: 2, retryOn: ["5xx", "reset"], perTryTimeout: "500ms" },
      circuitBreaker: { maxRequests: 100, outlierDetection: { consecutive5xx: 5, baseEjectionTime: "30s" } },
    });
    assert.deepEqual(lines.map((l) => l.label), ["canary", "Retries", "Circuit breaker"]);
    assert.equal(lines[0]!.value, "path /api*, GET → v1 75% · v2 25%");
    assert.equal(lines[1]!.value, "2 attempts on 5xx, reset, 500ms per try");
    assert.equal(lines[2]!.value, "100 requests, eject after 5 consecutive errors for 30s");
  });
});
