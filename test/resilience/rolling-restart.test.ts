// Issue #7, scenario 7: a rolling restart of every sidecar of a service under load — each one gets
// SIGTERM (it deregisters, refuses its callers' health checks, finishes what is in flight and exits),
// a new one takes its place, and the next goes once callers know the new one — with zero failed
// requests.
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, it } from "node:test";
import { runLoad, summary } from "../support/load";
import { echo, startMesh, waitForEndpoints, type Mesh, type Sidecar } from "../support/mesh";
import { loadFigures, mergeFigures, printSummary } from "./scenario-summary";
import { scaledMs, scaledRate } from "./scale";

describe("rolling restart under load", { timeout: scaledMs(12_000) + 300_000 }, () => {
  let mesh: Mesh;
  let web: Sidecar;
  let apis: Sidecar[] = [];
  let appPort = 0;

  before(async () => {
    mesh = await startMesh();
    const app = await mesh.app(echo("api"));
    appPort = app.port;
    const caller = await mesh.app(echo("web"));
    const started = await Promise.all([
      mesh.startSidecar({ service: "web", appPort: caller.port }),
      ...[1, 2, 3].map((i) => mesh.startSidecar({ service: "api", appPort: app.port, name: `api-${i}` })),
    ]);
    [web] = started;
    apis = started.slice(1);
    await waitForEndpoints(web, "api", 3);
  });

  after(async () => {
    await mesh?.close();
  });

  it("restarts each api sidecar in turn with zero failed requests", async () => {
    const rate = scaledRate(100);
    const pauseMs = scaledMs(3_000);
    const controller = new AbortController();
    // Long enough for three restarts; stopped early once they are done.
    const load = runLoad({ url: web.outbound, host: "api", path: "/work", rate, durationMs: 300_000, signal: controller.signal });
    await new Promise((r) => setTimeout(r, pauseMs));
    for (const [i, old] of apis.entries()) {
      // SIGTERM and a generous wait (the helper's stop() SIGKILLs after 5 s; a drain on a busy machine
      // can take longer: deregister, drain up to --drain-timeout, flush telemetry).
      const exited = once(old.child, "exit");
      old.child.kill("SIGTERM");
      const timer = setTimeout(() => old.child.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(timer);
      assert.equal(old.child.exitCode, 0, `${old.name} drained and exited 0: ${old.logs.slice(-5).join("\n")}`);
      mesh.sidecars.splice(mesh.sidecars.indexOf(old), 1);
      apis[i] = await mesh.startSidecar({ service: "api", appPort, name: `api-${i + 1} (new)` });
      await waitForEndpoints(web, "api", 3, 60_000);
      await new Promise((r) => setTimeout(r, pauseMs));
    }
    controller.abort();
    const result = await load;
    console.log(`rolling restart of 3 sidecars: ${summary(result)}`);
    printSummary({ scenario: 7, name: "rolling restart", ...mergeFigures(loadFigures("load", result), { durationsS: { pause: pauseMs / 1000 }, counts: { restarted: apis.length } }) });
    assert.ok(result.achievedRate >= 0.9 * rate, summary(result));
    assert.deepEqual(result.failures, [], summary(result));
  });
});
