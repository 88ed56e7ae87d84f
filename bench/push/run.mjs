// npm run bench:push — push convergence: a real control plane (SQLite in a temp dir), N simulated
// sidecars (register + SSE config stream + ACK) in a few forked processes, then a series of policy
// changes through the API; for each, the time from sending the change to the last sidecar's ACK.
// Writes the dated "Control plane: push convergence" section of docs/benchmarks.md between its markers.
import { fork, spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";

const ROOT = path.resolve(import.meta.dirname, "../..");
const env = (name, fallback) => process.env[`TRELLIS_BENCH_${name}`] ?? fallback;
const { values: opts } = parseArgs({
  options: {
    sidecars: { type: "string", default: env("SIDECARS", "1000") },
    services: { type: "string", default: env("SERVICES", "1") },
    workers: { type: "string", default: env("WORKERS", "2") },
    changes: { type: "string", default: env("CHANGES", "20") },
    write: { type: "string", default: env("WRITE", "docs/benchmarks.md") },
    profile: { type: "string", default: env("PROFILE", "") },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (opts.help) {
  console.log(`npm run bench:push -- [options]   (each also reads TRELLIS_BENCH_<NAME>)
  --sidecars 1000            simulated sidecars, each with its own SSE config stream
  --services 1               services they belong to (each sidecar's bundle lists every other service's endpoints)
  --workers 2                processes the sidecars are spread over
  --changes 20               policy changes measured (one after the other)
  --write docs/benchmarks.md where the "Control plane: push convergence" section goes; "" to print only
  --profile <dir>            write a .cpuprofile of the control plane (whole run) into <dir>`);
  process.exit(0);
}
const SIDECARS = Number(opts.sidecars);
const SERVICES = Number(opts.services);
const WORKERS = Number(opts.workers);
const CHANGES = Number(opts.changes);
const TARGET_P99_MS = 1000;
const BEGIN = "<!-- push-bench:begin (written by npm run bench:push) -->";
const END = "<!-- push-bench:end -->";
const HEADER = "# Benchmarks\n\nMeasured figures of Trellis, one section per subject; each says how to reproduce it.\n";
const TOKEN = randomBytes(24).toString("base64url");
const LOAD_AT_START = readFileSync("/proc/loadavg", "utf8").split(" ")[0];
const TARGET = "bench-target";

const dir = mkdtempSync(path.join(tmpdir(), "trellis-push-bench-"));
const children = [];
const cleanup = () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
};
process.on("exit", cleanup);
process.on("SIGINT", () => process.exit(130));
const limit = setTimeout(() => {
  console.error("push bench: time limit (10 min) reached");
  process.exit(1);
}, 600_000);

// The control plane: leases long enough that no heartbeat is needed during the run. (Its info log
// has a line per stream opened, none per bundle or ACK.)
const profileFlags = opts.profile ? ["--cpu-prof", "--cpu-prof-dir", path.resolve(opts.profile)] : [];
const cp = spawn(process.execPath, [...profileFlags, "--import", "tsx", "apps/control-plane/src/main.ts", "--api-port", "0", "--otlp-http-port", "0", "--database-url", `file:${path.join(dir, "cp.db")}`], {
  cwd: ROOT,
  env: { ...process.env, TRELLIS_API_TOKEN: TOKEN, TRELLIS_LEASE_TTL: "1h", TRELLIS_LOG_LEVEL: "info", TRELLIS_ADMIN_PASSWORD: randomBytes(16).toString("base64url") },
  stdio: ["ignore", "pipe", "inherit"],
});
cp.stdout.resume();
children.push(cp);
const listening = await new Promise((resolve, reject) => {
  createInterface({ input: cp.stdout }).on("line", (line) => {
    if (line.includes('"listening"')) resolve(JSON.parse(line));
  });
  cp.once("exit", (code) => reject(new Error(`control plane exited (${code}) before listening`)));
});
const api = `http://127.0.0.1:${listening.apiPort}`;
const auth = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
const call = async (method, p, body) => {
  const res = await fetch(api + p, { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
};

// The service whose policy changes: a destination of every simulated sidecar.
for (let i = 1; i <= 2; i++) await call("POST", "/api/v1/sidecars/register", { instanceId: `${TARGET}-${i}`, service: TARGET, version: "v1", host: "127.0.0.1", inboundPort: 9000 + i, labels: {} });

/** CPU seconds (user + system) a process used so far, from /proc (Linux). */
const cpuOf = (pid) => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
};
const cpuOfCp = () => cpuOf(cp.pid);
const ids = Array.from({ length: SIDECARS }, (_, i) => [`bench-${String(i).padStart(5, "0")}`, `bench-svc-${i % SERVICES}`, 10_000 + i]);
const t0Setup = performance.now();
const workers = Array.from({ length: WORKERS }, (_, w) => {
  const slice = ids.filter((_, i) => i % WORKERS === w);
  const child = fork(path.join(import.meta.dirname, "sidecar-fleet.mjs"), [JSON.stringify({ api, ids: slice, token: TOKEN })], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  children.push(child);
  child.on("message", (m) => m.type === "error" && console.error(`worker ${w}: ${m.message}`));
  return child;
});
const nextMessage = (child, type) => new Promise((resolve) => child.on("message", function on(m) {
  if (m.type === type) {
    child.off("message", on);
    resolve(m);
  }
}));
const cpuAtStart = cpuOfCp();
await Promise.all(workers.map((w) => nextMessage(w, "ready")));
const setupS = (performance.now() - t0Setup) / 1000;
const setupCpuS = cpuOfCp() - cpuAtStart;
console.log(`${SIDECARS} sidecars registered, streaming and synced in ${setupS.toFixed(1)} s (control plane CPU ${setupCpuS.toFixed(1)} s)`);

const cpuPerChange = [];
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
const convergence = [];
const perSidecar = [];
for (let k = 0; k < CHANGES; k++) {
  await new Promise((r) => setTimeout(r, 250));
  // 3 and 4 alternate (2 is the default, which would change no bundle).
  const spec = { service: TARGET, retry: { attempts: 3 + (k % 2) } };
  const cpuBefore = cpuOf(cp.pid);
  const sentAt = performance.timeOrigin + performance.now();
  const revision = await call("PUT", `/api/v1/policies/${TARGET}`, { spec, message: `push bench ${k}` });
  const answers = await Promise.all(workers.map((w) => {
    const answer = nextMessage(w, "acked");
    w.send({ type: "await", revision: revision.revision });
    return answer;
  }));
  const times = answers.flatMap((a) => a.times).map((t) => t - sentAt);
  cpuPerChange.push((cpuOf(cp.pid) - cpuBefore) * 1000);
  convergence.push(Math.max(...times));
  perSidecar.push(...times);
  process.stdout.write(`change ${k + 1}/${CHANGES}: revision ${revision.revision}, all ${times.length} ACKs in ${Math.max(...times).toFixed(0)} ms\n`);
}

// Cross-check with the API: every simulated sidecar synced.
const { sidecars } = await call("GET", "/api/v1/sidecars");
const synced = sidecars.filter((s) => s.instanceId.startsWith("bench-") && !s.instanceId.startsWith(TARGET) && s.syncState === "synced").length;

for (const w of workers) w.send({ type: "stop" });
cp.kill("SIGTERM");
// The profile is written when the control plane exits by itself.
if (opts.profile) await new Promise((resolve) => (cp.exitCode !== null ? resolve() : cp.once("exit", resolve)));
clearTimeout(limit);

const sortedConv = [...convergence].sort((a, b) => a - b);
const sortedAll = [...perSidecar].sort((a, b) => a - b);
const sh = (cmd) => {
  try {
    return execFileSync("sh", ["-c", cmd], { encoding: "utf8" }).trim();
  } catch {
    return "?";
  }
};
const machine = {
  date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  nproc: sh("nproc"),
  cpu: /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "?",
  node: process.version,
  load: sh("cut -d' ' -f1-3 /proc/loadavg"),
};
const ms = (n) => `${n.toFixed(0)} ms`;
const sortedCpu = [...cpuPerChange].sort((a, b) => a - b);
const p99 = pct(sortedConv, 99);
const md = [
  `### Run of ${machine.date}`,
  "",
  `Machine: ${machine.nproc} cores (\`nproc\`), ${machine.cpu}, Node ${machine.node}; load average at the end ${machine.load} (1 min load at the start ${LOAD_AT_START}${Number(LOAD_AT_START) > 1.5 ? ': other work was running on the machine' : ', nothing else was running'}; the benchmark itself keeps both cores busy).`,
  `Workload: one control plane (SQLite), ${SIDECARS} simulated sidecars in ${SERVICES} service${SERVICES === 1 ? "" : "s"} spread over ${WORKERS} processes (undici, one connection per SSE stream; each bundle JSON-parsed, then ACKed with a POST), all calling \`${TARGET}\`; ${CHANGES} policy changes of \`${TARGET}\` (retry attempts 3 ↔ 4) through \`PUT /api/v1/policies\`, one after the other, each reaching every sidecar. Time = from sending the PUT to the 204 of a sidecar's ACK.`,
  "",
  "| measure | p50 | p99 | max |",
  "| --- | ---: | ---: | ---: |",
  `| change → all ${SIDECARS} ACKs (over ${CHANGES} changes) | ${ms(pct(sortedConv, 50))} | ${ms(p99)} | ${ms(sortedConv.at(-1))} |`,
  `| change → one sidecar's ACK (all ${sortedAll.length} ACKs) | ${ms(pct(sortedAll, 50))} | ${ms(pct(sortedAll, 99))} | ${ms(sortedAll.at(-1))} |`,
  `| control plane CPU time per change (PUT, ${SIDECARS} bundles pushed, ${SIDECARS} ACKs stored) | ${ms(pct(sortedCpu, 50))} | ${ms(pct(sortedCpu, 99))} | ${ms(sortedCpu.at(-1))} |`,
  "",
  `Opening the fleet (${SIDECARS} registrations, ${SIDECARS} config streams, each sidecar's first bundle ACKed): ${setupS.toFixed(1)} s wall, ${setupCpuS.toFixed(1)} s of control plane CPU.`,
  "",
  `Target: p99 of change → all ACKs ≤ ${TARGET_P99_MS} ms — ${ms(p99)}, ${p99 <= TARGET_P99_MS ? "met" : "**not met**"}. Afterwards \`GET /api/v1/sidecars\` showed ${synced} of ${SIDECARS} synced.`,
].join("\n");

console.log(`\n${md}`);
if (opts.write) {
  const file = path.resolve(ROOT, opts.write);
  const block = `${BEGIN}\n${md}\n${END}`;
  let text = existsSync(file) ? readFileSync(file, "utf8") : HEADER;
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (begin >= 0 && end > begin) text = text.slice(0, begin) + block + text.slice(end + END.length);
  else text = `${text.trimEnd()}\n\n## Control plane: push convergence\n\nRun with \`npm run bench:push\` (see [bench/README.md](../bench/README.md)).\n\n${block}\n`;
  writeFileSync(file, text);
  console.log(`\nwritten to ${opts.write}`);
}
process.exit(0);
