// The sidecar benchmark, one command (`npm run bench:sidecar`): direct, nginx, HAProxy, a bare undici
// proxy and the Trellis sidecar, measured in the same run on loopback with the proxy under test pinned
// to one core and the load generator and upstreams on another. See bench/README.md.
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { request } from "undici";
import { buildSidecarBundle, everyFeature, freePort, ROOT, SIDECAR_FLAGS as SIDECAR_FLAG_LIST, startControlPlane, tool } from "./mesh-setup.mjs";
import { haproxyConf, proxyNginxConf, upstreamNginxConf } from "./peers.mjs";
import { runPinned, startPinned, stopAllProcesses, waitForPort } from "./processes.mjs";
import { coreBusySeconds, treeCpuSeconds as treeCpuOf, treePeakRssMiB as treePeakRssOf } from "./proc-stats.mjs";
import { machineInfo, renderMarkdown, writeSection } from "./report.mjs";

const HERE = import.meta.dirname;
const TWO_HOP_PLAIN = "Trellis two sidecars, plaintext hop (bundled)";
const TWO_HOP_MTLS = "Trellis two sidecars, mTLS hop (bundled)";
const ALL_TARGETS = ["direct", "nginx", "haproxy", "bare", "trellis", "trellis-bundle", "trellis-mtls"];
const TARGET_NAMES = { direct: "direct (no proxy)", nginx: "nginx", haproxy: "haproxy", bare: "bare undici proxy", trellis: "Trellis sidecar (tsx)", "trellis-bundle": "Trellis sidecar (bundled)", "trellis-mtls": TWO_HOP_MTLS };

