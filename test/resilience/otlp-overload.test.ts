// Issue #7, scenario 8 (the OTLP receiver half): ten times the sustainable export rate into a real
// control plane's OTLP/HTTP receiver, at its default limits. It sheds the excess with 429/503 +
// Retry-After before decoding it, answers what it accepts in bounded time, its memory stays bounded, it
// does not crash, every export it answered 200 is stored, and an exporter honouring Retry-After gets in
// once the load stops.
//
// The load is counted in exports per second: every export is the same (LABEL_SETS label sets, a
// histogram and a counter point each), so exports/s and points/s are proportional, and an export is what
// the receiver admits or sheds. "Sustainable" is measured first: CALIBRATION_LOOPS closed loops sending
// these exports as fast as they are answered give an estimate, then what the receiver accepts while
// offered 3x that estimate is its sustainable rate (the better of the two). The exports are heavy (2,000 label sets, ~2 MB of JSON)
// so that the receiver, not the generator, is the bottleneck at 10x, and gzipped (~17 KB, as OTLP
// exporters send by default): the generator then writes ~2 MB/s, not the ~200 MB/s of raw JSON that kept
// the first 10x attempt's generator 6-10 s behind its schedule (docs/resilience.md).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { ZGraphResponse } from "@trellis/mesh-model";
import { bucketsWith, metricsExport } from "../../apps/control-plane/fixtures/otlp-exports";
import { startMesh, type Mesh } from "../support/mesh";
import { quantile, runOtlpLoad } from "./otlp-load";
import { printSummary } from "./scenario-summary";
import { scaledMs } from "./scale";

const LABEL_SETS = 2_000;
const REQUESTS_PER_POINT = 2;
const CALIBRATION_LOOPS = 8;
/** Each of the two calibration steps. */
const CALIBRATION_MS = 4_000;
/**
 * The offered load, as a multiple of the measured sustainable rate: 10x at every scale, the long version
 * runs it longer. 20x at scale 4 on the idle 2-core machine (2026-11-26 12:26: 260 exports/s of 13/s
 * sustainable) was more than the generator, on the same two cores as the receiver, could write: 3,214 of
 * 8,320 on time, so the run measured the machine and not the receiver.
 */
const OVERLOAD = 10;
const LOAD_MS = scaledMs(8_000);
/** An export counts as sent when its body was written within this of its intended time. */
const ON_TIME_MS = 1_000;

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * Heavy exports from `source`, gzipped: one histogram and one counter point per label set, each counting
 * REQUESTS_PER_POINT requests. Export `n` differs from the others by its instance id (a receiver may
 * recognise a resent body as a retry), and costs the generator one tiny gzip: a gzip body may be several
 * members, which inflate to their concatenation, so the big parts are compressed once.
 */
function exportBodies(source: string): (n: number) => Buffer {
  const timeMs = Date.now();
  const points = Array.from({ length: LABEL_SETS }, (_, i) => ({ destination: `dst-${i % 50}`, version: `v${i % 10}`, buckets: bucketsWith(REQUESTS_PER_POINT), timeMs }));
  const mark = "@EXPORT@";
  const parts = JSON.stringify(metricsExport({ service: source, instanceId: `${source}-${mark}`, points })).split(mark);
  assert.equal(parts.length, 2);
  const [head, tail] = parts.map((p) => gzipSync(p));
  return (n) => Buffer.concat([head!, gzipSync(String(n)), tail!]);
}
const HEADERS = { "content-type": "application/json", "content-encoding": "gzip" };

/** Requests of `source` stored, from the graph API (every edge of the source, every outcome). */
async function storedRequests(mesh: Mesh, source: string): Promise<number> {
  const graph = ZGraphResponse.parse(await (await fetch(`${mesh.api}/api/v1/graph?window=15m`, { headers: mesh.auth })).json());
  let total = 0;
  for (const e of graph.edges) if (e.source === source) for (const n of Object.values(e.outcomes)) total += n ?? 0;
  return total;
}

async function shedSoFar(mesh: Mesh): Promise<number> {
  const health = (await (await fetch(`${mesh.api}/healthz`)).json()) as { ingest: { shedExports: number } };
  return health.ingest.shedExports;
}

