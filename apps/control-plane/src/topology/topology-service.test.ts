// TopologyService with a real database: the reads behind a window are shared between calls until a
// write they read (rollups, edges, services) or their max age, and shared answers equal fresh ones.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, it } from "node:test";
import { LATENCY_BOUNDS_MS } from "@trellis/mesh-model";
import { openDatabase, type Database } from "../db/index";
import { TopologyService } from "./topology-service";

let dir = "";
let db: Database;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "trellis-topology-"));
  db = await openDatabase(`file:${path.join(dir, "topology.db")}`);
});
after(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

const row = (bucketStart: Date, count: number) => {
  const buckets = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
  buckets[3] = count;
  return { resolution: 10 as const, bucketStart, source: "web", destination: "api", destinationVersion: "v1", responseClass: "2xx" as const, outcome: "ok" as const, mtls: true, count, durationSumMs: count * 8, buckets };
};

it("shares the window's reads until something they read is written, with answers equal to fresh ones", async () => {
  const clock = Date.parse("2026-03-01T12:00:05Z");
  let reads = 0;
  const counted = { ...db, graphReads: { edgeTraffic: (...args: Parameters<Database["graphReads"]["edgeTraffic"]>) => (reads++, db.graphReads.edgeTraffic(...args)) } };
  const topology = new TopologyService({ db: counted, now: () => new Date(clock), retention10sMs: 3_600_000 });
  const fresh = new TopologyService({ db: counted, now: () => new Date(clock), retention10sMs: 3_600_000, readMaxAgeMs: 0 });
  await db.edges.touch([{ source: "web", destination: "api" }], new Date(clock));
  await db.rollups.add([row(new Date(clock - 5_000), 30)]);

  const first = await topology.graph("5m");
  assert.equal(first.edges.find((e) => e.id === "web->api")?.outcomes.ok, 30);
  const again = await Promise.all([topology.graph("5m"), topology.graph("5m")]);
  assert.equal(reads, 1, "one read for three calls");
  for (const g of again) assert.deepEqual(g, first);

  // An acknowledged write shows in the next answer.
  await db.rollups.add([row(new Date(clock - 5_000), 12)]);
  const after = await topology.graph("5m");
  assert.equal(reads, 2);
  assert.equal(after.edges.find((e) => e.id === "web->api")?.outcomes.ok, 42);
  assert.deepEqual(after, await fresh.graph("5m"));
  assert.equal(reads, 3);

  // A new service (registered or seen in telemetry) is a write the graph reads too.
  await db.registry.ensureService("billing", "v1");
  assert.ok((await topology.graph("5m")).nodes.some((n) => n.id === "billing"));
  assert.equal(reads, 4);
});
