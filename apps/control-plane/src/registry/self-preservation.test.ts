// The self-preservation guard against a real control plane (in-process, SQLite, HTTP) on a manual
// clock: the test moves time and runs the lease sweep itself.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SIDECAR_API, ZBundle, ZSidecarsResponse, type Bundle } from "@trellis/mesh-model";
import { z } from "zod";
import { openSse, type SseClient } from "../../fixtures/sse-client";
import { postJson, startTestControlPlane, type TestControlPlane } from "../../fixtures/test-control-plane";
import { countRenewals, shouldPreserve } from "./self-preservation";

const ZRegistryStatus = z.object({
  selfPreservation: z.object({
    active: z.boolean(),
    since: z.string().nullable(),
    expectedRenewals: z.int(),
    actualRenewals: z.int(),
    threshold: z.number(),
    minInstances: z.int(),
    renewalWindowMs: z.int(),
    evaluatedAt: z.string().nullable(),
  }),
});

const T0 = Date.parse("2026-01-01T00:00:00Z");
const LEASE_S = 30;

class ManualClock {
  ms = T0;
  readonly now = () => new Date(this.ms);
  advance(seconds: number) {
    this.ms += seconds * 1000;
  }
}

/** The operator API's credentials where the test control plane has them (login and roles), else none. */
const authOf = (t: TestControlPlane): Record<string, string> => ("auth" in t ? z.record(z.string(), z.string()).parse(t.auth) : {});

async function registryStatus(t: TestControlPlane) {
  const res = await fetch(`${t.api}/api/v1/registry`, { headers: authOf(t) });
  assert.equal(res.status, 200);
  return ZRegistryStatus.parse(await res.json()).selfPreservation;
}

async function ok(res: Promise<Response>): Promise<void> {
  const r = await res;
  const text = await r.text();
  assert.ok(r.ok, `${r.url}: ${r.status} ${text}`);
}

const register = (api: string, instanceId: string, service: string, port: number) =>
  ok(postJson(api + SIDECAR_API.register, { instanceId, service, version: "v1", host: "127.0.0.1", inboundPort: port, labels: {} }));
const heartbeat = (api: string, ids: string[]) => Promise.all(ids.map((id) => ok(fetch(api + SIDECAR_API.heartbeat(id), { method: "POST" }))));

/** Reads bundles until one satisfies `predicate`. */
async function bundleWhere(stream: SseClient, predicate: (b: Bundle) => boolean): Promise<Bundle> {
  for (let i = 0; i < 30; i++) {
    const event = await stream.next();
    const b = ZBundle.parse(JSON.parse(event.data));
    if (predicate(b)) return b;
  }
  throw new Error("no matching bundle");
}

const echoIds = (b: Bundle) => (b.services.echo?.endpoints ?? []).map((e) => e.instanceId).sort();