describe("OTLP receiver overload", { timeout: LOAD_MS + 240_000 }, () => {
  let mesh: Mesh;

  before(async () => {
    mesh = await startMesh();
  });

  after(async () => {
    await mesh?.close();
  });

  it("sheds 10x the sustainable export rate before decoding, answers what it accepts in bounded time, stays bounded, stores every acknowledged export, and recovers", async () => {
    const post = (body: Buffer) => fetch(`${mesh.otlp}/v1/metrics`, { method: "POST", headers: HEADERS, body: new Uint8Array(body) });

    // The sustainable rate, in two steps: after a warm-up, closed loops for a few seconds give an
    // estimate (a shed export is sent again after a short pause); then 3x that estimate, open loop, for
    // a few seconds: what the receiver accepts while saturated — under its own admission, with exports
    // always waiting — is what it sustains (it accepted 1.2-1.8x the closed loops' rate that way).
    const calibration = exportBodies("calibration");
    let calibrationSent = 0;
    const calibrationMs: number[] = [];
    const send = async () => {
      for (;;) {
        const t0 = performance.now();
        const res = await post(calibration(calibrationSent++));
        await res.arrayBuffer();
        if (res.status === 200) return calibrationMs.push(performance.now() - t0);
        assert.ok(res.status === 429 || res.status === 503, `calibration: ${res.status}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    for (let i = 0; i < 3; i++) await send();
    calibrationMs.length = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: CALIBRATION_LOOPS }, async () => {
        while (performance.now() - start < CALIBRATION_MS) await send();
      }),
    );
    const closedLoop = calibrationMs.length / ((performance.now() - start) / 1000);
    const serviceMs = quantile(calibrationMs, 0.5);
    const saturating = await runOtlpLoad({
      url: mesh.otlp,
      path: "/v1/metrics",
      rate: Math.max(3, Math.ceil(3 * closedLoop)),
      durationMs: CALIBRATION_MS,
      body: (i) => calibration(calibrationSent + i),
      headers: HEADERS,
      timeoutMs: 60_000,
    });
    const saturated = saturating.replies.filter((x) => x.status === 200).length / (CALIBRATION_MS / 1000);
    const sustainable = Math.max(closedLoop, saturated);
    const rate = Math.max(10, Math.ceil(OVERLOAD * sustainable));

    const pid = mesh.cp!.child.pid!;
    const rssBefore = rssMiB(pid);
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      try {
        rssPeak = Math.max(rssPeak, rssMiB(pid));
      } catch {
        // exited: checked below
      }
    }, 100);

    const shedBefore = await shedSoFar(mesh);
    const body = exportBodies("load");
    let r;
    try {
      r = await runOtlpLoad({ url: mesh.otlp, path: "/v1/metrics", rate, durationMs: LOAD_MS, body, headers: HEADERS, timeoutMs: 60_000 });
    } finally {
      clearInterval(sampler);
    }
    const replies = r.replies;
    const intended = replies.length;
    const onTime = replies.filter((x) => x.writtenMs !== undefined && x.writtenMs - x.intendedMs <= ON_TIME_MS).length;
    const acked = replies.filter((x) => x.status === 200);
    const shed = replies.filter((x) => x.status === 429 || x.status === 503);
    const other = replies.filter((x) => x.status !== 200 && x.status !== 429 && x.status !== 503);
    const withoutRetryAfter = shed.filter((x) => x.retryAfter === undefined || !(Number(x.retryAfter) >= 0)).length;
    // Latency of an answer from when the export was written (the receiver's part) and from when it was meant to be sent.
    const fromWrite = (xs: typeof replies) => xs.map((x) => x.answeredMs! - x.writtenMs!);
    const fromIntent = (xs: typeof replies) => xs.map((x) => x.answeredMs! - x.intendedMs);
    const ackedP99 = quantile(fromWrite(acked), 0.99);
    const shedP99 = quantile(fromWrite(shed), 0.99);
    const receiverShed = (await shedSoFar(mesh)) - shedBefore;
    const stored = await storedRequests(mesh, "load");
    const ms = (n: number) => `${Math.round(n)} ms`;
    const message =
      `${intended} exports offered at ${rate}/s (${OVERLOAD}x the ${sustainable.toFixed(1)}/s sustainable: closed loops ${closedLoop.toFixed(1)}/s, one export ${ms(serviceMs)} with ${CALIBRATION_LOOPS} in flight; saturated ${saturated.toFixed(1)}/s) over ${LOAD_MS / 1000} s, ` +
      `${onTime} written on time; ${acked.length} answered 200 (${(acked.length / (LOAD_MS / 1000)).toFixed(1)}/s; from write p50 ${ms(quantile(fromWrite(acked), 0.5))} p99 ${ms(ackedP99)}, from intent p99 ${ms(quantile(fromIntent(acked), 0.99))}), ` +
      `${shed.length} shed (p50 ${ms(quantile(fromWrite(shed), 0.5))} p99 ${ms(shedP99)}; the receiver counted ${receiverShed}), ${other.length} other ${JSON.stringify(other.slice(0, 3))}; ` +
      `RSS ${rssBefore.toFixed(0)} -> peak ${rssPeak.toFixed(0)} MiB; stored ${stored} requests`;
    console.log(`OTLP receiver at ${OVERLOAD}x: ${message}`);
    printSummary({
      scenario: 8,
      name: "overload (OTLP receiver)",
      rates: { sustainable: Math.round(sustainable * 10) / 10, closedLoop: Math.round(closedLoop * 10) / 10, saturated: Math.round(saturated * 10) / 10, accepted: Math.round((acked.length / (LOAD_MS / 1000)) * 10) / 10, loadTarget: rate, loadOnTime: Math.round((onTime / (LOAD_MS / 1000)) * 10) / 10 },
      durationsS: { load: LOAD_MS / 1000 },
      counts: {
        loadIntended: intended,
        loadOnTime: onTime,
        acked: acked.length,
        shed: shed.length,
        ackedP99Ms: Math.round(ackedP99),
        shedP99Ms: Math.round(shedP99),
        storedRequests: stored,
        rssBeforeMiB: Math.round(rssBefore),
        rssPeakMiB: Math.round(rssPeak),
      },
    });

    assert.ok(rate >= 10 * sustainable, `the offered load is 10x the sustainable rate: ${message}`);
    // Sent means written to the socket near its intended time: a generator that falls behind its
    // schedule (or a machine too loaded to run it) fails here rather than pass with less load.
    assert.ok(onTime >= 0.9 * intended, `at least 90% of the offered load was sent on time: ${message}`);
    assert.deepEqual(other, [], `every export was answered 200, 429 or 503: ${message}`);
    assert.equal(cpAlive(mesh), true, "the control plane is still running");
    assert.equal(withoutRetryAfter, 0, `every shed answer says when to retry: ${message}`);
    assert.equal(receiverShed, shed.length, `the receiver's count of shed exports matches the answers: ${message}`);
    // Most of the excess is shed: at 10x, 90% of what is offered is beyond the sustainable rate, and
    // two thirds of all offered (three quarters of that excess) must be refused. The receiver may
    // accept more than the calibration measured when the machine gets quieter during the load, hence
    // not "all of it".
    assert.ok(shed.length >= (2 / 3) * intended, `most of the excess was shed: ${message}`);
    // What it accepts it answers in bounded time: the receiver aims at 1 s (--otlp-latency-target) and
    // adapts how many it takes at once; a loaded machine makes each export slower, so the bound is 5 s
    // or 4 calibrated exports' time, whichever is more (the unbounded receiver answered after p50 26 s).
    const bound = Math.max(5_000, 4 * serviceMs);
    assert.ok(ackedP99 <= bound, `accepted exports were answered within ${ms(bound)} (p99): ${message}`);
    // Every export answered 200 is stored; nothing else is (a shed export was never decoded).
    assert.equal(stored, acked.length * LABEL_SETS * REQUESTS_PER_POINT, message);
    assert.ok(rssPeak - rssBefore < 200, `RSS grew ${(rssPeak - rssBefore).toFixed(0)} MiB`);

    // Recovered: once the load stops, an exporter that honours Retry-After gets in within a bounded time.
    const afterBody = exportBodies("after")(0);
    const recoveryStart = Date.now();
    let again = await post(afterBody);
    while (again.status !== 200 && Date.now() - recoveryStart < 30_000) {
      assert.ok(again.status === 429 || again.status === 503, `while recovering: ${again.status} ${await again.text()}`);
      const retryAfterS = Number(again.headers.get("retry-after"));
      assert.ok(retryAfterS >= 0, "a shed answer says when to retry");
      await again.arrayBuffer();
      await new Promise((r) => setTimeout(r, Math.min(5, Math.max(0.1, retryAfterS)) * 1000));
      again = await post(afterBody);
    }
    console.log(`OTLP receiver recovered ${Date.now() - recoveryStart} ms after the load stopped`);
    assert.equal(again.status, 200, `not recovered within 30 s: ${await again.text()}`);
    assert.equal(await storedRequests(mesh, "after"), LABEL_SETS * REQUESTS_PER_POINT);
  });
});

function cpAlive(mesh: Mesh): boolean {
  const child = mesh.cp!.child;
  return child.exitCode === null && child.signalCode === null;
}
