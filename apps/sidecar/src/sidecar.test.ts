// The whole data path in one process: app → outbound sidecar (web) → inbound sidecar (catalog) → app,
// over real sockets. Bundles are applied directly, as the control-plane session would.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { once } from "node:events";
import { ProxyAgent, request } from "undici";
import type { Bundle } from "@trellis/mesh-model";
import { makeBundle } from "./testing/bundles";
import { echoApp, send, startServer, startTestSidecar, type TestServer, type TestSidecar } from "./testing/servers";
import { isValidTraceparent } from "./http/trace-context";

const MiB = 1024 * 1024;
const LARGE = 16 * MiB;
const CHUNK = 64 * 1024;

/** Resolves on first call of `open()`, so a test can wait for "the other side has started". */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms).unref())]);

describe("sidecar data path", () => {
  let app1: TestServer, app2: TestServer, streamingApp: TestServer;
  let web: TestSidecar, catalog1: TestSidecar, catalog2: TestSidecar, files: TestSidecar;
  const appGotFirstChunk = gate();
  let clientGotFirstChunk = gate();
  const appSawAbort = gate();

  const apply = (sc: TestSidecar, bundle: Bundle) => {
    const r = sc.store.apply(bundle, { source: "control-plane", allowRegression: true });
    assert.ok(r.status === "applied", JSON.stringify(r));
  };
  const meshBundle = (revision: number) =>
    makeBundle(revision, [
      {
        service: "catalog",
        endpoints: [
          { instanceId: "catalog-1", version: "v1", port: catalog1.ports.inbound },
          { instanceId: "catalog-2", version: "v2", port: catalog2.ports.inbound },
        ],
      },
      { service: "files", endpoints: [{ port: files.ports.inbound }] },
      { service: "api-only", endpoints: [{ port: catalog1.ports.inbound }], spec: { routes: [{ name: "api", match: { path: { prefix: "/api" } } }] } },
      { service: "empty" },
    ]);

  before(async () => {
    app1 = await startServer(echoApp("catalog-1"));
    app2 = await startServer(echoApp("catalog-2"));
    streamingApp = await startServer((req, res) => {
      if (req.url === "/upload") {
        const hash = createHash("sha256");
        let bytes = 0;
        req.on("data", (c: Buffer) => {
          if (bytes === 0) appGotFirstChunk.open();
          bytes += c.length;
          hash.update(c);
        });
        req.on("end", () => res.end(JSON.stringify({ bytes, sha256: hash.digest("hex") })));
      } else if (req.url === "/download" || req.url === "/download-sized") {
        void (async () => {
          const data = randomBytes(LARGE);
          // Sized: a declared content-length, which the sidecar relays by counting down to its last chunk.
          const length = req.url === "/download-sized" ? { "content-length": String(LARGE) } : {};
          res.writeHead(200, { "content-type": "application/octet-stream", "x-sha256": createHash("sha256").update(data).digest("hex"), ...length });
          res.write(data.subarray(0, CHUNK));
          // Until the client has the first chunk the rest is withheld: a buffering proxy would deadlock here.
          await clientGotFirstChunk.opened;
          for (let off = CHUNK; off < LARGE; off += CHUNK) {
            if (!res.write(data.subarray(off, off + CHUNK))) await once(res, "drain");
          }
          res.end();
        })();
      } else if (req.url === "/sized") {
        res.writeHead(200, { "content-type": "text/plain", "content-length": "11" });
        res.end(req.method === "HEAD" ? undefined : "hello world");
      } else if (req.url === "/endless") {
        res.writeHead(200);
        res.write("x".repeat(CHUNK));
        const t = setInterval(() => res.write("x"), 10);
        res.on("close", () => {
          clearInterval(t);
          appSawAbort.open();
        });
      } else res.end("?");
    });
    web = await startTestSidecar({ service: "web", appPort: 1 });
    catalog1 = await startTestSidecar({ service: "catalog", version: "v1", appPort: app1.port });
    catalog2 = await startTestSidecar({ service: "catalog", version: "v2", appPort: app2.port });
    files = await startTestSidecar({ service: "files", appPort: streamingApp.port });
    apply(web, meshBundle(1));
  });

  after(async () => {
    await Promise.all([web, catalog1, catalog2, files].map((s) => s?.close()));
    await Promise.all([app1, app2, streamingApp].map((s) => s?.close()));
  });

  it("proxies an absolute-form request through outbound → inbound → app, with mesh headers", async () => {
    const res = await send(web.ports.outbound, { path: "http://catalog/items?x=1", headers: { "x-trellis-source": "spoofed" } });
    assert.equal(res.status, 200);
    const seen = JSON.parse(res.body);
    assert.match(seen.name, /^catalog-[12]$/);
    assert.equal(seen.url, "/items?x=1");
    assert.equal(seen.headers.host, "catalog");
    assert.equal(seen.headers["x-trellis-source"], "web", "the caller's own claim is replaced by its sidecar");
    assert.match(seen.headers["x-request-id"], /^[0-9a-f-]{36}$/);
    assert.ok(isValidTraceparent(seen.headers.traceparent));
    assert.equal(seen.headers["x-forwarded-for"], "127.0.0.1, 127.0.0.1");
    assert.equal(seen.headers["x-forwarded-proto"], "http");
    assert.equal(seen.headers["x-forwarded-host"], "catalog");
  });

  it("proxies origin-form requests with the service in Host, ignoring the port, and keeps given ids", async () => {
    const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const res = await send(web.ports.outbound, { path: "/items", headers: { host: "catalog:15001", traceparent: tp, "x-request-id": "req-1" } });
    assert.equal(res.status, 200);
    const seen = JSON.parse(res.body);
    assert.equal(seen.url, "/items");
    assert.equal(seen.headers.traceparent, tp);
    assert.equal(seen.headers["x-request-id"], "req-1");
  });

  it("works with undici's ProxyAgent, tunnelled (its default) or not", async () => {
    for (const proxyTunnel of [true, false]) {
      const dispatcher = new ProxyAgent({ uri: `http://127.0.0.1:${web.ports.outbound}`, proxyTunnel });
      try {
        const res = await request("http://catalog/via-agent", { dispatcher });
        assert.equal(res.statusCode, 200, `proxyTunnel=${proxyTunnel}`);
        assert.equal((await res.body.json() as { url: string }).url, "/via-agent");
      } finally {
        await dispatcher.close();
      }
    }
  });

  it("round robins across the destination's endpoints", async () => {
    const names: string[] = [];
    for (let i = 0; i < 6; i++) names.push(JSON.parse((await send(web.ports.outbound, { path: "http://catalog/rr" })).body).name);
    assert.equal(names.filter((n) => n === "catalog-1").length, 3, names.join());
    assert.equal(names.filter((n) => n === "catalog-2").length, 3, names.join());
    assert.notEqual(names[0], names[1]);
  });

  it("honours version weights of a route's backends", async () => {
    const canary = makeBundle(2, [
      {
        service: "catalog",
        endpoints: [
          { instanceId: "catalog-1", version: "v1", port: catalog1.ports.inbound },
          { instanceId: "catalog-2", version: "v2", port: catalog2.ports.inbound },
        ],
        spec: { routes: [{ name: "canary", backends: [{ version: "v1", weight: 75 }, { version: "v2", weight: 25 }] }] },
      },
    ]);
    apply(web, canary);
    try {
      const names: string[] = [];
      for (let i = 0; i < 8; i++) names.push(JSON.parse((await send(web.ports.outbound, { path: "http://catalog/c" })).body).name);
      assert.equal(names.filter((n) => n === "catalog-2").length, 2, names.join());
    } finally {
      apply(web, meshBundle(3));
    }
  });

  it("strips hop-by-hop headers, including those named in Connection, both ways", async () => {
    const hopApp = await startServer((req, res) => {
      res.setHeader("x-resp-hop", "1");
      res.setHeader("connection", "x-resp-hop");
      res.setHeader("keep-alive", "timeout=7, max=3");
      res.end(JSON.stringify(req.headers));
    });
    const hops = await startTestSidecar({ service: "catalog", appPort: hopApp.port });
    try {
      apply(web, makeBundle(10, [{ service: "catalog", endpoints: [{ port: hops.ports.inbound }] }]));
      const res = await send(web.ports.outbound, {
        path: "http://catalog/h",
        headers: { connection: "x-hop", "x-hop": "1", "proxy-authorization": "Basic Zm9vOmJhcg==", "x-keep": "yes", te: "trailers" },
      });
      const seen = JSON.parse(res.body);
      assert.equal(seen["x-keep"], "yes");
      for (const h of ["x-hop", "proxy-authorization", "te"]) assert.equal(seen[h], undefined, h);
      assert.equal(res.headers["x-resp-hop"], undefined);
      assert.notEqual(res.headers["keep-alive"], "timeout=7, max=3");
    } finally {
      apply(web, meshBundle(11));
      await hops.close();
      await hopApp.close();
    }
  });

  it("answers 404 with a reason for an unknown service or when no route matches", async () => {
    const unknown = await send(web.ports.outbound, { path: "http://nosuch/x" });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers["x-trellis-error"], "unknown_service");
    assert.deepEqual(JSON.parse(unknown.body).error.code, "unknown_service");
    assert.match(JSON.parse(unknown.body).error.message, /"nosuch"/);

    assert.equal((await send(web.ports.outbound, { path: "http://api-only/api/x" })).status, 200);
    const noRoute = await send(web.ports.outbound, { path: "http://api-only/other" });
    assert.equal(noRoute.status, 404);
    assert.equal(noRoute.headers["x-trellis-error"], "no_route");
  });

  it("answers 503 when a service has no endpoints, 502 when the app is down, 400 for https targets", async () => {
    const empty = await send(web.ports.outbound, { path: "http://empty/" });
    assert.equal(empty.status, 503);
    assert.equal(empty.headers["x-trellis-error"], "no_endpoints");

    const down = await startTestSidecar({ service: "catalog", appPort: 1 });
    try {
      apply(web, makeBundle(20, [{ service: "catalog", endpoints: [{ port: down.ports.inbound }] }]));
      const res = await send(web.ports.outbound, { path: "http://catalog/" });
      assert.equal(res.status, 502);
      assert.equal(res.headers["x-trellis-error"], "upstream_connect_failed", "the callee sidecar's reason reaches the caller");
    } finally {
      apply(web, meshBundle(21));
      await down.close();
    }

    const https = await send(web.ports.outbound, { path: "https://catalog/" });
    assert.equal(https.status, 400);
    assert.equal(https.headers["x-trellis-error"], "bad_request");
  });

  it("answers 503 no_config before any bundle is loaded", async () => {
    const fresh = await startTestSidecar({ service: "web", appPort: 1 });
    try {
      const res = await send(fresh.ports.outbound, { path: "http://catalog/" });
      assert.equal(res.status, 503);
      assert.equal(res.headers["x-trellis-error"], "no_config");
    } finally {
      await fresh.close();
    }
  });

  it("streams a large request body to the app without buffering it", async () => {
    const payload = randomBytes(LARGE);
    const res = await withTimeout(
      new Promise<IncomingMessage>((resolve, reject) => {
        const req = httpRequest({ host: "127.0.0.1", port: web.ports.outbound, method: "POST", path: "http://files/upload", agent: false }, resolve);
        req.on("error", reject);
        req.write(payload.subarray(0, CHUNK));
        // The rest is sent only after the app has seen the first chunk.
        void appGotFirstChunk.opened.then(async () => {
          for (let off = CHUNK; off < LARGE; off += CHUNK) {
            if (!req.write(payload.subarray(off, off + CHUNK))) await once(req, "drain");
          }
          req.end();
        });
      }),
      20_000,
      "the upload",
    );
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const result = JSON.parse(Buffer.concat(chunks).toString());
    assert.deepEqual(result, { bytes: LARGE, sha256: createHash("sha256").update(payload).digest("hex") });
  });

  for (const [what, path] of [["a large response", "/download"], ["a large response of a declared length (read slowly)", "/download-sized"]] as const) {
    it(`streams ${what} to the client without buffering it`, async () => {
      clientGotFirstChunk = gate();
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        httpRequest({ host: "127.0.0.1", port: web.ports.outbound, path: `http://files${path}`, agent: false }, resolve).on("error", reject).end();
      });
      assert.equal(res.statusCode, 200);
      if (path === "/download-sized") assert.equal(res.headers["content-length"], String(LARGE));
      const hash = createHash("sha256");
      let bytes = 0;
      let reads = 0;
      await withTimeout(
        (async () => {
          for await (const c of res) {
            bytes += (c as Buffer).length;
            hash.update(c as Buffer);
            clientGotFirstChunk.open();
            // The sized one reads slowly at first, so the sidecar's writes to it back up and it must pause the upstream.
            if (path === "/download-sized" && ++reads <= 20) await new Promise((r) => setTimeout(r, 10));
          }
        })(),
        20_000,
        "the download",
      );
      assert.equal(bytes, LARGE);
      assert.equal(hash.digest("hex"), res.headers["x-sha256"]);
    });
  }

  it("relays a sized response whole, and a HEAD answer's content-length with no body, on one kept-alive connection", async () => {
    const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const method of ["GET", "HEAD", "GET"]) {
        const res = await new Promise<IncomingMessage>((resolve, reject) => {
          httpRequest({ host: "127.0.0.1", port: web.ports.outbound, path: "http://files/sized", method, agent }, resolve).on("error", reject).end();
        });
        const chunks: Buffer[] = [];
        for await (const c of res) chunks.push(c as Buffer);
        assert.equal(res.statusCode, 200);
        assert.equal(res.headers["content-length"], "11");
        assert.equal(Buffer.concat(chunks).toString(), method === "HEAD" ? "" : "hello world");
      }
    } finally {
      agent.destroy();
    }
  });

  it("cancels the upstream request when the client goes away", async () => {
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      httpRequest({ host: "127.0.0.1", port: web.ports.outbound, path: "http://files/endless", agent: false }, resolve).on("error", reject).end();
    });
    await once(res, "data");
    res.destroy();
    await withTimeout(appSawAbort.opened, 5_000, "the app to see the abort");
  });

  it("keeps serving an in-flight request under the snapshot it started with", async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const slow = await startServer(async (_req, res) => {
      await released;
      res.end("finished");
    });
    const slowSidecar = await startTestSidecar({ service: "catalog", appPort: slow.port });
    try {
      apply(web, makeBundle(30, [{ service: "catalog", endpoints: [{ port: slowSidecar.ports.inbound }] }]));
      const inFlight = send(web.ports.outbound, { path: "http://catalog/slow" });
      await new Promise((r) => setTimeout(r, 100));
      apply(web, makeBundle(31, [])); // catalog is gone from the new snapshot
      assert.equal((await send(web.ports.outbound, { path: "http://catalog/slow" })).status, 404);
      release();
      const res = await inFlight;
      assert.equal(res.status, 200);
      assert.equal(res.body, "finished");
    } finally {
      apply(web, meshBundle(32));
      await slowSidecar.close();
      await slow.close();
    }
  });
});
