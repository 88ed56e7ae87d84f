// Issue #7, scenario 4 (and issue #3's NACK): a bundle the sidecar cannot apply is NACKed while traffic
// flows; the old routing goes on (every request under load is a probe that proves it), the control
// plane's API shows the sidecar as rejected with the sidecar's error, and the next good bundle is
// applied. The bad bundle is made by a relay on the sidecar's control-plane connection (see
// bundle-tamper-relay.ts): the control plane itself refuses to store a policy that would compile to one.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { runLoad, summary } from "../support/load";
import { appliedRevision, echo, startMesh, waitForEndpoints, waitForRevision, type Mesh, type Sidecar } from "../support/mesh";
import { waitFor } from "../support/processes";
import { startTamperRelay, type TamperRelay } from "./bundle-tamper-relay";
import { loadFigures, mergeFigures, printSummary } from "./scenario-summary";
import { scaledMs, scaledRate } from "./scale";

/** Every route of `service` gets a path regex that does not compile. */
function breakRoutes(service: string) {
  return (bundle: Record<string, unknown>) => {
    const services = bundle.services as Record<string, { routes: { path: unknown }[] }>;
    for (const route of services[service]?.routes ?? []) route.path = { kind: "regex", value: "(unclosed" };
    return bundle;
  };
}

describe("invalid config under load", { timeout: scaledMs(10_000) + 180_000 }, () => {
  let mesh: Mesh;
  let relay: TamperRelay;
  let web: Sidecar;
  let goodRevision = 0;

  before(async () => {
    mesh = await startMesh();
    relay = await startTamperRelay(mesh.api);
    const [v1, v2, caller] = await Promise.all([mesh.app(echo("api-v1")), mesh.app(echo("api-v2")), mesh.app(echo("web"))]);
    [web] = await Promise.all([
      mesh.startSidecar({ service: "web", appPort: caller.port, controlPlane: relay.url }),
      mesh.startSidecar({ service: "api", version: "v1", appPort: v1.port }),
      mesh.startSidecar({ service: "api", version: "v2", appPort: v2.port }),
    ]);
    await waitForEndpoints(web, "api", 2);
    goodRevision = await mesh.putPolicy("api", { routes: [{ name: "all-to-v1", backends: [{ version: "v1", weight: 100 }] }] }, "everything to v1");
    await waitForRevision(web, goodRevision);
  });

  after(async () => {
    await mesh?.close();
    await relay?.close();
  });

  it("NACKs the bad bundle, keeps routing by the last good one under load, and the API shows it rejected", async () => {
    const rate = scaledRate(50);
    const load = runLoad({
      url: web.outbound, host: "api", path: "/probe", rate, durationMs: scaledMs(10_000),
      // The last good config sends everything to v1; the rejected one would have sent it to v2.
      check: (r) => (r.headers["x-app"] === "api-v1" ? undefined : `answered by ${String(r.headers["x-app"])}`),
    });
    await new Promise((r) => setTimeout(r, 1_000));
    relay.tamper = breakRoutes("api");
    const badRevision = await mesh.putPolicy("api", { routes: [{ name: "all-to-v2", backends: [{ version: "v2", weight: 100 }] }] }, "everything to v2");
    const view = await waitFor("the control plane to show web as rejected", async () => {
      const me = (await mesh.sidecarsView()).find((s) => s.instanceId === web.instanceId);
      return me?.syncState === "rejected" ? me : undefined;
    }, 20_000, 200);
    const result = await load;
    console.log(`during the rejected push: ${summary(result)}`);
    printSummary({ scenario: 4, name: "invalid config", ...mergeFigures(loadFigures("load", result), { counts: { tampered: relay.tampered } }) });
    assert.ok(result.achievedRate >= 0.9 * rate, summary(result));
    assert.deepEqual(result.failures, [], summary(result));
    assert.ok(relay.tampered >= 1);
    assert.equal(view.sentRevision, badRevision);
    assert.equal(view.ackedRevision, goodRevision, "the last revision it applied is the good one");
    assert.match(view.lastError ?? "", /invalid regular expression/);
    assert.equal(await appliedRevision(web), goodRevision);
    assert.ok(web.logs.some((l) => l.includes('"config_rejected"') && l.includes(String(badRevision))), "the sidecar logs the rejection");
  });

  it("applies the next good bundle and the API shows it synced", async () => {
    relay.tamper = undefined;
    // Other content than the rejected bundle's: the control plane offers a sidecar only bundles that differ
    // from the last one it offered (and that one, unbroken, would be the same as the next).
    const next = await mesh.putPolicy("api", { routes: [{ name: "all-to-v2-again", backends: [{ version: "v2", weight: 100 }] }] }, "everything to v2, unbroken");
    await waitForRevision(web, next);
    const r = await runLoad({ url: web.outbound, host: "api", path: "/probe", rate: scaledRate(20), durationMs: 2_000,
      check: (x) => (x.headers["x-app"] === "api-v2" ? undefined : `answered by ${String(x.headers["x-app"])}`) });
    assert.deepEqual(r.failures, [], summary(r));
    await waitFor("the control plane to show web as synced", async () => {
      const me = (await mesh.sidecarsView()).find((s) => s.instanceId === web.instanceId);
      return me?.syncState === "synced" && me.ackedRevision === next && me.lastError === null ? true : undefined;
    }, 20_000, 200);
  });
});
