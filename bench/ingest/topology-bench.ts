// The graph API at 1,000 services and 3,000 edges: seeds a real control plane (in this process, SQLite
// file) with a minute of 10 s rollups for every edge, then times GET /api/v1/graph?window=5m over HTTP.
// Prints one JSON line. run.mjs runs it pinned to one core after the ingest benchmark.
import { parseArgs } from "node:util";
import { LATENCY_BOUNDS_MS, ZGraphResponse } from "@trellis/mesh-model";
import type { RollupRow } from "../../apps/control-plane/src/db/repositories";
import { startTestControlPlane, type TestControlPlane } from "../../apps/control-plane/fixtures/test-control-plane";

const { values: opts } = parseArgs({ options: { requests: { type: "string", default: "10" } } });
const SERVICES = 1000;
const EDGES = 3000;
const service = (i: number) => `svc-${String(i).padStart(4, "0")}`;

function credentialsOf(t: TestControlPlane): Record<string, string> {
  if (!("auth" in t) || typeof t.auth !== "object" || t.auth === null) return {};
  return Object.fromEntries(Object.entries(t.auth).filter((e): e is [string, string] => typeof e[1] === "string"));
}

const t = await startTestControlPlane({ args: ["--log-level", "warn"] });
try {
  const nowMs = Date.now();
  for (let i = 0; i < SERVICES; i++) await t.cp.db.registry.ensureService(service(i), "v1");
  const edges = Array.from({ length: EDGES }, (_, e) => ({ source: service(e % SERVICES), destination: service(((e % SERVICES) + 1 + 7 * Math.floor(e / SERVICES)) % SERVICES) }));
  await t.cp.db.edges.touch(edges, new Date(nowMs));
  const rows: RollupRow[] = [];
  for (const edge of edges) {
    for (let k = 0; k < 6; k++) {
      for (const [responseClass, count] of [["2xx", 20], ["5xx", 1]] as const) {
        const buckets = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
        buckets[4] = count;
        rows.push({ resolution: 10, bucketStart: new Date(Math.floor(nowMs / 10_000) * 10_000 - k * 10_000), ...edge, destinationVersion: "v1", responseClass, outcome: "ok", mtls: true, count, durationSumMs: count * 20, buckets });
      }
    }
  }
  await t.cp.db.rollups.add(rows);

  const once = async () => {
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    const res = await fetch(`${t.api}/api/v1/graph?window=5m`, { headers: credentialsOf(t) });
    const body: unknown = await res.json();
    const ms = performance.now() - start;
    const cpu = process.cpuUsage(cpu0);
    const graph = ZGraphResponse.parse(body);
    if (graph.nodes.length !== SERVICES || graph.edges.length !== EDGES) throw new Error(`graph of ${graph.nodes.length} nodes, ${graph.edges.length} edges`);
    return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
  };
  // Cold: a write the graph reads (an edge seen again, as ingest does) before each request, so the
  // shared reads behind the window are read again. Shared: the same request again, nothing written.
  const touch = () => t.cp.db.edges.touch([edges[0]!], new Date(nowMs));
  await once();
  await touch();
  await once();
  const runs = [];
  for (let i = 0; i < Number(opts.requests); i++) {
    await touch();
    runs.push(await once());
  }
  const shared = [];
  for (let i = 0; i < Number(opts.requests); i++) shared.push(await once());
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const wall = sorted(runs.map((r) => r.ms));
  const cpu = sorted(runs.map((r) => r.cpuMs));
  const p50 = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
  const sharedWall = sorted(shared.map((r) => r.ms));
  const sharedCpu = sorted(shared.map((r) => r.cpuMs));
  console.log(
    JSON.stringify({
      services: SERVICES,
      edges: EDGES,
      rollupRows: rows.length,
      requests: runs.length,
      wallP50Ms: p50(wall),
      wallMaxMs: wall[wall.length - 1],
      cpuP50Ms: p50(cpu),
      cpuMaxMs: cpu[cpu.length - 1],
      sharedWallP50Ms: p50(sharedWall),
      sharedCpuP50Ms: p50(sharedCpu),
      sharedCpuMaxMs: sharedCpu[sharedCpu.length - 1],
    }),
  );
} finally {
  await t.close();
}
