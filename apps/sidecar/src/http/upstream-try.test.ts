import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { PassThrough, Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, errors } from "undici";
import { startServer, type TestServer } from "../testing/servers";
import { responseHeaders, upstreamTry, type ForwardCount, type TryOptions } from "./upstream-try";

// Larger than loopback socket buffers can hold, so an unread body must stall the upstream.
const BIG = 32 * 1024 * 1024;

describe("responseHeaders", () => {
  const raw = (...pairs: string[]) => pairs.map((p) => Buffer.from(p, "latin1"));

  it("lower-cases names, keeps repeated headers as arrays and drops hop-by-hop ones and those Connection names", () => {
    const out = responseHeaders(
      raw("Content-Type", "text/plain", "Set-Cookie", "a=1", "Connection", "X-Hop", "set-cookie", "b=2", "Keep-Alive", "timeout=5", "X-Hop", "1", "Transfer-Encoding", "chunked", "connection", "Other", "other", "2", "X-Kept", "é"),
    );
    assert.deepEqual(out, { "content-type": "text/plain", "set-cookie": ["a=1", "b=2"], "x-kept": "é" });
  });

  it("keeps a header named like an Object.prototype member and drops __proto__", () => {
    const out = responseHeaders(raw("constructor", "a", "Constructor", "b", "__proto__", "x"));
    assert.deepEqual(Object.keys(out), ["constructor"]);
    assert.deepEqual(out.constructor, ["a", "b"]);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
  });

  it("lower-cases names past the bound of its name cache alike", () => {
    const pairs: string[] = [];
    for (let i = 0; i < 700; i++) pairs.push(`X-Name-${i}`, String(i));
    const out = responseHeaders(raw(...pairs));
    assert.equal(Object.keys(out).length, 700);
    assert.equal(out["x-name-0"], "0");
    assert.equal(out["x-name-699"], "699");
  });

  it("Connection: close removes nothing else", () => {
    assert.deepEqual(responseHeaders(raw("Connection", "close", "Date", "x")), { date: "x" });
  });
});

