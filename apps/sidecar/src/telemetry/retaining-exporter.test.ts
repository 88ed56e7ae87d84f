// The retaining exporter against a real HTTP receiver on loopback: what fails is kept and sent again,
// oldest first and byte for byte; final refusals are dropped; Retry-After is honoured; the backlog is
// bounded by age, count and bytes (an injected clock for the age).
import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { JsonMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { silentLogger } from "../log";
import { CLOSED_PORT, startServer, type TestServer } from "../testing/servers";
import { retryAfterMs, RetainingOtlpExporter } from "./retaining-exporter";

interface Received {
  batch: string;
  digest: string;
}

/** A batch whose resource names it, so the receiver can tell batches apart. */
const batch = (name: string): ResourceMetrics => ({ resource: resourceFromAttributes({ "test.batch": name }), scopeMetrics: [] });

function exportOnce(exporter: RetainingOtlpExporter, name: string): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(batch(name), resolve));
}

describe("retaining OTLP exporter", () => {
  let receiver: TestServer;
  /** Statuses to answer, in order; 200 once the list is empty. */
  let script: Array<{ status: number; headers?: Record<string, string> }> = [];
  let received: Received[] = [];
  let attempts = 0;

  before(async () => {
    receiver = await startServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        attempts++;
        const body = Buffer.concat(chunks);
        const next = script.shift() ?? { status: 200 };
        if (next.status === 200) {
          const parsed = JSON.parse(body.toString("utf8")) as { resourceMetrics: Array<{ resource: { attributes: Array<{ key: string; value: { stringValue: string } }> } }> };
          const name = parsed.resourceMetrics[0]!.resource.attributes.find((a) => a.key === "test.batch")!.value.stringValue;
          received.push({ batch: name, digest: createHash("sha256").update(body).digest("hex") });
        }
        res.writeHead(next.status, { "content-type": "application/json", ...next.headers });
        res.end(next.status === 200 ? "{}" : `{"message":"status ${next.status}"}`);
      });
    });
  });

  after(async () => {
    await receiver?.close();
  });

  beforeEach(() => {
    script = [];
    received = [];
    attempts = 0;
  });

  const url = () => `http://127.0.0.1:${receiver.port}/v1/metrics`;

  it("keeps batches a down receiver refused and delivers them, oldest first, when it is back", async () => {
    const down = new RetainingOtlpExporter({ url: `http://127.0.0.1:${CLOSED_PORT}/v1/metrics`, attemptTimeoutMs: 2_000, log: silentLogger });
    // Three intervals with the receiver down: each export fails and is kept.
    for (const name of ["a", "b", "c"]) assert.equal((await exportOnce(down, name)).code, ExportResultCode.FAILED);
    assert.deepEqual(down.stats(), { backlog: 3, backlogBytes: down.stats().backlogBytes, delivered: 0, dropped: 0 });
    await down.shutdown();

    const exporter = new RetainingOtlpExporter({ url: url(), attemptTimeoutMs: 2_000, log: silentLogger });
    script = [{ status: 503 }, { status: 503 }];
    assert.equal((await exportOnce(exporter, "a")).code, ExportResultCode.FAILED);
    assert.equal((await exportOnce(exporter, "b")).code, ExportResultCode.FAILED);
    assert.equal(exporter.stats().backlog, 2);
    // The receiver is back: the next export delivers the backlog first, then itself.
    assert.equal((await exportOnce(exporter, "c")).code, ExportResultCode.SUCCESS);
    assert.deepEqual(received.map((r) => r.batch), ["a", "b", "c"]);
    assert.deepEqual(exporter.stats(), { backlog: 0, backlogBytes: 0, delivered: 3, dropped: 0 });
    assert.equal(attempts, 5);
    await exporter.shutdown();
  });

  it("resends a batch byte for byte, so the control plane's digest recognises a retry", async () => {
    const exporter = new RetainingOtlpExporter({ url: url(), attemptTimeoutMs: 2_000, log: silentLogger });
    const digests: string[] = [];
    // The receiver reads the body of the failed attempt too.
    const seen = (req: import("node:http").IncomingMessage) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => digests.push(createHash("sha256").update(Buffer.concat(chunks)).digest("hex")));
    };
    receiver.server.prependListener("request", seen);
    try {
      script = [{ status: 502 }];
      await exportOnce(exporter, "x");
      await exportOnce(exporter, "y");
    } finally {
      receiver.server.removeListener("request", seen);
    }
    assert.equal(digests.length, 3);
    assert.equal(digests[0], digests[1], "the retry of x carried the same bytes");
    assert.notEqual(digests[1], digests[2]);
    assert.deepEqual(received.map((r) => r.batch), ["x", "y"]);
    await exporter.shutdown();
  });

  it("drops a batch the receiver refused as final (400), and does not send it again", async () => {
    const exporter = new RetainingOtlpExporter({ url: url(), attemptTimeoutMs: 2_000, log: silentLogger });
    script = [{ status: 400 }];
    assert.equal((await exportOnce(exporter, "bad")).code, ExportResultCode.FAILED);
    assert.equal((await exportOnce(exporter, "good")).code, ExportResultCode.SUCCESS);
    assert.deepEqual(received.map((r) => r.batch), ["good"]);
    assert.equal(attempts, 2);
    assert.deepEqual(exporter.stats(), { backlog: 0, backlogBytes: 0, delivered: 1, dropped: 1 });
    await exporter.shutdown();
  });

  it("waits out Retry-After before the next attempt", async () => {
    let nowMs = 1_000_000;
    const exporter = new RetainingOtlpExporter({ url: url(), attemptTimeoutMs: 2_000, log: silentLogger, now: () => nowMs });
    script = [{ status: 429, headers: { "retry-after": "30" } }];
    assert.equal((await exportOnce(exporter, "a")).code, ExportResultCode.FAILED);
    nowMs += 10_000;
    assert.equal((await exportOnce(exporter, "b")).code, ExportResultCode.FAILED, "no attempt 10 s into a 30 s Retry-After");
    assert.equal(attempts, 1);
    nowMs += 21_000;
    assert.equal((await exportOnce(exporter, "c")).code, ExportResultCode.SUCCESS);
    assert.deepEqual(received.map((r) => r.batch), ["a", "b", "c"]);
    await exporter.shutdown();
  });

  it("bounds the backlog by age, count and bytes, dropping the oldest", async () => {
    let nowMs = 0;
    const port = CLOSED_PORT;
    const byAge = new RetainingOtlpExporter({ url: `http://127.0.0.1:${port}/v1/metrics`, attemptTimeoutMs: 2_000, log: silentLogger, now: () => nowMs, maxAgeMs: 60_000 });
    for (let i = 0; i < 5; i++) {
      await exportOnce(byAge, `age-${i}`);
      nowMs += 20_000;
    }
    // Batches at 0, 20, 40, 60, 80 s; at the last export (80 s) those older than 60 s went: 0 s.
    assert.deepEqual({ backlog: byAge.stats().backlog, dropped: byAge.stats().dropped }, { backlog: 4, dropped: 1 });
    await byAge.shutdown();

    const byCount = new RetainingOtlpExporter({ url: `http://127.0.0.1:${port}/v1/metrics`, attemptTimeoutMs: 2_000, log: silentLogger, maxBatches: 3 });
    for (let i = 0; i < 5; i++) await exportOnce(byCount, `count-${i}`);
    assert.deepEqual({ backlog: byCount.stats().backlog, dropped: byCount.stats().dropped }, { backlog: 3, dropped: 2 });
    await byCount.shutdown();

    // Every batch here serialises to the same size: room for two and a half.
    const oneBatch = JsonMetricsSerializer.serializeRequest(batch("bytes-0"))!.byteLength;
    const byBytes = new RetainingOtlpExporter({ url: `http://127.0.0.1:${port}/v1/metrics`, attemptTimeoutMs: 2_000, log: silentLogger, maxBytes: Math.floor(oneBatch * 2.5) });
    for (let i = 0; i < 5; i++) await exportOnce(byBytes, `bytes-${i}`);
    assert.deepEqual(byBytes.stats(), { backlog: 2, backlogBytes: 2 * oneBatch, delivered: 0, dropped: 3 });
    await byBytes.shutdown();
  });

  it("reads Retry-After as seconds or an HTTP date, capped at a minute", () => {
    assert.equal(retryAfterMs("3", 0), 3_000);
    assert.equal(retryAfterMs("3600", 0), 60_000);
    assert.equal(retryAfterMs(new Date(5_000).toUTCString(), 0), 5_000);
    assert.equal(retryAfterMs("soon", 0), undefined);
    assert.equal(retryAfterMs(undefined, 0), undefined);
    assert.equal(retryAfterMs("0", 0), undefined);
  });
});
