import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { PassThrough, Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { Agent } from "undici";
import { toTarget } from "../balancers/balancer";
import { CLOSED_PORT, startCountingApp, type AppCounts, type TestServer } from "../testing/servers";
import { proxyRequest } from "../testing/requests";
import { forwardHandler } from "./forward";
import type { ForwardCount } from "./forward";

const target = (port: number) => toTarget({ instanceId: "x", version: "v1", host: "127.0.0.1", port, weight: 1, labels: {} });

/** Waits until the app has seen `n` requests start (or a short while passed), so nothing is still on its way. */
async function settled(seen: AppCounts, n: number): Promise<void> {
  for (let i = 0; i < 40 && seen.started < n; i++) await sleep(10);
  await sleep(50);
}

describe("forward counts a try once its request head was written", () => {
  let app: TestServer & { seen: AppCounts };
  const agent = new Agent({ keepAliveTimeout: 1_000 });

  before(async () => {
    app = await startCountingApp();
  });
  after(async () => {
    await agent.close();
    await app.close();
  });

  it("counts a request that was sent, whole or streamed", async () => {
    const count: ForwardCount = { tries: 0, abortedInFlight: 0 };
    const forward = forwardHandler(agent, count);
    const base = app.seen.started;
    const get = await forward(proxyRequest({ ctx: { endpoint: target(app.port) } }));
    await (get.body as Readable).toArray();
    const post = await forward({ ...proxyRequest({ method: "POST", ctx: { endpoint: target(app.port) } }), body: Readable.from([Buffer.from("abc")]) });
    await (post.body as Readable).toArray();
    assert.deepEqual(count, { tries: 2, abortedInFlight: 0 });
    assert.equal(app.seen.started - base, 2);
  });

  it("does not count a try aborted before its body's first byte (undici writes the head with it): the app saw nothing", async () => {
    const count: ForwardCount = { tries: 0, abortedInFlight: 0 };
    const forward = forwardHandler(agent, count);
    const base = app.seen.started;
    const controller = new AbortController();
    const body = new PassThrough();
    const pending = forward({ ...proxyRequest({ method: "POST", signal: controller.signal, ctx: { endpoint: target(app.port) } }), body });
    await sleep(100);
    controller.abort();
    await assert.rejects(pending);
    await settled(app.seen, base + 1);
    assert.deepEqual(count, { tries: 0, abortedInFlight: 0 });
    assert.equal(app.seen.started - base, 0);
  });

  it("counts a try aborted after its head left, and the app saw it start", async () => {
    const count: ForwardCount = { tries: 0, abortedInFlight: 0 };
    const forward = forwardHandler(agent, count);
    const base = app.seen.started;
    const controller = new AbortController();
    const body = new PassThrough();
    body.write("a");
    const pending = forward({ ...proxyRequest({ method: "POST", signal: controller.signal, headers: { "content-length": "10" }, ctx: { endpoint: target(app.port) } }), body });
    await settled(app.seen, base + 1);
    controller.abort();
    await assert.rejects(pending);
    assert.deepEqual(count, { tries: 1, abortedInFlight: 1 });
    assert.equal(app.seen.started - base, 1);
  });

  it("does not count a try that found no connection", async () => {
    const count: ForwardCount = { tries: 0, abortedInFlight: 0 };
    await assert.rejects(forwardHandler(agent, count)(proxyRequest({ ctx: { endpoint: target(CLOSED_PORT) } })));
    assert.deepEqual(count, { tries: 0, abortedInFlight: 0 });
  });
});
