// Fuzzing the OTLP/gRPC receiver with mutated exports: bit flips, truncations at every kind of
// position, wrong wire types, a message of the other service, and a gzip bomb. Every answer is OK
// (possibly with partial success) or INVALID_ARGUMENT / RESOURCE_EXHAUSTED — never INTERNAL or
// UNKNOWN — and the process keeps taking valid exports. Seeded, so a failure can be replayed.
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import { Client, credentials, status } from "@grpc/grpc-js";
import { bucketsWith, grpcCall, GRPC_METRICS_EXPORT, GRPC_TRACES_EXPORT, metricsExport, tracesExportForProto } from "../../fixtures/otlp-exports";
import { startTestControlPlane, type TestControlPlane } from "../../fixtures/test-control-plane";
import { encodeMetricsRequest, encodeTracesRequest } from "../ingest/otlp-proto";
import { seededRandom as prng } from "@trellis/mesh-model/fixtures";

const CASES = 300;
const ALLOWED = new Set([status.OK, status.INVALID_ARGUMENT, status.RESOURCE_EXHAUSTED]);


/** The status an export got (OK or the error's). */
async function call(client: Client, method: string, body: Uint8Array): Promise<{ code: status; details: string }> {
  const outcome = await grpcCall(client, method, body);
  return outcome.ok ? { code: status.OK, details: "" } : { code: outcome.error.code, details: outcome.error.details };
}

function mutate(valid: Uint8Array, rand: () => number): Uint8Array {
  const bytes = Buffer.from(valid);
  const pick = Math.floor(rand() * 5);
  const at = Math.floor(rand() * bytes.length);
  if (pick === 0) return bytes.subarray(0, at); // truncated anywhere
  if (pick === 1) {
    for (let i = 0; i < 1 + Math.floor(rand() * 8); i++) {
      const j = Math.floor(rand() * bytes.length);
      bytes[j] = bytes[j]! ^ (1 << Math.floor(rand() * 8));
    }
    return bytes; // bit flips
  }
  if (pick === 2) {
    bytes[at] = (bytes[at]! & 0xf8) | Math.floor(rand() * 8); // a tag's wire type changed (or a byte that was no tag)
    return bytes;
  }
  if (pick === 3) return Buffer.concat([bytes.subarray(0, at), Buffer.from([0x0a, 0x7f]), bytes.subarray(at)]); // a length that lies
  return Buffer.concat([bytes, Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 32) }, () => Math.floor(rand() * 256)))]); // trailing junk
}

describe("OTLP/gRPC fuzzing", { timeout: 120_000 }, () => {
  let t: TestControlPlane;
  let client: Client;
  before(async () => {
    t = await startTestControlPlane({ args: ["--max-otlp-body", "256KiB"] });
    client = new Client(t.otlpGrpc, credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await t.close();
  });

  it(`answers ${CASES} mutated exports with OK, INVALID_ARGUMENT or RESOURCE_EXHAUSTED, never INTERNAL`, async (ctx) => {
    const seed = Number(process.env.TRELLIS_FUZZ_SEED ?? Date.now() % 1_000_000);
    ctx.diagnostic(`seed ${seed}`);
    const rand = prng(seed);
    const now = Date.now();
    const metrics = encodeMetricsRequest(
      metricsExport({ service: "fuzz", points: [{ destination: "a", buckets: bucketsWith(3), timeMs: now }, { destination: "b", outcome: "error", responseClass: "5xx", buckets: bucketsWith(1, 9), timeMs: now }] }),
    );
    const traces = encodeTracesRequest(tracesExportForProto("fuzz", 3, now));
    const codes = new Map<status, number>();
    for (let i = 0; i < CASES; i++) {
      const toMetrics = rand() < 0.7;
      // A message of the other service now and then: wrong types for every field it shares.
      const source = rand() < 0.1 ? (toMetrics ? traces : metrics) : toMetrics ? metrics : traces;
      const body = mutate(source, rand);
      const { code, details } = await call(client, toMetrics ? GRPC_METRICS_EXPORT : GRPC_TRACES_EXPORT, body);
      codes.set(code, (codes.get(code) ?? 0) + 1);
      const logged = () => JSON.stringify(t.log.lines.filter((l) => l.level === "error").slice(-1)).slice(0, 1500);
      assert.ok(ALLOWED.has(code), `case ${i} (seed ${seed}): code ${code} ${details}; ${logged()}`);
    }
    ctx.diagnostic(`codes: ${JSON.stringify(Object.fromEntries(codes))}`);
    assert.ok((codes.get(status.INVALID_ARGUMENT) ?? 0) > 0, "some mutations are undecodable");
  });

  it("stops a gzip bomb at the size limit and keeps serving", async () => {
    // 64 MiB of zeros is ~64 KiB gzipped; sent as a compressed gRPC message by hand (flag 1).
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const frame = Buffer.concat([Buffer.from([1]), Buffer.alloc(4), bomb]);
    frame.writeUInt32BE(bomb.length, 1);
    const raw = await rawCall(t.otlpGrpc, GRPC_METRICS_EXPORT, frame);
    assert.equal(raw, String(status.RESOURCE_EXHAUSTED));
    const rss = process.memoryUsage().rss;
    assert.ok(rss < 1024 * 1024 * 1024, `rss ${rss}`);
    const after = await call(client, GRPC_METRICS_EXPORT, encodeMetricsRequest(metricsExport({ service: "after-bomb", points: [{ destination: "a", buckets: bucketsWith(2), timeMs: Date.now() }] })));
    assert.equal(after.code, status.OK, after.details);
  });
});

/** A gRPC call over plain HTTP/2 with a hand-made frame (grpc-js would compress it itself); resolves to the grpc-status. */
async function rawCall(authority: string, path: string, frame: Buffer): Promise<string> {
  const http2 = await import("node:http2");
  const session = http2.connect(`http://${authority}`);
  try {
    return await new Promise<string>((resolve, reject) => {
      const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", "grpc-encoding": "gzip", "grpc-accept-encoding": "gzip", te: "trailers" });
      let code: string | undefined;
      const take = (headers: Record<string, unknown>) => {
        const value = headers["grpc-status"];
        if (typeof value === "string") code = value;
      };
      stream.on("response", take);
      stream.on("trailers", take);
      stream.on("data", () => {});
      stream.on("close", () => (code === undefined ? reject(new Error("no grpc-status")) : resolve(code)));
      stream.on("error", reject);
      stream.end(frame);
    });
  } finally {
    session.close();
  }
}
