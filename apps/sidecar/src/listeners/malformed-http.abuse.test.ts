// Abuse test (issue 6): 10,000 generated malformed HTTP requests plus fixed smuggling vectors, sent
// over raw sockets into a real sidecar process on both listeners, in front of a counting upstream app.
// Passes when the sidecar never crashes (still running, still serving), every fixed vector is refused
// with nothing forwarded, and the app's request count equals the sidecar's own count of requests it
// forwarded on that listener (/stats `forwarded`), exactly: the sidecar counts a try when undici writes its
// request head to the upstream connection (http/upstream-try.ts), so a try aborted before it left (its
// caller broke its own connection while the try waited for a body byte or a connection) is not counted,
// and one aborted after it left is, and the app saw it start. A request the sidecar forwarded that turned
// into two at the app (a smuggled one) makes the counts differ. Every request the app started it
// completed or saw aborted; every 200 the client got was the app's.
// The sidecar boots from a cached bundle (no control plane): outbound "catalog" is the app itself.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { z } from "zod";
import { silentLogger } from "../log";
import { BundleCache } from "../snapshot/bundle-cache";
import { makeBundle } from "../testing/bundles";
import { mutate, mutation } from "../testing/http-mutations";
import { sendRaw, sendUntilQuiet, type RawReply } from "../testing/raw-http";
import { CLOSED_PORT, send, startCountingApp, type AppCounts, type TestServer } from "../testing/servers";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
const GENERATED = Number(process.env.TRELLIS_ABUSE_REQUESTS ?? "10000");
const SEED = Number.isInteger(Number(process.env.TRELLIS_ABUSE_SEED)) && process.env.TRELLIS_ABUSE_SEED ? Number(process.env.TRELLIS_ABUSE_SEED) : Math.floor(Math.random() * 2 ** 31);
const CONCURRENCY = 16;
// No identity: this sidecar takes no part in mTLS, so its inbound listener parses plaintext.
const { TRELLIS_JOIN_TOKEN: _noToken, ...ownEnv } = process.env;

const ZPerSide = z.object({ outbound: z.int(), inbound: z.int() });
const ZStats = z.object({ forwarded: ZPerSide, forwardedAbortedInFlight: ZPerSide });
const ZListening = z.object({ event: z.literal("listening"), outboundPort: z.int(), inboundPort: z.int(), adminPort: z.int() });
type Side = "outbound" | "inbound";
const TARGET: Record<Side, string> = { outbound: "http://catalog/items", inbound: "/items" };

// ---- the fixed vectors: each must be refused (4xx) with nothing forwarded -------------------------

