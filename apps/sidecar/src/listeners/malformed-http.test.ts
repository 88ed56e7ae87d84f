// Malformed and ambiguous HTTP sent over raw sockets to a real sidecar's outbound and inbound
// listeners, with a real upstream app that counts what reaches it: each vector must be answered
// 400/408/431 with the connection closed, counted by reason in /stats, and never reach the app.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { makeBundle } from "../testing/bundles";
import { sendRaw } from "../testing/raw-http";
import { send, startCountingApp, startServer, startTestSidecar, type AppCounts, type TestServer, type TestSidecar } from "../testing/servers";
import type { RejectReason } from "./malformed-http";

/** Writes `parts` (a pause between them) and reads until the sidecar closes, or gives up after `ms`. */
const raw = (port: number, parts: string[], ms = 3_000) => sendRaw(port, parts, ms);

/** Request line target and Host for each listener: absolute-form to outbound, origin-form to inbound. */
/** `maxFields`: the header-field limit (the default 100; inbound allows 16 more for what the calling sidecar adds). */
const SIDES = {
  outbound: { target: "http://catalog/items", host: "catalog", maxFields: 100 },
  inbound: { target: "/items", host: "catalog", maxFields: 116 },
} as const;
type Side = keyof typeof SIDES;

interface Vector {
  name: string;
  status: number;
  reason: RejectReason;
  request: (s: { target: string; host: string; maxFields: number }) => string;
}

const headers = (n: number) => Array.from({ length: n }, (_, i) => `X-H${i}: v\r\n`).join("");

