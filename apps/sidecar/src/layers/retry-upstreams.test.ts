// The outbound stack (rescue → … → retry → per-try timeout → balance → forward) against real
// upstream servers on 127.0.0.1: a failing one, a slow one, one that resets, all failing.
import { after, afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { PolicySpec } from "@trellis/mesh-model";
import { createUpstreamAgent } from "../http/upstream-agent";
import type { ProxyResponse } from "../http/proxy-types";
import { silentLogger } from "../log";
import { RetryBudgets } from "../retry/retry-budget";
import { buildSnapshot } from "../snapshot/snapshot";
import { outboundStack } from "../stack";
import type { RequestRecord } from "../telemetry/request-recorder";
import { makeBundle } from "../testing/bundles";
import { proxyRequest } from "../testing/requests";
import { CLOSED_PORT, startServer, type TestServer } from "../testing/servers";

type Upstream = TestServer & { hits: number; aborted: number };

async function upstream(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<Upstream> {
  const counters = { hits: 0, aborted: 0 };
  const server = await startServer((req, res) => {
    counters.hits++;
    res.on("close", () => {
      if (!res.writableFinished) counters.aborted++;
    });
    handle(req, res);
  });
  return {
    ...server,
    get hits() {
      return counters.hits;
    },
    get aborted() {
      return counters.aborted;
    },
  };
}

const answer = (status: number, body = "") => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(status, { "content-type": "text/plain" });
  res.end(body);
};

async function text(res: ProxyResponse): Promise<string> {
  if (res.body instanceof Readable) return Buffer.concat(await res.body.toArray()).toString();
  return res.body === null ? "" : Buffer.from(res.body).toString();
}

describe("retries, timeouts and balancing against real upstreams", () => {
  const servers: Upstream[] = [];
  const agent = createUpstreamAgent({ connectTimeoutMs: 1_000 });
  const records: RequestRecord[] = [];
  let budgets = new RetryBudgets();
  const start = async (handle: (req: IncomingMessage, res: ServerResponse) => void) => {
    const s = await upstream(handle);
    servers.push(s);
    return s;
  };
  const stackFor = (ups: Array<{ port: number }>, spec: Omit<PolicySpec, "service">) => {
    const snapshot = buildSnapshot(
      makeBundle(1, [{ service: "catalog", endpoints: ups.map((u, i) => ({ instanceId: `e${i}`, port: u.port })), spec }]),
      "control-plane",
      { balancerStart: 0 },
    );
    budgets = new RetryBudgets();
    const stack = outboundStack({ log: silentLogger, recorder: { record: (r) => records.push(r) }, dispatcher: agent, budgets });
    return (init: Parameters<typeof proxyRequest>[0] = {}) => stack.handle(proxyRequest({ snapshot, ...init }));
  };

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    records.length = 0;
  });
  after(() => agent.close());

  it("retries a 503 onto the healthy endpoint; the request counts as retried", async () => {
    const bad = await start(answer(503, "down"));
    const good = await start(answer(200, "fine"));
    const send = stackFor([bad, good], { retry: { attempts: 2, backoff: { base: "1ms", max: "5ms" } } });
    for (let i = 0; i < 10; i++) {
      const res = await send();
      assert.equal(res.status, 200);
      assert.equal(await text(res), "fine");
    }
    assert.equal(good.hits, 10);
    assert.ok(bad.hits > 0);
    // Every request that met the bad endpoint first was retried, exactly once.
    assert.equal(records.filter((r) => r.outcome === "retried").length, bad.hits);
    // The rest went straight to the good one: ok, or ejected_avoided once the bad one was ejected (5 consecutive 5xx).
    assert.equal(records.filter((r) => r.outcome === "ok" || r.outcome === "ejected_avoided").length, 10 - bad.hits);
    assert.ok(records.every((r) => r.responseClass === "2xx"));
  });

  it("cancels a try that outlives the per-try timeout and succeeds on another endpoint", async () => {
    const slow = await start(() => {}); // never answers
    const fast = await start(answer(200, "fast"));
    const send = stackFor([slow, fast], { retry: { attempts: 2, perTryTimeout: "100ms", backoff: { base: "1ms", max: "1ms" } } });
    const started = performance.now();
    for (let i = 0; i < 4; i++) assert.equal((await send()).status, 200);
    const took = performance.now() - started;
    assert.ok(slow.hits >= 1);
    assert.equal(fast.hits, 4);
    assert.ok(took >= 100 * slow.hits && took < 100 * slow.hits + 1_000, String(took));
    await waitFor(() => slow.aborted === slow.hits);
  });

  it("answers 504 per_try_timeout when no try is left", async () => {
    const slow = await start(() => {});
    const send = stackFor([slow], { retry: { attempts: 1, perTryTimeout: "50ms" } });
    const res = await send();
    assert.equal(res.status, 504);
    assert.equal(res.headers["x-trellis-error"], "per_try_timeout");
    assert.deepEqual(records.map((r) => [r.outcome, r.responseClass]), [["per_try_timeout", "none"]]);
  });

  it("retries a request whose connection the upstream resets", async () => {
    const resetting = await start((req) => req.socket.destroy());
    const good = await start(answer(200, "fine"));
    const send = stackFor([resetting, good], { retry: { attempts: 2, retryOn: ["reset"], backoff: { base: "1ms", max: "1ms" } } });
    for (let i = 0; i < 4; i++) assert.equal((await send()).status, 200);
    assert.ok(resetting.hits >= 1);
    // Without retries the reset is a 502 with its reason.
    const once = stackFor([resetting], { retry: { attempts: 1 } });
    const res = await once();
    assert.equal(res.status, 502);
    assert.equal(res.headers["x-trellis-error"], "upstream_reset");
  });

  it("retries a refused connection on another endpoint", async () => {
    const good = await start(answer(200, "fine"));
    const send = stackFor([{ port: CLOSED_PORT }, good], { retry: { attempts: 2, backoff: { base: "1ms", max: "1ms" } } });
    for (let i = 0; i < 4; i++) assert.equal((await send()).status, 200);
    assert.equal(good.hits, 4);
  });

  it("caps retries with the budget when every endpoint fails", async () => {
    const a = await start((_req, res) => setTimeout(() => answer(503)(_req, res), 30));
    const b = await start((_req, res) => setTimeout(() => answer(503)(_req, res), 30));
    const send = stackFor([a, b], { retry: { attempts: 2, backoff: { base: "1ms", max: "2ms" }, budget: { percent: 20, minConcurrent: 3 } } });
    const clients = 50;
    const statuses = await Promise.all(Array.from({ length: clients }, async () => (await send()).status));
    assert.ok(statuses.every((s) => s === 503));
    const upstreamRequests = a.hits + b.hits;
    assert.ok(upstreamRequests > clients, `some retries happened (${upstreamRequests})`);
    assert.ok(upstreamRequests <= 1.2 * clients + 3, `budget held: ${upstreamRequests} upstream requests for ${clients}`);
    assert.ok(budgets.exhausted().catalog! > 0);
    assert.equal(budgets.of("catalog").retrying, 0);
  });

  it("cancels the upstream at the overall deadline, retries or not, and answers 504 timed_out", async () => {
    const slow = await start(() => {});
    const send = stackFor([slow], { timeout: { request: "150ms" }, retry: { attempts: 3, perTryTimeout: "1s" } });
    const started = performance.now();
    const res = await send();
    assert.equal(res.status, 504);
    assert.equal(res.headers["x-trellis-error"], "timed_out");
    assert.ok(performance.now() - started < 1_000);
    await waitFor(() => slow.aborted === 1);
    assert.equal(slow.hits, 1);
    assert.deepEqual(records.map((r) => r.outcome), ["timed_out"]);
  });

  it("does not retry POST by default, and replays a small POST body when the route allows", async () => {
    const bodies: string[] = [];
    const flaky = await start((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        bodies.push(Buffer.concat(chunks).toString());
        answer(bodies.length % 2 === 1 ? 503 : 200)(req, res);
      });
    });
    const withBody = (spec: Omit<PolicySpec, "service">) => {
      const snapshot = buildSnapshot(makeBundle(1, [{ service: "catalog", endpoints: [{ port: flaky.port }], spec }]), "control-plane");
      const stack = outboundStack({ log: silentLogger, recorder: { record: () => {} }, dispatcher: agent });
      return stack.handle({ ...proxyRequest({ method: "POST", snapshot, headers: { "content-length": "5" } }), body: Readable.from([Buffer.from("hello")]) }).then((r) => r.status);
    };
    assert.equal(await withBody({ retry: { attempts: 2 } }), 503);
    bodies.length = 0;
    assert.equal(await withBody({ retry: { attempts: 2, retryNonIdempotent: true, backoff: { base: "1ms", max: "1ms" } } }), 200);
    assert.deepEqual(bodies, ["hello", "hello"]);
  });
});

async function waitFor(cond: () => boolean, ms = 2_000): Promise<void> {
  const until = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
