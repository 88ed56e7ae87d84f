// Which sidecars a candidate spec reaches: those whose compiled bundle content would change.
import assert from "node:assert/strict";
import { it } from "node:test";
import type { PolicySpec } from "@trellis/mesh-model";
import type { InstanceRecord } from "../db/repositories";
import { snapshotOf } from "../push/bundle-builder";
import { reachOf } from "./policy-views";

const T = new Date("2025-03-01T12:00:00.000Z");
const instance = (instanceId: string, service: string, version = "v1"): InstanceRecord => ({
  instanceId,
  service,
  version,
  host: "127.0.0.1",
  inboundPort: 4000,
  labels: {},
  registeredAt: T,
  lastHeartbeatAt: T,
  leaseExpiresAt: T,
  deregisteredAt: null,
});
const live = [instance("web-1", "web"), instance("api-1", "api"), instance("api-2", "api", "v2"), instance("db-1", "db")];

it("reaches the callers of a service, and its own sidecars only for a health check change", () => {
  const snapshot = snapshotOf(7, T, live, new Map<string, PolicySpec>([["api", { service: "api", retry: { attempts: 2 } }]]));
  assert.deepEqual(reachOf(snapshot, "api", { service: "api", retry: { attempts: 3 } }), ["db-1", "web-1"]);
  assert.deepEqual(reachOf(snapshot, "api", { service: "api", retry: { attempts: 3 }, healthCheck: { path: "/ready" } }), ["api-1", "api-2", "db-1", "web-1"]);
});

it("reaches nobody when the compiled result stays the same", () => {
  const snapshot = snapshotOf(7, T, live, new Map<string, PolicySpec>([["api", { service: "api", retry: { attempts: 2 } }]]));
  assert.deepEqual(reachOf(snapshot, "api", { service: "api", retry: { attempts: 2 } }), []);
  // Spelling the default explicitly compiles to the same bundle.
  assert.deepEqual(reachOf(snapshot, "db", { service: "db", loadBalancer: { type: "peak-ewma" } }), []);
});
