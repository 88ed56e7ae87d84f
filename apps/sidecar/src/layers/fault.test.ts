import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { FaultPolicy } from "@trellis/mesh-model";
import { faultLayer } from "./fault";
import { rescueLayer } from "./rescue";
import { routeLayer } from "./route";
import { telemetryLayer } from "./telemetry";
import { ClientAbortedError } from "../errors";
import { silentLogger } from "../log";
import { compose } from "../stack";
import { buildSnapshot } from "../snapshot/snapshot";
import type { RequestRecord } from "../telemetry/request-recorder";
import { makeBundle } from "../testing/bundles";
import { proxyRequest } from "../testing/requests";
import { ManualClock, seededRandom } from "../time/manual-clock";

const snapshotWith = (fault?: FaultPolicy) =>
  buildSnapshot(makeBundle(1, [{ service: "catalog", endpoints: [{ port: 1 }], spec: { routes: [{ name: "r", ...(fault ? { fault } : {}) }] } }]), "control-plane");

describe("faultLayer", () => {
  it("aborts about the configured share of requests with the configured status, classed and counted as errors", async () => {
    const records: RequestRecord[] = [];
    const handler = compose(
      [rescueLayer(silentLogger), telemetryLayer({ record: (r) => records.push(r) }, () => {}), routeLayer(), faultLayer(new ManualClock(), seededRandom(11))],
      async () => ({ status: 200, headers: {}, body: null }),
    );
    const snapshot = snapshotWith({ abort: { percent: 25, status: 418 } });
    const statuses: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const res = await handler(proxyRequest({ snapshot }));
      statuses.push(res.status);
      if (res.status === 418) assert.equal(res.headers["x-trellis-error"], "fault_injected");
    }
    const aborted = statuses.filter((s) => s === 418).length;
    assert.ok(aborted > 400 && aborted < 600, String(aborted));
    const faulted = records.filter((r) => r.responseClass === "4xx");
    assert.equal(faulted.length, aborted);
    assert.ok(faulted.every((r) => r.outcome === "error"));
    assert.ok(records.filter((r) => r.responseClass === "2xx").every((r) => r.outcome === "ok"));
  });

  it("delays the chosen requests on the injected clock, and leaves the rest alone", async () => {
    const clock = new ManualClock();
    let calls = 0;
    const draws = [0.1, 0.9]; // first request delayed (10 < 50), second not
    const handler = compose([routeLayer(), faultLayer(clock, () => draws.shift() ?? 0.99)], async () => (calls++, { status: 200, headers: {}, body: null }));
    const snapshot = snapshotWith({ delay: { percent: 50, duration: "2s" } });
    const delayed = handler(proxyRequest({ snapshot }));
    await clock.advance(1_999);
    assert.equal(calls, 0);
    await clock.advance(1);
    assert.equal((await delayed).status, 200);
    assert.equal((await handler(proxyRequest({ snapshot }))).status, 200);
    assert.equal(calls, 2);
  });

  it("stops a delay when the caller goes away, and does nothing on routes without faults", async () => {
    const clock = new ManualClock();
    const caller = new AbortController();
    const handler = compose([routeLayer(), faultLayer(clock, () => 0)], async () => ({ status: 204, headers: {}, body: null }));
    const pending = handler(proxyRequest({ snapshot: snapshotWith({ delay: { percent: 100, duration: "1s" } }), signal: caller.signal }));
    await clock.advance(10);
    caller.abort();
    await assert.rejects(pending, ClientAbortedError);
    assert.equal((await handler(proxyRequest({ snapshot: snapshotWith() }))).status, 204);
  });
});
