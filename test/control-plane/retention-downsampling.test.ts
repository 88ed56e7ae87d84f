// Bounded history on SQLite and PostgreSQL: every observation lands in a 10 s and a 60 s cell (the
// minute cells are the 10 s ones summed), each resolution is deleted past its own retention, and a
// late point already past the 10 s retention is kept at minute resolution only.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { Resolution, RollupAggregate } from "../../apps/control-plane/src/db/repositories";
import { bucketsWith, metricsExport } from "../../apps/control-plane/fixtures/otlp-exports";
import { postJson, startTestControlPlane, type TestControlPlane } from "../../apps/control-plane/fixtures/test-control-plane";
import { startPostgres, type TestPostgres } from "../support/postgres";

const T0 = Date.parse("2026-02-01T10:00:00Z");
const H = 3_600_000;

const total = (cells: RollupAggregate[]) => cells.reduce((sum, c) => sum + c.count, 0);

async function cells(t: TestControlPlane, resolution: Resolution, fromMs: number, toMs: number): Promise<RollupAggregate[]> {
  return t.cp.db.rollups.aggregate(resolution, new Date(fromMs), new Date(toMs));
}

async function scenario(args: string[]): Promise<void> {
  let clock = T0 + 3 * 60_000;
  const t = await startTestControlPlane({ now: () => new Date(clock), args: ["--retention-10s", "1h", "--retention-1m", "1d", ...args] });
  try {
    // Three minutes of traffic, one export every 10 s, i + 1 requests in the i-th.
    for (let i = 0; i < 18; i++) {
      const res = await postJson(`${t.otlp}/v1/metrics`, metricsExport({ service: "web", temporality: "delta", points: [{ destination: "api", buckets: bucketsWith(i + 1), timeMs: T0 + i * 10_000 + 5_000 }] }));
      assert.equal(res.status, 200);
    }
    for (let m = 0; m < 3; m++) {
      const from = T0 + m * 60_000;
      const fine = await cells(t, 10, from, from + 60_000);
      const coarse = await cells(t, 60, from, from + 60_000);
      assert.equal(total(coarse), total(fine), `minute ${m}: the 60 s cell sums its six 10 s cells`);
      assert.equal(total(fine), [1, 2, 3, 4, 5, 6].reduce((a, b) => a + b + 6 * m, 0));
      assert.deepEqual(coarse[0]?.buckets, fine[0]?.buckets);
    }

    // Two hours later: the 10 s cells are past their retention, the minute cells are not.
    clock = T0 + 2 * H;
    // A late point from 90 minutes ago: past the 10 s retention already, kept at minute resolution.
    const late = T0 + 30 * 60_000 + 1_000;
    assert.equal((await postJson(`${t.otlp}/v1/metrics`, metricsExport({ service: "web", temporality: "delta", points: [{ destination: "api", buckets: bucketsWith(7), timeMs: late }] }))).status, 200);
    assert.equal(total(await cells(t, 10, late - 60_000, late + 60_000)), 0);
    assert.equal(total(await cells(t, 60, late - 60_000, late + 60_000)), 7);

    const swept = await t.cp.ingest.sweepRetention();
    assert.equal(swept.deleted10s, 18);
    assert.equal(swept.deleted1m, 0);
    assert.equal(total(await cells(t, 10, T0, T0 + 3 * 60_000)), 0);
    assert.equal(total(await cells(t, 60, T0, T0 + 3 * 60_000)), 171, "1 + 2 + ... + 18");

    // A day and a bit later the minute cells go too.
    clock = T0 + 25 * H;
    const { deleted10s, deleted1m } = await t.cp.ingest.sweepRetention();
    assert.deepEqual({ deleted10s, deleted1m }, { deleted10s: 0, deleted1m: 4 });
    assert.equal(total(await cells(t, 60, T0 - H, T0 + 2 * H)), 0);
  } finally {
    await t.close();
  }
}

describe("retention and downsampling", { timeout: 120_000 }, () => {
  let pg: TestPostgres | undefined;
  after(async () => pg?.stop());

  it("on SQLite", async () => {
    await scenario([]);
  });

  it("on PostgreSQL", async () => {
    pg = await startPostgres();
    await scenario(["--database-url", pg.url]);
  });
});