const SMUGGLING: Array<{ name: string; request: (t: string) => string; forwarded?: number }> = [
  { name: "CL.TE", request: (t) => `POST ${t} HTTP/1.1\r\nHost: catalog\r\nContent-Length: 13\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nSMUGGLED` },
  { name: "TE.CL", request: (t) => `POST ${t} HTTP/1.1\r\nHost: catalog\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n` },
  { name: "TE.TE (chunked twice)", request: (t) => `POST ${t} HTTP/1.1\r\nHost: catalog\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n` },
  { name: "double Content-Length, different", request: (t) => `POST ${t} HTTP/1.1\r\nHost: catalog\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\nGET /admin HTTP/1.1\r\nHost: catalog\r\n\r\n` },
  { name: "double Content-Length, equal", request: (t) => `POST ${t} HTTP/1.1\r\nHost: catalog\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc` },
  { name: "Content-Length with a plus sign", request: (t) => `POST ${t} HTTP/1.1\r\nHost: catalog\r\nContent-Length: +3\r\n\r\nabc` },
  { name: "Content-Length in hex", request: (t) => `POST ${t} HTTP/1.1\r\nHost: catalog\r\nContent-Length: 0x3\r\n\r\nabc` },
  { name: "obfuscated TE: xchunked", request: (t) => `POST ${t} HTTP/1.1\r\nHost: catalog\r\nTransfer-Encoding: xchunked\r\nContent-Length: 3\r\n\r\nabc` },
  { name: "obfuscated TE: chunked, identity", request: (t) => `POST ${t} HTTP/1.1\r\nHost: catalog\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n` },
  { name: "obfuscated TE: space before the colon", request: (t) => `POST ${t} HTTP/1.1\r\nHost: catalog\r\nTransfer-Encoding : chunked\r\nContent-Length: 3\r\n\r\nabc` },
  { name: "obfuscated TE: tab-folded", request: (t) => `POST ${t} HTTP/1.1\r\nHost: catalog\r\nTransfer-Encoding:\r\n\tchunked\r\nContent-Length: 3\r\n\r\nabc` },
  { name: "obfuscated TE: vertical tab", request: (t) => `POST ${t} HTTP/1.1\r\nHost: catalog\r\nTransfer-Encoding:\x0bchunked\r\nContent-Length: 3\r\n\r\nabc` },
  { name: "obfuscated TE: underscore name with CL", request: (t) => `POST ${t} HTTP/1.1\r\nHost: catalog\r\nContent-Length: 3\r\nTransfer_Encoding: chunked\r\nContent-Length: 5\r\n\r\nabc` },
  { name: "obfuscated TE: quoted", request: (t) => `POST ${t} HTTP/1.1\r\nHost: catalog\r\nTransfer-Encoding: "chunked"\r\n\r\n0\r\n\r\n` },
  { name: "TE in HTTP/1.0", request: (t) => `POST ${t} HTTP/1.0\r\nHost: catalog\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n` },
  { name: "bad chunk size: not hex", request: (t) => `POST ${t} HTTP/1.1\r\nHost: catalog\r\nTransfer-Encoding: chunked\r\n\r\ng\r\nabc\r\n0\r\n\r\n` },
  { name: "bad chunk size: 0x prefix", request: (t) => `POST ${t} HTTP/1.1\r\nHost: catalog\r\nTransfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n` },
  { name: "bad chunk size: negative", request: (t) => `POST ${t} HTTP/1.1\r\nHost: catalog\r\nTransfer-Encoding: chunked\r\n\r\n-3\r\nabc\r\n0\r\n\r\n` },
  { name: "bad chunk size: overflow", request: (t) => `POST ${t} HTTP/1.1\r\nHost: catalog\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000001\r\nabc\r\n0\r\n\r\n` },
  { name: "bad chunk size: space inside", request: (t) => `POST ${t} HTTP/1.1\r\nHost: catalog\r\nTransfer-Encoding: chunked\r\n\r\n1 0\r\nabc\r\n0\r\n\r\n` },
  { name: "chunk longer than its size", request: (t) => `POST ${t} HTTP/1.1\r\nHost: catalog\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcGET /admin HTTP/1.1\r\n\r\n0\r\n\r\n` },
  { name: "LF-only request", request: (t) => `GET ${t} HTTP/1.1\nHost: catalog\n\n` },
  { name: "LF-only chunks", request: (t) => `POST ${t} HTTP/1.1\r\nHost: catalog\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\n0\n\n` },
  { name: "bare CR line ending", request: (t) => `GET ${t} HTTP/1.1\rHost: catalog\r\n\r\n` },
  { name: "header folding", request: (t) => `GET ${t} HTTP/1.1\r\nHost: catalog\r\nX-A: one\r\n two\r\n\r\n` },
  { name: "NUL in a header", request: (t) => `GET ${t} HTTP/1.1\r\nHost: catalog\r\nX-A: a\x00b\r\n\r\n` },
  { name: "CTL in a header", request: (t) => `GET ${t} HTTP/1.1\r\nHost: catalog\r\nX-A: a\x1fb\r\n\r\n` },
  { name: "NUL in the request line", request: (t) => `GET ${t}\x00 HTTP/1.1\r\nHost: catalog\r\n\r\n` },
  { name: "request-line junk: trailing text", request: (t) => `GET ${t} HTTP/1.1 junk\r\nHost: catalog\r\n\r\n` },
  { name: "request-line junk: lower-case version", request: (t) => `GET ${t} http/1.1\r\nHost: catalog\r\n\r\n` },
  { name: "request-line junk: HTTP/2 preface", request: () => `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n` },
  { name: "request-line junk: leading garbage", request: (t) => `\x16\x03\x01GET ${t} HTTP/1.1\r\nHost: catalog\r\n\r\n` },
  { name: "pipelined smuggle after CL.TE", request: (t) => `POST ${t} HTTP/1.1\r\nHost: catalog\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: catalog\r\n\r\n` },
  // A valid request first: it is forwarded; the ambiguous one behind it is refused and closes the connection.
  { name: "pipelined: valid, then TE.CL", forwarded: 1, request: (t) => `GET ${t} HTTP/1.1\r\nHost: catalog\r\n\r\nPOST ${t} HTTP/1.1\r\nHost: catalog\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n` },
  { name: "pipelined: valid, then header folding", forwarded: 1, request: (t) => `GET ${t} HTTP/1.1\r\nHost: catalog\r\n\r\nGET ${t} HTTP/1.1\r\nHost: catalog\r\nX-A: one\r\n two\r\n\r\n` },
];

