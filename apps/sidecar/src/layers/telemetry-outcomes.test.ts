// Every outcome the telemetry layer records, each produced by the real outbound stack against real
// upstream servers on 127.0.0.1 (a healthy one, a failing one, a slow one), not by setting ctx by hand.
import { after, afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { Outcome, PolicySpec } from "@trellis/mesh-model";
import { createUpstreamAgent } from "../http/upstream-agent";
import type { ProxyResponse } from "../http/proxy-types";
import { silentLogger } from "../log";
import { buildSnapshot } from "../snapshot/snapshot";
import { outboundStack } from "../stack";
import type { RequestRecord } from "../telemetry/request-recorder";
import { makeBundle } from "../testing/bundles";
import { proxyRequest } from "../testing/requests";
import { CLOSED_PORT, startServer, type TestServer } from "../testing/servers";

const answer = (status: number) => (_req: IncomingMessage, res: ServerResponse) => void res.writeHead(status, { "content-type": "text/plain" }).end(String(status));
const never = () => {};

async function drained(res: ProxyResponse): Promise<ProxyResponse> {
  if (res.body instanceof Readable) await res.body.toArray();
  return res;
}

describe("outcomes recorded by the outbound stack against real upstreams", () => {
  const servers: TestServer[] = [];
  const agent = createUpstreamAgent({ connectTimeoutMs: 1_000 });
  const records: RequestRecord[] = [];
  const start = async (handle: (req: IncomingMessage, res: ServerResponse) => void) => {
    const s = await startServer(handle);
    servers.push(s);
    return s;
  };
  const stackFor = (ups: Array<{ port: number }>, spec: Omit<PolicySpec, "service"> = {}) => {
    const snapshot = buildSnapshot(makeBundle(1, [{ service: "catalog", endpoints: ups.map((u, i) => ({ instanceId: `e${i}`, port: u.port })), spec }]), "control-plane", { balancerStart: 0 });
    const stack = outboundStack({ log: silentLogger, recorder: { record: (r) => records.push(r) }, dispatcher: agent });
    return async (init: Parameters<typeof proxyRequest>[0] = {}) => drained(await stack.handle(proxyRequest({ snapshot, ...init })));
  };
  const outcomes = () => records.map((r): [Outcome, string] => [r.outcome, r.responseClass]);

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    records.length = 0;
  });
  after(() => agent.close());

  it("ok: the first try answered", async () => {
    const send = stackFor([await start(answer(200))]);
    assert.equal((await send()).status, 200);
    assert.deepEqual(outcomes(), [["ok", "2xx"]]);
  });

  it("retried: ok after more than one try", async () => {
    const send = stackFor([await start(answer(503)), await start(answer(200))], { retry: { attempts: 2, retryOn: ["5xx"], backoff: { base: "1ms", max: "1ms" } } });
    assert.equal((await send()).status, 200);
    assert.deepEqual(outcomes(), [["retried", "2xx"]]);
  });

  it("budget_exhausted: a retry was wanted and the budget refused it; the failed answer is returned", async () => {
    const send = stackFor([await start(answer(503)), await start(answer(200))], {
      retry: { attempts: 3, retryOn: ["5xx"], backoff: { base: "1ms", max: "1ms" }, budget: { percent: 0, minConcurrent: 0 } },
    });
    assert.equal((await send()).status, 503);
    // A refused connection is a failure the sidecar answers itself: still budget_exhausted, class none.
    const refused = stackFor([{ port: CLOSED_PORT }], { retry: { attempts: 3, retryOn: ["connect-failure"], budget: { percent: 0, minConcurrent: 0 } } });
    assert.equal((await refused()).status, 502);
    assert.deepEqual(outcomes(), [["budget_exhausted", "5xx"], ["budget_exhausted", "none"]]);
  });

  it("per_try_timeout: the last try outlived the per-try timeout", async () => {
    const send = stackFor([await start(never)], { retry: { attempts: 1, perTryTimeout: "50ms" } });
    const res = await send();
    assert.equal(res.status, 504);
    assert.equal(res.headers["x-trellis-error"], "per_try_timeout");
    assert.deepEqual(outcomes(), [["per_try_timeout", "none"]]);
  });

  it("timed_out: the overall deadline passed", async () => {
    const send = stackFor([await start(never)], { timeout: { request: "50ms" }, retry: { attempts: 1 } });
    const res = await send();
    assert.equal(res.status, 504);
    assert.equal(res.headers["x-trellis-error"], "timed_out");
    assert.deepEqual(outcomes(), [["timed_out", "none"]]);
  });

  it("breaker_open: a try over the destination's maxRequests is short-circuited", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const send = stackFor([await start((req, res) => void gate.then(() => answer(200)(req, res)))], { circuitBreaker: { maxRequests: 1 }, retry: { attempts: 1 } });
    const first = send();
    // Let the first request reach the upstream before the second one asks for a slot.
    await new Promise((r) => setTimeout(r, 50));
    const second = await send();
    assert.equal(second.status, 503);
    assert.equal(second.headers["x-trellis-error"], "overloaded");
    release();
    assert.equal((await first).status, 200);
    assert.deepEqual(outcomes(), [["breaker_open", "none"], ["ok", "2xx"]]);
  });

  it("ejected_avoided: answered on the first try by a pick that left an ejected endpoint out", async () => {
    const bad = await start(answer(500));
    const good = await start(answer(200));
    const send = stackFor([bad, good], { retry: { attempts: 1 }, circuitBreaker: { outlierDetection: { consecutive5xx: 1, maxEjectionPercent: 50 } } });
    // Round robin from e0: the bad endpoint answers 500 and is ejected at once.
    assert.equal((await send()).status, 500);
    for (let i = 0; i < 3; i++) assert.equal((await send()).status, 200);
    assert.deepEqual(outcomes(), [["ok", "5xx"], ["ejected_avoided", "2xx"], ["ejected_avoided", "2xx"], ["ejected_avoided", "2xx"]]);
  });

  it("no_route: a service the bundle does not know", async () => {
    const send = stackFor([await start(answer(200))]);
    assert.equal((await send({ host: "nowhere" })).status, 404);
    assert.deepEqual(outcomes(), [["no_route", "none"]]);
  });

  it("error: the upstream cannot be reached and no retry is allowed", async () => {
    const send = stackFor([{ port: CLOSED_PORT }], { retry: { attempts: 1 } });
    assert.equal((await send()).status, 502);
    assert.deepEqual(outcomes(), [["error", "none"]]);
  });
});
