// Turns one run into the dated markdown table of docs/benchmarks.md's "Sidecar proxy" section and
// writes it between markers, leaving the rest of the file (other sections, "what we tried") alone.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg, release } from "node:os";

const BEGIN = "<!-- sidecar-bench:begin (written by npm run bench:sidecar) -->";
const END = "<!-- sidecar-bench:end -->";
const HEADER = "# Benchmarks\n\nMeasured figures of Trellis, one section per subject; each says how to reproduce it.\n";

export const TARGETS = { throughputVsNginx: 0.4, vcpuPer1000: 0.2, addedP50Ms: 0.25, peakRssMiB: 60, mtlsVsPlaintext: 0.8 };

/** Above this 1-minute load average at the start, other work was competing for the cores. */
const BUSY_LOAD = 1.5;

function sh(cmd) {
  try {
    return execFileSync("sh", ["-c", cmd], { encoding: "utf8" }).trim();
  } catch {
    return "?";
  }
}

export function machineInfo() {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    loadAverage: loadavg()[0].toFixed(1),
    nproc: sh("nproc"),
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? "?",
    kernel: release(),
    node: process.version,
    nginx: sh("nginx -v 2>&1 | sed 's/.*nginx\\///'"),
    haproxy: sh("haproxy -v | head -1 | awk '{print $3}'"),
    wrk: sh("wrk -v 2>&1 | head -1 | awk '{print $2}'"),
  };
}

const fmt = (v, digits) => (v === null || v === undefined || Number.isNaN(v) ? "—" : v.toFixed(digits));
const ratio = (a, b) => (a == null || b == null || !b || Number.isNaN(a) || Number.isNaN(b) ? "—" : `${(a / b).toFixed(2)}×`);

