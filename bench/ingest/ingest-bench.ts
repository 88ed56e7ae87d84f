// The OTLP ingest benchmark, run on one core (run.mjs pins it with taskset): points per second
// (1) decoded from protobuf alone — the ceiling — and (2) decoded, normalised, turned into 10 s and
// 60 s rollup cells and committed to a SQLite file through the real IngestService (group commit), each
// export with its digest as the receivers compute it, decoded as the receivers decode it (decodeMetricsRequest:
// straight from the bytes, metrics-wire-reader.ts). The ceiling is protobufjs's standard decoder alone on the
// same bodies (decodeMetricsMessage), as a generic OTLP receiver would decode them.
// Prints one JSON line with the figures.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { LATENCY_BOUNDS_MS } from "@trellis/mesh-model";
import { metricsExport } from "../../apps/control-plane/fixtures/otlp-exports";
import { openDatabase } from "../../apps/control-plane/src/db/index";
import { exportDigest } from "../../apps/control-plane/src/ingest/export-digests";
import { IngestService } from "../../apps/control-plane/src/ingest/ingest-service";
import { decodeMetricsMessage, decodeMetricsRequest, encodeMetricsRequest } from "../../apps/control-plane/src/ingest/otlp-proto";
import { memoryLogger } from "../../apps/control-plane/src/log";

const { values: opts } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    sources: { type: "string", default: "50" },
    "label-sets": { type: "string", default: "100" },
    concurrency: { type: "string", default: "16" },
    // "off" ingests without digests (no ExportDigest rows, no interactive transaction): to measure what they cost.
    digests: { type: "string", default: "on" },
  },
});
const SECONDS = Number(opts.seconds);
const SOURCES = Number(opts.sources);
const LABEL_SETS = Number(opts["label-sets"]);
const CONCURRENCY = Number(opts.concurrency);
const DIGESTS = opts.digests !== "off";

const CLASSES = ["2xx", "4xx", "5xx", "none"];
const OUTCOMES = ["ok", "ok", "ok", "timed_out"];

/** One sidecar's delta export, as our sidecar sends it: a duration histogram and a counter per label set. */
function exportBody(source: number, timeMs: number): Uint8Array {
  const buckets = LATENCY_BOUNDS_MS.map((_, b) => (b * 7 + source) % 5).concat(0);
  // Every label set distinct: destination x response class (with the outcome that goes with it).
  const points = Array.from({ length: LABEL_SETS }, (_, i) => ({
    destination: `svc-${(source + 1 + Math.floor(i / CLASSES.length)) % SOURCES}`,
    version: `v${(source + i) % 2}`,
    responseClass: CLASSES[i % CLASSES.length]!,
    outcome: OUTCOMES[i % CLASSES.length]!,
    direction: "outbound" as const,
    mtls: true,
    buckets,
    timeMs,
  }));
  return encodeMetricsRequest(metricsExport({ service: `svc-${source}`, instanceId: `svc-${source}-1`, temporality: "delta", points }));
}

const POINTS_PER_EXPORT = 2 * LABEL_SETS;

/**
 * Points per second of wall time, and per second of this process's CPU time: on a machine where
 * other work shares the core, the second is the figure that says what one core can do.
 */
function rates(exports: number, start: bigint, cpu0: NodeJS.CpuUsage) {
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const points = exports * POINTS_PER_EXPORT;
  return { exports, points, seconds, cpuSeconds, pointsPerSecond: points / seconds, pointsPerCpuSecond: points / cpuSeconds };
}

async function main(): Promise<void> {
  const bodies = Array.from({ length: SOURCES }, (_, s) => exportBody(s, Date.now()));
  const bodyBytes = bodies.reduce((a, b) => a + b.length, 0) / bodies.length;

  // Decoding alone, in a tight loop over the same bodies.
  const decodeLoop = (decode: (body: Uint8Array) => unknown) => {
    for (let i = 0; i < 200; i++) decode(bodies[i % bodies.length]!); // warm-up
    let exports = 0;
    const cpu0 = process.cpuUsage();
    const start = process.hrtime.bigint();
    const until = start + BigInt(SECONDS * 1e9);
    while (process.hrtime.bigint() < until) {
      for (let i = 0; i < 50; i++) decode(bodies[exports++ % bodies.length]!);
    }
    return rates(exports, start, cpu0);
  };
  // (1) decode only: protobufjs's standard (reflective, generated) decoder into message objects — the ceiling.
  const decodeOnly = decodeLoop(decodeMetricsMessage);
  // (1b) decode only with the decoder the receivers use (the wire reader): how much of the ingest is decoding.
  const readerOnly = decodeLoop(decodeMetricsRequest);

  // (2) decode + ingest into rollups committed to a SQLite file.
  const dir = mkdtempSync(path.join(tmpdir(), "trellis-ingest-bench-"));
  const db = await openDatabase(`file:${path.join(dir, "bench.db")}`);
  try {
    // Group commits counted, to report how many exports share one write.
    let writes = 0;
    const counted = { ...db, rollups: { ...db.rollups, addExports: (...args: Parameters<typeof db.rollups.addExports>) => (writes++, db.rollups.addExports(...args)) } };
    const ingest = new IngestService({ db: counted, now: () => new Date(), log: memoryLogger("warn"), retention10sMs: 6 * 3_600_000, retention1mMs: 7 * 86_400_000, startedAt: new Date(0), maxExportsInFlight: CONCURRENCY * 2, maxStandingLoopLagMs: 0 });
    const run = async (seconds: number) => {
      let exports = 0;
      writes = 0;
      const cpu0 = process.cpuUsage();
      const start = process.hrtime.bigint();
      const until = start + BigInt(Math.round(seconds * 1e9));
      const worker = async () => {
        while (process.hrtime.bigint() < until) {
          const n = exports++;
          const body = bodies[n % bodies.length]!;
          // As the receivers do: the body's digest goes with the export (idempotent retries). The bench
          // sends its 50 bodies over and over, which would be retries; a fleet's exports all differ, so
          // the digest (computed in full all the same) is made unique.
          const partial = await ingest.metrics(decodeMetricsRequest(body), false, DIGESTS ? `${exportDigest(body)}:${n}` : undefined);
          if (partial) throw new Error(`points rejected: ${partial.errorMessage}`);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      return { ...rates(exports, start, cpu0), writes, exportsPerWrite: exports / writes };
    };
    await run(Math.min(2, SECONDS / 4)); // warm-up: JIT, first rows, service/edge registration
    const full = await run(SECONDS);
    const stats = ingest.stats;
    console.log(
      JSON.stringify({
        pointsPerExport: POINTS_PER_EXPORT,
        bodyBytes: Math.round(bodyBytes),
        series: stats.series.used,
        decodeOnly,
        readerOnly,
        ingest: full,
        storedObservations: stats.storedObservations,
      }),
    );
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
