// Issue #7, scenario 6 (and issue #3's failing, slow and resetting upstreams): real sidecars in front
// of upstreams that answer 503, reset the connection, hang, or answer slowly, all at once under load
// from one caller. Shows: outlier ejection opens and half-opens as configured and the healthy endpoint
// takes the traffic; retries stay inside the budget (every endpoint failing: upstream load <= 1.2x the
// client's); per-try and overall timeouts fire at the configured time and the upstream sees its
// connection closed; and the outcome metrics, as the control plane's graph API reports them, count
// each case. Every load run asserts it sent at least 90% of its target rate.
import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { after, before, describe, it } from "node:test";
import { ZGraphResponse } from "@trellis/mesh-model";
import { request } from "undici";
import { runLoad, summary, type LoadResult } from "../support/load";
import { call, echo, startMesh, stats, waitForEndpoints, waitForRevision, type App, type Mesh, type Sidecar } from "../support/mesh";
import { waitFor } from "../support/processes";
import { loadFigures, mergeFigures, printSummary } from "./scenario-summary";
import { scaledMs, scaledRate } from "./scale";

const DURATION_MS = scaledMs(10_000);

interface Closes {
  /** Requests whose connection closed before the app answered (what a cancelled upstream request looks like). */
  closed: number;
  /** Requests the app answered after all (the cancellation came too late). */
  answered: number;
}

function cancellable(answerAfterMs: number | undefined, closes: Closes) {
  return (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    let timer: NodeJS.Timeout | undefined;
    res.on("close", () => {
      if (timer) clearTimeout(timer);
      if (req.headers["x-trellis-health-check"] !== undefined) return;
      if (res.writableFinished) closes.answered++;
      else closes.closed++;
    });
    if (answerAfterMs !== undefined) timer = setTimeout(() => res.end("slow but fine"), answerAfterMs);
  };
}

function assertSent(r: LoadResult, what: string): void {
  assert.ok(r.achievedRate >= 0.9 * r.target, `${what}: sent only ${r.achievedRate.toFixed(1)}/s of ${r.target}/s: ${summary(r)}`);
  assert.equal(r.answered, r.sent, `${what}: every request got an answer: ${summary(r)}`);
}

