import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import type { IncomingMessage } from "node:http";
import { Agent } from "undici";
import { requestTimeoutLayer } from "./request-timeout";
import { routeLayer } from "./route";
import { balanceLayer } from "./balance";
import { forwardHandler } from "./forward";
import { rescueLayer } from "./rescue";
import { DeadlineExceededError } from "../errors";
import { compose } from "../stack";
import { buildSnapshot } from "../snapshot/snapshot";
import { makeBundle } from "../testing/bundles";
import { proxyRequest } from "../testing/requests";
import { startServer, type TestServer } from "../testing/servers";
import { silentLogger } from "../log";
import { ManualClock } from "../time/manual-clock";

const snapshotWith = (timeout: string | undefined, port = 1) =>
  buildSnapshot(makeBundle(1, [{ service: "catalog", endpoints: [{ port }], spec: timeout ? { timeout: { request: timeout } } : {} }]), "control-plane");

describe("requestTimeoutLayer", () => {
  it("aborts the request's signal at the deadline and fails with DeadlineExceededError", async () => {
    const clock = new ManualClock();
    let inner: AbortSignal | undefined;
    let deadline: number | undefined;
    const handler = compose([routeLayer(), requestTimeoutLayer(clock)], (req) => {
      inner = req.signal;
      deadline = req.ctx.deadline;
      return new Promise((_, reject) => req.signal.addEventListener("abort", () => reject(new Error("cancelled"))));
    });
    const pending = handler(proxyRequest({ snapshot: snapshotWith("250ms") }));
    const rejected = assert.rejects(pending, (err) => err instanceof DeadlineExceededError && /250 ms/.test(err.message));
    await clock.advance(249);
    assert.equal(inner!.aborted, false);
    assert.equal(deadline, 250);
    await clock.advance(1);
    await rejected;
    assert.equal(inner!.aborted, true);
    assert.equal(clock.pending, 0);
  });

  it("clears its timer when the response comes first, and does nothing for timeout 0", async () => {
    const clock = new ManualClock();
    const handler = compose([routeLayer(), requestTimeoutLayer(clock)], async (req) => ({ status: 200, headers: { d: String(req.ctx.deadline) }, body: null }));
    assert.equal((await handler(proxyRequest({ snapshot: snapshotWith("1s") }))).headers.d, "1000");
    assert.equal(clock.pending, 0);
    assert.equal((await handler(proxyRequest({ snapshot: snapshotWith("0ms") }))).headers.d, "undefined");
  });

  it("reports the caller going away as such, not as a timeout", async () => {
    const clock = new ManualClock();
    const caller = new AbortController();
    const handler = compose([routeLayer(), requestTimeoutLayer(clock)], (req) => new Promise((_, reject) => req.signal.addEventListener("abort", () => reject(new Error("caller left")))));
    const pending = handler(proxyRequest({ snapshot: snapshotWith("1s"), signal: caller.signal }));
    caller.abort();
    await assert.rejects(pending, /caller left/);
  });

  describe("against a real upstream", () => {
    let upstream: TestServer;
    const aborted: Promise<void>[] = [];
    const agent = new Agent({ keepAliveTimeout: 1_000 });
    before(async () => {
      upstream = await startServer((req: IncomingMessage) => {
        // Never answers; resolves once the sidecar gives up on it.
        aborted.push(once(req.socket, "close").then(() => undefined));
      });
    });
    after(async () => {
      await agent.close();
      await upstream.close();
    });

    it("cancels the upstream request at the deadline and answers 504 timed_out", async () => {
      const handler = compose([rescueLayer(silentLogger), routeLayer(), requestTimeoutLayer(), balanceLayer()], forwardHandler(agent));
      const started = performance.now();
      const res = await handler(proxyRequest({ snapshot: snapshotWith("150ms", upstream.port) }));
      const took = performance.now() - started;
      assert.equal(res.status, 504);
      assert.equal(res.headers["x-trellis-error"], "timed_out");
      assert.ok(took >= 140 && took < 1_000, String(took));
      assert.equal(aborted.length, 1);
      await aborted[0]; // the upstream saw its connection closed
    });
  });
});