const env = (name, fallback) => process.env[`TRELLIS_BENCH_${name}`] ?? fallback;
// The sidecar's own V8 flags (as the CLI and the Dockerfile start it), unless --sidecar-node-flags says otherwise.
const SIDECAR_FLAGS = SIDECAR_FLAG_LIST.join(" ");
const { values: flags } = parseArgs({
  options: {
    duration: { type: "string", default: env("DURATION", "10") },
    warmup: { type: "string", default: env("WARMUP", "2") },
    connections: { type: "string", default: env("CONNECTIONS", "50") },
    rate: { type: "string", default: env("RATE", "1000") },
    "rate-duration": { type: "string", default: env("RATE_DURATION", "10") },
    "mtls-rounds": { type: "string", default: env("MTLS_ROUNDS", "7") },
    targets: { type: "string", default: env("TARGETS", ALL_TARGETS.join(",")) },
    "proxy-core": { type: "string", default: env("PROXY_CORE", "1") },
    "load-core": { type: "string", default: env("LOAD_CORE", "0") },
    "sidecar-node-flags": { type: "string", default: env("SIDECAR_NODE_FLAGS", SIDECAR_FLAGS) },
    profile: { type: "boolean", default: env("PROFILE", "") === "1" },
    "compare-source": { type: "string", default: env("COMPARE_SOURCE", "") },
    write: { type: "string", default: env("WRITE", "docs/benchmarks.md") },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (flags.help) {
  console.log(`npm run bench:sidecar [-- options]   (each option also reads TRELLIS_BENCH_<NAME>)
  --duration 10            seconds of wrk at --connections (after --warmup seconds of warm-up)
  --warmup 2               seconds of warm-up before each measurement
  --connections 50         wrk connections
  --rate 1000              open-loop requests per second for the latency and vCPU figures
  --rate-duration 10       seconds of the open-loop run (after --warmup)
  --mtls-rounds 7          trellis-mtls: wrk rounds of --duration s per hop, plaintext and mTLS interleaved; medians reported
  --targets ${ALL_TARGETS.join(",")}
  --proxy-core 1 --load-core 0
  --sidecar-node-flags "${SIDECAR_FLAGS}"
                           V8 flags of every sidecar (default: apps/sidecar/node-flags.json, as the CLI runs it; "" for none)
  --compare-source DIR     also measure the sidecar bundled from DIR/apps/sidecar/src/main.ts (another checkout, for A/B)
  --profile                write .cpuprofile files of the bare proxy and the sidecar (path printed)
  --write docs/benchmarks.md   where the "Sidecar proxy" section goes; "" to print only`);
  process.exit(0);
}

const DURATION = Number(flags.duration);
const WARMUP = Number(flags.warmup);
const CONNECTIONS = Number(flags.connections);
const RATE = Number(flags.rate);
const RATE_DURATION = Number(flags["rate-duration"]);
const ROUNDS = Number(flags["mtls-rounds"]);
if (!(Number.isInteger(ROUNDS) && ROUNDS >= 1)) fail(`--mtls-rounds must be a whole number ≥ 1, not ${flags["mtls-rounds"]}`);
const PROXY_CORE = flags["proxy-core"];
const LOAD_CORE = flags["load-core"];
const targets = flags.targets.split(",").map((t) => t.trim()).filter(Boolean);
for (const t of targets) if (!ALL_TARGETS.includes(t)) fail(`unknown target ${t}; known: ${ALL_TARGETS.join(", ")}`);

// Everything is bounded: the whole run may not take longer than this.
// (trellis-mtls measures two rows of --mtls-rounds wrk runs each, and --compare-source adds one.)
const perTarget = 2 * Math.max(WARMUP, 5) + DURATION + RATE_DURATION + 60;
const rowCount = targets.length + (targets.includes("trellis-mtls") ? 2 * ROUNDS : 0) + (flags["compare-source"] ? 1 : 0);
const hardLimit = setTimeout(() => {
  console.error(`bench: gave up after ${perTarget * rowCount} s`);
  stopAllProcesses().finally(() => process.exit(1));
}, perTarget * rowCount * 1000);
hardLimit.unref();
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => stopAllProcesses().finally(() => process.exit(130)));

const pidsOf = (pid) => (Array.isArray(pid) ? pid : [pid]);
const treeCpuSeconds = (pid) => pidsOf(pid).reduce((sum, p) => sum + treeCpuOf(p), 0);
const treePeakRssMiB = (pid) => pidsOf(pid).reduce((sum, p) => sum + treePeakRssOf(p), 0);

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

function checkTools() {
  const missing = [];
  for (const [tool, pkg] of [["nginx", "nginx"], ["haproxy", "haproxy"], ["wrk", "wrk"], ["taskset", "util-linux"]]) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool} || test -x /usr/sbin/${tool}`], { stdio: "ignore" });
    } catch {
      missing.push(pkg);
    }
  }
  if (missing.length) fail(`missing tools; install them with:\n  apt-get install -y ${missing.join(" ")}`);
  const cores = Number(execFileSync("nproc", { encoding: "utf8" }).trim());
  if (cores < 2) fail("needs at least 2 cores (one for the proxy, one for the load generator and upstreams)");
}

async function expectUpstreamAnswer(url, host) {
  const res = await request(url, { headers: host ? { host } : {}, headersTimeout: 5_000, bodyTimeout: 5_000 });
  const body = await res.body.text();
  if (res.statusCode !== 200 || !body.startsWith("hello from upstream")) throw new Error(`${url} (Host ${host ?? "-"}) answered ${res.statusCode}: ${body.slice(0, 200)}`);
}

function parseWrk(out) {
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const seconds = Number(/requests in ([\d.]+)s/.exec(out)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return { requests, seconds, rps: requests / seconds, non2xx, socketErrors };
}

async function wrk(url, host, seconds) {
  const args = ["-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, "--timeout", "5s"];
  if (host) args.push("-H", `Host: ${host}`);
  args.push(url);
  return parseWrk(await runPinned(LOAD_CORE, tool("wrk"), args, (seconds + 30) * 1000));
}

/** An untimed warm-up that ends with no request in flight (settle.mjs), so the proxy keeps its upstream connections. */
async function settle(url, host, seconds) {
  const args = [path.join(HERE, "settle.mjs"), "--url", url, "--seconds", String(seconds), "--connections", String(CONNECTIONS)];
  if (host) args.push("--host", host);
  return JSON.parse(await runPinned(LOAD_CORE, process.execPath, args, (seconds + 30) * 1000));
}

async function openLoop(url, host, pid) {
  const args = [path.join(HERE, "open-loop.mjs"), "--url", url, "--rate", String(RATE), "--duration", String(RATE_DURATION), "--warmup", String(WARMUP)];
  if (host) args.push("--host", host);
  const gen = startPinned("open-loop", LOAD_CORE, process.execPath, args, { cwd: ROOT });
  let start;
  let end;
  gen.onLine((line) => {
    if (line.includes('"measure_start"')) start = { cpu: pid ? treeCpuSeconds(pid) : 0, t: performance.now() };
    if (line.includes('"measure_end"')) end = { cpu: pid ? treeCpuSeconds(pid) : 0, t: performance.now() };
  });
  const result = await gen.waitForEvent("result", (WARMUP + RATE_DURATION + 30) * 1000);
  await gen.stop();
  const cpuPerSecond = start && end ? (end.cpu - start.cpu) / ((end.t - start.t) / 1000) : NaN;
  return { ...result, cpuPerSecond };
}

/** Runs the closed-loop and open-loop measurements against one started proxy (pid null: direct; an array: a path of several proxies, summed). */
async function measure(name, url, host, pid) {
  await expectUpstreamAnswer(url, host);
  console.error(`bench: ${name}: warm-up ${WARMUP}s, wrk -c${CONNECTIONS} ${DURATION}s`);
  await wrk(url, host, WARMUP);
  const cpu0 = pid ? treeCpuSeconds(pid) : 0;
  const closed = await wrk(url, host, DURATION);
  const cpu1 = pid ? treeCpuSeconds(pid) : 0;
  console.error(`bench: ${name}: open loop ${RATE}/s for ${RATE_DURATION}s`);
  const open = await openLoop(url, host, pid);
  const row = {
    name,
    rps: closed.rps,
    requests: closed.requests,
    errors: closed.non2xx + closed.socketErrors + open.errors + open.non2xx,
    cpuUsPerRequest: pid ? ((cpu1 - cpu0) / closed.requests) * 1e6 : null,
    p50Ms: open.p50Ms,
    p99Ms: open.p99Ms,
    openCompleted: open.completed,
    openScheduled: open.scheduled,
    meanSendLagMs: open.meanSendLagMs,
    vcpuPer1000: pid ? (open.cpuPerSecond * 1000) / RATE : null,
    peakRssMiB: pid ? treePeakRssMiB(pid) : null,
  };
  console.error(`bench: ${name}: ${JSON.stringify(row)}`);
  return row;
}

async function main() {
  checkTools();
  const loadAtStart = loadavg()[0].toFixed(1);
  const dir = mkdtempSync(path.join(tmpdir(), "trellis-bench-sidecar-"));
  const profileDir = path.join(dir, "profiles");
  const rows = [];
  try {
    // Upstream: one nginx (core LOAD_CORE) serving two endpoints on two ports.
    const upstreamPorts = [await freePort(), await freePort()];
    const upstreams = upstreamPorts.map((p) => `127.0.0.1:${p}`);
    writeFileSync(path.join(dir, "upstream.conf"), upstreamNginxConf(dir, upstreamPorts));
    const upstream = startPinned("upstream nginx", LOAD_CORE, tool("nginx"), ["-p", dir, "-c", path.join(dir, "upstream.conf"), "-e", path.join(dir, "upstream-stderr.log")]);
    for (const p of upstreamPorts) await waitForPort(p);

    for (const target of targets) {
      // One target failing (a peer that will not start, a sidecar that never gets its config) is
      // reported in its row; the others are still measured and the table is still written.
      try {
        if (target === "direct") {
          rows.push(await measure("direct (no proxy)", `http://${upstreams[0]}/`, undefined, null));
        } else if (target === "nginx") {
          const port = await freePort();
          writeFileSync(path.join(dir, "proxy.conf"), proxyNginxConf(dir, port, upstreams));
          const proc = startPinned("nginx", PROXY_CORE, tool("nginx"), ["-p", dir, "-c", path.join(dir, "proxy.conf"), "-e", path.join(dir, "proxy-stderr.log")]);
          await waitForPort(port);
          rows.push(await measure("nginx", `http://127.0.0.1:${port}/`, undefined, proc.pid));
          await proc.stop();
        } else if (target === "haproxy") {
          const port = await freePort();
          writeFileSync(path.join(dir, "haproxy.cfg"), haproxyConf(dir, port, upstreams));
          const proc = startPinned("haproxy", PROXY_CORE, tool("haproxy"), ["-f", path.join(dir, "haproxy.cfg"), "-db"]);
          await waitForPort(port);
          rows.push(await measure("haproxy", `http://127.0.0.1:${port}/`, undefined, proc.pid));
          await proc.stop();
        } else if (target === "bare") {
          const nodeFlags = flags.profile ? ["--cpu-prof", "--cpu-prof-dir", path.join(profileDir, "bare")] : [];
          const proc = startPinned("bare proxy", PROXY_CORE, process.execPath, [...nodeFlags, path.join(HERE, "bare-proxy.mjs"), "--port", "0", ...upstreams.flatMap((u) => ["--upstream", u])], { cwd: ROOT });
          const { port } = await proc.waitForEvent("listening");
          rows.push(await measure("bare undici proxy", `http://127.0.0.1:${port}/`, undefined, proc.pid));
          await proc.stop();
        } else if (target === "trellis") {
          rows.push(await trellis(dir, upstreamPorts, profileDir, "Trellis sidecar (tsx)", ["--import", "tsx", "apps/sidecar/src/main.ts"]));
        } else if (target === "trellis-mtls") {
          rows.push(...(await twoSidecars(dir, upstreamPorts, profileDir, await bundleSidecar(dir, ROOT, "sidecar.mjs"))));
        } else if (target === "trellis-bundle") {
          rows.push(await trellis(dir, upstreamPorts, profileDir, "Trellis sidecar (bundled)", [await bundleSidecar(dir, ROOT, "sidecar.mjs")]));
          if (flags["compare-source"]) {
            const other = path.resolve(flags["compare-source"]);
            rows.push(await trellis(dir, upstreamPorts, profileDir, `Trellis sidecar (bundled from ${other})`, [await bundleSidecar(dir, other, "sidecar-compare.mjs")]));
          }
        }
      } catch (err) {
        console.error(`bench: ${target} failed: ${err.stack ?? err}`);
        rows.push({ name: TARGET_NAMES[target] ?? target, failed: String(err.message ?? err).split("\n")[0].slice(0, 200) });
        await stopAllProcesses({ except: upstream });
      }
    }
    await upstream.stop();
  } finally {
    await stopAllProcesses();
  }

  const machine = machineInfo();
  const md = renderMarkdown({ machine, rows, loadAtStart, settings: { DURATION, WARMUP, CONNECTIONS, RATE, RATE_DURATION, PROXY_CORE, LOAD_CORE, sidecarNodeFlags: flags["sidecar-node-flags"] } });
  console.log(md);
  if (flags.write) {
    writeSection(path.resolve(ROOT, flags.write), md);
    console.error(`bench: wrote the "Sidecar proxy" results to ${flags.write}`);
  }
  // Written anyway, but a failed row must not look like a successful run to a script.
  if (rows.some((r) => r.failed)) process.exitCode = 1;
  if (flags.profile) console.error(`bench: CPU profiles in ${profileDir}`);
  else rmSync(dir, { recursive: true, force: true });
  clearTimeout(hardLimit);
}

