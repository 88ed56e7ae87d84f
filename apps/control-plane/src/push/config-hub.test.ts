// ConfigHub with a real database: a subscriber that stops reading gets only the latest bundle once
// it reads again, never a queue of every revision; a change reaches only the sidecars it affects.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Bundle } from "@trellis/mesh-model";
import { openDatabase, type Database } from "../db/index";
import { memoryLogger } from "../log";
import { ConfigHub, type ConfigSink } from "./config-hub";

/** A transport whose reader can be paused: sends wait while `blocked` is set. */
class PausableSink implements ConfigSink {
  received: Bundle[] = [];
  private release: (() => void) | undefined;
  private blocked: Promise<void> | undefined;
  closed = false;

  pause() {
    this.blocked = new Promise((resolve) => (this.release = resolve));
  }
  resume() {
    this.release?.();
    this.blocked = undefined;
  }
  async send(bundle: Bundle) {
    await this.blocked;
    this.received.push(bundle);
  }
  keepAlive() {}
  close() {
    this.closed = true;
  }
}

let dir = "";
let db: Database;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "trellis-hub-"));
  db = await openDatabase(`file:${path.join(dir, "hub.db")}`);
});
after(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until(what: string, check: () => boolean) {
  for (let i = 0; i < 200 && !check(); i++) await sleep(10);
  assert.ok(check(), what);
}

it("a slow subscriber gets the first bundle, then only the latest revision", async () => {
  const now = new Date();
  await db.registry.register({ instanceId: "client-1", service: "client", version: "v1", host: "h", inboundPort: 1, labels: {}, now, leaseExpiresAt: new Date(now.getTime() + 60_000) });
  const hub = new ConfigHub({ db, now: () => new Date(), log: memoryLogger() });
  const sink = new PausableSink();
  hub.subscribe({ instanceId: "client-1", service: "client", version: "v1" }, sink);
  await until("the first bundle", () => sink.received.length === 1);

  sink.pause();
  hub.meshChanged();
  await sleep(50); // the pump is now stuck in send()
  let last = 0;
  for (let i = 0; i < 30; i++) {
    // Each change is one the sidecar must see: its own service's health check.
    const spec = { service: "client", healthCheck: { path: `/health-${i}` } };
    last = (await db.policies.save({ service: "client", spec, author: "test", message: `change ${i}`, now: new Date() })).revision;
    hub.meshChanged();
  }
  await sleep(100);
  sink.resume();
  await until("the latest revision", () => sink.received.at(-1)?.revision === last);
  assert.ok(sink.received.length <= 4, `received ${sink.received.map((b) => b.revision).join(", ")}`);
  const revisions = sink.received.map((b) => b.revision);
  assert.deepEqual(revisions, [...revisions].sort((a, b) => a - b), "revisions only go up");
  // The sent revision is recorded after the bundle went out (group-committed with other sidecars').
  let sentRevision: number | null | undefined;
  for (let i = 0; i < 200 && sentRevision !== last; i++) {
    sentRevision = (await db.configStatus.list()).find((s) => s.instanceId === "client-1")?.sentRevision;
    if (sentRevision !== last) await sleep(10);
  }
  assert.equal(sentRevision, last);

  assert.equal(hub.connectedInstanceIds().has("client-1"), true);
  await hub.close();
  assert.equal(sink.closed, true);
  assert.equal(hub.subscriberCount, 0);
});

it("a subscriber whose transport fails is dropped", async () => {
  const hub = new ConfigHub({ db, now: () => new Date(), log: memoryLogger() });
  let closed = false;
  hub.subscribe(
    { instanceId: "client-1", service: "client", version: "v1" },
    { send: async () => Promise.reject(new Error("socket gone")), keepAlive() {}, close: () => void (closed = true) },
  );
  await until("the failing subscriber to be dropped", () => hub.subscriberCount === 0);
  assert.equal(closed, true);
  await hub.close();
});

it("pushes a change only to the sidecars whose bundle it changes", async () => {
  const now = new Date();
  const lease = new Date(now.getTime() + 60_000);
  for (const [instanceId, service] of [["client-1", "client"], ["catalog-1", "catalog"]] as const) {
    await db.registry.register({ instanceId, service, version: "v1", host: "h", inboundPort: 1, labels: {}, now, leaseExpiresAt: lease });
  }
  const hub = new ConfigHub({ db, now: () => new Date(), log: memoryLogger() });
  const client = new PausableSink();
  const catalog = new PausableSink();
  hub.subscribe({ instanceId: "client-1", service: "client", version: "v1" }, client);
  hub.subscribe({ instanceId: "catalog-1", service: "catalog", version: "v1" }, catalog);
  await until("first bundles", () => client.received.length === 1 && catalog.received.length === 1);
  const first = catalog.received[0]!.revision;

  // Calls to catalog change: its callers get a new bundle, catalog's own sidecar does not.
  const retry = await db.policies.save({ service: "catalog", spec: { service: "catalog", retry: { attempts: 3 } }, author: "t", message: "retry", now });
  hub.meshChanged();
  await until("the caller's new bundle", () => client.received.length === 2);
  assert.equal(client.received[1]!.revision, retry.revision);
  assert.equal(client.received[1]!.services["catalog"]?.routes[0]?.retry.attempts, 3);
  // A bare bump (nothing changed for anyone) is not pushed either.
  await db.revisions.bump("nothing");
  hub.meshChanged();
  await sleep(100);
  assert.equal(catalog.received.length, 1);
  assert.equal(client.received.length, 2);
  assert.deepEqual(Object.fromEntries(hub.connectedRevisions()), { "client-1": retry.revision, "catalog-1": first });

  // Its health check changes: now catalog's own sidecar is concerned (and its callers, who see the same service).
  const health = await db.policies.save({ service: "catalog", spec: { service: "catalog", retry: { attempts: 3 }, healthCheck: { path: "/ready" } }, author: "t", message: "hc", now });
  hub.meshChanged();
  await until("catalog's own new bundle", () => catalog.received.length === 2 && client.received.length === 3);
  assert.equal(catalog.received[1]!.localHealthCheck.path, "/ready");
  assert.equal(catalog.received[1]!.revision, health.revision);
  await hub.close();
});

it("streams that open after a mesh read get the shared bundle without reading the mesh; back-to-back changes are read together", async () => {
  const now = new Date();
  const lease = new Date(now.getTime() + 60_000);
  await db.registry.register({ instanceId: "catalog-1", service: "catalog", version: "v1", host: "h", inboundPort: 1, labels: {}, now, leaseExpiresAt: lease });
  let reads = 0;
  const counted = { ...db, registry: { ...db.registry, listLiveInstances: (cutoff: Date) => (reads++, db.registry.listLiveInstances(cutoff)) } };
  const hub = new ConfigHub({ db: counted, now: () => new Date(), log: memoryLogger() });
  const first = new PausableSink();
  hub.subscribe({ instanceId: "client-0", service: "client", version: "v1" }, first);
  await until("the first bundle", () => first.received.length === 1);
  assert.equal(reads, 1);
  assert.deepEqual(hub.liveInstance("catalog-1"), { instanceId: "catalog-1", service: "catalog", version: "v1" });
  assert.equal(hub.liveInstance("nobody"), undefined);

  const sinks = Array.from({ length: 20 }, () => new PausableSink());
  sinks.forEach((sink, i) => hub.subscribe({ instanceId: `client-${i + 1}`, service: "client", version: "v1" }, sink));
  await until("every stream's bundle", () => sinks.every((s) => s.received.length === 1));
  assert.equal(reads, 1, "no mesh read for streams opening after one");
  assert.ok(sinks.every((s) => s.received[0] === first.received[0]), "one bundle object for one (service, version)");

  // Twenty registrations back to back, each a new revision: far fewer reads than changes, and the
  // last state reaches the streams.
  await Promise.all(
    Array.from({ length: 20 }, async (_, k) => {
      const i = k + 2;
      await db.registry.register({ instanceId: `catalog-${i}`, service: "catalog", version: "v1", host: "h", inboundPort: i, labels: {}, now, leaseExpiresAt: lease });
      await db.revisions.bump(`registered catalog-${i}`);
      hub.meshChanged();
    }),
  );
  await until("all 21 catalog endpoints", () => first.received.at(-1)?.services["catalog"]?.endpoints.length === 21);
  assert.ok(reads <= 10, `${reads} mesh reads for 20 changes`);
  await hub.close();
});
