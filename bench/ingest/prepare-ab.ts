// A/B of ingest's synchronous step (decode + normalise + extract + cells, no database) between two trees,
// e.g. a `git archive` of the base commit and the working tree:
//   taskset -c 1 node --max-semi-space-size=64 --import tsx bench/ingest/prepare-ab.ts /tmp/base   (then the same for .)
// Prints the median CPU µs per 200-point export of decoding alone and of decoding + prepareMetrics (8 rounds of 300).
import path from "node:path";
const ROOT = path.resolve(process.argv[2] ?? ".");
const { LATENCY_BOUNDS_MS } = await import(path.join(ROOT, "packages/mesh-model/src/index.ts"));
const { metricsExport } = await import(path.join(ROOT, "apps/control-plane/fixtures/otlp-exports.ts"));
const { IngestService } = await import(path.join(ROOT, "apps/control-plane/src/ingest/ingest-service.ts"));
const { decodeMetricsRequest, encodeMetricsRequest } = await import(path.join(ROOT, "apps/control-plane/src/ingest/otlp-proto.ts"));
const { memoryLogger } = await import(path.join(ROOT, "apps/control-plane/src/log.ts"));
const SOURCES = 50, LABEL_SETS = 100;
const CLASSES = ["2xx", "4xx", "5xx", "none"]; const OUTCOMES = ["ok", "ok", "ok", "timed_out"];
function exportBody(source: number, timeMs: number): Uint8Array {
  const buckets = LATENCY_BOUNDS_MS.map((_: unknown, b: number) => (b * 7 + source) % 5).concat(0);
  const points = Array.from({ length: LABEL_SETS }, (_, i) => ({ destination: `svc-${(source + 1 + Math.floor(i / CLASSES.length)) % SOURCES}`, version: `v${(source + i) % 2}`, responseClass: CLASSES[i % CLASSES.length]!, outcome: OUTCOMES[i % CLASSES.length]!, direction: "outbound" as const, mtls: true, buckets, timeMs }));
  return encodeMetricsRequest(metricsExport({ service: `svc-${source}`, instanceId: `svc-${source}-1`, temporality: "delta", points }));
}
const bodies = Array.from({ length: SOURCES }, (_, s) => exportBody(s, Date.now()));
const ingest = new IngestService({ db: {} as never, now: () => new Date(), log: memoryLogger("warn"), retention10sMs: 6 * 3_600_000, retention1mMs: 7 * 86_400_000, startedAt: new Date(0), maxStandingLoopLagMs: 0 });
const prep = (b: Uint8Array) => (ingest as any).prepareMetrics(decodeMetricsRequest(b));
const cpu = (f: () => void, n: number) => { const c = process.cpuUsage(); for (let i = 0; i < n; i++) f(); const u = process.cpuUsage(c); return (u.user + u.system) / n; };
let k = 0;
for (let i = 0; i < 300; i++) { prep(bodies[i % SOURCES]!); decodeMetricsRequest(bodies[i % SOURCES]!); }
const d: number[] = [], p: number[] = [];
for (let r = 0; r < 8; r++) { d.push(cpu(() => decodeMetricsRequest(bodies[k++ % SOURCES]!), 300)); p.push(cpu(() => prep(bodies[k++ % SOURCES]!), 300)); }
const med = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1]!;
console.log(`${ROOT} decode ${med(d).toFixed(0)} us/export, decode+prepare ${med(p).toFixed(0)} us/export, prepare ${(med(p) - med(d)).toFixed(0)}`);
