// Idempotent OTLP retries against the real servers: the same export bytes sent again — over OTLP/HTTP
// (protobuf and JSON), over OTLP/gRPC, and after a restart (the answer of the first send lost with the
// process) — are answered 200 and stored once; an export with other points is stored.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { Client, credentials, status } from "@grpc/grpc-js";
import { bucketsWith, grpcCall, GRPC_METRICS_EXPORT, metricsExport } from "../../fixtures/otlp-exports";
import { startTestControlPlane, type TestControlPlane } from "../../fixtures/test-control-plane";
import { encodeMetricsRequest } from "./otlp-proto";

describe("OTLP export retries", { timeout: 90_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "trellis-export-retry-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const args = ["--database-url", `file:${path.join(dir, "cp.db")}`];
  const timeMs = Date.now();
  const exportTo = (destination: string, count: number, atMs = timeMs) => metricsExport({ service: "caller", temporality: "delta", points: [{ destination, buckets: bucketsWith(count), timeMs: atMs }] });
  const stored = async (t: TestControlPlane, destination: string) =>
    (await t.cp.db.rollups.aggregate(10, new Date(timeMs - 60_000), new Date(timeMs + 60_000))).filter((c) => c.destination === destination).reduce((sum, c) => sum + c.count, 0);
  // A loaded machine may shed an export (429 / RESOURCE_EXHAUSTED, nothing stored): sent again after a
  // moment, as an exporter does, within a bound.
  const SHED_RETRIES = 60;
  const grpcExport = async (t: TestControlPlane, body: Uint8Array) => {
    const client = new Client(t.otlpGrpc, credentials.createInsecure());
    try {
      for (let attempt = 0; ; attempt++) {
        const outcome = await grpcCall(client, GRPC_METRICS_EXPORT, body);
        const shed = !outcome.ok && (outcome.error.code === status.RESOURCE_EXHAUSTED || outcome.error.code === status.UNAVAILABLE);
        if (!shed || attempt >= SHED_RETRIES) return outcome.ok;
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      client.close();
    }
  };
  const post = async (t: TestControlPlane, body: Uint8Array | string, type: string) => {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${t.otlp}/v1/metrics`, { method: "POST", headers: { "content-type": type }, body });
      if ((res.status !== 429 && res.status !== 503) || attempt >= SHED_RETRIES) return res;
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  it("stores an export sent twice once, over HTTP and gRPC, also when the second send reaches a restarted control plane", async () => {
    const protobuf = encodeMetricsRequest(exportTo("by-protobuf", 3));
    const json = JSON.stringify(exportTo("by-json", 5));
    const grpcBody = encodeMetricsRequest(exportTo("by-grpc", 7));
    const first = await startTestControlPlane({ args });
    try {
      for (let i = 0; i < 2; i++) {
        assert.equal((await post(first, protobuf, "application/x-protobuf")).status, 200);
        assert.equal((await post(first, json, "application/json")).status, 200);
        assert.equal(await grpcExport(first, grpcBody), true);
      }
      assert.deepEqual([await stored(first, "by-protobuf"), await stored(first, "by-json"), await stored(first, "by-grpc")], [3, 5, 7]);
      assert.equal(first.cp.ingest.stats.retriedExports, 3);
      // The same points at another time are another export.
      assert.equal((await post(first, encodeMetricsRequest(exportTo("by-protobuf", 3, timeMs + 1)), "application/x-protobuf")).status, 200);
      assert.equal(await stored(first, "by-protobuf"), 6);
    } finally {
      await first.close();
    }

    // A new process (nothing in memory): the digest written with the export answers the retry.
    const second = await startTestControlPlane({ args });
    try {
      assert.equal((await post(second, protobuf, "application/x-protobuf")).status, 200);
      assert.equal(await grpcExport(second, grpcBody), true);
      assert.deepEqual([await stored(second, "by-protobuf"), await stored(second, "by-grpc")], [6, 7]);
      assert.equal(second.cp.ingest.stats.retriedExports, 2);
      const health = (await (await fetch(`${second.api}/healthz`)).json()) as { ingest: { retriedExports: number } };
      assert.equal(health.ingest.retriedExports, 2);
    } finally {
      await second.close();
    }
  });
});
