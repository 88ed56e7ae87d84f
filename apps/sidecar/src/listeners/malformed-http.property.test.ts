// Property: whatever bytes a client sends (generated mutations of a valid request: bytes inserted,
// deleted or replaced, lines repeated), the sidecar's listeners never forward what they refuse and
// never crash: every request the app completes is answered 200 to the client, every other answer
// is the sidecar's own, and the sidecar still serves a plain request afterwards.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { makeBundle } from "../testing/bundles";
import { mutate, mutation } from "../testing/http-mutations";
import { exchangeRaw as exchange } from "../testing/raw-http";
import { startServer, startTestSidecar, type TestServer, type TestSidecar } from "../testing/servers";

describe("listeners under generated malformed input (property)", () => {
  let app: TestServer;
  let sidecar: TestSidecar;
  let completed = 0;

  before(async () => {
    app = await startServer((req, res) => {
      if (req.headers["x-trellis-health-check"] !== undefined) return void res.end("ok");
      req.on("error", () => {});
      req.resume();
      req.on("end", () => {
        completed++;
        res.end("ok");
      });
    });
    sidecar = await startTestSidecar({ service: "web", appPort: app.port });
    const r = sidecar.store.apply(makeBundle(1, [{ service: "catalog", endpoints: [{ port: sidecar.ports.inbound }] }]), { source: "control-plane", allowRegression: true });
    assert.equal(r.status, "applied");
  });
  after(async () => {
    await sidecar.close();
    await app.close();
  });

  const bases = [
    "POST /items HTTP/1.1\r\nHost: catalog\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc",
    "POST /items HTTP/1.1\r\nHost: catalog\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    "GET http://catalog/items HTTP/1.1\r\nHost: catalog\r\nX-A: b\r\nConnection: close\r\n\r\n",
  ];

  it("answers every request the app completed with 200 and forwards nothing it refused", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("inbound" as const, "outbound" as const), fc.constantFrom(...bases), fc.array(mutation, { minLength: 1, maxLength: 3 }), async (side, base, mutations) => {
        const port = side === "inbound" ? sidecar.ports.inbound : sidecar.ports.outbound;
        const before = completed;
        const oksIn = (reply: string) => reply.match(/HTTP\/1\.1 200 /g)?.length ?? 0;
        // Settled once every request the app completed has had its answer come back.
        const reply = await exchange(port, mutate(base, mutations), (r) => oksIn(r) >= completed - before);
        const oks = oksIn(reply);
        const statuses = [...reply.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
        if (completed - before !== oks) throw new Error(`${side}: the app completed ${completed - before} requests, the client got ${oks} 200s (${JSON.stringify(reply.slice(0, 200))})`);
        // Anything else the client got is the sidecar's own refusal or error, never a 5xx from a crash.
        if (statuses.some((s) => s !== 200 && (s < 400 || s === 500))) throw new Error(`${side}: unexpected status in ${JSON.stringify(reply.slice(0, 300))}`);
      }),
      { numRuns: 60 },
    );
    // Still serving.
    const reply = await exchange(sidecar.ports.inbound, Buffer.from(bases[0]!, "latin1"), (r) => r.length > 0);
    assert.match(reply, /^HTTP\/1\.1 200 /);
  });
});
