// The graph API at the scale the issue names: 1,000 services and 3,000 edges of rolled-up traffic in a
// real database (SQLite and PostgreSQL), served over HTTP with the right numbers. Timings belong to
// the benchmark (npm run bench:ingest); the bound here is only a generous guard.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { LATENCY_BOUNDS_MS, ZGraphResponse, type ResponseClass, type Outcome } from "@trellis/mesh-model";
import type { RollupRow } from "../../apps/control-plane/src/db/repositories";
import { startTestControlPlane, type TestControlPlane } from "../../apps/control-plane/fixtures/test-control-plane";
import { startPostgres, type TestPostgres } from "../support/postgres";

const SERVICES = 1000;
const EDGES = 3000;
const BUCKETS = 6; // the last minute, in 10 s cells
const GUARD_MS = 5000;

const service = (i: number) => `svc-${String(i).padStart(4, "0")}`;
/** Edge e: from service e % 1000 to the ones 1, 8 and 15 further on (three distinct callees each). */
const edgeOf = (e: number) => ({ source: service(e % SERVICES), destination: service((e % SERVICES + 1 + 7 * Math.floor(e / SERVICES)) % SERVICES) });

function credentialsOf(t: TestControlPlane): Record<string, string> {
  if (!("auth" in t) || typeof t.auth !== "object" || t.auth === null) return {};
  return Object.fromEntries(Object.entries(t.auth).filter((e): e is [string, string] => typeof e[1] === "string"));
}

async function seed(t: TestControlPlane, nowMs: number): Promise<void> {
  const db = t.cp.db;
  for (let i = 0; i < SERVICES; i++) await db.registry.ensureService(service(i), "v1");
  const edges = Array.from({ length: EDGES }, (_, e) => edgeOf(e));
  await db.edges.touch(edges, new Date(nowMs));
  const rows: RollupRow[] = [];
  const bucketStart = (k: number) => new Date(Math.floor(nowMs / 10_000) * 10_000 - k * 10_000);
  const cell = (edge: { source: string; destination: string }, k: number, responseClass: ResponseClass, outcome: Outcome, count: number): RollupRow => {
    const buckets = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
    buckets[4] = count;
    return { resolution: 10, bucketStart: bucketStart(k), ...edge, destinationVersion: "v1", responseClass, outcome, mtls: true, count, durationSumMs: count * 20, buckets };
  };
  edges.forEach((edge, e) => {
    for (let k = 0; k < BUCKETS; k++) {
      rows.push(cell(edge, k, "2xx", "ok", 9 + (e % 3)));
      if (e % 10 === 0) rows.push(cell(edge, k, "5xx", "ok", 1));
    }
  });
  await db.rollups.add(rows);
}

async function checkGraph(t: TestControlPlane, report: (m: string) => void): Promise<void> {
  const timings: number[] = [];
  let body: unknown;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    const res = await fetch(`${t.api}/api/v1/graph?window=5m`, { headers: credentialsOf(t) });
    body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body) + t.log.lines.filter((l) => l.level === "error").map((l) => JSON.stringify(l)).join("\n").slice(0, 3000));
    timings.push(performance.now() - start);
  }
  const graph = ZGraphResponse.parse(body);
  report(`graph of ${graph.nodes.length} nodes and ${graph.edges.length} edges in ${timings.map((ms) => ms.toFixed(0)).join(", ")} ms`);
  assert.equal(graph.nodes.length, SERVICES);
  assert.equal(graph.edges.length, EDGES);
  const first = edgeOf(0);
  const e0 = graph.edges.find((e) => e.source === first.source && e.target === first.destination);
  assert.ok(e0);
  assert.equal(e0.outcomes.ok, BUCKETS * (9 + 1), "9 ok 2xx and 1 ok 5xx per bucket");
  assert.equal(e0.errorRate, 0.1);
  assert.ok(Math.min(...timings) < GUARD_MS, `the graph took ${Math.min(...timings)} ms`);
}

describe("topology at 1,000 services and 3,000 edges", { timeout: 300_000 }, () => {
  let pg: TestPostgres | undefined;
  after(async () => pg?.stop());

  for (const provider of ["sqlite", "postgresql"] as const) {
    it(`serves the graph from rollups in ${provider}`, async (ctx) => {
      let args: string[] = [];
      if (provider === "postgresql") {
        pg = await startPostgres();
        args = ["--database-url", pg.url];
      }
      const t = await startTestControlPlane({ args });
      try {
        await seed(t, Date.now());
        await checkGraph(t, (m) => ctx.diagnostic(m));
      } finally {
        await t.close();
      }
    });
  }
});
