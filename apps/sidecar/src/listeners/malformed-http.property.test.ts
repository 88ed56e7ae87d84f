// Property: whatever bytes a client sends (generated mutations of a valid request: bytes inserted,
// deleted or replaced, lines repeated), the sidecar's listeners never forward what they refuse and
// never crash: every request the app completes is answered 200 to the client, every other answer
// is the sidecar's own, and the sidecar still serves a plain request afterwards.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import fc from "fast-check";
import { makeBundle } from "../testing/bundles";
import { startServer, startTestSidecar, type TestServer, type TestSidecar } from "../testing/servers";

/**
 * Sends the bytes and reads until the sidecar closes, or `ms` have passed and `settled` says nothing
 * more is owed (a slow machine must not turn a late answer into a failure); at most 5 s.
 */
function exchange(port: number, bytes: Buffer, settled: (reply: string) => boolean = () => true, ms = 500): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const started = performance.now();
    const text = () => Buffer.concat(chunks).toString("latin1");
    const done = () => {
      clearInterval(timer);
      socket.destroy();
      resolve(text());
    };
    const timer = setInterval(() => {
      const waited = performance.now() - started;
      if ((waited >= ms && settled(text())) || waited >= 5_000) done();
    }, 50);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", () => {});
    socket.on("close", done);
    socket.on("connect", () => socket.write(bytes));
  });
}

const INTERESTING = [0x00, 0x01, 0x09, 0x0a, 0x0d, 0x20, 0x2c, 0x3a, 0x3b, 0x7f, 0xff, 0x61, 0x30, 0x2d];
type Mutation = { kind: "insert" | "replace"; at: number; byte: number } | { kind: "delete"; at: number } | { kind: "repeat-line"; line: number };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom("insert" as const, "replace" as const), at: fc.nat(), byte: fc.constantFrom(...INTERESTING) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("repeat-line" as const), line: fc.nat(6) }),
);

function mutate(base: string, mutations: readonly Mutation[]): Buffer {
  let bytes = Buffer.from(base, "latin1");
  for (const m of mutations) {
    if (m.kind === "repeat-line") {
      const lines = bytes.toString("latin1").split("\r\n");
      const i = 1 + (m.line % Math.max(1, lines.length - 2));
      if (lines[i]) lines.splice(i, 0, lines[i]!);
      bytes = Buffer.from(lines.join("\r\n"), "latin1");
      continue;
    }
    const at = m.at % Math.max(1, bytes.length);
    if (m.kind === "insert") bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([m.byte]), bytes.subarray(at)]);
    else if (m.kind === "replace") bytes[at] = m.byte;
    else bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
  }
  return bytes;
}

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
