import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { forwardToApi } from "./proxy";
import { UpstreamTimeoutError, UpstreamUnreachableError, proxyErrorResponse } from "./proxy-errors";
import { parseConsoleServerConfig } from "./config";

// A real upstream on loopback: echoes requests, streams on /stream, hangs on /hang.
function upstreamHandler(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === "/api/v1/stream") {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write("data: first\n\n");
    releaseStream = () => res.end("data: last\n\n");
    return;
  }
  if (req.url === "/api/v1/hang") {
    hanging.push(res);
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    res.writeHead(req.url?.startsWith("/api/v1/missing") ? 404 : 200, { "content-type": "application/json", "x-upstream": "yes" });
    res.end(JSON.stringify({
      method: req.method,
      url: req.url,
      contentType: req.headers["content-type"] ?? null,
      authorization: req.headers.authorization ?? null,
      cookie: req.headers.cookie ?? null,
      origin: req.headers.origin ?? null,
      body: Buffer.concat(chunks).toString("utf8"),
    }));
  });
}

let releaseStream: () => void = () => {};
const hanging: ServerResponse[] = [];
let server: Server;
let apiUrl = "";

before(async () => {
  server = createServer(upstreamHandler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const consoleOrigin = "http://console.test:3000";

describe("forwardToApi", () => {
  it("forwards method, path, query, body and chosen headers, and passes status and content type", async () => {
    const request = new Request(`${consoleOrigin}/api/v1/policies/checkout?dryRun=1`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: "Bearer t", cookie: "other=x; trellis_session=s1; more=y", origin: "http://console.test:3000" },
      body: JSON.stringify({ a: 1 }),
    });
    const response = await forwardToApi(request, { apiUrl, timeoutMs: 2000 });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "application/json");
    assert.equal(response.headers.get("x-upstream"), "yes");
    assert.deepEqual(await response.json(), {
      method: "PUT",
      url: "/api/v1/policies/checkout?dryRun=1",
      contentType: "application/json",
      authorization: "Bearer t",
      // Only the session cookie is relayed, never the host's other cookies.
      cookie: "trellis_session=s1",
      origin: "http://console.test:3000",
      body: '{"a":1}',
    });
  });

  it("passes upstream error statuses through unchanged", async () => {
    const response = await forwardToApi(new Request(`${consoleOrigin}/api/v1/missing`), { apiUrl, timeoutMs: 2000 });
    assert.equal(response.status, 404);
    await response.body?.cancel();
  });

  it("streams the response body instead of buffering it", async () => {
    const response = await forwardToApi(new Request(`${consoleOrigin}/api/v1/stream`), { apiUrl, timeoutMs: 2000 });
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    const reader = response.body!.getReader();
    const first = await reader.read();
    assert.equal(new TextDecoder().decode(first.value), "data: first\n\n");
    releaseStream();
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    assert.equal(rest, "data: last\n\n");
  });

  it("throws UpstreamUnreachableError when nothing listens, which maps to a 502 ApiError", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await forwardToApi(new Request(`${consoleOrigin}/api/v1/services`), { apiUrl: deadUrl, timeoutMs: 2000 }).then(
      () => assert.fail("expected a failure"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof UpstreamUnreachableError);
    const response = proxyErrorResponse(error);
    assert.equal(response.status, 502);
    const body: unknown = await response.json();
    assert.deepEqual(body, {
      error: { code: "upstream_unreachable", message: `The control plane at ${deadUrl} is unreachable (ECONNREFUSED).` },
    });
  });

  it("gives up on an upstream that never answers with UpstreamTimeoutError (504)", async () => {
    const error = await forwardToApi(new Request(`${consoleOrigin}/api/v1/hang`), { apiUrl, timeoutMs: 150 }).then(
      () => assert.fail("expected a timeout"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof UpstreamTimeoutError);
    assert.equal(proxyErrorResponse(error).status, 504);
  });
});

describe("parseConsoleServerConfig", () => {
  it("defaults to the control plane on 127.0.0.1:7070", () => {
    assert.deepEqual(parseConsoleServerConfig({}), { apiUrl: "http://127.0.0.1:7070", upstreamTimeoutMs: 10000 });
  });
  it("strips a trailing slash and rejects non-http URLs", () => {
    assert.equal(parseConsoleServerConfig({ TRELLIS_API_URL: "http://cp:8080/" }).apiUrl, "http://cp:8080");
    assert.throws(() => parseConsoleServerConfig({ TRELLIS_API_URL: "cp:8080" }), /TRELLIS_API_URL must be an http\(s\) URL/);
  });
});
