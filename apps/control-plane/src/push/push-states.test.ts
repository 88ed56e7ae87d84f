// Push semantics against a real control plane (in-process, SQLite, HTTP) that the other suites leave
// out: a sidecar that never answers turns stale, one whose stream closed is disconnected, and a
// stalled telemetry writer does not hold up a policy push or its ACK.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { POLICY_API, SIDECAR_API, ZBundle, ZSidecarsResponse, type Bundle } from "@trellis/mesh-model";
import { metricsExport, bucketsWith } from "../../fixtures/otlp-exports";
import { openSse, type SseClient } from "../../fixtures/sse-client";
import { postJson, startTestControlPlane, type TestControlPlane } from "../../fixtures/test-control-plane";

async function bundleWhere(stream: SseClient, predicate: (b: Bundle) => boolean): Promise<Bundle> {
  for (let i = 0; i < 30; i++) {
    const b = ZBundle.parse(JSON.parse((await stream.next()).data));
    if (predicate(b)) return b;
  }
  throw new Error("no matching bundle");
}

const register = async (t: TestControlPlane, instanceId: string, service: string, port: number) => {
  const res = await postJson(t.api + SIDECAR_API.register, { instanceId, service, version: "v1", host: "127.0.0.1", inboundPort: port, labels: {} });
  assert.equal(res.status, 200, await res.text());
};

async function stateOf(t: TestControlPlane, id: string) {
  const res = await t.fetch("/api/v1/sidecars");
  assert.equal(res.status, 200);
  return ZSidecarsResponse.parse(await res.json()).sidecars.find((s) => s.instanceId === id);
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("push: stale and disconnected", { timeout: 30_000 }, () => {
  let t: TestControlPlane;
  before(async () => {
    t = await startTestControlPlane({ timings: { ackTimeoutMs: 1_500 } });
  });
  after(async () => t.close());

  it("a sidecar that got the current revision and does not answer turns stale; a closed stream is disconnected", async () => {
    await register(t, "client-1", "client", 3001);
    await register(t, "echo-1", "echo", 4001);
    const stream = await openSse(t.api + SIDECAR_API.config("client-1"));
    try {
      const bundle = await bundleWhere(stream, (b) => b.services.echo !== undefined);
      const pending = await eventually("client-1 sent its bundle", async () => {
        const s = await stateOf(t, "client-1");
        return s?.sentRevision === bundle.revision ? s : undefined;
      });
      // Pending until the ACK timeout passes (a very slow test machine may look only after it did).
      assert.ok(pending.syncState === "pending" || (pending.syncState === "stale" && Date.now() - Date.parse(pending.lastHeartbeatAt) > 1_500), pending.syncState);
      const stale = await eventually("client-1 stale", async () => {
        const s = await stateOf(t, "client-1");
        return s?.syncState === "stale" ? s : undefined;
      });
      assert.equal(stale.ackedRevision, null);
      // A late ACK still counts.
      assert.equal((await postJson(t.api + SIDECAR_API.ack("client-1"), { revision: bundle.revision, accepted: true })).status, 204);
      assert.equal((await stateOf(t, "client-1"))?.syncState, "synced");
    } finally {
      stream.close();
    }
    const gone = await eventually("client-1 disconnected", async () => {
      const s = await stateOf(t, "client-1");
      return s?.syncState === "disconnected" ? s : undefined;
    });
    assert.equal(gone.up, true, "its lease is still valid: only the stream is gone");
  });
});

describe("push: telemetry stays off the push path", { timeout: 30_000 }, () => {
  let t: TestControlPlane;
  let releaseWriter: () => void = () => {};
  const writerHeld = new Promise<void>((resolve) => (releaseWriter = resolve));
  before(async () => {
    // Every rollup write waits until the test lets it go.
    t = await startTestControlPlane({ beforeRollupWrite: () => writerHeld });
  });
  after(async () => {
    releaseWriter();
    await t.close();
  });

  it("pushes a policy change and records its ACK while an OTLP export waits for the stalled rollup writer", async () => {
    await register(t, "client-1", "client", 3001);
    await register(t, "echo-1", "echo", 4001);
    const stream = await openSse(t.api + SIDECAR_API.config("client-1"));
    try {
      await bundleWhere(stream, (b) => b.services.echo !== undefined);
      let exportAnswered = false;
      const body = metricsExport({ service: "client", points: [{ destination: "echo", buckets: bucketsWith(3), timeMs: Date.now() }] });
      const exported = fetch(`${t.otlp}/v1/metrics`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then(async (res) => {
        exportAnswered = true;
        return res.status;
      });
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(exportAnswered, false, "the export waits for its rollups to be written");

      const put = await t.fetch(POLICY_API.policy("echo"), { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ spec: { service: "echo", retry: { attempts: 4 } }, message: "during a stalled ingest" }) });
      assert.equal(put.status, 200, await put.text());
      const pushed = await bundleWhere(stream, (b) => b.services.echo?.routes[0]?.retry.attempts === 4);
      assert.equal((await postJson(t.api + SIDECAR_API.ack("client-1"), { revision: pushed.revision, accepted: true })).status, 204);
      const synced = await stateOf(t, "client-1");
      assert.deepEqual([synced?.syncState, synced?.ackedRevision], ["synced", pushed.revision]);
      assert.equal(exportAnswered, false, "the export is still waiting");

      releaseWriter();
      assert.equal(await exported, 200);
    } finally {
      stream.close();
    }
  });
});
