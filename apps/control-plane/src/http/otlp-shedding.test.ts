// Load shedding on the OTLP/HTTP receiver against a real control plane: with the rollup writer held
// and a limit of 2 exports in flight, the others get 429 + Retry-After at once, and every export that
// was not shed is stored once the writer moves again; with a small --max-otlp-in-flight-bytes, an export
// that would pass it is shed before it is read (declared size) or decoded (inflated size).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { ZGraphResponse } from "@trellis/mesh-model";
import { bucketsWith, metricsExport } from "../../fixtures/otlp-exports";
import { startTestControlPlane, type TestControlPlane } from "../../fixtures/test-control-plane";
import { encodeMetricsRequest } from "../ingest/otlp-proto";

const EXPORTS = 10;
const LIMIT = 2;
const REQUESTS_PER_EXPORT = 3;

describe("OTLP/HTTP load shedding", { timeout: 30_000 }, () => {
  let t: TestControlPlane;
  let held: Promise<void> | undefined;
  before(async () => {
    t = await startTestControlPlane({ args: ["--max-otlp-in-flight", String(LIMIT)], beforeRollupWrite: () => held ?? Promise.resolve() });
  });
  after(async () => t.close());

  it("sheds past the limit with 429 and Retry-After, and stores every export it admitted", async () => {
    let release = () => {};
    held = new Promise<void>((resolve) => (release = resolve));
    const post = (i: number) =>
      fetch(`${t.otlp}/v1/metrics`, {
        method: "POST",
        headers: { "content-type": "application/x-protobuf" },
        body: encodeMetricsRequest(metricsExport({ service: "web", instanceId: `web-${i}`, points: [{ destination: "api", buckets: bucketsWith(REQUESTS_PER_EXPORT), timeMs: Date.now() }] })),
      });
    const pending = Array.from({ length: EXPORTS }, (_, i) => post(i));
    // Shed exports are answered while the admitted ones still wait for the writer.
    const settled = pending.map((p) => p.then((r) => r.status));
    while (t.cp.ingest.stats.shedExports < EXPORTS - LIMIT) await new Promise((r) => setTimeout(r, 10));
    assert.equal(t.cp.ingest.stats.exportsInFlight, LIMIT);
    release();
    const responses = await Promise.all(pending);
    await Promise.all(settled);

    const shed = responses.filter((r) => r.status === 429);
    const stored = responses.filter((r) => r.status === 200);
    assert.equal(shed.length, EXPORTS - LIMIT, responses.map((r) => r.status).join(","));
    assert.equal(stored.length, LIMIT);
    for (const r of shed) {
      assert.equal(r.headers.get("retry-after"), "1");
      assert.equal(r.headers.get("content-type"), "application/x-protobuf");
    }

    const graph = ZGraphResponse.parse(await (await t.fetch("/api/v1/graph?window=5m")).json());
    const edge = graph.edges.find((e) => e.source === "web" && e.target === "api");
    assert.equal(edge?.outcomes.ok, stored.length * REQUESTS_PER_EXPORT);

    const health = (await (await fetch(`${t.api}/healthz`)).json()) as { ingest: { shedExports: number; exportsInFlight: number } };
    assert.equal(health.ingest.shedExports, EXPORTS - LIMIT);
    assert.equal(health.ingest.exportsInFlight, 0);

    // Admitted again once the writer drained.
    const again = await post(99);
    assert.equal(again.status, 200);
  });
});

describe("OTLP/HTTP byte budget", { timeout: 30_000 }, () => {
  const exportOf = (service: string, points: number) =>
    Buffer.from(
      encodeMetricsRequest(
        metricsExport({ service, instanceId: `${service}-1`, points: Array.from({ length: points }, (_, i) => ({ destination: `api-${i}`, buckets: bucketsWith(1), timeMs: Date.now() })) }),
      ),
    );
  const small = exportOf("web", 1);
  const big = exportOf("batch", 400);
  const bigGzip = gzipSync(big);
  // Room for the small export and the big one as sent (gzip), not as inflated.
  const budget = Math.max(1024, small.length + bigGzip.length + 64);
  let t: TestControlPlane;
  let held: Promise<void> | undefined;
  before(async () => {
    t = await startTestControlPlane({ args: ["--max-otlp-in-flight-bytes", String(budget)], beforeRollupWrite: () => held ?? Promise.resolve() });
  });
  after(async () => t.close());

  it("sheds an export whose declared size, or inflated size before decoding, passes what the admitted exports leave", async () => {
    assert.ok(small.length + big.length > budget, "the big export inflated does not fit beside the small one");
    let release = () => {};
    held = new Promise<void>((resolve) => (release = resolve));
    const post = (body: Buffer, gzip = false) =>
      fetch(`${t.otlp}/v1/metrics`, {
        method: "POST",
        headers: { "content-type": "application/x-protobuf", ...(gzip ? { "content-encoding": "gzip" } : {}) },
        body: new Uint8Array(body),
      });
    const first = post(small);
    while (t.cp.ingest.stats.exportsInFlight < 1) await new Promise((r) => setTimeout(r, 10));
    const declared = await post(big);
    assert.equal(declared.status, 429, "declared too large: refused before reading");
    assert.equal(declared.headers.get("retry-after"), "1");
    const inflated = await post(bigGzip, true);
    assert.equal(inflated.status, 429, "inflated too large: refused before decoding");
    assert.equal(t.cp.ingest.stats.exportBytesInFlight, small.length);
    release();
    assert.equal((await first).status, 200);
    // Alone, the big export is admitted whatever the budget.
    held = undefined;
    assert.equal((await post(bigGzip, true)).status, 200);
    const graph = ZGraphResponse.parse(await (await t.fetch("/api/v1/graph?window=5m")).json());
    assert.equal(graph.edges.filter((e) => e.source === "batch").length, 400);
    assert.equal(t.cp.ingest.stats.shedExports, 2);
  });
});
