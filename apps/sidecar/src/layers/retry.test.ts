// The retry layer on its own, on a manual clock, with a scripted inner handler standing for the
// per-try timeout, balance and forward layers (behaviour against real upstreams: retry-upstreams.test.ts).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { retryLayer } from "./retry";
import { routeLayer } from "./route";
import { requestTimeoutLayer } from "./request-timeout";
import { UpstreamConnectError } from "../errors";
import type { ProxyRequest, ProxyResponse } from "../http/proxy-types";
import { compose } from "../stack";
import { buildSnapshot } from "../snapshot/snapshot";
import { makeBundle } from "../testing/bundles";
import { proxyRequest } from "../testing/requests";
import { ManualClock } from "../time/manual-clock";
import { RetryBudgets } from "../retry/retry-budget";
import type { RetryPolicy, TimeoutPolicy } from "@trellis/mesh-model";

const snapshotWith = (retry: RetryPolicy, timeout?: TimeoutPolicy) =>
  buildSnapshot(makeBundle(1, [{ service: "catalog", endpoints: [{ port: 1 }], spec: { retry, ...(timeout ? { timeout } : {}) } }]), "control-plane");

/** Answers each try with the next scripted status (or error), recording what it saw. */
function scripted(script: Array<number | Error>) {
  const seen: Array<{ tries: number | undefined; body: string | null }> = [];
  const drained: boolean[] = [];
  const handler = async (req: ProxyRequest): Promise<ProxyResponse> => {
    seen.push({ tries: req.ctx.tries, body: req.body === null ? null : Buffer.from(req.body instanceof Readable ? Buffer.concat(await req.body.toArray()) : req.body).toString() });
    const step = script[Math.min(seen.length - 1, script.length - 1)]!;
    if (step instanceof Error) throw step;
    const i = drained.push(false) - 1;
    const body = Readable.from([Buffer.from(`try ${seen.length}`)]);
    body.on("end", () => (drained[i] = true));
    return { status: step, headers: {}, body };
  };
  return { handler, seen, drained };
}

describe("retryLayer", () => {
  it("retries a gateway error after a jittered backoff and drains the dropped response", async () => {
    const clock = new ManualClock();
    const { handler, seen, drained } = scripted([503, 200]);
    const stack = compose([routeLayer(), retryLayer({ clock, random: () => 0.5 })], handler);
    const pending = stack(proxyRequest({ snapshot: snapshotWith({ attempts: 3, backoff: { base: "100ms", max: "1s" } }) }));
    await clock.advance(49);
    assert.equal(seen.length, 1);
    await clock.advance(1); // 0.5 × 100 ms
    const res = await pending;
    assert.equal(res.status, 200);
    assert.deepEqual(seen.map((s) => s.tries), [1, 2]);
    assert.deepEqual(drained, [true, false]);
  });

  it("stops at the attempt limit and returns the last answer", async () => {
    const clock = new ManualClock();
    const { handler, seen } = scripted([503]);
    const stack = compose([routeLayer(), retryLayer({ clock, random: () => 0 })], handler);
    const res = await stack(proxyRequest({ snapshot: snapshotWith({ attempts: 3 }) }));
    assert.equal(res.status, 503);
    assert.equal(seen.length, 3);
  });

  it("rethrows a failure it does not retry, and one it ran out of attempts for", async () => {
    const { handler, seen } = scripted([new UpstreamConnectError("refused")]);
    const stack = compose([routeLayer(), retryLayer({ random: () => 0 })], handler);
    await assert.rejects(stack(proxyRequest({ snapshot: snapshotWith({ attempts: 2, retryOn: ["connect-failure"] }) })), UpstreamConnectError);
    assert.equal(seen.length, 2);
    await assert.rejects(stack(proxyRequest({ snapshot: snapshotWith({ attempts: 2, retryOn: ["5xx"] }) })), UpstreamConnectError);
    await assert.rejects(stack(proxyRequest({ snapshot: snapshotWith({ attempts: 2, retryOn: ["retriable-status-codes"] }) })), UpstreamConnectError);
    assert.equal(seen.length, 5);
  });

  it("does not start a retry whose backoff would end past the deadline", async () => {
    const clock = new ManualClock();
    const { handler, seen } = scripted([503, 200]);
    const stack = compose([routeLayer(), requestTimeoutLayer(clock), retryLayer({ clock, random: () => 0.99 })], handler);
    const res = await stack(proxyRequest({ snapshot: snapshotWith({ attempts: 3, backoff: { base: "500ms", max: "1s" } }, { request: "400ms" }) }));
    assert.equal(res.status, 503);
    assert.equal(seen.length, 1);
  });

  it("retries POST only when the route allows it, replaying the same body", async () => {
    const post = (retry: RetryPolicy) => {
      const { handler, seen } = scripted([503, 200]);
      const stack = compose([routeLayer(), retryLayer({ random: () => 0 })], handler);
      const req = proxyRequest({ method: "POST", snapshot: snapshotWith(retry) });
      return { run: () => stack({ ...req, body: Readable.from([Buffer.from("hello "), Buffer.from("world")]) }), seen };
    };
    const plain = post({ attempts: 3 });
    assert.equal((await plain.run()).status, 503);
    assert.equal(plain.seen.length, 1);
    const allowed = post({ attempts: 3, retryNonIdempotent: true });
    assert.equal((await allowed.run()).status, 200);
    assert.deepEqual(allowed.seen.map((s) => s.body), ["hello world", "hello world"]);
  });

  it("gives a body over 64 KiB one streamed try", async () => {
    const { handler, seen } = scripted([503, 200]);
    const stack = compose([routeLayer(), retryLayer({ random: () => 0 })], handler);
    const big = Array.from({ length: 70 }, () => Buffer.alloc(1024, 120));
    const res = await stack({ ...proxyRequest({ method: "PUT", snapshot: snapshotWith({ attempts: 3 }) }), body: Readable.from(big) });
    assert.equal(res.status, 503);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.body!.length, 70 * 1024);
  });

  it("refuses retries beyond the budget and counts them", async () => {
    const clock = new ManualClock();
    const budgets = new RetryBudgets();
    const { handler, seen } = scripted([503]);
    const stack = compose([routeLayer(), retryLayer({ clock, random: () => 0.5, budgets })], handler);
    const snapshot = snapshotWith({ attempts: 2, backoff: { base: "100ms", max: "100ms" }, budget: { percent: 0, minConcurrent: 2 } });
    // Five requests at once: two may wait out their backoff, the other three answer at once.
    const pending = Array.from({ length: 5 }, () => stack(proxyRequest({ snapshot })));
    await clock.advance(100);
    assert.deepEqual((await Promise.all(pending)).map((r) => r.status), [503, 503, 503, 503, 503]);
    assert.equal(seen.length, 7);
    assert.deepEqual(budgets.exhausted(), { catalog: 3 });
    assert.equal(budgets.of("catalog").retrying, 0);
    assert.equal(budgets.of("catalog").active, 0);
  });
});