// ---- generated requests ----------------------------------------------------------------------------

/** Framing built from parts that parsers disagree on, then a few byte mutations on top. */
const framed = (target: string) =>
  fc
    .record({
      method: fc.constantFrom("GET", "POST", "PUT", "get", "POST ", "G\x00T"),
      version: fc.constantFrom("HTTP/1.1", "HTTP/1.0", "HTTP/1.1 ", "HTTP/1.10", "HTTP/0.9"),
      te: fc.constantFrom("", "Transfer-Encoding: chunked\r\n", "Transfer-Encoding: CHUNKED\r\n", "Transfer-Encoding:  chunked \r\n", "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", "Transfer-Encoding: x, chunked\r\n", "Transfer-Encoding:\tchunked\r\n", " Transfer-Encoding: chunked\r\n"),
      cl: fc.constantFrom("", "Content-Length: 3\r\n", "Content-Length: 0\r\n", "Content-Length: 30\r\n", "Content-Length: 3\r\nContent-Length: 4\r\n", "Content-Length: 03\r\n", "Content-Length: 3 \r\n", "Content-Length: 1e1\r\n"),
      host: fc.constantFrom("Host: catalog\r\n", "Host: catalog\r\nHost: catalog\r\n", "Host: catalog:80\r\n", "", "Host: cat\x00alog\r\n"),
      extra: fc.array(fc.constantFrom("X-A: b\r\n", "X-B:\r\n", "X-C: \x7f\r\n", "X-D: a\r\n b\r\n", "Connection: keep-alive\r\n", "Expect: 100-continue\r\n", "Upgrade: h2c\r\n"), { maxLength: 3 }),
      eol: fc.constantFrom("\r\n", "\r\n", "\r\n", "\n"),
      body: fc.constantFrom("", "abc", "3\r\nabc\r\n0\r\n\r\n", "0\r\n\r\n", "3;ext=1\r\nabc\r\n0\r\nTrailer: x\r\n\r\n", "zz\r\nabc\r\n0\r\n\r\n", "3\r\nabcdef\r\n0\r\n\r\n", "0\r\n\r\nGET /admin HTTP/1.1\r\nHost: catalog\r\n\r\n"),
      pipelined: fc.boolean(),
    })
    .map((p) => {
      const head = `${p.method} ${target} ${p.version}\r\n${p.host}${p.te}${p.cl}${p.extra.join("")}`.replaceAll("\r\n", p.eol);
      const one = `${head}${p.eol}${p.body}`;
      return p.pipelined ? `${one}GET ${target} HTTP/1.1\r\nHost: catalog\r\n\r\n` : one;
    });

const BASES = (target: string) => [
  `POST ${target} HTTP/1.1\r\nHost: catalog\r\nContent-Length: 3\r\n\r\nabc`,
  `POST ${target} HTTP/1.1\r\nHost: catalog\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`,
  `GET ${target} HTTP/1.1\r\nHost: catalog\r\nX-A: b\r\n\r\nGET ${target} HTTP/1.1\r\nHost: catalog\r\n\r\n`,
];

