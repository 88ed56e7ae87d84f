// The retention sweep on a real SQLite file: rollups past retention go, then the series ids left without
// rollups (RollupSeries would otherwise grow forever), and the export digests past their window.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { bucketsWith, metricsExport } from "../../fixtures/otlp-exports";
import { openDatabase } from "../db/index";
import { parseDatabaseUrl } from "../db/database-url";
import { createPrismaClient } from "../db/prisma-client";
import { SERIES_ID_REFRESH_MS } from "../db/rollup-repository";
import { memoryLogger } from "../log";
import { DIGEST_WINDOW_MS, exportDigest } from "./export-digests";
import { IngestService } from "./ingest-service";
import { decodeMetricsRequest, encodeMetricsRequest } from "./otlp-proto";

describe("retention sweep", { timeout: 60_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "trellis-retention-sweep-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("deletes rollups past retention, then the series ids without rollups, and digests past their window", async () => {
    const url = `file:${path.join(dir, "cp.db")}`;
    const db = await openDatabase(url);
    const raw = createPrismaClient(parseDatabaseUrl(url));
    const HOUR = 3_600_000;
    let nowMs = Date.now();
    const ingest = new IngestService({ db, now: () => new Date(nowMs), log: memoryLogger("warn"), retention10sMs: HOUR, retention1mMs: 2 * HOUR, startedAt: new Date(0), maxStandingLoopLagMs: 0 });
    const count = async (table: string) => Number(((await raw.$queryRawUnsafe<{ n: unknown }[]>(`SELECT COUNT(*) AS n FROM "${table}"`))[0]!.n));
    try {
      const body = encodeMetricsRequest(metricsExport({ service: "caller", temporality: "delta", points: [{ destination: "a", buckets: bucketsWith(1), timeMs: nowMs }, { destination: "b", buckets: bucketsWith(2), timeMs: nowMs }] }));
      assert.equal(await ingest.metrics(decodeMetricsRequest(body), false, exportDigest(body)), undefined);
      await ingest.flush();
      assert.deepEqual([await count("RollupSeries"), await count("ExportDigest")], [2, 1]);

      // Within every window: nothing goes.
      assert.deepEqual(await ingest.sweepRetention(), { deleted10s: 0, deleted1m: 0, prunedSeries: 0, forgottenDigests: 0 });
      // Past the digest window and both retentions, but the ids may still be cached by a writer: rollups and the digest go, the ids stay.
      nowMs += Math.max(DIGEST_WINDOW_MS, 2 * HOUR + 60_000);
      const swept = await ingest.sweepRetention();
      assert.deepEqual(swept, { deleted10s: 2, deleted1m: 2, prunedSeries: 0, forgottenDigests: 1 });
      assert.deepEqual([await count("Rollup"), await count("RollupSeries"), await count("ExportDigest")], [0, 2, 0]);
    } finally {
      await raw.$disconnect();
      await db.close();
    }
    // The ids' usedAt is the real clock's (the repository stamps them): a sweep whose clock is past the longest
    // retention plus twice the refresh interval from then prunes them.
    const later = await openDatabase(url);
    const raw2 = createPrismaClient(parseDatabaseUrl(url));
    try {
      const sweep = (atMs: number) => new IngestService({ db: later, now: () => new Date(atMs), log: memoryLogger("warn"), retention10sMs: HOUR, retention1mMs: 2 * HOUR, startedAt: new Date(0), maxStandingLoopLagMs: 0 }).sweepRetention();
      assert.equal((await sweep(Date.now() + 2 * HOUR + 2 * SERIES_ID_REFRESH_MS - 60_000)).prunedSeries, 0);
      assert.equal((await sweep(Date.now() + 2 * HOUR + 2 * SERIES_ID_REFRESH_MS + 60_000)).prunedSeries, 2);
      assert.equal(Number((await raw2.$queryRawUnsafe<{ n: unknown }[]>(`SELECT COUNT(*) AS n FROM "RollupSeries"`))[0]!.n), 0);
    } finally {
      await raw2.$disconnect();
      await later.close();
    }
  });
});
