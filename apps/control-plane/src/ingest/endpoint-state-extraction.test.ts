// Reading the sidecars' endpoint metrics out of an export: one report per reporter and endpoint that
// has a breaker-state point, the other metrics merged in; malformed points rejected with a reason.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { extractEndpointStates } from "./endpoint-state-extraction";
import { normaliseMetrics } from "./normalise-metrics";

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const NOW = new Date("2026-03-01T12:00:00Z");
const T = String(BigInt(NOW.getTime()) * 1_000_000n);
const at = (endpoint: string, extra: object[] = []) => [str("trellis.destination.service", "reviews"), str("trellis.endpoint", endpoint), ...extra];

function exportOf(resource: object[], metrics: object[]) {
  return { resourceMetrics: [{ resource: { attributes: resource }, scopeMetrics: [{ scope: { name: "trellis-sidecar" }, metrics }] }] };
}

const SIDECAR = [str("service.name", "web"), str("service.instance.id", "web-1")];

describe("extractEndpointStates", () => {
  it("merges state, health, since/reason and delta ejections per endpoint; ignores a cumulative ejection counter", () => {
    const out = extractEndpointStates(normaliseMetrics(exportOf(SIDECAR, [
      { name: "trellis.endpoint.breaker_state", gauge: { dataPoints: [{ attributes: at("r-1"), timeUnixNano: T, asInt: "1" }, { attributes: at("r-2"), timeUnixNano: T, asDouble: 0 }] } },
      { name: "trellis.endpoint.healthy", gauge: { dataPoints: [{ attributes: at("r-1"), timeUnixNano: T, asInt: "0" }] } },
      { name: "trellis.endpoint.state_since", gauge: { dataPoints: [{ attributes: at("r-1", [str("trellis.breaker.reason", "consecutive_gateway_errors")]), timeUnixNano: T, asDouble: NOW.getTime() - 1500 }] } },
      { name: "trellis.endpoint.ejections", sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ attributes: at("r-1"), timeUnixNano: T, asInt: "2" }] } },
      { name: "trellis.endpoint.ejections", sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ attributes: at("r-2"), timeUnixNano: T, asInt: "9" }] } },
      // Only health, no breaker state: not a report.
      { name: "trellis.endpoint.healthy", gauge: { dataPoints: [{ attributes: at("r-3"), timeUnixNano: T, asInt: "1" }] } },
      { name: "something.else", gauge: { dataPoints: [{ attributes: [], timeUnixNano: T, asInt: "1" }] } },
    ])), NOW);
    assert.deepEqual(out.rejected, []);
    assert.deepEqual(out.reports, [
      { reporter: "web-1", reporterService: "web", service: "reviews", endpoint: "r-1", state: "open", reason: "consecutive_gateway_errors", since: new Date(NOW.getTime() - 1500), healthy: false, ejections: 2, reportedAt: NOW },
      { reporter: "web-1", reporterService: "web", service: "reviews", endpoint: "r-2", state: "closed", reason: "none", since: null, healthy: null, ejections: 0, reportedAt: NOW },
    ]);
  });

  it("rejects points without a reporter, without an endpoint, or with values out of range", () => {
    const noReporter = extractEndpointStates(normaliseMetrics(exportOf([str("service.name", "web")], [
      { name: "trellis.endpoint.breaker_state", gauge: { dataPoints: [{ attributes: at("r-1"), timeUnixNano: T, asInt: "1" }] } },
    ])), NOW);
    assert.deepEqual(noReporter.reports, []);
    assert.match(noReporter.rejected[0] ?? "", /service.instance.id/);

    const bad = extractEndpointStates(normaliseMetrics(exportOf(SIDECAR, [
      { name: "trellis.endpoint.breaker_state", gauge: { dataPoints: [{ attributes: [str("trellis.endpoint", "r-1")], timeUnixNano: T, asInt: "1" }, { attributes: at("r-2"), timeUnixNano: T, asInt: "3" }] } },
      { name: "trellis.endpoint.healthy", gauge: { dataPoints: [{ attributes: at("r-2"), timeUnixNano: T, asDouble: 0.5 }] } },
      { name: "trellis.endpoint.state_since", gauge: { dataPoints: [{ attributes: at("r-2", [str("trellis.breaker.reason", "none")]), timeUnixNano: T, asDouble: -1 }] } },
      { name: "trellis.endpoint.ejections", sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ attributes: at("r-2"), timeUnixNano: T, asDouble: 1.5 }] } },
    ])), NOW);
    assert.deepEqual(bad.reports, []);
    assert.equal(bad.rejected.length, 5, bad.rejected.join("\n"));
  });
});
