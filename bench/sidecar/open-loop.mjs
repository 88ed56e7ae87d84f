// An open-loop load generator: sends at a fixed rate whatever the server does, and times every request
// from the moment it was *scheduled* to be sent (so a stall shows up in the latency of every request
// that should have gone out meanwhile — no coordinated omission). Prints one JSON line of results.
//   node bench/sidecar/open-loop.mjs --url http://127.0.0.1:8080/ --rate 1000 --duration 10 --warmup 2 [--host name]
import { parseArgs } from "node:util";
import { Pool } from "undici";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    host: { type: "string" },
    rate: { type: "string", default: "1000" },
    duration: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "64" },
    timeout: { type: "string", default: "5" },
  },
});
if (!values.url) {
  console.error("usage: open-loop.mjs --url <url> [--host <Host header>] [--rate 1000] [--duration 10] [--warmup 2]");
  process.exit(2);
}

const target = new URL(values.url);
const rate = Number(values.rate);
const durationMs = Number(values.duration) * 1000;
const warmupMs = Number(values.warmup) * 1000;
const timeoutMs = Number(values.timeout) * 1000;
const intervalMs = 1000 / rate;
const pool = new Pool(target.origin, { connections: Number(values.connections), keepAliveTimeout: 60_000 });
const headers = values.host ? { host: values.host } : {};
const path = target.pathname + target.search;

const totalMs = warmupMs + durationMs;
const total = Math.floor(totalMs / intervalMs);
const warmupCount = Math.floor(warmupMs / intervalMs);
const latencies = new Float64Array(total - warmupCount);
let recorded = 0;
let errors = 0;
let non2xx = 0;
let completed = 0;
let maxSendLagMs = 0;
let sumSendLagMs = 0;

const t0 = performance.now() + 50;
let sent = 0;

function send(index) {
  const intended = t0 + index * intervalMs;
  const lag = performance.now() - intended;
  // Marks for whoever samples the server's CPU over exactly the measured window.
  if (index === warmupCount) console.log(JSON.stringify({ event: "measure_start" }));
  if (index === total - 1) console.log(JSON.stringify({ event: "measure_end" }));
  if (index >= warmupCount) {
    sumSendLagMs += lag;
    if (lag > maxSendLagMs) maxSendLagMs = lag;
  }
  pool
    .request({ path, method: "GET", headers, headersTimeout: timeoutMs, bodyTimeout: timeoutMs })
    .then(async (res) => {
      for await (const _ of res.body);
      if (res.statusCode < 200 || res.statusCode > 299) non2xx++;
      done(index, intended, false);
    })
    .catch(() => done(index, intended, true));
}

function done(index, intended, failed) {
  const latency = performance.now() - intended;
  if (failed) errors++;
  if (index >= warmupCount) latencies[recorded++] = latency;
  if (++completed === total) finish();
}

// Timers fire at best every ~1 ms, so each tick sends every request that is due; each is still timed
// from its own intended send time. Between ticks the generator sleeps instead of spinning, which keeps
// its core free for the upstreams it shares.
function tick() {
  const now = performance.now();
  while (sent < total && t0 + sent * intervalMs <= now) send(sent++);
  if (sent < total) setTimeout(tick, Math.max(0, t0 + sent * intervalMs - performance.now()));
}
setTimeout(tick, 50);

const hardStop = setTimeout(() => finish(), totalMs + timeoutMs + 2_000);

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

let finished = false;
function finish() {
  if (finished) return;
  finished = true;
  clearTimeout(hardStop);
  const sorted = latencies.slice(0, recorded).sort();
  const measured = total - warmupCount;
  const result = {
    event: "result",
    rate,
    durationS: durationMs / 1000,
    scheduled: measured,
    completed: recorded,
    // Requests still unanswered when the generator gave up count as errors too.
    errors: errors + (measured - recorded),
    non2xx,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    p999Ms: percentile(sorted, 99.9),
    maxMs: sorted.length ? sorted[sorted.length - 1] : NaN,
    meanSendLagMs: measured ? sumSendLagMs / measured : NaN,
    maxSendLagMs,
  };
  console.log(JSON.stringify(result));
  pool.destroy().finally(() => process.exit(0));
}
