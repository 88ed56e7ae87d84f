// Issue #7, scenario 2 (and issue #3's boot from the on-disk cache): with the control plane down, a
// sidecar restarted in place boots from its last good bundle on disk and carries load; a corrupted
// cache file is refused with a clear error (no config rather than damaged config); when the control
// plane returns, the sidecar takes its config from it and writes a good cache again.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { request } from "undici";
import { runLoad, summary } from "../support/load";
import { call, echo, logEvents, startMesh, waitForEndpoints, waitForRevision, type Mesh, type Sidecar } from "../support/mesh";
import { waitFor } from "../support/processes";
import { loadFigures, printSummary } from "./scenario-summary";
import { scaledMs, scaledRate } from "./scale";

describe("sidecar restart while the control plane is down", { timeout: scaledMs(10_000) + 240_000 }, () => {
  let mesh: Mesh;
  let web: Sidecar;
  let apiPort = 0;
  let revision = 0;
  const cacheFile = () => path.join(web.cacheDir, "bundle.json");
  const restartWeb = async () => {
    await web.stop("SIGKILL");
    mesh.sidecars.splice(mesh.sidecars.indexOf(web), 1);
    web = await mesh.startSidecar({ service: "web", appPort: apiPort, cacheDir: web.cacheDir, name: "web (restarted)" });
  };

  before(async () => {
    mesh = await startMesh();
    const api = await mesh.app(echo("api"));
    apiPort = api.port;
    [web] = await Promise.all([mesh.startSidecar({ service: "web", appPort: api.port }), mesh.startSidecar({ service: "api", appPort: api.port })]);
    await waitForEndpoints(web, "api", 1);
    // Something only the control plane could have said: requests with x-version: none get a 418 fault.
    revision = await mesh.putPolicy("api", {
      routes: [{ name: "teapot", match: { headers: [{ name: "x-version", exact: "none" }] }, fault: { abort: { percent: 100, status: 418 } } }, { name: "default" }],
    });
    await waitForRevision(web, revision);
    await waitFor("the cache file to hold the applied revision", async () => {
      const header = JSON.parse(readFileSync(cacheFile(), "utf8").split("\n")[0]!) as { revision: number };
      return header.revision === revision ? true : undefined;
    });
  });

  after(async () => {
    await mesh?.close();
  });

  it("boots from the on-disk bundle and serves under load", async () => {
    await mesh.stopControlPlane("SIGKILL");
    await restartWeb();
    const ready = await waitFor("the restarted sidecar to be ready", async () => {
      const res = await request(`${web.admin}/ready`);
      const body = (await res.body.json()) as { ready: boolean; source?: string; revision?: number };
      return res.statusCode === 200 ? body : undefined;
    });
    assert.deepEqual(ready, { ready: true, revision, source: "cache" });
    assert.equal(logEvents(web, "config_stream_open").length, 0, "the control plane is really down");
    const rate = scaledRate(50);
    const r = await runLoad({ url: web.outbound, host: "api", path: "/cached", rate, durationMs: scaledMs(10_000) });
    console.log(`from the cache, control plane down: ${summary(r)}`);
    printSummary({ scenario: 2, name: "sidecar restart while the control plane is down", ...loadFigures("fromCache", r) });
    assert.ok(r.achievedRate >= 0.9 * rate, summary(r));
    assert.deepEqual(r.failures, [], summary(r));
    const teapot = await call(web, "api", "/", { headers: { "x-version": "none" } });
    assert.equal(teapot.status, 418, "the cached policy is in force");
  });

  it("refuses a corrupted cache file with a clear error", async () => {
    const text = readFileSync(cacheFile(), "utf8");
    const nl = text.indexOf("\n");
    // One character of the bundle changed: still JSON, but not what was written.
    writeFileSync(cacheFile(), text.slice(0, nl + 1) + text.slice(nl + 1).replace('"teapot"', '"teapoT"'));
    await restartWeb();
    const [corrupt] = logEvents(web, "config_cache_corrupt");
    assert.ok(corrupt, `a config_cache_corrupt event: ${web.logs.join("\n")}`);
    assert.equal(corrupt.file, cacheFile());
    assert.match(String(corrupt.error), /checksum mismatch/);
    assert.equal(corrupt.level, "error");
    const ready = await request(`${web.admin}/ready`);
    assert.equal(ready.statusCode, 503);
    assert.match(await ready.body.text(), /no configuration/);
    const r = await call(web, "api", "/");
    assert.equal(r.status, 503, "nothing is served from a damaged file");
    assert.ok(r.headers["x-trellis-error"], `with a reason header: ${r.body}`);
    console.log(`without config: ${r.status} ${String(r.headers["x-trellis-error"])} ${r.body}`);
  });

  it("takes its config from the control plane when it returns and caches it again", async () => {
    await mesh.startControlPlane();
    await waitForEndpoints(web, "api", 1, 60_000);
    const r = await call(web, "api", "/", { headers: { "x-version": "none" } });
    assert.equal(r.status, 418);
    assert.equal((await call(web, "api", "/back")).status, 200);
    await waitFor("a good cache file again", async () => {
      const text = readFileSync(cacheFile(), "utf8");
      return text.includes('"teapot"') && !text.includes('"teapoT"') ? true : undefined;
    });
  });
});
