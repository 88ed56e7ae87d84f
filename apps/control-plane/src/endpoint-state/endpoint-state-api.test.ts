// Per-endpoint breaker state through the real control plane: OTLP exports with the sidecars'
// trellis.endpoint.* metrics in, GET /api/v1/services/:name/endpoints out (viewer may read it).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  AUTH_API,
  ENDPOINTS_API,
  METRIC_ENDPOINT_BREAKER_STATE,
  METRIC_ENDPOINT_EJECTIONS,
  METRIC_ENDPOINT_HEALTHY,
  METRIC_ENDPOINT_STATE_SINCE,
  SIDECAR_API,
  ZServiceEndpointsResponse,
  type BreakerReason,
} from "@trellis/mesh-model";
import { authedFetch, loginCookie, postJson, startTestControlPlane, type TestControlPlane } from "../../fixtures/test-control-plane";

interface View {
  endpoint: string;
  state: 0 | 1 | 2;
  reason: BreakerReason;
  sinceMs: number;
  healthy?: 0 | 1;
  ejections: number;
  service?: string;
}

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);

/** One sidecar's export of its endpoint metrics, as our SDK setup sends them. */
function endpointExport(reporter: string, reporterService: string, timeMs: number, views: View[]) {
  const point = (v: View, asDouble: number, extra: object[] = []) => ({
    attributes: [str("trellis.destination.service", v.service ?? "reviews"), str("trellis.endpoint", v.endpoint), ...extra],
    timeUnixNano: ns(timeMs),
    asDouble,
  });
  return {
    resourceMetrics: [
      {
        resource: { attributes: [str("service.name", reporterService), str("service.instance.id", reporter)] },
        scopeMetrics: [
          {
            scope: { name: "trellis-sidecar" },
            metrics: [
              { name: METRIC_ENDPOINT_BREAKER_STATE, gauge: { dataPoints: views.map((v) => point(v, v.state)) } },
              { name: METRIC_ENDPOINT_HEALTHY, gauge: { dataPoints: views.map((v) => point(v, v.healthy ?? 1)) } },
              { name: METRIC_ENDPOINT_STATE_SINCE, gauge: { dataPoints: views.map((v) => point(v, v.sinceMs, [str("trellis.breaker.reason", v.reason)])) } },
              {
                name: METRIC_ENDPOINT_EJECTIONS,
                sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: views.map((v) => ({ ...point(v, 0), asDouble: undefined, asInt: String(v.ejections), startTimeUnixNano: ns(timeMs - 5000) })) },
              },
            ],
          },
        ],
      },
    ],
  };
}

