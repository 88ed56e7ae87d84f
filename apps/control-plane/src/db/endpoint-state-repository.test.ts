// The endpoint-state repository against real SQLite and PostgreSQL: upserts keep the newest report's
// state whatever order reports commit in, ejections add up per row and per minute, old rows expire.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPostgres, type TestPostgres } from "../../../../test/support/postgres";
import { openDatabase, type Database, type EndpointStateReport } from "./index";

const T0 = new Date("2026-03-01T12:00:00.000Z");
const at = (s: number) => new Date(T0.getTime() + s * 1000);

function report(overrides: Partial<EndpointStateReport> = {}): EndpointStateReport {
  return {
    service: "reviews",
    endpoint: "reviews-v2-1",
    reporter: "frontend-1",
    reporterService: "frontend",
    state: "open",
    reason: "consecutive_5xx",
    since: at(0),
    healthy: true,
    ejections: 1,
    reportedAt: at(1),
    ...overrides,
  };
}

function endpointStateContract(open: () => Promise<Database>): void {
  let db: Database;
  before(async () => {
    db = await open();
  });
  after(async () => {
    await db?.close();
  });

  it("stores a report and adds ejections; a later report replaces the state, an older one only adds its ejections", async () => {
    await db.endpointStates.record([report()]);
    await db.endpointStates.record([report({ state: "half-open", reason: "ejection_time_over", since: at(30), ejections: 0, reportedAt: at(31) })]);
    // Committed late (another replica's export), older than what is stored.
    await db.endpointStates.record([report({ state: "open", reason: "half_open_failure", since: at(2), ejections: 2, reportedAt: at(3), healthy: false })]);
    const [row, ...rest] = await db.endpointStates.list("reviews");
    assert.equal(rest.length, 0);
    assert.deepEqual(row, {
      service: "reviews",
      endpoint: "reviews-v2-1",
      reporter: "frontend-1",
      reporterService: "frontend",
      state: "half-open",
      reason: "ejection_time_over",
      since: at(30),
      healthy: true,
      ejectionsTotal: 3,
      lastEjectionAt: at(3),
      reportedAt: at(31),
    });
    assert.deepEqual(await db.endpointStates.list("catalog"), []);
  });

  it("counts ejections per minute for the window, per reporter, and merges reports of one key in one batch", async () => {
    await db.endpointStates.record([
      report({ service: "ratings", reporter: "a", ejections: 2, reportedAt: at(10) }),
      report({ service: "ratings", reporter: "a", ejections: 1, reportedAt: at(20), state: "closed", reason: "half_open_success", since: null, healthy: null }),
      report({ service: "ratings", reporter: "b", ejections: 1, reportedAt: at(130) }),
      report({ service: "ratings", reporter: "c", ejections: 0, reportedAt: at(130) }),
    ]);
    const rows = await db.endpointStates.list("ratings");
    assert.deepEqual(rows.map((r) => [r.reporter, r.state, r.ejectionsTotal, r.since, r.healthy]), [["a", "closed", 3, null, null], ["b", "open", 1, at(0), true], ["c", "open", 0, at(0), true]]);
    const count = async (from: Date) => (await db.endpointStates.ejectionsSince("ratings", from)).sort((x, y) => x.reporter.localeCompare(y.reporter)).map((e) => [e.reporter, e.count]);
    assert.deepEqual(await count(at(0)), [["a", 3], ["b", 1]]);
    assert.deepEqual(await count(at(60)), [["b", 1]]);
    assert.ok((await db.endpointStates.keys()).includes("ratings\u0000reviews-v2-1\u0000c"));
  });

  it("deletes views and ejection minutes older than the cutoff", async () => {
    await db.endpointStates.record([report({ service: "old", reportedAt: at(-3600) }), report({ service: "old", reporter: "fresh", reportedAt: at(100) })]);
    const deleted = await db.endpointStates.deleteBefore(at(0));
    assert.ok(deleted >= 2, `deleted ${deleted}`);
    assert.deepEqual((await db.endpointStates.list("old")).map((r) => r.reporter), ["fresh"]);
    assert.deepEqual((await db.endpointStates.ejectionsSince("old", at(-7200))).map((e) => e.reporter), ["fresh"]);
  });
}

describe("endpoint-state repository: SQLite", { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-endpoint-state-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  endpointStateContract(() => openDatabase(`file:${join(dir, "trellis.db")}`));
});

describe("endpoint-state repository: PostgreSQL", { timeout: 240_000 }, () => {
  let server: TestPostgres | undefined;
  after(async () => {
    await server?.stop();
  });
  endpointStateContract(async () => {
    server = await startPostgres();
    return openDatabase(await server.createDatabase("endpoint_state"));
  });
});
