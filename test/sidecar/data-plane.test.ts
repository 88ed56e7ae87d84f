// Issue #3's "done when", across real processes on loopback: the real `curl` with HTTP_PROXY reaches
// a service through two sidecars; ordered routing rules (path, method, header) and a 90/10 canary
// measured over many requests; a request no route matches gets 404 with a reason; active health
// checks take an unhealthy endpoint out of rotation and bring it back; fault injection delays and
// aborts. (Failing, slow and resetting upstreams, NACKs and the on-disk cache are in test/resilience.)
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { call, echo, startMesh, stats, waitForEndpoints, waitForRevision, type App, type Mesh, type Sidecar } from "../support/mesh";
import { waitFor } from "../support/processes";

const run = promisify(execFile);

describe("sidecar data plane across real processes", { timeout: 240_000 }, () => {
  let mesh: Mesh;
  let web: Sidecar;
  let healthy = true;
  let v1: App;

  before(async () => {
    mesh = await startMesh();
    // v1 answers its health check according to `healthy`; everything else is an echo.
    const echoV1 = echo("v1");
    v1 = await mesh.app((req, res) => {
      if (req.url === "/healthz") return void res.writeHead(healthy ? 200 : 503).end();
      echoV1(req, res);
    });
    const [v2, caller] = await Promise.all([mesh.app(echo("v2")), mesh.app(echo("web"))]);
    [web] = await Promise.all([
      mesh.startSidecar({ service: "web", appPort: caller.port }),
      mesh.startSidecar({ service: "catalog", version: "v1", appPort: v1.port }),
      mesh.startSidecar({ service: "catalog", version: "v2", appPort: v2.port }),
    ]);
    await waitForEndpoints(web, "catalog", 2);
  });

  after(async () => {
    await mesh?.close();
  });

  it("carries curl's request through two sidecars with HTTP_PROXY set", async () => {
    const { stdout } = await run("curl", ["-sS", "--max-time", "20", "-D", "-", "http://catalog/items?x=1"], {
      env: { ...process.env, HTTP_PROXY: web.outbound, http_proxy: web.outbound, NO_PROXY: "", no_proxy: "" },
    });
    const [head, body] = stdout.split("\r\n\r\n");
    assert.match(head!, /^HTTP\/1\.1 200/);
    const echoed = JSON.parse(body!) as { name: string; url: string; headers: Record<string, string> };
    assert.match(echoed.name, /^v[12]$/);
    assert.equal(echoed.url, "/items?x=1", "the absolute-form target became origin-form");
    assert.equal(echoed.headers["x-trellis-source"], "web", "it came through the caller's sidecar");
    assert.ok(echoed.headers["x-request-id"], "a request id was added");
    assert.match(echoed.headers.traceparent ?? "", /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  });

  it("routes by ordered rules and splits a 90/10 canary over 400 requests", async () => {
    const revision = await mesh.putPolicy("catalog", {
      loadBalancer: { type: "round-robin" },
      routes: [
        { name: "beta-header", match: { headers: [{ name: "x-beta", exact: "yes" }] }, backends: [{ version: "v2", weight: 1 }] },
        { name: "admin-exact", match: { path: { exact: "/admin" }, methods: ["POST"] }, backends: [{ version: "v1", weight: 1 }] },
        { name: "reports-regex", match: { path: { regex: "/reports/[0-9]+" } }, backends: [{ version: "v2", weight: 1 }] },
        { name: "canary", match: { path: { prefix: "/items" } }, backends: [{ version: "v1", weight: 90 }, { version: "v2", weight: 10 }] },
      ],
    });
    await waitForRevision(web, revision);
    const who = async (path: string, init: Parameters<typeof call>[3] = {}) => {
      const r = await call(web, "catalog", path, init);
      assert.equal(r.status, 200, `${path}: ${r.status} ${r.body}`);
      return (JSON.parse(r.body) as { name: string }).name;
    };
    assert.equal(await who("/items/1", { headers: { "x-beta": "yes" } }), "v2", "the first matching rule wins");
    assert.equal(await who("/admin", { method: "POST" }), "v1");
    assert.equal(await who("/reports/42"), "v2");
    const counts = { v1: 0, v2: 0 } as Record<string, number>;
    for (let i = 0; i < 400; i++) counts[await who(`/items/${i}`)]!++;
    console.log(`canary split over 400 requests: ${JSON.stringify(counts)}`);
    // 10% of 400 is 40; the split is by weight, so allow a few either way.
    assert.ok(counts.v2! >= 28 && counts.v2! <= 52, JSON.stringify(counts));
    assert.equal(counts.v1! + counts.v2!, 400);
  });

  it("answers 404 with a reason when no route matches", async () => {
    for (const [path, method] of [["/admin", "GET"], ["/reports/abc", "GET"], ["/other", "GET"]] as const) {
      const r = await call(web, "catalog", path, { method });
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.equal(r.headers["x-trellis-error"], "no_route");
      assert.match(r.body, /no route/);
    }
  });

  it("injects delays and aborts on a route", async () => {
    const revision = await mesh.putPolicy("catalog", {
      routes: [
        { name: "slowed", match: { path: { prefix: "/slowed" } }, fault: { delay: { percent: 100, duration: "400ms" } } },
        { name: "broken", match: { path: { prefix: "/broken" } }, fault: { abort: { percent: 100, status: 503 } } },
        { name: "half", match: { path: { prefix: "/half" } }, fault: { abort: { percent: 50, status: 500 } } },
        { name: "rest" },
      ],
    });
    await waitForRevision(web, revision);
    const hitsBefore = v1.hits;
    const slowed = await call(web, "catalog", "/slowed");
    assert.equal(slowed.status, 200);
    assert.ok(slowed.ms >= 400, `delayed ${slowed.ms} ms`);
    const fast = await call(web, "catalog", "/rest");
    assert.ok(fast.ms < slowed.ms, "only the faulted route is delayed");
    const broken = await call(web, "catalog", "/broken");
    assert.equal(broken.status, 503);
    assert.equal(broken.headers["x-trellis-error"], "fault_injected");
    let aborted = 0;
    for (let i = 0; i < 100; i++) if ((await call(web, "catalog", "/half")).status === 500) aborted++;
    assert.ok(aborted >= 30 && aborted <= 70, `${aborted} of 100 aborted at 50%`);
    assert.ok(v1.hits - hitsBefore <= 2 + 100 - aborted, "an aborted request never reaches the upstream");
  });

  it("takes an endpoint failing its active health check out of rotation and brings it back", async () => {
    const revision = await mesh.putPolicy("catalog", {
      loadBalancer: { type: "round-robin" },
      healthCheck: { path: "/healthz", interval: "300ms", timeout: "250ms", unhealthyThreshold: 2, healthyThreshold: 2 },
    });
    await waitForRevision(web, revision);
    const v1Endpoint = async () => {
      const s = (await stats(web)) as { healthChecks: Record<string, { healthy: boolean | null }> };
      return Object.entries(s.healthChecks).find(([k]) => k.startsWith("catalog/catalog-v1"))?.[1].healthy;
    };
    await waitFor("v1 healthy", async () => ((await v1Endpoint()) === true ? true : undefined), 20_000, 100);
    healthy = false;
    await waitFor("v1 marked unhealthy", async () => ((await v1Endpoint()) === false ? true : undefined), 20_000, 100);
    const names = new Set<string>();
    for (let i = 0; i < 20; i++) names.add((JSON.parse((await call(web, "catalog", "/x")).body) as { name: string }).name);
    assert.deepEqual([...names], ["v2"], "the unhealthy endpoint is out of rotation");
    healthy = true;
    await waitFor("v1 healthy again", async () => ((await v1Endpoint()) === true ? true : undefined), 20_000, 100);
    const back = new Map<string, number>();
    for (let i = 0; i < 20; i++) {
      const n = (JSON.parse((await call(web, "catalog", "/x")).body) as { name: string }).name;
      back.set(n, (back.get(n) ?? 0) + 1);
    }
    assert.deepEqual([...back.entries()].sort(), [["v1", 10], ["v2", 10]], "back in the round robin");
  });
});