const VECTORS: Vector[] = [
  { name: "Transfer-Encoding and Content-Length", status: 400, reason: "te_and_content_length", request: (s) => `POST ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n` },
  { name: "Content-Length then Transfer-Encoding", status: 400, reason: "te_and_content_length", request: (s) => `POST ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n` },
  { name: "a chunk size that is not hex", status: 400, reason: "bad_chunking", request: (s) => `POST ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n` },
  { name: "a chunk longer than its size", status: 400, reason: "bad_chunking", request: (s) => `POST ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n` },
  { name: "chunk lines ended by bare LF", status: 400, reason: "bad_chunking", request: (s) => `POST ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\n0\n\n` },
  { name: "an overflowing chunk size", status: 400, reason: "bad_chunking", request: (s) => `POST ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nabc\r\n` },
  { name: "a control character in a chunk extension", status: 400, reason: "bad_chunking", request: (s) => `POST ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nTransfer-Encoding: chunked\r\n\r\n3;\x01\r\nabc\r\n0\r\n\r\n` },
  { name: "obsolete line folding", status: 400, reason: "bad_header", request: (s) => `GET ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nX-A: one\r\n two\r\n\r\n` },
  { name: "obsolete line folding with a tab", status: 400, reason: "bad_header", request: (s) => `GET ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nX-A: one\r\n\ttwo\r\n\r\n` },
  { name: "two Content-Lengths that differ", status: 400, reason: "duplicate_content_length", request: (s) => `POST ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd` },
  { name: "two equal Content-Lengths", status: 400, reason: "duplicate_content_length", request: (s) => `POST ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc` },
  { name: "a Content-Length list", status: 400, reason: "bad_content_length", request: (s) => `POST ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nContent-Length: 3, 3\r\n\r\nabc` },
  { name: "a negative Content-Length", status: 400, reason: "bad_content_length", request: (s) => `POST ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nContent-Length: -1\r\n\r\n` },
  { name: "Transfer-Encoding gzip", status: 400, reason: "bad_transfer_encoding", request: (s) => `POST ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nTransfer-Encoding: gzip\r\n\r\nabc` },
  { name: "Transfer-Encoding gzip, chunked", status: 400, reason: "bad_transfer_encoding", request: (s) => `POST ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n` },
  { name: "Transfer-Encoding chunked, gzip", status: 400, reason: "bad_transfer_encoding", request: (s) => `POST ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n` },
  { name: "Transfer-Encoding chunked twice", status: 400, reason: "bad_transfer_encoding", request: (s) => `POST ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n` },
  { name: "Transfer-Encoding in HTTP/1.0", status: 400, reason: "bad_transfer_encoding", request: (s) => `POST ${s.target} HTTP/1.0\r\nHost: ${s.host}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n` },
  { name: "a 20 KB header", status: 431, reason: "header_too_large", request: (s) => `GET ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n` },
  { name: "a 20 KB request target", status: 431, reason: "header_too_large", request: (s) => `GET ${s.target}?${"a".repeat(20_000)} HTTP/1.1\r\nHost: ${s.host}\r\n\r\n` },
  { name: "one header field over the limit", status: 431, reason: "too_many_headers", request: (s) => `GET ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\n${headers(s.maxFields)}\r\n` },
  { name: "NUL in a header value", status: 400, reason: "bad_header", request: (s) => `GET ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nX-A: a\x00b\r\n\r\n` },
  { name: "a control character in a header value", status: 400, reason: "bad_header", request: (s) => `GET ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nX-A: a\x01b\r\n\r\n` },
  { name: "a bare CR in a header value", status: 400, reason: "bad_line_ending", request: (s) => `GET ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nX-A: a\rb\r\n\r\n` },
  { name: "a header line ended by bare LF", status: 400, reason: "bad_line_ending", request: (s) => `GET ${s.target} HTTP/1.1\r\nHost: ${s.host}\nX-A: b\r\n\r\n` },
  { name: "a space in a header name", status: 400, reason: "bad_header", request: (s) => `GET ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nX A: b\r\n\r\n` },
  { name: "a space before the colon", status: 400, reason: "bad_header", request: (s) => `GET ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nX-A : b\r\n\r\n` },
  { name: "a separator in a header name", status: 400, reason: "bad_header", request: (s) => `GET ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nX(A): b\r\n\r\n` },
  { name: "a bad method", status: 400, reason: "bad_request_line", request: (s) => `G(T ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\n\r\n` },
  { name: "a space in the target", status: 400, reason: "bad_request_line", request: (s) => `GET ${s.target}/a b HTTP/1.1\r\nHost: ${s.host}\r\n\r\n` },
  { name: "a control character in the target", status: 400, reason: "bad_request_line", request: (s) => `GET ${s.target}\x01 HTTP/1.1\r\nHost: ${s.host}\r\n\r\n` },
  { name: "HTTP/1.7", status: 400, reason: "bad_request_line", request: (s) => `GET ${s.target} HTTP/1.7\r\nHost: ${s.host}\r\n\r\n` },
  { name: "an HTTP/0.9 request line", status: 400, reason: "bad_version", request: (s) => `GET ${s.target}\r\n\r\n` },
  { name: "no Host in HTTP/1.1", status: 400, reason: "missing_host", request: (s) => `GET ${s.target} HTTP/1.1\r\n\r\n` },
  { name: "two Host headers", status: 400, reason: "duplicate_host", request: (s) => `GET ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nHost: other\r\n\r\n` },
  { name: "a Host with a space", status: 400, reason: "bad_host", request: (s) => `GET ${s.target} HTTP/1.1\r\nHost: cat alog\r\n\r\n` },
  { name: "a Host with an impossible port", status: 400, reason: "bad_host", request: (s) => `GET ${s.target} HTTP/1.1\r\nHost: ${s.host}:99999\r\n\r\n` },
  { name: "the asterisk target", status: 400, reason: "bad_target", request: (s) => `GET * HTTP/1.1\r\nHost: ${s.host}\r\n\r\n` },
  { name: "an absolute target with an impossible port", status: 400, reason: "bad_target", request: (s) => `GET http://catalog:99999/ HTTP/1.1\r\nHost: ${s.host}\r\n\r\n` },
  { name: "an absolute target with a broken IPv6 literal", status: 400, reason: "bad_target", request: (s) => `GET http://[::1/ HTTP/1.1\r\nHost: ${s.host}\r\n\r\n` },
  { name: "an https target", status: 400, reason: "bad_target", request: (s) => `GET https://catalog/ HTTP/1.1\r\nHost: ${s.host}\r\n\r\n` },
];

