// The per-service time series: steps from rollups, effective vs first-try success, the split by
// version, the plan's resolution and step, and query validation — through the real HTTP API.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SERIES_API, ZServiceSeriesResponse } from "@trellis/mesh-model";
import { bucketsWith, metricsExport, type EdgePoint } from "../../fixtures/otlp-exports";
import { postJson, startTestControlPlane, type TestControlPlane } from "../../fixtures/test-control-plane";
import { planSeries } from "./series-service";

describe("planSeries", () => {
  it("uses 10 s rollups up to an hour and about 60 steps", () => {
    const now = Date.parse("2026-03-01T12:00:05Z");
    const p = planSeries(now - 3_600_000, now, now, 6 * 3_600_000);
    assert.equal(p.resolution, 10);
    assert.equal(p.stepMs, 60_000);
    assert.equal(p.from % p.stepMs, 0);
    assert.ok((p.to - p.from) / p.stepMs <= 61);
  });

  it("uses minute rollups for long or unretained ranges, steps a multiple of them", () => {
    const now = Date.parse("2026-03-01T12:00:00Z");
    const week = planSeries(now - 7 * 86_400_000, now, now, 6 * 3_600_000);
    assert.equal(week.resolution, 60);
    assert.equal(week.stepMs % 60_000, 0);
    assert.ok((week.to - week.from) / week.stepMs <= 61);
    assert.equal(planSeries(now - 600_000, now, now, 300_000).resolution, 60, "10 s rows are gone past retention");
    assert.equal(planSeries(now - 600_000, now, now, 6 * 3_600_000, 1_000).stepMs, 10_000, "never finer than the rollups");
  });
});

describe("GET /api/v1/services/:name/series", { timeout: 30_000 }, () => {
  let t: TestControlPlane;
  const clock = Date.parse("2026-03-01T12:00:00Z");
  const now = () => new Date(clock);
  // With operator auth (a bootstrap token in the fixture) or without it.
  const get = (path: string) => fetch(`${t.api}${path}`, { headers: (t as { auth?: Record<string, string> }).auth ?? {} });

  before(async () => {
    t = await startTestControlPlane({ now, args: ["--retention-10s", "6h"] });
    const early = clock - 240_000; // four minutes ago
    const late = clock - 30_000;
    const points: EdgePoint[] = [
      { destination: "shop", version: "v1", buckets: bucketsWith(60, 4), timeMs: early },
      { destination: "shop", version: "v1", buckets: bucketsWith(30, 4), timeMs: late },
      { destination: "shop", version: "v2", outcome: "retried", buckets: bucketsWith(20, 6), timeMs: late },
      { destination: "shop", version: "v2", outcome: "timed_out", responseClass: "none", buckets: bucketsWith(10, 12), timeMs: late },
      { destination: "stock", version: "v1", buckets: bucketsWith(500, 2), timeMs: late },
    ];
    const res = await postJson(`${t.otlp}/v1/metrics`, metricsExport({ service: "gateway", points }));
    assert.equal(res.status, 200, await res.text());
  });
  after(async () => t.close());

  it("answers steps with rates, effective and first-try success, latency, outcomes and the split", async () => {
    const res = await get(`${SERIES_API.series("shop")}?window=5m&step=1m`);
    assert.equal(res.status, 200);
    const s = ZServiceSeriesResponse.parse(await res.json());
    assert.equal(s.service, "shop");
    assert.equal(s.resolution, 10);
    assert.equal(s.stepSeconds, 60);
    assert.ok(s.points.length >= 5 && s.points.length <= 6, String(s.points.length));
    const total = s.points.reduce((a, p) => a + p.requests, 0);
    assert.equal(total, 120, "only what shop received");
    const first = s.points.find((p) => p.requests === 60)!;
    assert.equal(first.requestRate, 1);
    assert.equal(first.successRate, 1);
    assert.equal(first.firstTrySuccessRate, 1);
    const last = s.points.find((p) => p.outcomes.retried === 20)!;
    assert.equal(last.outcomes.retried, 20);
    assert.equal(last.outcomes.timed_out, 10);
    // 60 requests: 10 timed out (failed), 20 ok only after a retry, 30 ok at once.
    assert.equal(last.errorRate, Number((10 / 60).toFixed(6)));
    assert.equal(last.successRate, Number((50 / 60).toFixed(6)));
    assert.equal(last.firstTrySuccessRate, 0.5);
    assert.deepEqual(Object.keys(last.versions).sort(), ["v1", "v2"]);
    assert.equal(last.versions.v1, 0.5);
    assert.ok(last.latencyMs !== null && last.latencyMs.p99 > last.latencyMs.p50);
    const idle = s.points.find((p) => p.requests === 0)!;
    assert.equal(idle.successRate, null);
    assert.equal(idle.latencyMs, null);
  });

  it("takes a fixed from/to range", async () => {
    const from = new Date(clock - 600_000).toISOString();
    const to = new Date(clock - 120_000).toISOString();
    const s = ZServiceSeriesResponse.parse(await (await get(`${SERIES_API.series("shop")}?from=${from}&to=${to}&step=2m`)).json());
    assert.equal(s.points.reduce((a, p) => a + p.requests, 0), 60, "the late points fall after `to`");
  });

  it("refuses bad queries with the field's path", async () => {
    for (const [query, path] of [["window=1s", "window"], ["step=1s", "step"], [`from=${new Date(clock).toISOString()}`, "to"]] as const) {
      const res = await get(`${SERIES_API.series("shop")}?${query}`);
      assert.equal(res.status, 400, query);
      assert.equal(((await res.json()) as { error: { path: string } }).error.path, path, query);
    }
    assert.equal((await get("/api/v1/services/Not_A_Name/series")).status, 400);
  });
});
