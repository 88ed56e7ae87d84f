// Contract: rolled-up request metrics and the edges of the service graph.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BUCKETS, T0, at, rollup, type SharedDatabase } from "./fixture";

export function telemetryContract(ctx: SharedDatabase): void {
  describe("rollups", () => {
    const oneBucket = (index: number, n = 1) => Array.from({ length: BUCKETS }, (_, i) => (i === index ? n : 0));

    it("merges rows of the same key, within one batch and across batches", async () => {
      await ctx.db.rollups.add([rollup({ count: 2, durationSumMs: 3, buckets: oneBucket(0, 2) }), rollup({ count: 1, durationSumMs: 7.25, buckets: oneBucket(13) })]);
      await ctx.db.rollups.add([rollup({ count: 4, durationSumMs: 0.5, buckets: oneBucket(0, 4) })]);
      const [cell, ...rest] = await ctx.db.rollups.aggregate(10, T0, at(10));
      assert.deepEqual(rest, []);
      assert.deepEqual(cell, {
        source: "frontend",
        destination: "catalog",
        destinationVersion: "v1",
        responseClass: "2xx",
        outcome: "ok",
        mtls: true,
        count: 7,
        durationSumMs: 10.75,
        buckets: [6, ...Array.from({ length: BUCKETS - 2 }, () => 0), 1],
      });
    });

    it("keeps label sets apart and sums a window [from, to) of one resolution", async () => {
      await ctx.db.rollups.add([
        rollup({ bucketStart: at(-10), count: 100 }), // before the window
        rollup({ bucketStart: at(0), count: 1 }),
        rollup({ bucketStart: at(10), count: 2 }),
        rollup({ bucketStart: at(20), count: 1000 }), // at `to`: excluded
        rollup({ bucketStart: at(10), count: 5, responseClass: "5xx", outcome: "retried" }),
        rollup({ bucketStart: at(10), count: 6, mtls: false }),
        rollup({ bucketStart: at(10), count: 7, destinationVersion: "v2" }),
        rollup({ resolution: 60, bucketStart: at(0), count: 10_000 }),
      ]);
      const window = await ctx.db.rollups.aggregate(10, at(0), at(20));
      assert.deepEqual(
        window.map((c) => [c.destinationVersion, c.responseClass, c.outcome, c.mtls, c.count]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
        [
          ["v1", "2xx", "ok", false, 6],
          ["v1", "2xx", "ok", true, 3],
          ["v1", "5xx", "retried", true, 5],
          ["v2", "2xx", "ok", true, 7],
        ],
      );
      assert.deepEqual((await ctx.db.rollups.aggregate(60, at(0), at(60))).map((c) => c.count), [10_000]);
      assert.deepEqual(await ctx.db.rollups.aggregate(10, at(100), at(200)), []);
    });

    it("writes large batches (more rows than one statement carries) in one call", async () => {
      const rows = Array.from({ length: 1500 }, (_, i) => rollup({ bucketStart: at((i % 30) * 10), destination: `svc-${i % 50}`, count: 1 }));
      await ctx.db.rollups.add([...rows, ...rows]);
      const cells = await ctx.db.rollups.aggregate(10, at(0), at(300));
      assert.equal(cells.length, 50);
      assert.equal(cells.reduce((sum, c) => sum + c.count, 0), 3000);
      assert.deepEqual(new Set(cells.map((c) => c.count)), new Set([60]));
    });

    it("adds nothing for an empty batch, and refuses a batch with a malformed row", async () => {
      await ctx.db.rollups.add([]);
      await assert.rejects(ctx.db.rollups.add([rollup({ buckets: [1, 2, 3] })]), RangeError);
      await assert.rejects(ctx.db.rollups.add([rollup(), rollup({ count: 1.5 })]), RangeError, "the whole batch is refused");
      await assert.rejects(ctx.db.rollups.add([rollup({ buckets: oneBucket(1, -1) })]), RangeError);
      assert.deepEqual(await ctx.db.rollups.aggregate(10, at(-1000), at(1000)), []);
    });

    it("deletes rows of one resolution older than a cutoff", async () => {
      await ctx.db.rollups.add([
        rollup({ bucketStart: at(0) }),
        rollup({ bucketStart: at(10) }),
        rollup({ bucketStart: at(20) }),
        rollup({ resolution: 60, bucketStart: at(0) }),
      ]);
      assert.equal(await ctx.db.rollups.deleteBefore(10, at(20)), 2);
      assert.equal(await ctx.db.rollups.deleteBefore(10, at(20)), 0);
      assert.deepEqual((await ctx.db.rollups.aggregate(10, at(0), at(30))).map((c) => c.count), [1]);
      assert.deepEqual((await ctx.db.rollups.aggregate(60, at(0), at(60))).map((c) => c.count), [1]);
    });
  });

  describe("export digests and series pruning", () => {
    const cellOf = (destination: string, count: number) => ({
      source: "frontend",
      destination,
      destinationVersion: "v1",
      responseClass: "2xx" as const,
      outcome: "ok" as const,
      mtls: true,
      bucket10Ms: T0.getTime(),
      bucket60Ms: T0.getTime(),
      count,
      durationSumMs: 0,
      buckets: Array.from({ length: BUCKETS }, (_, i) => (i === 0 ? count : 0)),
    });
    const countOf = async (destination: string) =>
      (await ctx.db.rollups.aggregate(10, at(0), at(10))).filter((c) => c.destination === destination).reduce((sum, c) => sum + c.count, 0);

    it("writes an export with a digest once: a repeat, later or in the same group, is not written", async () => {
      assert.deepEqual(await ctx.db.rollups.addExports([{ digest: "d1", cells: [cellOf("digest-a", 1)] }], at(0)), [true]);
      assert.deepEqual(
        await ctx.db.rollups.addExports(
          [
            { digest: "d1", cells: [cellOf("digest-a", 1)] }, // a retry of the first
            { digest: "d2", cells: [cellOf("digest-a", 10)] },
            { digest: "d2", cells: [cellOf("digest-a", 10)] }, // the same export twice in one group
            { cells: [cellOf("digest-a", 100)] }, // no digest: always written
          ],
          at(1),
        ),
        [false, true, false, true],
      );
      assert.equal(await countOf("digest-a"), 111);
    });

    it("forgets digests written before a cutoff, after which the same digest is written again", async () => {
      await ctx.db.rollups.addExports([{ digest: "old", cells: [cellOf("digest-b", 1)] }], at(0));
      await ctx.db.rollups.addExports([{ digest: "new", cells: [cellOf("digest-b", 2)] }], at(100));
      assert.equal(await ctx.db.rollups.forgetDigests(at(50)), 1);
      assert.deepEqual(await ctx.db.rollups.addExports([{ digest: "old", cells: [cellOf("digest-b", 4)] }, { digest: "new", cells: [cellOf("digest-b", 8)] }], at(101)), [true, false]);
      assert.equal(await countOf("digest-b"), 7);
    });

    it("prunes series ids not used since a cutoff; their label sets are stored under new ids when used again", async () => {
      await ctx.db.rollups.addCells([cellOf("prune-a", 1), cellOf("prune-b", 2)]);
      assert.equal(await ctx.db.rollups.pruneSeries(new Date(Date.now() - 60_000)), 0, "ids used a moment ago stay");
      await ctx.db.rollups.foldPending();
      assert.equal(await ctx.db.rollups.pruneSeries(new Date(Date.now() + 60_000)), 2);
      assert.equal(await ctx.db.rollups.pruneSeries(new Date(Date.now() + 60_000)), 0);
      // The rollups themselves are the retention sweep's business: pruning ids leaves them as they are.
      assert.equal(await countOf("prune-a"), 1);
      await ctx.db.rollups.addCells([cellOf("prune-a", 5)]);
      assert.equal(await countOf("prune-a"), 6, "a pruned label set is written under a new id and folded");
      assert.equal(await countOf("prune-b"), 2);
    });
  });

  describe("rollup coverage", () => {
    it("gives the earliest bucket still stored per resolution, or null", async () => {
      assert.equal(await ctx.db.rollups.earliestBucket(10), null);
      await ctx.db.rollups.add([rollup({ bucketStart: at(30) }), rollup({ bucketStart: at(10), destination: "other" }), rollup({ resolution: 60, bucketStart: at(60) })]);
      assert.deepEqual(await ctx.db.rollups.earliestBucket(10), at(10));
      assert.deepEqual(await ctx.db.rollups.earliestBucket(60), at(60));
      await ctx.db.rollups.deleteBefore(10, at(20));
      assert.deepEqual(await ctx.db.rollups.earliestBucket(10), at(30), "retention moves the coverage's start");
    });

    it("lists the distinct series with a minute bucket since a time", async () => {
      await ctx.db.rollups.add([
        rollup({ resolution: 60, bucketStart: at(0), count: 3 }),
        rollup({ resolution: 60, bucketStart: at(60), count: 4 }), // same series, another minute
        rollup({ resolution: 60, bucketStart: at(60), outcome: "error", responseClass: "5xx", mtls: false }),
        rollup({ resolution: 60, bucketStart: at(-60), destination: "old" }), // before `since`
        rollup({ resolution: 10, bucketStart: at(60), destination: "fine-only" }),
      ]);
      const series = await ctx.db.rollups.recentSeries(at(0));
      const base = { source: "frontend", destination: "catalog", destinationVersion: "v1" };
      assert.deepEqual(
        series.sort((a, b) => a.outcome.localeCompare(b.outcome)),
        [
          { ...base, responseClass: "5xx", outcome: "error", mtls: false },
          { ...base, responseClass: "2xx", outcome: "ok", mtls: true },
        ],
      );
    });
  });

  describe("edges", () => {
    it("upserts edges, widening first/last seen whatever order batches arrive in", async () => {
      await ctx.db.edges.touch([{ source: "frontend", destination: "catalog" }, { source: "frontend", destination: "catalog" }], at(10));
      await ctx.db.edges.touch([{ source: "catalog", destination: "reviews" }, { source: "frontend", destination: "catalog" }], at(20));
      await ctx.db.edges.touch([{ source: "frontend", destination: "catalog" }], at(5));
      await ctx.db.edges.touch([], at(30));
      assert.deepEqual(await ctx.db.edges.list(), [
        { source: "catalog", destination: "reviews", firstSeenAt: at(20), lastSeenAt: at(20) },
        { source: "frontend", destination: "catalog", firstSeenAt: at(5), lastSeenAt: at(20) },
      ]);
    });
  });
}