describe("endpoint breaker state API", { timeout: 60_000 }, () => {
  let t: TestControlPlane;
  let clock = Date.parse("2026-03-01T12:00:00Z");
  const now = () => new Date(clock);
  const T0 = clock;

  const send = async (body: unknown) => {
    const res = await postJson(`${t.otlp}/v1/metrics`, body);
    assert.equal(res.status, 200);
    return (await res.json()) as { partialSuccess?: { rejectedDataPoints?: string | number; errorMessage?: string } };
  };
  const endpoints = async (window = "1h") => {
    const res = await t.fetch(`${ENDPOINTS_API.endpoints("reviews")}?window=${window}`);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    return ZServiceEndpointsResponse.parse(JSON.parse(text));
  };

  /** Registers (or re-registers, renewing the lease on the test's clock) both reviews instances. */
  const register = async () => {
    for (const [instanceId, version, port] of [["reviews-v1-1", "v1", 9001], ["reviews-v2-1", "v2", 9002]] as const) {
      const res = await postJson(t.api + SIDECAR_API.register, { instanceId, service: "reviews", version, host: "127.0.0.1", inboundPort: port, labels: {} });
      assert.equal(res.status, 200);
    }
  };

  before(async () => {
    t = await startTestControlPlane({ now, args: ["--retention-10s", "1h", "--retention-1m", "1d"] });
    await register();
  });
  after(async () => t?.close());

  it("lists every endpoint closed and healthy before anyone reports trouble, and stores no untroubled views", async () => {
    await send(endpointExport("frontend-1", "frontend", clock, [
      { endpoint: "reviews-v1-1", state: 0, reason: "none", sinceMs: T0 - 60_000, ejections: 0 },
      { endpoint: "reviews-v2-1", state: 0, reason: "none", sinceMs: T0 - 60_000, ejections: 0 },
    ]));
    const r = await endpoints();
    assert.equal(r.service, "reviews");
    assert.deepEqual(
      r.endpoints.map((e) => [e.instanceId, e.version, e.address, e.up, e.health, e.breaker, e.ejections, e.reports.length]),
      [["reviews-v1-1", "v1", "127.0.0.1:9001", true, "healthy", "closed", 0, 0], ["reviews-v2-1", "v2", "127.0.0.1:9002", true, "healthy", "closed", 0, 0]],
    );
  });

  it("shows an ejected endpoint open with since, reason and ejections per reporter, and the worst state wins", async () => {
    clock += 5_000;
    const since = clock - 2_000;
    await send(endpointExport("frontend-1", "frontend", clock, [
      { endpoint: "reviews-v1-1", state: 0, reason: "none", sinceMs: T0 - 60_000, ejections: 0 },
      { endpoint: "reviews-v2-1", state: 1, reason: "consecutive_5xx", sinceMs: since, ejections: 1 },
    ]));
    await send(endpointExport("catalog-1", "catalog", clock, [{ endpoint: "reviews-v2-1", state: 2, reason: "ejection_time_over", sinceMs: since + 1000, ejections: 2 }]));
    const v2 = (await endpoints()).endpoints.find((e) => e.instanceId === "reviews-v2-1")!;
    assert.equal(v2.breaker, "open");
    assert.equal(v2.health, "degraded");
    assert.equal(v2.ejections, 3);
    assert.deepEqual(
      v2.reports.map((r) => [r.reporter, r.reporterService, r.state, r.reason, r.since, r.healthy, r.ejections, r.stale]),
      [
        ["frontend-1", "frontend", "open", "consecutive_5xx", new Date(since).toISOString(), true, 1, false],
        ["catalog-1", "catalog", "half-open", "ejection_time_over", new Date(since + 1000).toISOString(), true, 2, false],
      ],
    );
    assert.equal(v2.reports[0]!.lastEjectionAt, now().toISOString());
    const v1 = (await endpoints()).endpoints.find((e) => e.instanceId === "reviews-v1-1")!;
    assert.deepEqual([v1.breaker, v1.health, v1.reports.length], ["closed", "healthy", 0]);
  });

  it("marks a reporter that stopped reporting as stale, and counts ejections only within the window", async () => {
    clock += 30_000;
    // frontend-1 reports again (closed after a good probe); catalog-1 has gone quiet.
    await send(endpointExport("frontend-1", "frontend", clock, [{ endpoint: "reviews-v2-1", state: 0, reason: "half_open_success", sinceMs: clock - 1000, ejections: 0 }]));
    clock += 40_000;
    await send(endpointExport("frontend-1", "frontend", clock, [{ endpoint: "reviews-v2-1", state: 0, reason: "half_open_success", sinceMs: clock - 41_000, ejections: 0 }]));
    await register();
    const v2 = (await endpoints()).endpoints.find((e) => e.instanceId === "reviews-v2-1")!;
    assert.deepEqual(v2.reports.map((r) => [r.reporter, r.state, r.reason, r.stale]), [["catalog-1", "half-open", "ejection_time_over", true], ["frontend-1", "closed", "half_open_success", false]]);
    // Only fresh views count: the stale half-open one does not make it half-open or degraded.
    assert.deepEqual([v2.breaker, v2.health], ["closed", "healthy"]);
    assert.equal(v2.ejections, 3);
    clock += 10 * 60_000;
    assert.equal((await endpoints("5m")).endpoints.find((e) => e.instanceId === "reviews-v2-1")!.ejections, 0);
  });

  it("rejects malformed endpoint points in the partial success and keeps the good ones", async () => {
    const body = endpointExport("frontend-2", "frontend", clock, [
      { endpoint: "reviews-v1-1", state: 1, reason: "consecutive_gateway_errors", sinceMs: clock - 500, ejections: 1 },
      { endpoint: "reviews-v2-1", state: 1, reason: "consecutive_5xx", sinceMs: clock - 500, ejections: 1 },
    ]);
    // A breaker state of 7, and a since without a known reason.
    const metrics = body.resourceMetrics[0]!.scopeMetrics[0]!.metrics;
    (metrics[0] as { gauge: { dataPoints: { asDouble: number }[] } }).gauge.dataPoints[1]!.asDouble = 7;
    (metrics[2] as { gauge: { dataPoints: { attributes: unknown[] }[] } }).gauge.dataPoints[0]!.attributes[2] = str("trellis.breaker.reason", "bad luck");
    const answer = await send(body);
    assert.equal(Number(answer.partialSuccess?.rejectedDataPoints), 2);
    assert.match(String(answer.partialSuccess?.errorMessage), /breaker_state must be 0/);
    const r = await endpoints();
    const v1 = r.endpoints.find((e) => e.instanceId === "reviews-v1-1")!;
    assert.deepEqual(v1.reports.map((x) => [x.reporter, x.state, x.reason, x.since]), [["frontend-2", "open", "none", null]]);
    assert.equal(r.endpoints.find((e) => e.instanceId === "reviews-v2-1")!.reports.some((x) => x.reporter === "frontend-2"), false);
  });

  it("rewrites an unchanged view (a since that only wobbles by milliseconds) every 15 s, not at every export", async () => {
    const view = (sinceMs: number): View[] => [{ endpoint: "reviews-v1-1", state: 1, reason: "consecutive_5xx", sinceMs, ejections: 0 }];
    const reportedAt = async () => (await endpoints()).endpoints.find((e) => e.instanceId === "reviews-v1-1")!.reports.find((r) => r.reporter === "web-9")?.reportedAt;
    const since = clock - 3_000;
    await send(endpointExport("web-9", "web", clock, [{ ...view(since)[0]!, ejections: 1 }]));
    const first = now().toISOString();
    assert.equal(await reportedAt(), first);
    clock += 5_000;
    await send(endpointExport("web-9", "web", clock, view(since + 2)));
    assert.equal(await reportedAt(), first, "unchanged 5 s later: not written");
    clock += 11_000;
    await send(endpointExport("web-9", "web", clock, view(since - 1)));
    assert.equal(await reportedAt(), now().toISOString(), "16 s after the write: written again");
    clock += 1_000;
    await send(endpointExport("web-9", "web", clock, [{ ...view(clock)[0]!, state: 2, reason: "ejection_time_over" }]));
    assert.equal(await reportedAt(), now().toISOString(), "a new state is written at once");
  });

  it("is readable by a viewer and by nobody without a session", async () => {
    const res = await t.fetch(AUTH_API.users, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "vera", password: "vera-password-1", role: "viewer" }) });
    assert.equal(res.status, 201, await res.text());
    const cookie = await loginCookie(t.api, "vera", "vera-password-1");
    assert.equal((await authedFetch(`${t.api}${ENDPOINTS_API.endpoints("reviews")}`, { cookie })).status, 200);
    assert.equal((await fetch(`${t.api}${ENDPOINTS_API.endpoints("reviews")}`)).status, 401);
    assert.equal((await t.fetch(`${ENDPOINTS_API.endpoints("Not A Name")}`)).status, 400);
  });
});
