// One probe against a real server, checks driven by hand on a manual clock: thresholds, the
// timeout, the jittered schedule, and stop.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createUpstreamAgent } from "../http/upstream-agent";
import { startServer } from "../testing/servers";
import { ManualClock } from "../time/manual-clock";
import { HEADER_HEALTH_CHECK, HealthProbe } from "./health-probe";

const CONFIG = { path: "/healthz", intervalMs: 1_000, timeoutMs: 100, healthyThreshold: 2, unhealthyThreshold: 3 };

describe("HealthProbe", () => {
  const agent = createUpstreamAgent();
  after(() => agent.close());

  it("turns unhealthy after unhealthyThreshold failures and healthy after healthyThreshold passes", async () => {
    let status = 200;
    const marks: unknown[] = [];
    const server = await startServer((req, res) => {
      marks.push(req.headers[HEADER_HEALTH_CHECK]);
      res.writeHead(req.url === "/healthz" ? status : 404);
      res.end();
    });
    const changes: boolean[] = [];
    const probe = new HealthProbe(`http://127.0.0.1:${server.port}`, CONFIG, { dispatcher: agent, clock: new ManualClock(), random: () => 0.5 }, (h) => changes.push(h));
    await probe.check();
    assert.equal(probe.healthy, true, "the first pass decides an unknown target");
    status = 500;
    await probe.check();
    await probe.check();
    assert.equal(probe.healthy, true);
    await probe.check();
    assert.equal(probe.healthy, false);
    status = 200;
    await probe.check();
    assert.equal(probe.healthy, false);
    await probe.check();
    assert.deepEqual(changes, [true, false, true]);
    assert.deepEqual(new Set(marks), new Set(["1"]));
    probe.stop();
    await server.close();
  });

  it("fails a check that gets no answer within the timeout, and schedules the next one with jitter", async () => {
    const server = await startServer(() => {});
    const clock = new ManualClock();
    const probe = new HealthProbe(`http://127.0.0.1:${server.port}`, { ...CONFIG, unhealthyThreshold: 1 }, { dispatcher: agent, clock, random: () => 1 }, () => {});
    const done = probe.check();
    await new Promise((r) => setTimeout(r, 20));
    await clock.advance(100);
    await done;
    assert.equal(probe.healthy, false);
    assert.match(String(probe.lastError), /no answer within 100 ms/);
    assert.equal(clock.pending, 1, "the next check is scheduled");
    probe.stop();
    assert.equal(clock.pending, 0, "stop cancels it");
    await server.close();
  });
});
