import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { perTryTimeoutLayer } from "./per-try-timeout";
import { routeLayer } from "./route";
import { PerTryTimeoutError } from "../errors";
import { compose } from "../stack";
import { buildSnapshot } from "../snapshot/snapshot";
import { makeBundle } from "../testing/bundles";
import { proxyRequest } from "../testing/requests";
import { ManualClock } from "../time/manual-clock";

const snapshotWith = (perTryTimeout: string) =>
  buildSnapshot(makeBundle(1, [{ service: "catalog", endpoints: [{ port: 1 }], spec: { retry: { perTryTimeout } } }]), "control-plane");

describe("perTryTimeoutLayer", () => {
  it("cancels a try that outlives the per-try timeout with PerTryTimeoutError", async () => {
    const clock = new ManualClock();
    let inner: AbortSignal | undefined;
    const handler = compose([routeLayer(), perTryTimeoutLayer(clock)], (req) => {
      inner = req.signal;
      return new Promise((_, reject) => req.signal.addEventListener("abort", () => reject(new Error("cancelled"))));
    });
    const rejected = assert.rejects(handler(proxyRequest({ snapshot: snapshotWith("100ms") })), PerTryTimeoutError);
    await clock.advance(100);
    await rejected;
    assert.equal(inner!.aborted, true);
  });

  it("passes a try through untouched when it answers in time or the timeout is 0", async () => {
    const clock = new ManualClock();
    const handler = compose([routeLayer(), perTryTimeoutLayer(clock)], async () => ({ status: 201, headers: {}, body: null }));
    assert.equal((await handler(proxyRequest({ snapshot: snapshotWith("100ms") }))).status, 201);
    assert.equal(clock.pending, 0);
    assert.equal((await handler(proxyRequest({ snapshot: snapshotWith("0ms") }))).status, 201);
  });
});
