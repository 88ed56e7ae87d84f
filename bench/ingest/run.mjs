// npm run bench:ingest — runs ingest-bench.ts pinned to one core (taskset -c 1) and writes the dated
// "Control plane: OTLP ingest" section of docs/benchmarks.md between its markers (other sections stay).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const ROOT = path.resolve(import.meta.dirname, "../..");
const env = (name, fallback) => process.env[`TRELLIS_BENCH_${name}`] ?? fallback;
const { values: opts } = parseArgs({
  options: {
    seconds: { type: "string", default: env("SECONDS", "10") },
    core: { type: "string", default: env("CORE", "1") },
    write: { type: "string", default: env("WRITE", "docs/benchmarks.md") },
    "node-flags": { type: "string", default: process.env.TRELLIS_BENCH_NODE_FLAGS },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (opts.help) {
  console.log(`npm run bench:ingest -- [options]   (each also reads TRELLIS_BENCH_<NAME>)
  --seconds 10               length of each measurement (decode only, then decode + rollups)
  --core 1                   the core the benchmark is pinned to (taskset -c)
  --node-flags "..."         V8 flags of the measured process (default: apps/control-plane/node-flags.json, as the CLI runs it)
  --write docs/benchmarks.md where the "Control plane: OTLP ingest" section goes; "" to print only`);
  process.exit(0);
}

const TARGET_POINTS_PER_SECOND = 100_000;
const TARGET_SHARE_OF_DECODE = 0.5;
const BEGIN = "<!-- ingest-bench:begin (written by npm run bench:ingest) -->";
const END = "<!-- ingest-bench:end -->";
const HEADER = "# Benchmarks\n\nMeasured figures of Trellis, one section per subject; each says how to reproduce it.\n";

const sh = (cmd) => {
  try {
    return execFileSync("sh", ["-c", cmd], { encoding: "utf8" }).trim();
  } catch {
    return "?";
  }
};

// The control plane's own V8 flags (as the CLI and the Dockerfile start it), unless --node-flags says otherwise.
const CP_FLAGS = JSON.parse(readFileSync(path.join(ROOT, "apps/control-plane/node-flags.json"), "utf8")).flags;
const nodeFlags = opts["node-flags"] === undefined ? CP_FLAGS : opts["node-flags"].split(" ").filter(Boolean);
const run = spawnSync("taskset", ["-c", opts.core, process.execPath, ...nodeFlags, "--import", "tsx", "bench/ingest/ingest-bench.ts", "--seconds", opts.seconds], {
  cwd: ROOT,
  encoding: "utf8",
  timeout: (Number(opts.seconds) * 3 + 120) * 1000,
});
if (run.status !== 0) {
  console.error(run.stderr || run.error?.message || `exit ${run.status}`);
  console.error(run.error?.code === "ENOENT" ? "taskset is missing: apt-get install -y util-linux" : "");
  process.exit(1);
}
const result = JSON.parse(run.stdout.trim().split("\n").pop());
const graphRun = spawnSync("taskset", ["-c", opts.core, process.execPath, ...nodeFlags, "--import", "tsx", "bench/ingest/topology-bench.ts"], { cwd: ROOT, encoding: "utf8", timeout: 300_000 });
if (graphRun.status !== 0) {
  console.error(graphRun.stderr || graphRun.error?.message || `exit ${graphRun.status}`);
  process.exit(1);
}
const graph = JSON.parse(graphRun.stdout.trim().split("\n").pop());

const machine = {
  date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  nproc: sh("nproc"),
  cpu: /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "?",
  node: process.version,
  load: sh("cut -d' ' -f1-3 /proc/loadavg"),
};
const k = (n) => Math.round(n).toLocaleString("en-US");
const { decodeOnly: d, readerOnly: r, ingest: i } = result;
const share = i.pointsPerCpuSecond / d.pointsPerCpuSecond;
const check = (ok) => (ok ? "met" : "**not met**");
const md = [
  `### Run of ${machine.date}`,
  "",
  `Machine: ${machine.nproc} cores (\`nproc\`), ${machine.cpu}, Node ${machine.node}; load average at the end ${machine.load}. Pinned to core ${opts.core}; ${opts.seconds} s per measurement; node flags: ${nodeFlags.length === 0 ? "none" : nodeFlags.map((f) => `\`${f}\``).join(" ")}.`,
  `Workload: 50 sidecars, each export ${result.pointsPerExport} points (a duration histogram and a request counter for each of ${result.pointsPerExport / 2} distinct label sets, delta, as our sidecar sends them), ${k(result.bodyBytes)} bytes of protobuf each, ${k(result.series)} series; SQLite file (WAL), 16 exports in flight (${i.exportsPerWrite.toFixed(1)} per group commit on average).`,
  "",
  "| measure | points | wall s | CPU s | points/s (wall) | points per CPU-second |",
  "| --- | ---: | ---: | ---: | ---: | ---: |",
  `| protobuf decode only, protobufjs's standard decoder into message objects (ceiling) | ${k(d.points)} | ${d.seconds.toFixed(2)} | ${d.cpuSeconds.toFixed(2)} | ${k(d.pointsPerSecond)} | ${k(d.pointsPerCpuSecond)} |`,
  `| decode only, the receivers' wire reader straight from the bytes (metrics-wire-reader.ts) | ${k(r.points)} | ${r.seconds.toFixed(2)} | ${r.cpuSeconds.toFixed(2)} | ${k(r.pointsPerSecond)} | ${k(r.pointsPerCpuSecond)} |`,
  `| decode (wire reader, straight from the bytes) + normalise + 10 s/60 s rollups committed (IngestService) | ${k(i.points)} | ${i.seconds.toFixed(2)} | ${i.cpuSeconds.toFixed(2)} | ${k(i.pointsPerSecond)} | ${k(i.pointsPerCpuSecond)} |`,
  "",
  `Targets (per CPU-second of the one core): ≥ ${k(TARGET_POINTS_PER_SECOND)} points/s — ${k(i.pointsPerCpuSecond)}, ${check(i.pointsPerCpuSecond >= TARGET_POINTS_PER_SECOND)}; ≥ ${TARGET_SHARE_OF_DECODE * 100}% of the decode-only ceiling — ${(share * 100).toFixed(1)}%, ${check(share >= TARGET_SHARE_OF_DECODE)}. The ingest is ${((i.pointsPerCpuSecond / r.pointsPerCpuSecond) * 100).toFixed(1)}% of the wire reader's decode-only rate: the ceiling is protobuf decoding as a generic OTLP receiver does it, and our own reader is faster than that.`,
  "",
  `Graph API (\`GET /api/v1/graph?window=5m\` over HTTP, same core, SQLite): ${k(graph.services)} services, ${k(graph.edges)} edges, ${k(graph.rollupRows)} rollup rows in the window; ${graph.requests} requests after 2 warm-ups.`,
  "",
  "| p50 wall ms | max wall ms | p50 CPU ms (server and client in one process) | max CPU ms |",
  "| ---: | ---: | ---: | ---: |",
  `| ${graph.wallP50Ms.toFixed(0)} | ${graph.wallMaxMs.toFixed(0)} | ${graph.cpuP50Ms.toFixed(0)} | ${graph.cpuMaxMs.toFixed(0)} |`,
  "",
  `Target "well under a second" (taken as ≤ 500 ms p50 wall): ${check(graph.wallP50Ms <= 500)}.`,
].join("\n");

console.log(md);
if (opts.write) {
  const file = path.resolve(ROOT, opts.write);
  const block = `${BEGIN}\n${md}\n${END}`;
  let text = existsSync(file) ? readFileSync(file, "utf8") : HEADER;
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (begin >= 0 && end > begin) text = text.slice(0, begin) + block + text.slice(end + END.length);
  else text = `${text.trimEnd()}\n\n## Control plane: OTLP ingest\n\nRun with \`npm run bench:ingest\` (see [bench/README.md](../bench/README.md)).\n\n${block}\n`;
  writeFileSync(file, text);
  console.log(`\nwritten to ${opts.write}`);
}
