// Acknowledged means durable: the real control plane takes many concurrent OTLP exports, is killed
// with SIGKILL at a random moment mid-stream, restarts on the same database, and every export that got
// a 200 must be fully present in the rollups (and none counted more than it sent). SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { ZGraphResponse, type GraphResponse } from "@trellis/mesh-model";
import { bucketsWith, metricsExport } from "../../apps/control-plane/fixtures/otlp-exports";
import { startPostgres, type TestPostgres } from "../support/postgres";
import { startProcess, type Started } from "../support/processes";

const WORKERS = 24;
/** Points per export (one per response class and outcome), so that writes take long enough for a kill to land among them. */
const LABELS = ["1xx", "2xx", "3xx", "4xx", "5xx"].flatMap((responseClass) => ["ok", "retried", "timed_out", "error"].map((outcome) => ({ responseClass, outcome })));
const MAX_EXPORTS = 2000;
const SOURCE = "kill9-source";
/** A bootstrap API token, for when the graph API asks operators for credentials. */
const TOKEN = randomBytes(24).toString("base64url");

/** Each export is one edge of its own (SOURCE -> d-<n>) carrying a count only it has. */
const destination = (n: number) => `d-${n}`;
const countOf = (n: number) => (n % 7) + 1;
/** What export n sent in all. */
const totalOf = (n: number) => LABELS.length * countOf(n);

function startControlPlane(databaseUrl: string): Promise<Started> {
  return startProcess({
    name: "control-plane",
    entry: "apps/control-plane/src/main.ts",
    args: ["--api-port", "0", "--otlp-http-port", "0", "--otlp-grpc-port", "0", "--database-url", databaseUrl, "--max-otlp-in-flight", "1000"],
    env: { TRELLIS_API_TOKEN: TOKEN },
    timeoutMs: 60_000,
  });
}

interface StreamResult {
  acked: Set<number>;
  /** Exports that failed (connection reset by the kill); they may or may not have been stored. */
  unknown: Set<number>;
}

/** Sends exports from WORKERS concurrent clients until the process dies; kills it after a random number of ACKs plus a random delay. */
async function exportUntilKilled(cp: Started, killAfterAcks: number, killDelayMs: number): Promise<StreamResult> {
  const url = `http://127.0.0.1:${Number(cp.listening.otlpHttpPort)}/v1/metrics`;
  const acked = new Set<number>();
  const unknown = new Set<number>();
  let next = 0;
  let killed = false;
  const kill = () => {
    if (killed) return;
    killed = true;
    setTimeout(() => cp.child.kill("SIGKILL"), killDelayMs);
  };
  const worker = async () => {
    while (next < MAX_EXPORTS && cp.child.exitCode === null && cp.child.signalCode === null) {
      const n = next++;
      const body = metricsExport({ service: SOURCE, temporality: "delta", points: LABELS.map((labels, i) => ({ destination: destination(n), ...labels, buckets: bucketsWith(countOf(n), (n + i) % 14), timeMs: Date.now() })) });
      try {
        const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        if (res.status === 200) acked.add(n);
        else unknown.add(n);
      } catch {
        unknown.add(n);
      }
      if (acked.size >= killAfterAcks) kill();
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
  assert.ok(killed, `the stream ended (${MAX_EXPORTS} exports) before ${killAfterAcks} ACKs`);
  if (cp.child.exitCode === null && cp.child.signalCode === null) await new Promise((r) => cp.child.once("exit", r));
  assert.equal(cp.child.signalCode, "SIGKILL");
  return { acked, unknown };
}

async function graph(cp: Started, window: string): Promise<GraphResponse> {
  const res = await fetch(`http://127.0.0.1:${Number(cp.listening.apiPort)}/api/v1/graph?window=${window}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.status, 200);
  return ZGraphResponse.parse(await res.json());
}

/** Requests stored per export number, read from the graph of the restarted process. */
function storedCounts(g: GraphResponse): Map<number, number> {
  const out = new Map<number, number>();
  for (const e of g.edges) {
    if (e.source !== SOURCE) continue;
    const total = Object.values(e.outcomes).reduce((a, b) => a + b, 0);
    out.set(Number(e.target.slice(2)), total);
  }
  return out;
}

async function killAndCheck(databaseUrl: string, report: (message: string) => void): Promise<void> {
  const first = await startControlPlane(databaseUrl);
  let second: Started | undefined;
  try {
    // A random moment: after 20..300 ACKs, plus 0..30 ms.
    const killAfterAcks = 20 + Math.floor(Math.random() * 280);
    const { acked, unknown } = await exportUntilKilled(first, killAfterAcks, Math.floor(Math.random() * 30));
    report(`killed after ${acked.size} acknowledged exports (${acked.size * LABELS.length} points); ${unknown.size} cut off`);
    assert.ok(unknown.size > 0, "the kill landed mid-stream (some exports were cut off)");

    second = await startControlPlane(databaseUrl);
    // Both resolutions: 10 s cells (5 min window) and 60 s cells (past an hour).
    for (const window of ["5m", "2h"]) {
      const stored = storedCounts(await graph(second, window));
      const missing = [...acked].filter((n) => stored.get(n) !== totalOf(n));
      assert.deepEqual(missing.map((n) => ({ n, sent: totalOf(n), stored: stored.get(n) ?? 0 })), [], `window ${window}: acknowledged exports lost or short`);
      for (const [n, count] of stored) {
        assert.ok(acked.has(n) || unknown.has(n), `window ${window}: d-${n} stored but never sent`);
        assert.ok(count <= totalOf(n), `window ${window}: d-${n} stored ${count} > sent ${totalOf(n)}`);
      }
    }
  } finally {
    await second?.stop();
    await first.stop("SIGKILL");
  }
}

describe("kill -9 of the control plane loses no acknowledged export", { timeout: 240_000 }, () => {
  let pg: TestPostgres | undefined;
  const dirs: string[] = [];
  after(async () => {
    await pg?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("on SQLite (a file database)", async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), "trellis-kill9-"));
    dirs.push(dir);
    await killAndCheck(`file:${path.join(dir, "cp.db")}`, (m) => t.diagnostic(m));
  });

  it("on PostgreSQL", async (t) => {
    pg = await startPostgres();
    await killAndCheck(pg.url, (m) => t.diagnostic(m));
  });
});