const generated = (target: string): fc.Arbitrary<Buffer> =>
  fc.oneof(
    fc.tuple(fc.constantFrom(...BASES(target)), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([base, m]) => mutate(base, m)),
    fc.tuple(framed(target), fc.array(mutation, { maxLength: 2 })).map(([text, m]) => mutate(text, m)),
  );

// ---- the sidecar process and the counting app -------------------------------------------------------


describe(`abuse: ${GENERATED} generated malformed requests and ${SMUGGLING.length} smuggling vectors into a sidecar process (seed ${SEED})`, { timeout: 900_000 }, () => {
  let app: TestServer;
  let child: ChildProcess;
  let ports: z.infer<typeof ZListening>;
  let cacheDir: string;
  let seen: AppCounts;
  const stderr: string[] = [];

  const stats = async () => ZStats.parse(JSON.parse((await send(ports.adminPort, { path: "/stats" })).body));
  /** What the sidecar says it forwarded on this listener, and of that, the tries aborted after they left. */
  const forwarded = async (side: Side): Promise<{ tries: number; abortedInFlight: number }> => {
    const s = await stats();
    return { tries: s.forwarded[side], abortedInFlight: s.forwardedAbortedInFlight[side] };
  };
  const alive = () => child.exitCode === null && child.signalCode === null;

  before(async () => {
    const counting = await startCountingApp();
    app = counting;
    seen = counting.seen;
    cacheDir = await mkdtemp(join(tmpdir(), "trellis-abuse-"));
    // Outbound "catalog" is the app itself, plaintext; the inbound side is permissive (no identity), so
    // the raw bytes reach the HTTP parser on both listeners.
    const bundle = makeBundle(1, [{ service: "catalog", endpoints: [{ port: app.port }] }]);
    await new BundleCache(cacheDir, silentLogger).save(JSON.stringify(bundle), bundle.revision);
    child = spawn(process.execPath, ["--import", "tsx", MAIN, "--service", "web", "--app-port", String(app.port), "--outbound-port", "0", "--inbound-port", "0", "--admin-port", "0", "--log-level", "info"], {
      env: { ...ownEnv, TRELLIS_CONTROL_PLANE: `http://127.0.0.1:${CLOSED_PORT}`, TRELLIS_OTLP_ENDPOINT: `http://127.0.0.1:${CLOSED_PORT}`, TRELLIS_CACHE_DIR: cacheDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    createInterface({ input: child.stderr! }).on("line", (l) => stderr.push(l));
    ports = await new Promise((resolve, reject) => {
      createInterface({ input: child.stdout! }).on("line", (line) => {
        const parsed = ZListening.safeParse(JSON.parse(line));
        if (parsed.success) resolve(parsed.data);
      });
      child.once("exit", (code) => reject(new Error(`the sidecar exited with ${code} before listening: ${stderr.join("\n")}`)));
    });
    // Serving from the cached bundle.
    const ok = await sendRaw(ports.outboundPort, [`GET ${TARGET.outbound} HTTP/1.1\r\nHost: catalog\r\nConnection: close\r\n\r\n`]);
    assert.equal(ok.status, 200, ok.text);
  });

  after(async () => {
    child?.kill("SIGKILL");
    await app?.close();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  /** Waits until the app and the sidecar agree (a request may still be on its way), then returns the counts. */
  const settle = async (side: Side, base: { app: AppCounts; sidecar: { tries: number; abortedInFlight: number } }) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const now = await forwarded(side);
      const sidecar = now.tries - base.sidecar.tries;
      const abortedInFlight = now.abortedInFlight - base.sidecar.abortedInFlight;
      const delta = { started: seen.started - base.app.started, completed: seen.completed - base.app.completed, aborted: seen.aborted - base.app.aborted };
      // Nothing still in the app, and it saw exactly the requests the sidecar forwarded.
      const agree = seen.started - seen.completed - seen.aborted === 0 && delta.started === sidecar;
      if (agree || Date.now() > deadline) return { agree, sidecar, abortedInFlight, ...delta };
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  for (const side of ["outbound", "inbound"] as const) {
    const port = () => (side === "outbound" ? ports.outboundPort : ports.inboundPort);

    it(`${side}: refuses every smuggling vector and forwards nothing ambiguous`, async () => {
      const failures: string[] = [];
      for (const v of SMUGGLING) {
        const base = { app: { ...seen }, sidecar: await forwarded(side) };
        const reply = await sendRaw(port(), [v.request(TARGET[side])], 5_000);
        const expected = v.forwarded ?? 0;
        const counts = await settle(side, base);
        const oks = reply.statuses.filter((s) => s === 200).length;
        // Refused: a 4xx, or (a TLS-looking first byte on inbound; the request behind a forwarded one)
        // the connection closed without another answer. Either way the connection is closed.
        const others = reply.statuses.filter((s) => s !== 200);
        const refused = reply.closed && others.every((s) => s >= 400 && s < 500);
        if (!refused || !counts.agree || counts.started !== expected || counts.sidecar !== expected || counts.abortedInFlight !== 0 || oks !== expected) {
          failures.push(`${v.name}: ${JSON.stringify({ counts, closed: reply.closed, reply: reply.text.slice(0, 160) })}`);
        }
      }
      assert.deepEqual(failures, [], "each vector refused with a 4xx, the connection closed, nothing forwarded but the valid request before it");
      assert.ok(alive());
    });

    it(`${side}: ${GENERATED / 2} generated malformed requests — no crash, and the app saw exactly what the sidecar counts as forwarded`, async () => {
      const samples = fc.sample(generated(TARGET[side]), { numRuns: GENERATED / 2, seed: SEED + (side === "inbound" ? 1 : 0) });
      const base = { app: { ...seen }, sidecar: await forwarded(side) };
      let oks = 0;
      let unexpected: Array<{ sent: string; got: string }> = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < samples.length) {
            const bytes = samples[next++]!;
            const reply: RawReply = await sendUntilQuiet(port(), bytes);
            oks += reply.statuses.filter((s) => s === 200).length;
            // Every answer is the app's 200 (after a 100 Continue, perhaps) or the sidecar's own refusal;
            // a 5xx would be a failure inside the sidecar.
            if (reply.statuses.some((s) => s !== 100 && s !== 200 && (s < 400 || s >= 500))) unexpected.push({ sent: bytes.toString("latin1").slice(0, 200), got: reply.text.slice(0, 200) });
          }
        }),
      );
      assert.ok(alive(), `the sidecar died: ${stderr.slice(-20).join("\n")}`);
      const counts = await settle(side, base);
      unexpected = unexpected.slice(0, 5);
      assert.deepEqual(unexpected, [], "answers other than 200 or the sidecar's 4xx");
      assert.equal(counts.started, counts.sidecar, `the app saw ${counts.started} requests, the sidecar forwarded ${counts.sidecar}, ${counts.abortedInFlight} of them aborted after they left (${JSON.stringify(counts)})`);
      assert.ok(counts.agree, `the app still had requests open (${JSON.stringify(counts)})`);
      console.log(`${side}: the app saw ${counts.started}, the sidecar forwarded ${counts.sidecar} (${counts.abortedInFlight} aborted after they left)`);
      // Every try the sidecar counts that was not aborted after it left was answered by the app (an aborted
      // one may have been answered too, its response cut off on the way back: hence at least).
      assert.ok(counts.completed >= counts.sidecar - counts.abortedInFlight, `the app answered ${counts.completed} of the ${counts.sidecar - counts.abortedInFlight} tries not aborted after they left`);
      assert.equal(counts.completed + counts.aborted, counts.started, `every forwarded request completed or was aborted (${JSON.stringify(counts)})`);
      // (A 200 still on its way when the client stopped listening is not counted, hence at most.)
      assert.ok(oks <= counts.completed && oks > 0, `the client got ${oks} 200s for ${counts.completed} requests the app completed`);
      assert.ok(counts.started > 0 && counts.started < samples.length * 2, `some generated requests were forwarded, not all (${counts.started} of ${samples.length})`);
      // Still serving.
      const ok = await sendRaw(port(), [`GET ${TARGET[side]} HTTP/1.1\r\nHost: catalog\r\nConnection: close\r\n\r\n`]);
      assert.equal(ok.status, 200, ok.text);
    });
  }
});
