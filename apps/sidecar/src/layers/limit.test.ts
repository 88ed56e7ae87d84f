// Circuit-breaker limits through the outbound stack against a real, slow upstream: a burst over
// maxRequests / maxPendingRequests gets fast 503 `overloaded` answers, counted as breaker_open.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { PolicySpec } from "@trellis/mesh-model";
import { Limits } from "../breaker/destination-limits";
import { UpstreamPools } from "../http/upstream-pools";
import { createUpstreamAgent } from "../http/upstream-agent";
import { silentLogger } from "../log";
import { buildSnapshot } from "../snapshot/snapshot";
import { outboundStack } from "../stack";
import type { RequestRecord } from "../telemetry/request-recorder";
import { makeBundle } from "../testing/bundles";
import { proxyRequest } from "../testing/requests";
import { startServer } from "../testing/servers";

const SLOW_MS = 300;

describe("limit layer", () => {
  const agent = createUpstreamAgent({ connectTimeoutMs: 1_000 });
  after(() => agent.close());

  async function burst(spec: Omit<PolicySpec, "service">, n: number) {
    let concurrent = 0;
    let peak = 0;
    const slow = await startServer((_req, res) => {
      concurrent++;
      peak = Math.max(peak, concurrent);
      setTimeout(() => {
        concurrent--;
        res.end("slow");
      }, SLOW_MS);
    });
    const pools = new UpstreamPools({ connectTimeoutMs: 1_000 });
    const limits = new Limits();
    const records: RequestRecord[] = [];
    const snapshot = buildSnapshot(makeBundle(1, [{ service: "catalog", endpoints: [{ instanceId: "e0", port: slow.port }], spec }]), "control-plane");
    const stack = outboundStack({ log: silentLogger, recorder: { record: (r) => records.push(r) }, dispatcher: agent, limits, pools });
    const startedAt = performance.now();
    const timed = await Promise.all(
      Array.from({ length: n }, async () => {
        const res = await stack.handle(proxyRequest({ snapshot }));
        const at = performance.now() - startedAt;
        if (res.body && "resume" in res.body) res.body.resume();
        return { res, at };
      }),
    );
    // Let telemetry see the bodies finish.
    await new Promise((r) => setTimeout(r, 20));
    await pools.destroy();
    await slow.close();
    return { timed, records, peak, limits };
  }

  it("refuses tries over maxRequests at once with 503 overloaded (outcome breaker_open)", async () => {
    const { timed, records, limits } = await burst({ circuitBreaker: { maxRequests: 3 } }, 8);
    const refused = timed.filter((t) => t.res.status === 503);
    assert.equal(timed.filter((t) => t.res.status === 200).length, 3);
    assert.equal(refused.length, 5);
    for (const r of refused) {
      assert.equal(r.res.headers["x-trellis-error"], "overloaded");
      assert.ok(r.at < SLOW_MS / 2, `a refusal took ${r.at} ms`);
    }
    assert.equal(records.filter((r) => r.outcome === "breaker_open").length, 5);
    assert.deepEqual(limits.view().catalog, { active: 0, pending: 0, refused: { maxRequests: 5, maxPendingRequests: 0 } });
  });

  it("caps connections per endpoint and queues at most maxPendingRequests beyond them", async () => {
    const { timed, peak, limits } = await burst({ circuitBreaker: { maxConnections: 2, maxPendingRequests: 1 } }, 6);
    // Two on connections, one waiting for a connection; the other three are refused.
    assert.equal(timed.filter((t) => t.res.status === 200).length, 3);
    assert.equal(timed.filter((t) => t.res.status === 503 && t.res.headers["x-trellis-error"] === "overloaded").length, 3);
    assert.equal(peak, 2, "the upstream never saw more than maxConnections at once");
    assert.equal(limits.view().catalog?.refused.maxPendingRequests, 3);
  });
});