export function renderMarkdown({ machine, rows, settings, loadAtStart }) {
  const by = (prefix) => rows.find((r) => r.name.startsWith(prefix) && !r.failed);
  const nginx = by("nginx");
  const bare = by("bare");
  const direct = by("direct");
  const lines = [];
  lines.push(`### Run of ${machine.date}`);
  lines.push("");
  // Judged at the start: the bench itself keeps both cores busy, so the load at the end is mostly its own.
  const busy = Number(loadAtStart) > BUSY_LOAD;
  lines.push(`Machine: ${machine.nproc} cores (\`nproc\`), ${machine.cpu}, Linux ${machine.kernel}, Node ${machine.node}; nginx ${machine.nginx}, HAProxy ${machine.haproxy}, wrk ${machine.wrk}. Load average (1 min) ${loadAtStart ?? "?"} at the start${busy ? " — **the machine was busy with other work: read the absolute figures as noise, the ratios with care**" : " (quiet)"}, ${machine.loadAverage} at the end (the bench's own load).`);
  lines.push(`Proxy on core ${settings.PROXY_CORE}; wrk, the open-loop generator, the upstream nginx and the control plane on core ${settings.LOAD_CORE}.`);
  lines.push(`Throughput: \`wrk -t1 -c${settings.CONNECTIONS}\` for ${settings.DURATION} s after ${settings.WARMUP} s of warm-up. Latency and vCPU: open loop at ${settings.RATE} req/s for ${settings.RATE_DURATION} s (after ${settings.WARMUP} s), timed from the intended send time.${settings.sidecarNodeFlags ? ` Sidecar node flags: \`${settings.sidecarNodeFlags}\`.` : ""}`);
  lines.push("");
  lines.push(`| path | req/s @${settings.CONNECTIONS} conns | × nginx | × bare | CPU µs/req | × nginx | × bare | p50 ms @${settings.RATE}/s | p99 ms | added p50 ms | vCPU per 1000 req/s | peak RSS MiB | × nginx | × bare | errors |`);
  lines.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    if (r.failed) {
      lines.push(`| ${r.name} | failed: ${r.failed.replace(/\|/g, "/")} |${" |".repeat(13)}`);
      continue;
    }
    const added = direct && r !== direct ? addedP50(r, direct) : null;
    lines.push(
      `| ${r.name} | ${fmt(r.rps, 0)} | ${ratio(r.rps, nginx?.rps)} | ${ratio(r.rps, bare?.rps)} | ${fmt(r.cpuUsPerRequest, 1)} | ${ratio(r.cpuUsPerRequest, nginx?.cpuUsPerRequest)} | ${ratio(r.cpuUsPerRequest, bare?.cpuUsPerRequest)} | ${fmt(r.p50Ms, 3)} | ${fmt(r.p99Ms, 3)} | ${fmt(added, 3)} | ${fmt(r.vcpuPer1000, 3)} | ${fmt(r.peakRssMiB, 1)} | ${ratio(r.peakRssMiB, nginx?.peakRssMiB)} | ${ratio(r.peakRssMiB, bare?.peakRssMiB)} | ${r.errors} |`,
    );
  }
  for (const t of rows.filter((r) => r.name.startsWith("Trellis sidecar") && !r.failed)) {
    const check = (ok) => (ok ? "met" : "**not met**");
    const added = direct ? addedP50(t, direct) : NaN;
    // Figures at the fixed rate only mean something if the proxy kept up with it.
    const keptUp = t.openScheduled > 0 && t.openCompleted >= 0.99 * t.openScheduled && t.errors <= 0.01 * t.openScheduled;
    const atRate = (text) => (keptUp ? text : `not measurable in this run (${t.openCompleted} of ${t.openScheduled} requests at the fixed rate answered, ${t.errors} errors)`);
    lines.push("");
    lines.push(`Targets, ${t.name}:`);
    lines.push("");
    lines.push(`- throughput ≥ ${TARGETS.throughputVsNginx}× nginx: ${ratio(t.rps, nginx?.rps)} — ${nginx ? check(t.rps / nginx.rps >= TARGETS.throughputVsNginx) : "no nginx row"}`);
    lines.push(`- CPU per request no worse than the bare undici proxy: ${ratio(t.cpuUsPerRequest, bare?.cpuUsPerRequest)} — ${bare ? check(t.cpuUsPerRequest <= bare.cpuUsPerRequest) : "no bare row"}`);
    lines.push(`- ≤ ${TARGETS.vcpuPer1000} vCPU per 1000 req/s: ${atRate(`${fmt(t.vcpuPer1000, 3)} — ${check(t.vcpuPer1000 <= TARGETS.vcpuPer1000)}`)}`);
    lines.push(`- added p50 ≤ ${TARGETS.addedP50Ms} ms: ${atRate(`${fmt(added, 3)} ms — ${direct ? check(added <= TARGETS.addedP50Ms) : "no direct row"}`)}`);
    lines.push(`- peak RSS ≤ ${TARGETS.peakRssMiB} MB: ${fmt(t.peakRssMiB, 1)} MiB — ${check(t.peakRssMiB <= TARGETS.peakRssMiB)}`);
  }
  const plain = by("Trellis two sidecars, plaintext");
  const mtls = by("Trellis two sidecars, mTLS");
  if (plain && mtls) {
    lines.push("");
    lines.push("Target of issue #6, the same two-sidecar path with its hop in plaintext and over mutual TLS:");
    lines.push("");
    const medians = plain.rounds ? ` (medians of ${plain.rounds.length} interleaved rounds each)` : "";
    lines.push(`- mTLS hop throughput ≥ ${TARGETS.mtlsVsPlaintext}× the plaintext hop: ${fmt(mtls.rps, 0)} / ${fmt(plain.rps, 0)} req/s${medians} = ${ratio(mtls.rps, plain.rps)} — ${mtls.rps / plain.rps >= TARGETS.mtlsVsPlaintext ? "met" : "**not met**"}; CPU per request ${ratio(mtls.cpuUsPerRequest, plain.cpuUsPerRequest)} the plaintext hop's (${mtls.tlsConnections ?? "?"} TLS connections accepted by the callee over the whole run)`);
    if (plain.rounds && mtls.rounds) {
      // The spread: one noisy round cannot decide the ratio, but it shows here.
      const pct = (v) => (Number.isFinite(v) ? `${Math.round(v * 100)}%` : "—");
      const each = (r) => r.rounds.map((x) => `${fmt(x.rps, 0)} (${fmt(x.callerUsPerRequest, 0)} + ${fmt(x.calleeUsPerRequest, 0)} µs/req, ${x.newConnections} new conns, ${x.abortedTries ?? "?"} tries cut off, others ${pct(x.othersOnProxyCore)})`).join("; ");
      lines.push(`- each round, req/s (CPU per request of caller + callee, connections the callee accepted, tries the caller cut off after they left — wrk stopping with requests in flight — each of which costs a connection, reopened in the untimed warm-up before the path's next round, other processes' share of the proxy core); round i of the two paths ran back to back, each after ${settings?.WARMUP ?? "?"} s of warm-up that ends with no request in flight, plaintext first in odd rounds, mTLS first in even ones:`);
      lines.push(`  plaintext ${each(plain)}`);
      lines.push(`  mTLS ${each(mtls)}`);
      lines.push(`- ratio per round: ${mtls.rounds.map((m, i) => ratio(m.rps, plain.rounds[i]?.rps)).join(", ")}`);
      // Other processes' share of the core moves req/s one for one; CPU per request much less. Two
      // CPU-bound sidecars with the core to themselves would reach the inverse ratio of their CPU per request.
      lines.push(`- the same from CPU per request (req/s with the proxy core to themselves): ${ratio(plain.cpuUsPerRequest, mtls.cpuUsPerRequest)}; per round ${mtls.rounds.map((m, i) => ratio(plain.rounds[i]?.cpuUsPerRequest, m.cpuUsPerRequest)).join(", ")}`);
    }
  }
  return lines.join("\n");
}

function addedP50(row, direct) {
  return Number.isFinite(row.p50Ms) && Number.isFinite(direct.p50Ms) ? row.p50Ms - direct.p50Ms : null;
}

/** Replaces the text between the markers (adding the section, or the file, when absent). */
export function writeSection(file, md) {
  const block = `${BEGIN}\n${md}\n${END}`;
  let text = existsSync(file) ? readFileSync(file, "utf8") : HEADER;
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (begin >= 0 && end > begin) {
    text = text.slice(0, begin) + block + text.slice(end + END.length);
  } else {
    text = `${text.trimEnd()}\n\n## Sidecar proxy\n\nRun with \`npm run bench:sidecar\` (see [bench/README.md](../bench/README.md)).\n\n${block}\n`;
  }
  writeFileSync(file, text);
}