/** One sidecar process on core PROXY_CORE (profiled with --profile), exporting metrics to the control plane every 5 s. */
async function startSidecarProcess(dir, profileDir, label, entry, cp, args) {
  const nodeFlags = flags["sidecar-node-flags"].split(/\s+/).filter(Boolean);
  if (flags.profile) nodeFlags.push("--cpu-prof", "--cpu-prof-dir", path.join(profileDir, label.replace(/\W+/g, "-")));
  const cacheDir = path.join(dir, `cache-${label.replace(/\W+/g, "-")}`);
  mkdirSync(cacheDir, { recursive: true });
  const proc = startPinned(label, PROXY_CORE, process.execPath, [
    ...nodeFlags, ...entry,
    "--outbound-port", "0", "--inbound-port", "0", "--admin-port", "0",
    "--control-plane", cp.api, "--otlp-endpoint", cp.otlp,
    "--cache-dir", cacheDir, "--metrics-interval", "5s",
    ...args,
  ], { cwd: ROOT });
  const listening = await proc.waitForEvent("listening", 120_000);
  return { proc, listening, admin: `http://127.0.0.1:${listening.adminPort}`, logFile: path.join(dir, `${label.replace(/\W+/g, "-")}.log`) };
}

/** The Trellis path: client → outbound sidecar (core PROXY_CORE) → the two nginx endpoints, registered
 * with a real control plane as the instances of service `upstream`, with a real policy. */