describe("upstream failure modes under load", { timeout: DURATION_MS + 240_000 }, () => {
  let mesh: Mesh;
  let web: Sidecar;
  let flakyBad: App, flakyGood: App, resetBad: App, resetGood: App, slow: App, down: App;
  const hangCloses: Closes = { closed: 0, answered: 0 };
  const slowCloses: Closes = { closed: 0, answered: 0 };
  const results: Record<string, LoadResult> = {};

  before(async () => {
    mesh = await startMesh();
    flakyBad = await mesh.app((req, res) => {
      req.resume();
      res.writeHead(503, { "x-app": "flaky-bad" }).end("unavailable");
    });
    flakyGood = await mesh.app(echo("flaky-good"));
    resetBad = await mesh.app((req) => req.socket.destroy());
    resetGood = await mesh.app(echo("reset-good"));
    // /hang never answers; anything else answers after 1.5 s (far past the 250 ms per-try timeout, so
    // that even a starved sidecar's cancellation arrives before the answer).
    const hangOrSlow = cancellable(1_500, slowCloses);
    const hang = cancellable(undefined, hangCloses);
    slow = await mesh.app((req, res) => (req.url?.startsWith("/hang") ? hang(req, res) : hangOrSlow(req, res)));
    // Both endpoints of "down" fail, after 500 ms, so that ~20 requests are active at once and the
    // budget's percentage (not its floor of concurrent retries) is what limits the retries.
    down = await mesh.app((req, res) => {
      req.resume();
      setTimeout(() => res.writeHead(503).end("down"), 500);
    });
    const caller = await mesh.app(echo("web"));
    const sidecars = await Promise.all([
      mesh.startSidecar({ service: "web", appPort: caller.port }),
      mesh.startSidecar({ service: "flaky", appPort: flakyBad.port, name: "flaky-bad" }),
      mesh.startSidecar({ service: "flaky", appPort: flakyGood.port, name: "flaky-good" }),
      mesh.startSidecar({ service: "reset", appPort: resetBad.port, name: "reset-bad" }),
      mesh.startSidecar({ service: "reset", appPort: resetGood.port, name: "reset-good" }),
      mesh.startSidecar({ service: "slow", appPort: slow.port }),
      mesh.startSidecar({ service: "down", appPort: down.port, name: "down-1" }),
      mesh.startSidecar({ service: "down", appPort: down.port, name: "down-2" }),
    ]);
    web = sidecars[0];
    const fastRetry = { backoff: { base: "1ms", max: "5ms" } };
    await mesh.putPolicy("flaky", {
      loadBalancer: { type: "round-robin" },
      // The budget is not what this destination shows: let every wanted retry happen.
      retry: { attempts: 2, retryOn: ["5xx"], budget: { minConcurrent: 100 }, ...fastRetry },
      // 3 failures in a row eject for 2 s, then 4 s, 6 s...: several open / half-open cycles in the run.
      circuitBreaker: { outlierDetection: { consecutive5xx: 3, baseEjectionTime: "2s", maxEjectionTime: "30s", maxEjectionPercent: 50 } },
      // Passive health (ejection) is what this destination shows; active checks are another test's.
      healthCheck: { interval: "1h" },
    });
    await mesh.putPolicy("reset", { loadBalancer: { type: "round-robin" }, retry: { attempts: 2, retryOn: ["reset", "gateway-error"], budget: { minConcurrent: 100 }, ...fastRetry }, healthCheck: { interval: "1h" } });
    await mesh.putPolicy("slow", {
      routes: [
        { name: "hang", match: { path: { prefix: "/hang" } }, timeout: { request: "600ms" }, retry: { attempts: 1 } },
        { name: "slow", timeout: { request: "2s" }, retry: { attempts: 2, perTryTimeout: "250ms", retryOn: ["gateway-error"], budget: { minConcurrent: 100 }, ...fastRetry } },
      ],
    });
    // Every endpoint fails. Envoy's budget semantics (retries in progress <= percent of active requests)
    // bound the extra load near percent/(100-percent) of the client's when a retry takes as long as a
    // first try: 10% -> ~1.11x. The compile default of 20% allows ~1.25x, and at low concurrency the
    // floor (3 concurrent retries by default) lets every request retry.
    const lastRevision = await mesh.putPolicy("down", {
      retry: { attempts: 3, retryOn: ["5xx"], budget: { percent: 10, minConcurrent: 1 }, ...fastRetry },
      circuitBreaker: { outlierDetection: { consecutive5xx: 1000, consecutiveGatewayErrors: 1000 } },
    });
    for (const [service, n] of [["flaky", 2], ["reset", 2], ["slow", 1], ["down", 2]] as const) await waitForEndpoints(web, service, n);
    await waitForRevision(web, lastRevision);
  });

  after(async () => {
    await mesh?.close();
  });

  it("sends the load to every failing destination at once", async () => {
    // Modest rates: the machine this runs on has 2 cores and runs nine processes for this test.
    const rate = scaledRate(10);
    const common = { url: web.outbound, durationMs: DURATION_MS, rate };
    const runs = await Promise.all([
      runLoad({ ...common, host: "flaky", path: "/items" }),
      runLoad({ ...common, host: "reset", path: "/items" }),
      runLoad({ ...common, rate: scaledRate(40), host: "down", path: "/items", accept: (s) => s === 503 }),
      runLoad({ ...common, rate: scaledRate(3), host: "slow", path: "/hang", accept: (s) => s === 504, check: checkReason("timed_out") }),
      runLoad({ ...common, rate: scaledRate(3), host: "slow", path: "/slow", accept: (s) => s === 504, check: checkReason("per_try_timeout") }),
    ]);
    [results.flaky, results.reset, results.down, results.hang, results.slow] = runs;
    printSummary({ scenario: 6, name: "upstream failure modes", ...mergeFigures(...Object.entries(results).map(([name, r]) => loadFigures(name, r))) });
    for (const [name, r] of Object.entries(results)) {
      console.log(`${name}: ${summary(r)}`);
      assertSent(r, name);
    }
  });

  it("ejects the failing endpoint, probes it half-open, and the healthy one takes the traffic", async () => {
    const r = results.flaky!;
    assert.deepEqual(r.failures, [], summary(r));
    const s = (await stats(web)) as { breakers: Record<string, unknown> };
    const text = JSON.stringify(s.breakers);
    console.log(`flaky app hits: bad ${flakyBad.hits}, good ${flakyGood.hits}; breakers ${text}`);
    const ejections = ejectionsOf(s.breakers, "flaky");
    // Every request was answered by the healthy endpoint; the failing one saw its first 3 requests
    // and, per return from ejection, the half-open probe (and the few picks made while it was out).
    assert.ok(flakyGood.hits >= r.sent, `the healthy endpoint answered every request (${flakyGood.hits} of ${r.sent})`);
    assert.ok(flakyBad.hits <= Math.min(3 + 4 * ejections, r.sent / 4), `the ejected endpoint was spared (${flakyBad.hits} requests of ${r.sent}, ${ejections} ejections)`);
    assert.ok(ejections >= 2, `ejected, probed half-open and ejected again (${ejections} ejections): ${text}`);
  });

  it("retries a reset connection (502 from the endpoint's sidecar) onto the healthy endpoint", async () => {
    const r = results.reset!;
    assert.deepEqual(r.failures, [], summary(r));
    assert.ok(resetGood.hits >= r.sent, `the healthy endpoint answered every request (${resetGood.hits} of ${r.sent})`);
    assert.ok(resetBad.hits >= 1 && resetBad.hits <= 20, `the resetting endpoint was tried and then ejected (${resetBad.hits})`);
  });

  it("keeps retries inside the budget when every endpoint fails", async () => {
    const r = results.down!;
    assert.deepEqual(r.failures, [], summary(r));
    assert.equal(r.statuses["503"], r.sent);
    const ratio = down.hits / r.sent;
    const s = (await stats(web)) as { retryBudgetExhausted: Record<string, number> };
    console.log(`down: ${down.hits} upstream requests for ${r.sent} client requests (${ratio.toFixed(3)}x); budget refusals ${JSON.stringify(s.retryBudgetExhausted)}`);
    assert.ok(ratio <= 1.2, `upstream load ${ratio.toFixed(3)}x the client's`);
    assert.ok(ratio > 1, "some retries were made");
    assert.ok((s.retryBudgetExhausted.down ?? 0) > 0, "the budget refused retries");
  });

  it("fires the overall and per-try timeouts at the configured time, and the upstream sees its connections closed", async () => {
    const hang = results.hang!;
    const slowRun = results.slow!;
    assert.deepEqual(hang.failures, [], summary(hang));
    assert.deepEqual(slowRun.failures, [], summary(slowRun));
    // /hang: one try cut at 600 ms; /slow: two tries cut at 250 ms each.
    // A try whose timeout fired before the endpoint's sidecar passed it on never reaches the app (a
    // busy machine makes a few of those), so: at most the configured tries, nearly all of them, and
    // every one that arrived saw its connection closed.
    const expected = hang.sent + 2 * slowRun.sent;
    await new Promise((r) => setTimeout(r, 1_000));
    assert.ok(slow.hits <= expected && slow.hits >= 0.9 * expected, `${slow.hits} tries reached the app, ${expected} configured`);
    // /slow's app answers after 1.5 s: only a cancellation that reached it later than that (a starved
    // sidecar) lets it answer; at least 90% must be cancelled. /hang never answers: all are.
    await waitFor(`the slow app to see every try end`, async () => (hangCloses.closed + slowCloses.closed + slowCloses.answered === slow.hits ? true : undefined), 10_000);
    console.log(`closes: /hang ${JSON.stringify(hangCloses)}, /slow ${JSON.stringify(slowCloses)}`);
    assert.equal(hangCloses.answered, 0);
    assert.ok(slowCloses.closed >= 0.9 * (slowCloses.closed + slowCloses.answered), JSON.stringify(slowCloses));
  });

  it("counts each case under its outcome in the control plane's graph", async () => {
    const sent = (name: string) => results[name]!.sent;
    const edges = await waitFor("every request of the run in the graph", async () => {
      const res = await request(`${mesh.api}/api/v1/graph?window=5m`, { headers: mesh.auth });
      const graph = ZGraphResponse.parse(await res.body.json());
      const out = new Map(graph.edges.filter((e) => e.source === "web").map((e) => [e.target, e.outcomes as Record<string, number>]));
      const total = (t: string) => Object.values(out.get(t) ?? {}).reduce((a, b) => a + b, 0);
      const complete = total("flaky") === sent("flaky") && total("reset") === sent("reset") && total("down") === sent("down") && total("slow") === sent("hang") + sent("slow");
      return complete ? out : undefined;
    }, 30_000, 500);
    console.log(`graph outcomes: ${JSON.stringify(Object.fromEntries(edges))}`);
    const n = (o: Record<string, number>, k: string) => o[k] ?? 0;
    const flaky = edges.get("flaky")!;
    // Requests that met the failing endpoint first were retried; while it was ejected the rest were
    // answered at the first try with it left out; before the first ejection, plain ok.
    assert.equal(n(flaky, "ok") + n(flaky, "retried") + n(flaky, "ejected_avoided"), sent("flaky"), JSON.stringify(flaky));
    assert.ok(n(flaky, "retried") >= 1 && n(flaky, "retried") <= flakyBad.hits, JSON.stringify(flaky));
    assert.ok(n(flaky, "ejected_avoided") >= sent("flaky") / 3, `many requests avoided the ejected endpoint: ${JSON.stringify(flaky)}`);
    const reset = edges.get("reset")!;
    assert.equal(n(reset, "ok") + n(reset, "retried") + n(reset, "ejected_avoided"), sent("reset"), JSON.stringify(reset));
    assert.equal(n(reset, "retried"), resetBad.hits, "each reset cost exactly one retry");
    const nonZero = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v > 0));
    assert.deepEqual(nonZero(edges.get("slow")!), { timed_out: sent("hang"), per_try_timeout: sent("slow") });
    const downEdge = edges.get("down")!;
    // Every endpoint fails: a request was retried to the end (2 or 3 tries) or the budget refused a
    // retry (after 1 or 2 tries).
    assert.equal(n(downEdge, "retried") + n(downEdge, "budget_exhausted"), sent("down"), JSON.stringify(downEdge));
    assert.ok(n(downEdge, "budget_exhausted") > 0, JSON.stringify(downEdge));
    const extra = down.hits - sent("down");
    const most = 2 * n(downEdge, "retried") + n(downEdge, "budget_exhausted");
    assert.ok(extra >= n(downEdge, "retried") && extra <= most, `${extra} retries for ${JSON.stringify(downEdge)}`);
  });

  it("answers at the configured time once the load is over", async () => {
    // Under load the client's clock also measures queueing on a busy 2-core machine, so the timing is
    // checked on quiet requests: never before the configured time, the median within 300 ms of it.
    for (const [path, reason, atMs] of [["/hang", "timed_out", 600], ["/slow", "per_try_timeout", 500]] as const) {
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const r = await call(web, "slow", path);
        assert.equal(r.status, 504);
        assert.equal(r.headers["x-trellis-error"], reason);
        times.push(r.ms);
      }
      times.sort((a, b) => a - b);
      console.log(`${path}: ${reason} after ${times.map((t) => t.toFixed(0)).join(", ")} ms (configured ${atMs})`);
      assert.ok(times[0]! >= atMs - 5, `not before ${atMs} ms: ${times[0]}`);
      assert.ok(times[3]! <= atMs + 300, `median ${times[3]} ms, configured ${atMs} ms`);
    }
  });
});

function checkReason(reason: string) {
  return (r: { headers: Record<string, unknown> }) =>
    r.headers["x-trellis-error"] === reason ? undefined : `x-trellis-error ${String(r.headers["x-trellis-error"])}, expected ${reason}`;
}

/** Ejections of a destination's endpoints, from /stats → breakers. */
function ejectionsOf(breakers: unknown, service: string): number {
  let total = 0;
  const visit = (v: unknown, inService: boolean) => {
    if (Array.isArray(v)) return v.forEach((x) => visit(x, inService));
    if (typeof v !== "object" || v === null) return;
    for (const [k, x] of Object.entries(v)) {
      if (k === "ejections" && typeof x === "number" && inService) total += x;
      else visit(x, inService || k === service);
    }
  };
  visit(breakers, false);
  return total;
}
