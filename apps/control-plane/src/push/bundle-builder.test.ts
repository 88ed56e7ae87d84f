import assert from "node:assert/strict";
import { it } from "node:test";
import { ZBundle, type PolicySpec } from "@trellis/mesh-model";
import type { InstanceRecord } from "../db/repositories";
import { bundleFor, snapshotOf } from "./bundle-builder";

const NOW = new Date("2026-01-01T00:00:00Z");

function instance(instanceId: string, service: string, version: string, port: number): InstanceRecord {
  return {
    instanceId,
    service,
    version,
    host: "127.0.0.1",
    inboundPort: port,
    labels: { zone: "a" },
    registeredAt: NOW,
    lastHeartbeatAt: NOW,
    leaseExpiresAt: new Date(NOW.getTime() + 15_000),
    deregisteredAt: null,
  };
}

it("bundleFor lists every other live service with its endpoints and policy, and applies the local health check", () => {
  const specs = new Map<string, PolicySpec>([
    ["echo", { service: "echo", loadBalancer: { type: "round-robin" } }],
    ["client", { service: "client", healthCheck: { path: "/ready" } }],
  ]);
  const live = [instance("echo-2", "echo", "v2", 2002), instance("echo-1", "echo", "v1", 2001), instance("client-1", "client", "v1", 3001), instance("db-1", "db", "v1", 4001)];
  const bundle = ZBundle.parse(bundleFor(snapshotOf(42, NOW, live, specs), { service: "client", version: "v1" }));
  assert.equal(bundle.revision, 42);
  assert.equal(bundle.generatedAt, NOW.toISOString());
  assert.deepEqual(Object.keys(bundle.services), ["db", "echo"]);
  assert.deepEqual(bundle.services.echo!.endpoints.map((e) => [e.instanceId, e.version, e.port]), [["echo-1", "v1", 2001], ["echo-2", "v2", 2002]]);
  assert.equal(bundle.services.echo!.loadBalancer.type, "round-robin");
  assert.equal(bundle.services.db!.loadBalancer.type, "peak-ewma", "defaults where there is no policy");
  assert.equal(bundle.localHealthCheck.path, "/ready");
  assert.deepEqual(bundle.services.echo!.endpoints[0]!.labels, { zone: "a" });
});