async function trellis(dir, upstreamPorts, profileDir, name, entry) {
  const cp = await startControlPlane(dir, LOAD_CORE);
  // The nginx endpoints stand in for the upstream's sidecars (inbound ports): one proxy in the path.
  for (const [i, port] of upstreamPorts.entries()) {
    await cp.call("POST", "/api/v1/sidecars/register", { instanceId: `upstream-${i + 1}`, service: "upstream", version: "v1", host: "127.0.0.1", inboundPort: port, labels: {} });
  }
  // Plaintext to the nginx endpoints, whatever the mesh-wide mTLS default is (nginx holds no mesh identity).
  await cp.call("PUT", "/api/v1/policies/upstream", everyFeature("upstream", "permissive"));
  const sidecar = await startSidecarProcess(dir, profileDir, name, entry, cp, ["--service", "bench-client", "--app-port", String(upstreamPorts[0]), "--join-token", await cp.joinToken("bench-client")]);
  const until = Date.now() + 30_000;
  for (;;) {
    const res = await request(`${sidecar.admin}/config`);
    const text = await res.body.text();
    if (res.statusCode === 200) {
      const bundle = JSON.parse(text);
      const svc = bundle.services?.upstream;
      if (svc?.endpoints?.length === 2 && JSON.stringify(svc).includes('"attempts":3')) break;
    }
    if (Date.now() > until) throw new Error(`the sidecar did not get the upstream endpoints and policy: ${text.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const row = await measure(name, `http://127.0.0.1:${sidecar.listening.outboundPort}/`, "upstream", sidecar.proc.pid);
  const stats = await (await request(`${sidecar.admin}/stats`)).body.json();
  row.sidecarStats = { requests: stats.requests };
  writeFileSync(sidecar.logFile, sidecar.proc.logs.join("\n"));
  await sidecar.proc.stop();
  await cp.cp.stop();
  return row;
}

/**
 * Issue #6's hop: client → outbound sidecar → inbound sidecar of the callee → nginx endpoint 1, in
 * plaintext and over mutual TLS, with the same processes throughout: both warmed up, then ROUNDS wrk
 * runs of each, interleaved; a row's req/s and CPU per request are the medians of its rounds (each
 * round is kept in the row for the report). Identities come from the control plane's CA through join
 * tokens, as in production. Both sidecars of the path run on core PROXY_CORE; CPU and peak RSS are
 * summed over the two.
 */
async function twoSidecars(dir, upstreamPorts, profileDir, bundle) {
  // The plaintext callee has no identity at all (no join token, so no certificate): that is what makes its
  // hop plaintext. Such a sidecar may only register while sidecar auth is optional.
  const cp = await startControlPlane(dir, LOAD_CORE, ["--sidecar-auth", "optional"]);
  const joinToken = cp.joinToken;
  const app = ["--app-port", String(upstreamPorts[0])];
  const tlsCallee = await startSidecarProcess(dir, profileDir, "callee mTLS", [bundle], cp, ["--service", "upstream-tls", ...app, "--join-token", await joinToken("upstream-tls")]);
  const plainCallee = await startSidecarProcess(dir, profileDir, "callee plaintext", [bundle], cp, ["--service", "upstream-plain", ...app]);
  // A policy needs its service registered: the callees register as their sessions start.
  for (const [service, mode] of [["upstream-tls", "strict"], ["upstream-plain", "permissive"]]) {
    const until = Date.now() + 30_000;
    for (;;) {
      try {
        await cp.call("PUT", `/api/v1/policies/${service}`, everyFeature(service, mode));
        break;
      } catch (err) {
        if (Date.now() > until || !String(err.message).includes("unknown_service")) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
  const client = await startSidecarProcess(dir, profileDir, "caller", [bundle], cp, ["--service", "bench-client", ...app, "--join-token", await joinToken("bench-client")]);
  const url = `http://127.0.0.1:${client.listening.outboundPort}/`;
  // Ready when both paths answer (the client needs its certificate and both callees in its bundle).
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      await expectUpstreamAnswer(url, "upstream-plain");
      await expectUpstreamAnswer(url, "upstream-tls");
      break;
    } catch (err) {
      if (Date.now() > until) throw new Error(`the two-sidecar paths did not answer: ${err.message}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  const paths = [
    { kind: "plain", name: TWO_HOP_PLAIN, host: "upstream-plain", callee: plainCallee, pids: [client.proc.pid, plainCallee.proc.pid] },
    { kind: "mtls", name: TWO_HOP_MTLS, host: "upstream-tls", callee: tlsCallee, pids: [client.proc.pid, tlsCallee.proc.pid] },
  ];
  const statsOf = async (s) => (await request(`${s.admin}/stats`)).body.json();
  // New connections the callee accepted (TLS or plaintext): a pool that keeps its connections alive opens
  // at most --connections of them per path, once.
  const acceptedBy = async (s) => {
    const m = (await statsOf(s)).mtls;
    return m.tls + m.plaintext;
  };
  // Warm-up: the first seconds after start cost up to twice the CPU per request of later ones (JIT,
  // heaps growing, pools filling), more than the 2 s of the other rows settle; both paths get it.
  const warmup = Math.max(WARMUP, 5);
  for (const p of [...paths, ...paths]) {
    await expectUpstreamAnswer(url, p.host);
    console.error(`bench: ${p.name}: warm-up ${warmup}s`);
    await wrk(url, p.host, warmup);
  }
  // The two paths interleaved over the same processes, the order alternating (plain, mTLS, mTLS, plain, ...)
  // so that drift over the run (another tenant's load, JIT, GC of a growing heap) falls on both alike.
  const rounds = { plain: [], mtls: [] };
  for (let i = 0; i < ROUNDS; i++) {
    for (const p of i % 2 === 0 ? paths : [...paths].reverse()) {
      // wrk stopping drops its connections with requests in flight; the caller cuts off those tries, and
      // each costs its upstream connection (for mTLS a full handshake, ~4 ms of CPU on each side; see
      // docs/benchmarks.md). They are opened again here, before the clock starts, by a warm-up that itself
      // ends with nothing in flight — as every other row measures after --warmup seconds of warm-up.
      const settled = await settle(url, p.host, WARMUP);
      const accepted0 = await acceptedBy(p.callee);
      const caller0 = await statsOf(client);
      const cpu0 = p.pids.map(treeCpuSeconds);
      const cores0 = [coreBusySeconds(PROXY_CORE), coreBusySeconds(LOAD_CORE), treeCpuSeconds(cp.cp.pid)];
      const t0 = performance.now();
      const closed = await wrk(url, p.host, DURATION);
      const seconds = (performance.now() - t0) / 1000;
      const cpu1 = p.pids.map(treeCpuSeconds);
      const cores1 = [coreBusySeconds(PROXY_CORE), coreBusySeconds(LOAD_CORE), treeCpuSeconds(cp.cp.pid)];
      const accepted = (await acceptedBy(p.callee)) - accepted0;
      const caller1 = await statsOf(client);
      const sidecarsBusy = (cpu1[0] - cpu0[0] + cpu1[1] - cpu0[1]) / seconds;
      const perRequest = (cpu) => (closed.requests > 0 ? (cpu / closed.requests) * 1e6 : NaN);
      const round = {
        rps: closed.rps,
        requests: closed.requests,
        errors: closed.non2xx + closed.socketErrors,
        // Failed requests of the warm-up before the round (counted in the row's errors too).
        warmupErrors: settled.errors,
        cpuUsPerRequest: perRequest(cpu1[0] - cpu0[0] + cpu1[1] - cpu0[1]),
        callerUsPerRequest: perRequest(cpu1[0] - cpu0[0]),
        calleeUsPerRequest: perRequest(cpu1[1] - cpu0[1]),
        newConnections: accepted,
        // Tries beyond one per request (retries), and tries cut off after they left (wrk stopping with
        // requests in flight, per-try timeouts): each of those costs the caller's pool its connection,
        // so the next round of the path opens as many again.
        retries: caller1.forwarded.outbound - caller0.forwarded.outbound - (caller1.requests.outbound.total - caller0.requests.outbound.total),
        abortedTries: caller1.forwardedAbortedInFlight.outbound - caller0.forwardedAbortedInFlight.outbound,
        // Where the time went: the two sidecars' share of the proxy core, what else ran on it (other
        // tenants of the machine), how busy the load core was (wrk, nginx, the control plane, others).
        sidecarsCoreShare: sidecarsBusy,
        othersOnProxyCore: Math.max(0, (cores1[0] - cores0[0]) / seconds - sidecarsBusy),
        loadCoreBusy: (cores1[1] - cores0[1]) / seconds,
        controlPlaneCpu: (cores1[2] - cores0[2]) / seconds,
      };
      rounds[p.kind].push(round);
      console.error(`bench: ${p.name}: round ${i + 1}/${ROUNDS}: ${JSON.stringify(round)}`);
    }
  }
  const rows = [];
  for (const p of paths) {
    console.error(`bench: ${p.name}: open loop ${RATE}/s for ${RATE_DURATION}s`);
    const open = await openLoop(url, p.host, p.pids);
    const rs = rounds[p.kind];
    const row = {
      name: p.name,
      rps: median(rs.map((r) => r.rps)),
      requests: rs.reduce((sum, r) => sum + r.requests, 0),
      errors: rs.reduce((sum, r) => sum + r.errors + r.warmupErrors, 0) + open.errors + open.non2xx,
      cpuUsPerRequest: median(rs.map((r) => r.cpuUsPerRequest).filter(Number.isFinite)),
      p50Ms: open.p50Ms,
      p99Ms: open.p99Ms,
      openCompleted: open.completed,
      openScheduled: open.scheduled,
      meanSendLagMs: open.meanSendLagMs,
      vcpuPer1000: (open.cpuPerSecond * 1000) / RATE,
      peakRssMiB: treePeakRssMiB(p.pids),
      rounds: rs,
    };
    console.error(`bench: ${p.name}: ${JSON.stringify({ ...row, rounds: undefined })}`);
    rows.push(row);
  }
  const [plain, mtls] = rows;
  // Each row must have gone the way its name says.
  const mtlsOf = async (s) => (await statsOf(s)).mtls;
  const [tlsStats, plainStats] = [await mtlsOf(tlsCallee), await mtlsOf(plainCallee)];
  if (!(tlsStats.tls > 0 && tlsStats.plaintext === 0)) throw new Error(`the mTLS callee saw ${JSON.stringify(tlsStats)}`);
  if (!(plainStats.tls === 0 && plainStats.plaintext > 0)) throw new Error(`the plaintext callee saw ${JSON.stringify(plainStats)}`);
  mtls.tlsConnections = tlsStats.tls;
  plain.plaintextConnections = plainStats.plaintext;
  for (const s of [client, tlsCallee, plainCallee]) {
    writeFileSync(s.logFile, s.proc.logs.join("\n"));
    await s.proc.stop();
  }
  await cp.cp.stop();
  return [plain, mtls];
}

function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The sidecar bundled once per output file (buildSidecarBundle). */
const bundles = new Map();
function bundleSidecar(dir, sourceRoot, file) {
  const out = path.join(dir, file);
  if (!bundles.has(out)) bundles.set(out, buildSidecarBundle(sourceRoot, out, LOAD_CORE));
  return bundles.get(out);
}

main().catch(async (err) => {
  console.error(`bench: failed: ${err.stack ?? err}`);
  await stopAllProcesses();
  process.exit(1);
});
