// Contract: the registry of services, versions and instances with leases.
import assert from "node:assert/strict";
import { it } from "node:test";
import type { Database } from "../repositories";
import { T0, at, type SharedDatabase } from "./fixture";

export function registryContract(ctx: SharedDatabase): void {
  const register = (instanceId: string, overrides: Partial<Parameters<Database["registry"]["register"]>[0]> = {}) =>
    ctx.db.registry.register({
      instanceId,
      service: "catalog",
      version: "v1",
      host: "127.0.0.1",
      inboundPort: 8081,
      labels: { zone: "a" },
      now: T0,
      leaseExpiresAt: at(30),
      ...overrides,
    });

  it("registers an instance with its service and version, and reads it back", async () => {
    const record = await register("catalog-1");
    const expected = {
      instanceId: "catalog-1",
      service: "catalog",
      version: "v1",
      host: "127.0.0.1",
      inboundPort: 8081,
      labels: { zone: "a" },
      registeredAt: T0,
      lastHeartbeatAt: T0,
      leaseExpiresAt: at(30),
      deregisteredAt: null,
    };
    assert.deepEqual(record, expected);
    assert.deepEqual(await ctx.db.registry.get("catalog-1"), expected);
    assert.equal(await ctx.db.registry.get("nobody"), null);
    assert.deepEqual(await ctx.db.registry.listServices(), [{ name: "catalog", versions: ["v1"] }]);
  });

  it("refreshes an instance that registers again, even after it deregistered", async () => {
    await register("catalog-1");
    await ctx.db.registry.deregister("catalog-1", at(5));
    const again = await register("catalog-1", { version: "v2", host: "10.0.0.2", inboundPort: 9000, labels: {}, now: at(10), leaseExpiresAt: at(40) });
    assert.equal(again.version, "v2");
    assert.equal(again.host, "10.0.0.2");
    assert.equal(again.inboundPort, 9000);
    assert.deepEqual(again.labels, {});
    assert.deepEqual(again.registeredAt, at(10));
    assert.equal(again.deregisteredAt, null);
    assert.equal((await ctx.db.registry.listInstances()).length, 1);
    assert.deepEqual(await ctx.db.registry.listServices(), [{ name: "catalog", versions: ["v1", "v2"] }]);
  });

  it("renews a lease: extends it, revives a late instance, refuses unknown and deregistered ones", async () => {
    await register("catalog-1");
    assert.equal(await ctx.db.registry.renew("catalog-1", at(10), at(40)), true);
    let record = await ctx.db.registry.get("catalog-1");
    assert.deepEqual(record?.lastHeartbeatAt, at(10));
    assert.deepEqual(record?.leaseExpiresAt, at(40));
    assert.deepEqual(record?.registeredAt, T0, "a heartbeat is not a registration");

    // Late: the lease lapsed at 40 s, but the instance never deregistered, so it may come back.
    assert.deepEqual(await ctx.db.registry.listLiveInstances(at(50)), []);
    assert.equal(await ctx.db.registry.renew("catalog-1", at(50), at(80)), true);
    assert.deepEqual((await ctx.db.registry.listLiveInstances(at(51))).map((i) => i.instanceId), ["catalog-1"]);

    assert.equal(await ctx.db.registry.renew("nobody", at(50), at(80)), false);
    assert.equal(await ctx.db.registry.deregister("catalog-1", at(60)), true);
    assert.equal(await ctx.db.registry.renew("catalog-1", at(61), at(90)), false, "deregistered: must register again");
    record = await ctx.db.registry.get("catalog-1");
    assert.deepEqual(record?.leaseExpiresAt, at(80), "a refused renewal changes nothing");
  });

  it("deregisters once; a deregistered instance is listed but never live", async () => {
    await register("catalog-1");
    assert.equal(await ctx.db.registry.deregister("nobody", at(1)), false);
    assert.equal(await ctx.db.registry.deregister("catalog-1", at(1)), true);
    assert.equal(await ctx.db.registry.deregister("catalog-1", at(2)), false);
    assert.deepEqual((await ctx.db.registry.get("catalog-1"))?.deregisteredAt, at(1));
    assert.deepEqual(await ctx.db.registry.listLiveInstances(at(2)), []);
    assert.deepEqual((await ctx.db.registry.listInstances()).map((i) => i.instanceId), ["catalog-1"]);
  });

  it("lists live instances by lease at the given time", async () => {
    await register("catalog-1", { leaseExpiresAt: at(10) });
    await register("catalog-2", { leaseExpiresAt: at(20) });
    const live = async (seconds: number) => (await ctx.db.registry.listLiveInstances(at(seconds))).map((i) => i.instanceId).sort();
    assert.deepEqual(await live(5), ["catalog-1", "catalog-2"]);
    assert.deepEqual(await live(10), ["catalog-2"], "a lease expiring exactly now is over");
    assert.deepEqual(await live(20), []);
  });

  it("lists instances by service, newest registration first", async () => {
    await register("catalog-old", { now: at(1) });
    await register("catalog-new", { now: at(2) });
    await register("ratings-1", { service: "ratings", now: at(3) });
    await register("api-1", { service: "api", now: at(0) });
    assert.deepEqual(
      (await ctx.db.registry.listInstances()).map((i) => i.instanceId),
      ["api-1", "catalog-new", "catalog-old", "ratings-1"],
    );
  });

  it("records services seen only in telemetry, idempotently and concurrently", async () => {
    await ctx.db.registry.ensureService("external");
    await ctx.db.registry.ensureService("external");
    await Promise.all([ctx.db.registry.ensureService("reviews", "v2"), ctx.db.registry.ensureService("reviews", "v2"), ctx.db.registry.ensureService("reviews", "v1")]);
    await Promise.all(Array.from({ length: 8 }, (_, i) => register(`reviews-${i}`, { service: "reviews", version: "v3" })));
    assert.deepEqual(await ctx.db.registry.listServices(), [
      { name: "external", versions: [] },
      { name: "reviews", versions: ["v1", "v2", "v3"] },
    ]);
  });
}