describe("malformed and ambiguous HTTP at the sidecar's listeners", () => {
  let app: TestServer;
  let sidecar: TestSidecar;
  let seen: AppCounts;

  const stats = async (): Promise<Record<Side, Partial<Record<RejectReason, number>>>> => JSON.parse((await send(sidecar.ports.admin, { path: "/stats" })).body).rejectedRequests;
  const port = (side: Side) => (side === "outbound" ? sidecar.ports.outbound : sidecar.ports.inbound);

  before(async () => {
    const counting = await startCountingApp();
    app = counting;
    seen = counting.seen;
    sidecar = await startTestSidecar({ service: "web", appPort: app.port });
    // Outbound catalog requests go to this sidecar's own inbound, which passes them to the app.
    const r = sidecar.store.apply(makeBundle(1, [{ service: "catalog", endpoints: [{ port: sidecar.ports.inbound }] }]), { source: "control-plane", allowRegression: true });
    assert.equal(r.status, "applied");
  });
  after(async () => {
    await sidecar.close();
    await app.close();
  });

  for (const side of ["outbound", "inbound"] as const) {
    it(`${side}: well-formed requests (plain, chunked, Content-Length) reach the app`, async () => {
      const before = seen.completed;
      const s = SIDES[side];
      for (const request of [
        `GET ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nConnection: close\r\n\r\n`,
        `POST ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n`,
        `POST ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc`,
        // Exactly at the limit (with Host and Connection).
        `GET ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\n${headers(s.maxFields - 2)}Connection: close\r\n\r\n`,
      ]) {
        const reply = await raw(port(side), [request]);
        assert.equal(reply.status, 200, `${request.slice(0, 60)} -> ${reply.text.slice(0, 200)}`);
      }
      assert.equal(seen.completed, before + 4);
    });

    it(`${side}: refuses every malformed vector with 400/431, closes, counts it, and forwards nothing`, async () => {
      const counted = (await stats())[side];
      const expected: Partial<Record<RejectReason, number>> = { ...counted };
      for (const v of VECTORS) {
        const started = seen.started;
        const reply = await raw(port(side), [v.request(SIDES[side])]);
        assert.equal(reply.status, v.status, `${v.name}: ${JSON.stringify(reply.text.slice(0, 300))}`);
        assert.ok(reply.closed, `${v.name}: the connection was left open`);
        assert.match(reply.text, /\r\nconnection: close\r\n/i, v.name);
        assert.match(reply.text, /x-trellis-error: (bad_request|header_too_large)/i, v.name);
        // Give a forwarded request time to show up at the app before looking.
        await new Promise((r) => setTimeout(r, 20));
        assert.equal(seen.started, started, `${v.name}: reached the app (${JSON.stringify(reply.text.slice(0, 400))})`);
        expected[v.reason] = (expected[v.reason] ?? 0) + 1;
      }
      assert.deepEqual((await stats())[side], expected);
      // Still serving.
      assert.equal((await raw(port(side), [`GET ${SIDES[side].target} HTTP/1.1\r\nHost: ${SIDES[side].host}\r\nConnection: close\r\n\r\n`])).status, 200);
    });

    it(`${side}: a bad chunk after the body started streaming aborts the upstream request; the app never gets a complete one`, async () => {
      const s = SIDES[side];
      const { completed, aborted } = seen;
      const reply = await raw(port(side), [`POST ${s.target} HTTP/1.1\r\nHost: ${s.host}\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n`, "zz\r\nmore\r\n0\r\n\r\n"]);
      assert.equal(reply.status, 400, reply.text);
      assert.ok(reply.closed);
      const deadline = Date.now() + 2_000;
      while (seen.aborted === aborted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(seen.completed, completed, "the app received a complete request");
      assert.equal(seen.aborted, aborted + 1, "the app's request was not aborted");
    });
  }
});

describe("listener limits are configurable", () => {
  let app: TestServer;
  let sidecar: TestSidecar;
  let hits = 0;

  before(async () => {
    app = await startServer((req, res) => {
      if (req.headers["x-trellis-health-check"] === undefined) hits++;
      res.end("ok");
    });
    sidecar = await startTestSidecar({ service: "web", appPort: app.port, maxHeaderCount: 10, maxHeaderBytes: 2_048, headersTimeoutMs: 300 });
  });
  after(async () => {
    await sidecar.close();
    await app.close();
  });

  it("takes 10 header fields and refuses 11 with 431; refuses a 3 KB header with 431 (inbound: 16 fields and 2 KiB more)", async () => {
    const to = (port: number, extra: string) => raw(port, [`GET / HTTP/1.1\r\nHost: catalog\r\n${extra}Connection: close\r\n\r\n`]);
    assert.equal((await to(sidecar.ports.inbound, headers(8 + 16))).status, 200);
    assert.equal((await to(sidecar.ports.inbound, headers(9 + 16))).status, 431);
    assert.equal((await to(sidecar.ports.inbound, `X-Big: ${"b".repeat(5_000)}\r\n`)).status, 431);
    // The outbound limits are the configured ones (no bundle: a header-count refusal comes before routing).
    assert.equal((await to(sidecar.ports.outbound, headers(9))).status, 431);
    assert.equal((await to(sidecar.ports.outbound, `X-Big: ${"b".repeat(3_000)}\r\n`)).status, 431);
    assert.equal(hits, 1);
  });

  it("answers 408 and closes when the headers do not arrive within the headers timeout", async () => {
    const started = performance.now();
    const reply = await raw(sidecar.ports.inbound, ["GET / HTTP/1.1\r\nHost: catalog\r\nX-Slow: "], 8_000);
    const took = performance.now() - started;
    assert.equal(reply.status, 408, reply.text);
    assert.ok(reply.closed);
    // Node checks the timeout every 150 ms here; the upper bound allows for a loaded machine (the default check is every 30 s).
    assert.ok(took >= 300 && took < 5_000, `took ${took} ms`);
    const stats = JSON.parse((await send(sidecar.ports.admin, { path: "/stats" })).body);
    assert.deepEqual(stats.rejectedRequests, { inbound: { too_many_headers: 1, header_too_large: 1, headers_timeout: 1 }, outbound: { too_many_headers: 1, header_too_large: 1 } });
    assert.equal(hits, 1);
  });
});