describe("upstreamTry against a real server", () => {
  let upstream: TestServer;
  const agent = new Agent({ keepAliveTimeout: 1_000 });
  /** Responses of /big still writing, and how each one ended (closed before its end, or finished). */
  const bigEnded: Promise<"finished" | "closed">[] = [];
  /** Bytes the last /big response has handed to its socket so far. */
  let bigSent = 0;

  before(async () => {
    upstream = await startServer((req, res) => {
      req.resume();
      if (req.url === "/big") {
        bigEnded.push(new Promise((resolve) => res.on("close", () => resolve(res.writableFinished ? "finished" : "closed"))));
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        bigSent = 0;
        const write = () => {
          while (bigSent < BIG) {
            bigSent += chunk.length;
            if (bigSent >= BIG) return void res.end(chunk);
            if (!res.write(chunk)) return void res.once("drain", write);
          }
        };
        res.writeHead(200, { "content-length": String(BIG) });
        return write();
      }
      if (req.url === "/hints") {
        res.writeEarlyHints({ link: "</a.css>; rel=preload" });
        return void res.end("after hints");
      }
      if (req.url === "/hang-body") {
        res.writeHead(200, { "content-length": "10" });
        return void res.write("12345");
      }
      if (req.url === "/echo") {
        res.writeHead(200);
        return void req.pipe(res);
      }
      res.writeHead(200, { connection: "keep-alive, x-hop", "x-hop": "1", "x-a": "1", "content-length": "2" });
      res.end(req.method === "HEAD" ? undefined : "ok");
    });
  });
  after(async () => {
    await agent.destroy();
    await upstream.close();
  });

  const opts = (path: string, extra: Partial<TryOptions> = {}): TryOptions => ({ origin: `http://127.0.0.1:${upstream.port}`, address: `127.0.0.1:${upstream.port}`, path, method: "GET", headers: {}, body: null, ...extra });
  const fresh = (): ForwardCount => ({ tries: 0, abortedInFlight: 0 });

  it("answers with the status, the headers without hop-by-hop ones, and the body; counts the try", async () => {
    const count = fresh();
    const res = await upstreamTry(agent, opts("/"), new AbortController().signal, count);
    assert.equal(res.status, 200);
    assert.deepEqual(res.headers, { "x-a": "1", "content-length": "2", date: res.headers.date });
    assert.ok(res.body instanceof Readable);
    assert.equal(Buffer.concat(await res.body.toArray()).toString(), "ok");
    assert.deepEqual(count, { tries: 1, abortedInFlight: 0 });
  });

  it("ends the body of a HEAD response at once", async () => {
    const res = await upstreamTry(agent, opts("/", { method: "HEAD" }), new AbortController().signal, fresh());
    assert.equal(res.headers["content-length"], "2");
    assert.deepEqual(await (res.body as Readable).toArray(), []);
  });

  it("skips an informational head and answers with the final one", async () => {
    const res = await upstreamTry(agent, opts("/hints"), new AbortController().signal, fresh());
    assert.equal(res.status, 200);
    assert.equal(Buffer.concat(await (res.body as Readable).toArray()).toString(), "after hints");
  });

  it("streams a request body through and back", async () => {
    const count = fresh();
    const res = await upstreamTry(agent, opts("/echo", { method: "POST", body: Readable.from([Buffer.from("abc"), Buffer.from("def")]) }), new AbortController().signal, count);
    assert.equal(Buffer.concat(await (res.body as Readable).toArray()).toString(), "abcdef");
    assert.deepEqual(count, { tries: 1, abortedInFlight: 0 });
  });

  it("holds the upstream back while the body is not read, then delivers every byte", async () => {
    const res = await upstreamTry(agent, opts("/big"), new AbortController().signal, fresh());
    const body = res.body as Readable;
    // Unread, the body takes its buffer's worth and undici stops reading the socket: the socket
    // buffers fill and the upstream's writes stop, well short of the whole body.
    let seen = -1;
    for (let i = 0; i < 100 && bigSent !== seen; i++) {
      seen = bigSent;
      await sleep(100);
    }
    assert.equal(bigSent, seen, "the upstream's writes stopped");
    assert.ok(bigSent < BIG, `the upstream wrote ${bigSent} of ${BIG} bytes`);
    assert.ok(body.readableLength <= 2 * 64 * 1024, `the body buffered ${body.readableLength} bytes`);
    let total = 0;
    for await (const chunk of body) total += (chunk as Buffer).length;
    assert.equal(total, BIG);
    assert.equal(await bigEnded.at(-1), "finished");
  });

  it("closes the upstream connection when the body is destroyed before its end, with undici's abort error", async () => {
    const res = await upstreamTry(agent, opts("/big"), new AbortController().signal, fresh());
    const body = res.body as Readable;
    const errored = once(body, "error");
    body.destroy();
    const [err] = await errored;
    assert.ok(err instanceof errors.RequestAbortedError);
    assert.equal(await bigEnded.at(-1), "closed");
  });

  it("errors the body with the signal's reason when aborted after the head", async () => {
    const controller = new AbortController();
    const count = fresh();
    const res = await upstreamTry(agent, opts("/hang-body"), controller.signal, count);
    const body = res.body as Readable;
    const errored = once(body, "error");
    const reason = new Error("per-try timeout");
    controller.abort(reason);
    assert.equal((await errored)[0], reason);
    assert.deepEqual(count, { tries: 1, abortedInFlight: 1 });
  });

  it("rejects with the signal's reason, uncounted, when the signal was aborted before the try", async () => {
    const controller = new AbortController();
    const reason = new Error("gone");
    controller.abort(reason);
    const count = fresh();
    await assert.rejects(upstreamTry(agent, opts("/"), controller.signal, count), (err) => err === reason);
    assert.deepEqual(count, { tries: 0, abortedInFlight: 0 });
  });

  it("destroys a streamed request body when the try fails", async () => {
    const body = new PassThrough();
    body.write("a");
    const controller = new AbortController();
    const pending = upstreamTry(agent, opts("/echo", { method: "POST", body }), controller.signal, fresh());
    const res = await pending;
    controller.abort(new Error("stop"));
    await assert.rejects((res.body as Readable).toArray());
    assert.ok(body.destroyed);
  });

  it("refuses CONNECT with undici's invalid-argument error, as request() did", async () => {
    await assert.rejects(upstreamTry(agent, opts("/", { method: "CONNECT" }), new AbortController().signal, fresh()), (err: unknown) => err instanceof errors.InvalidArgumentError);
  });

  it("rejects with undici's error when undici refuses the request", async () => {
    await assert.rejects(upstreamTry(agent, opts("/", { headers: { "x-bad": "a\nb" } }), new AbortController().signal, fresh()), (err: unknown) => err instanceof errors.InvalidArgumentError);
  });
});
