import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { Agent } from "undici";
import { forwardHandler } from "./forward";
import { ClientAbortedError, InternalError, NoIdentityError, UpstreamConnectError } from "../errors";
import { toTarget } from "../balancers/balancer";
import { CLOSED_PORT, startServer, type TestServer } from "../testing/servers";
import { proxyRequest } from "../testing/requests";

const target = (port: number) => toTarget({ instanceId: "x", version: "v1", host: "127.0.0.1", port, weight: 1, labels: {} });

describe("forwardHandler", () => {
  let upstream: TestServer;
  const agent = new Agent({ keepAliveTimeout: 1_000 });
  const forward = forwardHandler(agent);

  before(async () => {
    upstream = await startServer((req, res) => {
      if (req.url === "/hang") return; // never answers
      res.writeHead(200, { connection: "x-hop", "x-hop": "1", "x-path": req.url ?? "" });
      res.end("hello");
    });
  });
  after(async () => {
    await agent.close();
    await upstream.close();
  });

  it("sends the request to the chosen endpoint and strips hop-by-hop response headers", async () => {
    const req = proxyRequest({ path: "/a?b=c", ctx: { endpoint: target(upstream.port) } });
    const res = await forward(req);
    assert.equal(res.status, 200);
    assert.equal(res.headers["x-path"], "/a?b=c");
    assert.equal(res.headers["x-hop"], undefined);
    assert.ok(res.body instanceof Readable);
    assert.equal(Buffer.concat(await (res.body as Readable).toArray()).toString(), "hello");
  });

  it("classifies a refused connection as upstream_connect_failed", async () => {
    await assert.rejects(forward(proxyRequest({ ctx: { endpoint: target(CLOSED_PORT) } })), UpstreamConnectError);
  });

  it("is cancelled through the request's AbortSignal", async () => {
    const controller = new AbortController();
    const pending = forward(proxyRequest({ path: "/hang", signal: controller.signal, ctx: { endpoint: target(upstream.port) } }));
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, ClientAbortedError);
  });

  it("fails the try with the dispatcher source's own typed error (no identity for mTLS)", async () => {
    const noIdentity = forwardHandler(() => {
      throw new NoIdentityError("no certificate");
    });
    await assert.rejects(noIdentity(proxyRequest({ ctx: { endpoint: target(upstream.port) } })), NoIdentityError);
  });

  it("refuses to run without an endpoint", async () => {
    await assert.rejects(forward(proxyRequest()), InternalError);
  });
});
