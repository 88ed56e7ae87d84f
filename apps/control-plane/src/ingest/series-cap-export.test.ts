// The series cap seen from outside: exports past it get a partial success naming the cap, the graph
// holds only the admitted series, /healthz shows used/cap/rejected, and a restart keeps counting the
// series already stored.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { bucketsWith, metricsExport } from "../../fixtures/otlp-exports";
import { postJson, startTestControlPlane } from "../../fixtures/test-control-plane";

describe("series cardinality cap", { timeout: 60_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "trellis-series-cap-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const args = ["--max-series", "3", "--database-url", `file:${path.join(dir, "cp.db")}`];
  const healthSeries = async (api: string) => ((await (await fetch(`${api}/healthz`)).json()) as { ingest: { series: unknown } }).ingest.series;

  it("refuses points of new series past the cap, says so, and keeps counting after a restart", async () => {
    const first = await startTestControlPlane({ args });
    try {
      const timeMs = Date.now();
      // Four series: three destinations, and a second outcome on the first.
      const points = [
        { destination: "a", buckets: bucketsWith(1), timeMs },
        { destination: "b", buckets: bucketsWith(2), timeMs },
        { destination: "a", outcome: "error", responseClass: "5xx", buckets: bucketsWith(3), timeMs },
        { destination: "c", buckets: bucketsWith(4), timeMs },
      ];
      const res = await postJson(`${first.otlp}/v1/metrics`, metricsExport({ service: "caller", temporality: "delta", points }));
      assert.equal(res.status, 200);
      const body = (await res.json()) as { partialSuccess: { rejectedDataPoints: number; errorMessage: string } };
      assert.equal(body.partialSuccess.rejectedDataPoints, 1, "the fourth series' histogram point (its counter follows the histogram)");
      assert.match(body.partialSuccess.errorMessage, /series cap \(3 distinct/);
      assert.deepEqual(await healthSeries(first.api), { used: 3, cap: 3, rejectedPoints: 1 });

      // Known series still get through; a new one does not.
      const again = await postJson(`${first.otlp}/v1/metrics`, metricsExport({ service: "caller", temporality: "delta", points: [points[0]!, { destination: "d", buckets: bucketsWith(5), timeMs }] }));
      assert.equal(((await again.json()) as { partialSuccess: { rejectedDataPoints: number } }).partialSuccess.rejectedDataPoints, 1);
      const cells = await first.cp.db.rollups.aggregate(10, new Date(timeMs - 60_000), new Date(timeMs + 60_000));
      const total = (destination: string) => cells.filter((c) => c.destination === destination).reduce((sum, c) => sum + c.count, 0);
      assert.deepEqual([total("a"), total("b"), total("c"), total("d")], [5, 2, 0, 0]);
    } finally {
      await first.close();
    }

    const second = await startTestControlPlane({ args });
    try {
      assert.deepEqual(await healthSeries(second.api), { used: 3, cap: 3, rejectedPoints: 0 }, "the stored series count after a restart");
      const res = await postJson(`${second.otlp}/v1/metrics`, metricsExport({ service: "caller", temporality: "delta", points: [{ destination: "e", buckets: bucketsWith(1), timeMs: Date.now() }] }));
      assert.equal(((await res.json()) as { partialSuccess: { rejectedDataPoints: number } }).partialSuccess.rejectedDataPoints, 1);
    } finally {
      await second.close();
    }
  });
});
