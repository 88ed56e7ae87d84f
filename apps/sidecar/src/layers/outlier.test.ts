// Outlier ejection through the outbound stack against real upstreams on 127.0.0.1, with ejection
// times on a manual clock: consecutive 503s eject an endpoint, traffic goes to the healthy one,
// ejection grows with repeats and ends half-open, max-ejection-percent and the panic threshold hold.
import { after, afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { OutlierDetection } from "@trellis/mesh-model";
import { BreakerBoard } from "../breaker/breaker-board";
import { createUpstreamAgent } from "../http/upstream-agent";
import { silentLogger } from "../log";
import { buildSnapshot } from "../snapshot/snapshot";
import { outboundStack } from "../stack";
import { makeBundle } from "../testing/bundles";
import { proxyRequest } from "../testing/requests";
import { startServer, type TestServer } from "../testing/servers";
import { ManualClock } from "../time/manual-clock";

type Upstream = TestServer & { hits: number; status: number };

describe("outlier ejection against real upstreams", () => {
  const agent = createUpstreamAgent({ connectTimeoutMs: 1_000 });
  const servers: Upstream[] = [];
  after(() => agent.close());
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function upstream(status: number): Promise<Upstream> {
    const u = { hits: 0, status };
    const server = await startServer((_req, res) => {
      u.hits++;
      res.writeHead(u.status);
      res.end();
    });
    const s: Upstream = {
      ...server,
      get hits() {
        return u.hits;
      },
      get status() {
        return u.status;
      },
      set status(v: number) {
        u.status = v;
      },
    };
    servers.push(s);
    return s;
  }

  function setup(ups: Upstream[], outlierDetection: OutlierDetection) {
    const clock = new ManualClock();
    const board = new BreakerBoard(clock);
    const bundle = makeBundle(1, [
      {
        service: "catalog",
        endpoints: ups.map((u, i) => ({ instanceId: `e${i}`, port: u.port })),
        // One try each, so every request is one observation.
        spec: { retry: { attempts: 1 }, circuitBreaker: { outlierDetection } },
      },
    ]);
    const snapshot = buildSnapshot(bundle, "control-plane", { balancerStart: 0, breakers: board, clock });
    const stack = outboundStack({ log: silentLogger, recorder: { record: () => {} }, dispatcher: agent, clock });
    const statuses = async (n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await stack.handle(proxyRequest({ snapshot }))).status);
      return out;
    };
    const state = (id: string) => board.view().catalog!.endpoints[id]!;
    return { clock, board, statuses, state };
  }

  it("ejects an endpoint after consecutive 503s and sends the traffic to the healthy one (one may always be ejected)", async () => {
    const bad = await upstream(503);
    const good = await upstream(200);
    // Default maxEjectionPercent is 10: of two endpoints, still one may be ejected.
    const { statuses, state } = setup([bad, good], { consecutive5xx: 3, baseEjectionTime: "10s" });
    await statuses(6);
    assert.equal(bad.hits, 3);
    assert.equal(state("e0").state, "open");
    assert.equal(state("e0").ejections, 1);
    assert.match(String(state("e0").reason), /3 consecutive 5xx/);
    assert.deepEqual(await statuses(10), Array(10).fill(200));
    assert.equal(bad.hits, 3, "the ejected endpoint got no traffic");
    assert.equal(state("e1").state, "closed");
  });

  it("lengthens the ejection with each repeat; after it the endpoint is half-open and one success closes it", async () => {
    const bad = await upstream(503);
    const good = await upstream(200);
    const { clock, statuses, state } = setup([bad, good], { consecutiveGatewayErrors: 2, baseEjectionTime: "10s", maxEjectionTime: "25s" });
    await statuses(4);
    assert.equal(state("e0").state, "open");

    await clock.advance(10_000);
    assert.equal(state("e0").state, "half-open");
    await statuses(2); // round robin reaches it again; it fails once and is ejected for 2 × 10 s
    assert.deepEqual([state("e0").state, state("e0").ejections, state("e0").reason], ["open", 2, "failed while half-open"]);
    await clock.advance(10_000);
    assert.equal(state("e0").state, "open", "the second ejection lasts longer");
    const hits = bad.hits;
    assert.deepEqual(await statuses(4), [200, 200, 200, 200]);
    assert.equal(bad.hits, hits);
    await clock.advance(10_000);
    assert.equal(state("e0").state, "half-open");

    bad.status = 200;
    assert.deepEqual(await statuses(2), [200, 200]);
    assert.ok(bad.hits > hits, "the half-open endpoint was tried");
    assert.deepEqual([state("e0").state, state("e0").ejections], ["closed", 2]);

    // A third ejection is capped at maxEjectionTime (25 s, not 30 s).
    bad.status = 503;
    await statuses(4);
    assert.equal(state("e0").ejections, 3);
    await clock.advance(25_000);
    assert.equal(state("e0").state, "half-open");
  });

  it("never ejects more than maxEjectionPercent of the endpoints", async () => {
    const ups = [await upstream(503), await upstream(503), await upstream(503)];
    const { board, statuses } = setup(ups, { consecutive5xx: 2, maxEjectionPercent: 34, panicThresholdPercent: 0 });
    await statuses(12);
    const view = board.view().catalog!;
    assert.equal(view.ejected, 1);
    assert.equal(Object.values(view.endpoints).filter((e) => e.state === "open").length, 1);
    assert.ok(view.ejectionsRefused > 0);
  });

  it("balances across all endpoints, ejected or not, when the available share is below the panic threshold", async () => {
    const bad = await upstream(503);
    const good = await upstream(200);
    const { statuses, state } = setup([bad, good], { consecutive5xx: 2, maxEjectionPercent: 50, panicThresholdPercent: 60 });
    await statuses(4);
    assert.equal(state("e0").state, "open");
    const hits = bad.hits;
    await statuses(4);
    assert.equal(bad.hits, hits + 2, "in panic the ejected endpoint still gets its share");
  });
});
