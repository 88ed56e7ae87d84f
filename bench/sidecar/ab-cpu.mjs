// Interleaved A/B of the sidecar's CPU per request (a profiling aid, not the benchmark): one upstream
// nginx and one control plane for the whole run, the bare undici proxy and one bundled sidecar per
// --source checkout started once (all on --proxy-core), then rounds of `wrk -c50` against each in
// turn (order rotated every round). Prints CPU µs per request per round and the median per variant.
// On a machine shared with others this is what to compare: the variants see the same load swings.
//   node bench/sidecar/ab-cpu.mjs --source /tmp/sc-base --source . --rounds 6 --seconds 5
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { request } from "undici";
import { buildSidecarBundle, everyFeature, freePort, ROOT, SIDECAR_FLAGS, startControlPlane, tool } from "./mesh-setup.mjs";
import { upstreamNginxConf } from "./peers.mjs";
import { runPinned, startPinned, stopAllProcesses, waitForPort } from "./processes.mjs";
import { treeCpuSeconds } from "./proc-stats.mjs";

const { values: flags } = parseArgs({
  allowNegative: true,
  options: {
    source: { type: "string", multiple: true, default: [] },
    rounds: { type: "string", default: "6" },
    seconds: { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
    connections: { type: "string", default: "50" },
    bare: { type: "boolean", default: true },
    // Load every variant at the same time (one wrk each, same connections): they share the proxy core
    // and whatever else runs on the machine in the same moments, the fairest pairing on a busy machine.
    together: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    // Unminified bundles keep one source line per line, so a profile's line numbers can be mapped back.
    minify: { type: "boolean", default: true },
    "proxy-core": { type: "string", default: "1" },
    "load-core": { type: "string", default: "0" },
    help: { type: "boolean", default: false },
  },
});
if (flags.help) {
  console.log("node bench/sidecar/ab-cpu.mjs --source DIR [--source DIR ...] [--rounds 6] [--seconds 5] [--warmup 1] [--no-bare] [--together] [--profile [--no-minify]]");
  process.exit(0);
}
const SOURCES = (flags.source.length ? flags.source : [ROOT]).map((s) => path.resolve(s));
const PROXY_CORE = flags["proxy-core"];
const LOAD_CORE = flags["load-core"];
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => stopAllProcesses().finally(() => process.exit(130)));

