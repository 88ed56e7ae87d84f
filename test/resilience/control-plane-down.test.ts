// Issue #7, scenario 1: the control plane is killed under 200 req/s of mesh traffic and stays down
// for a while (CI size: 60 s, which keeps the suite reasonable; the long run multiplies it), then comes
// back. Shows: zero failed requests throughout; the sidecars keep their last good config; every
// sidecar reconnects within 30 s of the return, spread out rather than all at once; and telemetry
// reaches the control plane again.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ZGraphResponse } from "@trellis/mesh-model";
import { request } from "undici";
import { runLoad, summary, type LoadResult } from "../support/load";
import { appliedRevision, echo, logEvents, startMesh, waitForEndpoints, waitForRevision, type Mesh, type Sidecar } from "../support/mesh";
import { waitFor } from "../support/processes";
import { loadFigures, mergeFigures, printSummary } from "./scenario-summary";
import { scaledMs, scaledRate } from "./scale";

const OUTAGE_MS = scaledMs(60_000);
const BEFORE_MS = 5_000;
const AFTER_MS = 30_000;

describe("control plane down under load", { timeout: OUTAGE_MS + 300_000 }, () => {
  let mesh: Mesh;
  let webs: Sidecar[] = [];
  let apis: Sidecar[] = [];
  let revision = 0;

  before(async () => {
    mesh = await startMesh();
    const app = await mesh.app(echo("api"));
    const caller = await mesh.app(echo("web"));
    const started = await Promise.all([
      mesh.startSidecar({ service: "web", appPort: caller.port, name: "web-1" }),
      mesh.startSidecar({ service: "web", appPort: caller.port, name: "web-2" }),
      mesh.startSidecar({ service: "api", appPort: app.port, name: "api-1" }),
      mesh.startSidecar({ service: "api", appPort: app.port, name: "api-2" }),
      mesh.startSidecar({ service: "api", appPort: app.port, name: "api-3" }),
    ]);
    webs = started.slice(0, 2);
    apis = started.slice(2);
    revision = await mesh.putPolicy("api", { loadBalancer: { type: "least-request" }, retry: { attempts: 2 } });
    for (const w of webs) {
      await waitForEndpoints(w, "api", 3);
      await waitForRevision(w, revision);
    }
    // Every sidecar has a config of its own before the control plane goes.
    for (const s of apis) await waitForRevision(s, 0);
  });

  after(async () => {
    await mesh?.close();
  });

  it("serves every request while the control plane is down and after it returns; sidecars reconnect spread out and report again", async () => {
    const rate = scaledRate(200);
    const total = BEFORE_MS + OUTAGE_MS + AFTER_MS;
    // Half of the load through each caller's sidecar.
    const loads: Promise<LoadResult>[] = webs.map((w) => runLoad({ url: w.outbound, host: "api", path: "/work", rate: rate / webs.length, durationMs: total }));
    await new Promise((r) => setTimeout(r, BEFORE_MS));
    const revisions = new Map<string, number | undefined>();
    for (const s of mesh.sidecars) revisions.set(s.name, await appliedRevision(s));
    await mesh.stopControlPlane("SIGKILL");
    const downAt = Date.now();
    await new Promise((r) => setTimeout(r, OUTAGE_MS / 2));
    // Half way through the outage: every sidecar still runs the config it had.
    for (const s of mesh.sidecars) assert.equal(await appliedRevision(s), revisions.get(s.name), `${s.name} keeps its last good config`);
    await new Promise((r) => setTimeout(r, downAt + OUTAGE_MS - Date.now()));
    await mesh.startControlPlane();
    const backAt = Date.now();
    const results = await Promise.all(loads);
    printSummary({
      scenario: 1,
      name: "control plane down",
      ...mergeFigures(loadFigures("web1", results[0]!), loadFigures("web2", results[1]!), { durationsS: { outage: OUTAGE_MS / 1000, total: total / 1000 } }),
    });
    for (const [i, r] of results.entries()) {
      console.log(`through web-${i + 1} (control plane down ${OUTAGE_MS / 1000} s of ${total / 1000} s): ${summary(r)}`);
      assert.ok(r.achievedRate >= 0.9 * r.target, summary(r));
      assert.deepEqual(r.failures, [], summary(r));
    }

    // Reconnection: the first config stream each sidecar opened after the return (its log line's time).
    const opened = (s: Sidecar) => logEvents(s, "config_stream_open").map((e) => Date.parse(String(e.time))).filter((t) => t >= backAt - 1_000);
    await waitFor("every sidecar to reopen its config stream", async () => (mesh.sidecars.every((s) => opened(s).length > 0) ? true : undefined), Math.max(0, backAt + 35_000 - Date.now()), 250).catch(() => undefined);
    const delays = mesh.sidecars.map((s) => {
      assert.ok(opened(s).length > 0, `${s.name} reconnected: ${s.logs.filter((l) => !l.includes("telemetry_diagnostic")).slice(-10).join("\n")}`);
      return { name: s.name, ms: Math.min(...opened(s)) - backAt };
    });
    console.log(`reconnected after the return: ${delays.map((d) => `${d.name} ${d.ms} ms`).join(", ")}`);
    for (const d of delays) assert.ok(d.ms <= 30_000, `${d.name} reconnected ${d.ms} ms after the control plane returned`);
    const spread = Math.max(...delays.map((d) => d.ms)) - Math.min(...delays.map((d) => d.ms));
    assert.ok(spread >= 300, `reconnections spread over ${spread} ms, not all at once`);

    // Everyone is back in the registry and synced, and traffic is reported again.
    await waitFor("every sidecar up and synced", async () => {
      const view = await mesh.sidecarsView();
      const mine = view.filter((v) => mesh.sidecars.some((s) => s.instanceId === v.instanceId));
      return mine.length === mesh.sidecars.length && mine.every((v) => v.up && v.syncState === "synced") ? true : undefined;
    }, 30_000, 500);
    const reported = async () => {
      const res = await request(`${mesh.api}/api/v1/graph?window=5m`, { headers: mesh.auth });
      const edge = ZGraphResponse.parse(await res.body.json()).edges.find((e) => e.source === "web" && e.target === "api");
      return Object.values(edge?.outcomes ?? {}).reduce((a, b) => a + b, 0);
    };
    const before = await reported();
    const more = await runLoad({ url: webs[0]!.outbound, host: "api", path: "/after", rate: 20, durationMs: 2_000 });
    assert.deepEqual(more.failures, [], summary(more));
    await waitFor("the sidecars to report the new requests", async () => ((await reported()) >= before + more.sent ? true : undefined), 30_000, 500);
    void apis;
  });
});
