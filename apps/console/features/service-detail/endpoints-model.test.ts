// The endpoints table's rows: worst fresh view decides state, since and why; stale views do not.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EndpointReport, ServiceEndpoint } from "@trellis/mesh-model";
import { endpointRows } from "./endpoints-model";

const report = (o: Partial<EndpointReport>): EndpointReport => ({
  reporter: "frontend-1",
  reporterService: "frontend",
  state: "open",
  reason: "consecutive_5xx",
  since: "2026-03-01T12:00:00.000Z",
  healthy: true,
  ejections: 1,
  lastEjectionAt: "2026-03-01T12:00:00.000Z",
  reportedAt: "2026-03-01T12:00:05.000Z",
  stale: false,
  ...o,
});

const endpoint = (o: Partial<ServiceEndpoint>): ServiceEndpoint => ({
  instanceId: "reviews-v2-1",
  version: "v2",
  address: "127.0.0.1:9002",
  up: true,
  health: "degraded",
  breaker: "open",
  ejections: 0,
  reports: [],
  ...o,
});

const data = (endpoints: ServiceEndpoint[]) => ({ service: "reviews", window: "1h", generatedAt: "2026-03-01T12:01:00.000Z", endpoints });

describe("endpointRows", () => {
  it("takes since and why from the latest of the views that agree on the worst state, and names who saw it", () => {
    const [row] = endpointRows(data([endpoint({
      ejections: 3,
      reports: [
        report({ reporter: "a-1", reporterService: "a", since: "2026-03-01T12:00:00.000Z" }),
        report({ reporter: "b-1", reporterService: "b", reason: "half_open_failure", since: "2026-03-01T12:00:30.000Z" }),
        report({ reporter: "c-1", reporterService: "c", state: "half-open", reason: "ejection_time_over", since: "2026-03-01T12:00:50.000Z" }),
        report({ reporter: "d-1", reporterService: "d", state: "open", since: "2026-03-01T12:00:59.000Z", stale: true, healthy: false }),
      ],
    })]));
    assert.equal(row!.breaker, "open");
    assert.equal(row!.reason, "half_open_failure");
    assert.equal(row!.since, "2026-03-01T12:00:30.000Z");
    assert.equal(row!.reportedBy, "b-1 (b) +1 more");
    assert.equal(row!.ejections, 3);
    assert.equal(row!.unhealthy, false, "only a stale view says unhealthy");
  });

  it("shows a closed endpoint without views as closed with no reason, live endpoints first", () => {
    const rows = endpointRows(data([
      endpoint({ instanceId: "gone", up: false, version: null, address: null, health: "failing", breaker: "closed" }),
      endpoint({ instanceId: "reviews-v1-1", version: "v1", health: "healthy", breaker: "closed", reports: [report({ state: "closed", reason: "half_open_success", healthy: false })] }),
    ]));
    assert.deepEqual(rows.map((r) => [r.instanceId, r.breaker, r.reason, r.unhealthy]), [["reviews-v1-1", "closed", "half_open_success", true], ["gone", "closed", null, false]]);
  });
});