async function wrk(url, host, seconds) {
  const args = ["-t1", `-c${flags.connections}`, `-d${seconds}s`, "--timeout", "5s"];
  if (host) args.push("-H", `Host: ${host}`);
  const out = await runPinned(LOAD_CORE, tool("wrk"), [...args, url], (Number(seconds) + 30) * 1000);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return { requests, non2xx };
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), "trellis-ab-cpu-"));
  try {
    const upstreamPorts = [await freePort(), await freePort()];
    writeFileSync(path.join(dir, "upstream.conf"), upstreamNginxConf(dir, upstreamPorts));
    startPinned("upstream nginx", LOAD_CORE, tool("nginx"), ["-p", dir, "-c", path.join(dir, "upstream.conf"), "-e", path.join(dir, "upstream-stderr.log")]);
    for (const p of upstreamPorts) await waitForPort(p);

    const cp = await startControlPlane(dir, LOAD_CORE);
    for (const [i, port] of upstreamPorts.entries()) await cp.call("POST", "/api/v1/sidecars/register", { instanceId: `upstream-${i + 1}`, service: "upstream", version: "v1", host: "127.0.0.1", inboundPort: port, labels: {} });
    // The same policy as bench/sidecar/run.mjs: every feature on.
    await cp.call("PUT", "/api/v1/policies/upstream", everyFeature("upstream", "permissive"));
    const joinToken = await cp.joinToken("bench-client");

    const variants = [];
    if (flags.bare) {
      const prof = flags.profile ? ["--cpu-prof", "--cpu-prof-dir", path.join(dir, "profiles", "bare")] : [];
      const proc = startPinned("bare", PROXY_CORE, process.execPath, [...prof, path.join(import.meta.dirname, "bare-proxy.mjs"), "--port", "0", ...upstreamPorts.flatMap((p) => ["--upstream", `127.0.0.1:${p}`])], { cwd: ROOT });
      const { port } = await proc.waitForEvent("listening");
      variants.push({ name: "bare", proc, url: `http://127.0.0.1:${port}/`, host: undefined, samples: [] });
    }
    for (const [i, source] of SOURCES.entries()) {
      const bundle = path.join(dir, `sidecar-${i}.mjs`);
      await buildSidecarBundle(source, bundle, LOAD_CORE, { minify: flags.minify });
      const name = `${i}:${source}`;
      const prof = flags.profile ? ["--cpu-prof", "--cpu-prof-dir", path.join(dir, "profiles", `sidecar-${i}`)] : [];
      const cacheDir = path.join(dir, `cache-${i}`);
      mkdirSync(cacheDir, { recursive: true });
      const proc = startPinned(name, PROXY_CORE, process.execPath, [...SIDECAR_FLAGS, ...prof, bundle, "--outbound-port", "0", "--inbound-port", "0", "--admin-port", "0", "--control-plane", cp.api, "--otlp-endpoint", cp.otlp, "--cache-dir", cacheDir, "--metrics-interval", "5s", "--service", "bench-client", "--app-port", String(upstreamPorts[0]), "--join-token", joinToken], { cwd: ROOT });
      const l = await proc.waitForEvent("listening", 120_000);
      const admin = `http://127.0.0.1:${l.adminPort}`;
      for (const until = Date.now() + 30_000; ; ) {
        const res = await request(`${admin}/config`);
        const text = await res.body.text();
        const svc = res.statusCode === 200 ? JSON.parse(text).services?.upstream : undefined;
        if (svc?.endpoints?.length === 2 && JSON.stringify(svc).includes('"attempts":3')) break;
        if (Date.now() > until) throw new Error(`${name}: no config: ${text.slice(0, 300)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      variants.push({ name, proc, url: `http://127.0.0.1:${l.outboundPort}/`, host: "upstream", samples: [] });
    }

    const rounds = Number(flags.rounds);
    for (let r = 0; flags.together && r < rounds; r++) {
      await Promise.all(variants.map(async (v) => (v.served = (v.served ?? 0) + (await wrk(v.url, v.host, flags.warmup)).requests)));
      const cpu0 = variants.map((v) => treeCpuSeconds(v.proc.pid));
      const results = await Promise.all(variants.map((v) => wrk(v.url, v.host, flags.seconds)));
      const cpu1 = variants.map((v) => treeCpuSeconds(v.proc.pid));
      const line = variants.map((v, i) => {
        const us = ((cpu1[i] - cpu0[i]) / results[i].requests) * 1e6;
        v.samples.push(us);
        v.served += results[i].requests;
        return `${v.name.split(":")[0]} ${us.toFixed(1)} µs (${Math.round(results[i].requests / Number(flags.seconds))}/s${results[i].non2xx ? `, ${results[i].non2xx} non-2xx` : ""})`;
      });
      console.log(`round ${r + 1} together (load ${loadavg()[0].toFixed(1)}): ${line.join(" | ")}`);
    }
    for (let r = 0; !flags.together && r < rounds; r++) {
      const order = variants.map((_, i) => variants[(i + r) % variants.length]);
      const line = [];
      for (const v of order) {
        v.served = (v.served ?? 0) + (await wrk(v.url, v.host, flags.warmup)).requests;
        const cpu0 = treeCpuSeconds(v.proc.pid);
        const { requests, non2xx } = await wrk(v.url, v.host, flags.seconds);
        const cpu1 = treeCpuSeconds(v.proc.pid);
        const us = ((cpu1 - cpu0) / requests) * 1e6;
        v.samples.push(us);
        v.served += requests;
        line.push(`${v.name.split(":")[0]} ${us.toFixed(1)} µs (${Math.round(requests / Number(flags.seconds))}/s${non2xx ? `, ${non2xx} non-2xx` : ""})`);
      }
      console.log(`round ${r + 1} (load ${loadavg()[0].toFixed(1)}): ${line.join(" | ")}`);
    }
    const median = (xs) => {
      const s = [...xs].sort((a, b) => a - b);
      const mid = s.length >> 1;
      return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
    };
    for (const v of variants) console.log(`median ${v.name}: ${median(v.samples).toFixed(1)} µs/req  [${v.samples.map((s) => s.toFixed(0)).join(", ")}]; ${v.served} requests served in all`);
    if (variants.length >= 3 || (!flags.bare && variants.length === 2)) {
      const [a, b] = flags.bare ? [variants[1], variants[2]] : [variants[0], variants[1]];
      const ratios = a.samples.map((s, i) => b.samples[i] / s);
      console.log(`per-round ratio ${b.name.split(":")[0]}/${a.name.split(":")[0]}: median ${median(ratios).toFixed(3)} [${ratios.map((x) => x.toFixed(3)).join(", ")}]`);
    }
  } finally {
    await stopAllProcesses();
    if (flags.profile) console.log(`profiles in ${path.join(dir, "profiles")}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().catch(async (err) => {
  console.error(err.stack ?? err);
  await stopAllProcesses();
  process.exit(1);
});
