// Issue #7, scenario 3: 300 req/s while the routing policy changes 10 times a second (weights,
// retries, timeouts alternate): zero failed requests, and no request sees a mix of two revisions.
// Each request carries the revision its caller's sidecar admitted it under (x-trellis-revision, on
// the forwarded request and on the response); the upstream echoes what it received and which version
// it is. A relay on the caller sidecar's config stream records what every revision said, so each
// answer is checked against exactly the bundle that routed it: the revision on the response is the
// one the upstream received, and the version that answered is the one that revision sends traffic to.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { runLoad, summary } from "../support/load";
import { echo, startMesh, waitForEndpoints, waitForRevision, type Mesh, type Sidecar } from "../support/mesh";
import { startTamperRelay, type TamperRelay } from "./bundle-tamper-relay";
import { loadFigures, mergeFigures, printSummary } from "./scenario-summary";
import { scaledMs, scaledRate } from "./scale";

const SPECS = [
  {
    routes: [{ name: "to-v1", backends: [{ version: "v1", weight: 100 }, { version: "v2", weight: 0 }], retry: { attempts: 2 }, timeout: { request: "20s" } }],
  },
  {
    routes: [{ name: "to-v2", backends: [{ version: "v1", weight: 0 }, { version: "v2", weight: 100 }], retry: { attempts: 3, perTryTimeout: "15s" }, timeout: { request: "30s" } }],
  },
];

describe("config pushes under load", { timeout: scaledMs(20_000) + 280_000 }, () => {
  let mesh: Mesh;
  let relay: TamperRelay;
  let web: Sidecar;
  /** Revision -> the version its bundle sends api traffic to. */
  const versionOf = new Map<number, string>();

  before(async () => {
    mesh = await startMesh();
    relay = await startTamperRelay(mesh.api);
    relay.observe = (bundle) => {
      const api = (bundle.services as Record<string, { routes: { backends: { version: string; weight: number }[] }[] }>).api;
      const full = api?.routes[0]?.backends.find((b) => b.weight === 10_000);
      if (typeof bundle.revision === "number" && full) versionOf.set(bundle.revision, full.version);
    };
    const [v1, v2, caller] = await Promise.all([mesh.app(echo("v1")), mesh.app(echo("v2")), mesh.app(echo("web"))]);
    [web] = await Promise.all([
      mesh.startSidecar({ service: "web", appPort: caller.port, controlPlane: relay.url }),
      mesh.startSidecar({ service: "api", version: "v1", appPort: v1.port }),
      mesh.startSidecar({ service: "api", version: "v2", appPort: v2.port }),
    ]);
    await waitForEndpoints(web, "api", 2);
    await waitForRevision(web, await mesh.putPolicy("api", SPECS[0]!));
  });

  after(async () => {
    await mesh?.close();
    await relay?.close();
  });

  it("serves every request by exactly one revision while the policy changes 10 times a second", async () => {
    const rate = scaledRate(300);
    const durationMs = scaledMs(20_000);
    const seen = new Set<number>();
    const load = runLoad({
      url: web.outbound, host: "api", path: "/shift", rate, durationMs,
      check: (r) => {
        const revision = Number(r.headers["x-trellis-revision"]);
        const body = JSON.parse(r.body) as { name: string; headers: Record<string, string> };
        if (!Number.isInteger(revision)) return "no x-trellis-revision on the response";
        seen.add(revision);
        if (body.headers["x-trellis-revision"] !== String(revision)) return `upstream received revision ${body.headers["x-trellis-revision"]}, response says ${revision}`;
        const expected = versionOf.get(revision);
        if (expected === undefined) return `revision ${revision} never passed on the config stream`;
        if (body.name !== expected) return `revision ${revision} routes to ${expected}, ${body.name} answered`;
        return undefined;
      },
    });
    // The pusher: a policy change every 100 ms for as long as the load runs, not waiting for the
    // previous one (open loop, like the load); the revisions they get decide the order, and the relay
    // records what each one said.
    const pushStart = performance.now();
    const puts: Promise<number>[] = [];
    while (performance.now() - pushStart < durationMs) {
      puts.push(mesh.putPolicy("api", SPECS[(puts.length + 1) % 2]!, `push ${puts.length}`));
      const next = pushStart + puts.length * 100;
      await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
    }
    const pushes = (await Promise.all(puts)).length;
    const pushRate = pushes / (durationMs / 1000);
    const result = await load;
    console.log(`${summary(result)}; ${pushes} policy pushes at ${pushRate.toFixed(1)}/s; ${seen.size} revisions seen on responses, ${versionOf.size} on the config stream`);
    printSummary({
      scenario: 3,
      name: "config pushes under load",
      ...mergeFigures(loadFigures("load", result), { rates: { pushes: Math.round(pushRate * 10) / 10 }, counts: { pushes, revisionsSeen: seen.size } }),
    });
    assert.ok(result.achievedRate >= 0.9 * rate, summary(result));
    assert.ok(pushRate >= 9, `pushed ${pushRate.toFixed(1)} changes/s, meant 10`);
    assert.deepEqual(result.failures, [], summary(result));
    assert.ok(seen.size >= 10, `traffic was served by many revisions (${seen.size})`);
  });
});