describe("registry self-preservation", { timeout: 30_000 }, () => {
  let t: TestControlPlane;
  const clock = new ManualClock();
  before(async () => {
    t = await startTestControlPlane({
      args: ["--lease-ttl", `${LEASE_S}s`, "--self-preservation-threshold", "0.5", "--self-preservation-min-instances", "3"],
      now: clock.now,
      // The test sweeps by hand; the timer's sweeps would only repeat them.
      timings: { leaseSweepMs: 3_600_000, revisionPollMs: 3_600_000 },
    });
  });
  after(async () => t.close());

  it("keeps lapsed instances while most stop renewing, says so, and expires them once renewals recover", async () => {
    const all = ["client-1", "echo-1", "echo-2", "echo-3", "echo-4", "echo-5"];
    await register(t.api, "client-1", "client", 3001);
    for (let i = 1; i <= 5; i++) await register(t.api, `echo-${i}`, "echo", 4000 + i);
    const stream = await openSse(t.api + SIDECAR_API.config("client-1"));
    try {
      await bundleWhere(stream, (b) => echoIds(b).length === 5);
      clock.advance(10);
      await heartbeat(t.api, all);
      await t.cp.registry.sweepExpired();
      let status = await registryStatus(t);
      assert.deepEqual(
        { active: status.active, expected: status.expectedRenewals, actual: status.actualRenewals, window: status.renewalWindowMs },
        { active: false, expected: 6, actual: 6, window: (LEASE_S / 2) * 1000 },
      );

      // Four of six go silent at once (last renewal at +10 s); the other two keep renewing.
      const alive = ["client-1", "echo-5"];
      for (const at of [20, 30]) {
        clock.advance(10);
        await heartbeat(t.api, alive);
        await t.cp.registry.sweepExpired();
      }
      status = await registryStatus(t);
      assert.equal(status.active, true, "2 renewals of 6 expected is under half");
      assert.equal(status.since, new Date(T0 + 30_000).toISOString());
      assert.deepEqual([status.expectedRenewals, status.actualRenewals], [6, 2]);
      assert.ok(t.log.lines.some((l) => l.event === "self_preservation_on" && l.level === "warn"));

      // Their leases lapse at +40 s; the guard keeps them as endpoints and as up.
      clock.advance(15);
      await heartbeat(t.api, alive);
      assert.equal(await t.cp.registry.sweepExpired(), 0);
      assert.ok(!t.log.lines.some((l) => l.event === "sidecar_lease_expired"));
      const listed = ZSidecarsResponse.parse(await (await fetch(`${t.api}/api/v1/sidecars`, { headers: authOf(t) })).json()).sidecars;
      assert.deepEqual(listed.filter((s) => s.up).map((s) => s.instanceId).sort(), all.sort());
      // A bundle compiled now (a new registration makes one) still lists all five echo endpoints.
      await register(t.api, "other-1", "other", 5001);
      const during = await bundleWhere(stream, (b) => b.services.other !== undefined);
      assert.deepEqual(echoIds(during), ["echo-1", "echo-2", "echo-3", "echo-4", "echo-5"]);
      // One held sidecar that comes back simply renews (no re-registration needed).
      await heartbeat(t.api, ["echo-1", "echo-2"]);

      // Renewals recover (4 + the new one of 7): the guard lifts and the two still silent expire.
      clock.advance(5);
      await heartbeat(t.api, [...alive, "echo-1", "echo-2", "other-1"]);
      await t.cp.registry.sweepExpired();
      status = await registryStatus(t);
      assert.deepEqual([status.active, status.since, status.expectedRenewals, status.actualRenewals], [false, null, 7, 5]);
      assert.ok(t.log.lines.some((l) => l.event === "self_preservation_off"));
      const expired = t.log.lines.filter((l) => l.event === "sidecar_lease_expired").map((l) => l.instanceId);
      assert.deepEqual(expired.sort(), ["echo-3", "echo-4"]);
      const afterward = await bundleWhere(stream, (b) => echoIds(b).length === 3);
      assert.deepEqual(echoIds(afterward), ["echo-1", "echo-2", "echo-5"]);
    } finally {
      stream.close();
    }
  });
});

describe("registry without self-preservation", { timeout: 30_000 }, () => {
  let t: TestControlPlane;
  const clock = new ManualClock();
  before(async () => {
    t = await startTestControlPlane({ args: ["--lease-ttl", `${LEASE_S}s`], now: clock.now, timings: { leaseSweepMs: 3_600_000, revisionPollMs: 3_600_000 } });
  });
  after(async () => t.close());

  it("expires a minority that stops renewing at once (the default threshold is a half)", async () => {
    const ids = ["a-1", "a-2", "a-3", "a-4", "a-5"];
    for (const [n, id] of ids.entries()) await register(t.api, id, "a", 4000 + n);
    const alive = ids.slice(0, 3);
    for (let s = 10; s <= 50; s += 10) {
      clock.advance(10);
      await heartbeat(t.api, alive);
      await t.cp.registry.sweepExpired();
      assert.equal((await registryStatus(t)).active, false, `at +${s} s`);
    }
    const expired = t.log.lines.filter((l) => l.event === "sidecar_lease_expired").map((l) => l.instanceId);
    assert.deepEqual(expired.sort(), ["a-4", "a-5"]);
  });
});

describe("shouldPreserve", () => {
  it("needs the minimum fleet and a share under the threshold; 0 turns it off", () => {
    assert.equal(shouldPreserve({ expectedRenewals: 10, actualRenewals: 4 }, { threshold: 0.5, minInstances: 3 }), true);
    assert.equal(shouldPreserve({ expectedRenewals: 10, actualRenewals: 5 }, { threshold: 0.5, minInstances: 3 }), false);
    assert.equal(shouldPreserve({ expectedRenewals: 2, actualRenewals: 0 }, { threshold: 0.5, minInstances: 3 }), false);
    assert.equal(shouldPreserve({ expectedRenewals: 10, actualRenewals: 0 }, { threshold: 0, minInstances: 1 }), false);
  });

  it("counts only listed instances, renewed within the window", () => {
    const at = (s: number) => new Date(T0 + s * 1000);
    const inst = (id: string, lastHb: number, lease: number, gone = false) => ({
      instanceId: id,
      service: "s",
      version: "v1",
      host: "h",
      inboundPort: 1,
      labels: {},
      registeredAt: at(0),
      lastHeartbeatAt: at(lastHb),
      leaseExpiresAt: at(lease),
      deregisteredAt: gone ? at(lastHb) : null,
    });
    const count = countRenewals([inst("fresh", 95, 125), inst("late", 80, 110), inst("lapsed-before", 10, 40), inst("left", 99, 129, true)], at(50), at(100), 15_000);
    assert.deepEqual(count, { expectedRenewals: 2, actualRenewals: 1 });
  });
});
