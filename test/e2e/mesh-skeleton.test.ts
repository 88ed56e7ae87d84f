// The walking skeleton end to end, all real processes on loopback: a control plane, three sidecars and
// two upstream apps. Sidecars register, learn endpoints over the config stream, proxy with round robin,
// ACK their bundle, and export OTLP metrics that become an edge in the graph API.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { ZGraphResponse, ZSidecarsResponse } from "@trellis/mesh-model";
import { ProxyAgent, request } from "undici";
import { operatorCredentials } from "../support/auth";
import { mintJoinToken } from "../support/mesh";
import { startProcess, stopAll, waitFor, type Started } from "../support/processes";

const started: Started[] = [];
const apps: Server[] = [];
let dir = "";
let api = "";
const operator = operatorCredentials();

async function startApp(name: string): Promise<number> {
  const server = createServer((req, res) => {
    req.resume();
    res.setHeader("content-type", "text/plain");
    res.end(name);
  });
  apps.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

async function startSidecar(service: string, version: string, appPort: number): Promise<Started> {
  const sidecar = await startProcess({
    name: `sidecar ${service} ${version}`,
    entry: "apps/sidecar/src/main.ts",
    args: [
      "--service", service, "--version", version, "--app-port", String(appPort),
      "--outbound-port", "0", "--inbound-port", "0", "--admin-port", "0",
      "--control-plane", api, "--otlp-endpoint", `http://127.0.0.1:${started[0]!.listening.otlpHttpPort}`,
      "--cache-dir", path.join(dir, `cache-${service}-${version}`), "--metrics-interval", "1s",
    ],
    // Strict mTLS is the mesh's default: each sidecar joins with a token for its service.
    env: { TRELLIS_JOIN_TOKEN: await mintJoinToken(api, operator.headers, service) },
  });
  started.push(sidecar);
  return sidecar;
}

describe("mesh skeleton across real processes", { timeout: 120_000 }, () => {
  let client: Started;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "trellis-skeleton-"));
    const cp = await startProcess({
      name: "control plane",
      entry: "apps/control-plane/src/main.ts",
      args: ["--api-port", "0", "--otlp-http-port", "0", "--database-url", `file:${path.join(dir, "cp.db")}`, "--lease-ttl", "6s"],
      env: operator.env,
    });
    started.push(cp);
    api = `http://127.0.0.1:${cp.listening.apiPort}`;
    await startSidecar("echo", "v1", await startApp("echo-1"));
    await startSidecar("echo", "v2", await startApp("echo-2"));
    client = await startSidecar("client", "v1", await startApp("client"));
  });

  after(async () => {
    await stopAll(started);
    for (const app of apps) app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("learns the endpoints of other services over the config stream", async () => {
    const admin = `http://127.0.0.1:${client.listening.adminPort}`;
    await waitFor("client sidecar to know both echo endpoints", async () => {
      const res = await request(`${admin}/config`);
      const bundle = (await res.body.json()) as { services?: Record<string, { endpoints: unknown[] }> };
      return bundle.services?.echo?.endpoints.length === 2 ? true : undefined;
    });
  });

  it("balances round robin across endpoints, addressed by Host or as an HTTP proxy", async () => {
    // The default balancer is latency-based (peak-EWMA); ask for round robin through the policy API.
    const put = await request(`${api}/api/v1/policies/echo`, {
      method: "PUT",
      headers: { "content-type": "application/json", ...operator.headers },
      body: JSON.stringify({ spec: { service: "echo", loadBalancer: { type: "round-robin" } }, message: "round robin for the test" }),
    });
    assert.equal(put.statusCode, 200, await put.body.text());
    const admin = `http://127.0.0.1:${client.listening.adminPort}`;
    await waitFor("client sidecar to apply round robin for echo", async () => {
      const res = await request(`${admin}/config`);
      const bundle = (await res.body.json()) as { services?: Record<string, { loadBalancer: { type: string } }> };
      return bundle.services?.echo?.loadBalancer.type === "round-robin" ? true : undefined;
    });
    const outbound = `http://127.0.0.1:${client.listening.outboundPort}`;
    const seen = new Map<string, number>();
    for (let i = 0; i < 10; i++) {
      const res = await request(`${outbound}/hello`, { headers: { host: "echo" } });
      assert.equal(res.statusCode, 200);
      const body = await res.body.text();
      seen.set(body, (seen.get(body) ?? 0) + 1);
    }
    const proxy = new ProxyAgent(outbound);
    for (let i = 0; i < 10; i++) {
      const res = await request("http://echo/hello", { dispatcher: proxy });
      assert.equal(res.statusCode, 200);
      const body = await res.body.text();
      seen.set(body, (seen.get(body) ?? 0) + 1);
    }
    await proxy.close();
    assert.deepEqual([...seen.entries()].sort(), [["echo-1", 10], ["echo-2", 10]]);
  });

  it("answers 404 with a reason for a service nobody registered", async () => {
    const res = await request(`http://127.0.0.1:${client.listening.outboundPort}/`, { headers: { host: "nowhere" } });
    await res.body.text();
    assert.equal(res.statusCode, 404);
    assert.ok(res.headers["x-trellis-error"], "a reason header is set");
  });

  it("shows every sidecar as synced", async () => {
    await waitFor("three synced sidecars", async () => {
      const res = await request(`${api}/api/v1/sidecars`, { headers: operator.headers });
      const { sidecars } = ZSidecarsResponse.parse(await res.body.json());
      return sidecars.length === 3 && sidecars.every((s) => s.syncState === "synced") ? true : undefined;
    });
  });

  it("turns the exported metrics into a graph edge with traffic", async () => {
    const edge = await waitFor("the client -> echo edge", async () => {
      const res = await request(`${api}/api/v1/graph?window=5m`, { headers: operator.headers });
      const graph = ZGraphResponse.parse(await res.body.json());
      const found = graph.edges.find((e) => e.source === "client" && e.target === "echo");
      // Exports arrive every second; wait until all 20 proxied requests have been reported.
      return found && (found.outcomes.ok ?? 0) >= 20 ? found : undefined;
    });
    assert.ok(edge.requestRate > 0, "the edge has a request rate");
    assert.ok(edge.latencyMs, "latency percentiles are computed");
    assert.equal(edge.outcomes.ok, 20, `exactly the 20 proxied requests are counted: ${JSON.stringify(edge.outcomes)}`);
  });
});
