// Issue #7, scenario 5: telemetry durability. The control plane is SIGKILLed 20 times at random
// moments (seeded, the seed printed) while real sidecars carry traffic and export their request
// metrics, and three apps instrumented with the official OpenTelemetry JS SDK export a known counter
// and histogram. Every export passes through a counting relay (otlp-counting-relay.ts, a process of
// its own, in front of the control plane as a load balancer would be) that records which attempts got
// a 200. After the last restart and a final flush:
// - every SDK export that got a 200 is stored exactly once (each one carries a destination of its own,
//   so the graph shows it alone); one that never got a 200 is stored at most once, and only if a kill
//   cut it after it was sent;
// - every sidecar export that got a 200 is stored, and nothing beyond what the sidecars sent; a sidecar
//   keeps an export it could not deliver and sends it again, so in the end every one is acknowledged
//   and the graph holds exactly the requests the sidecars carried;
// - the exporters retried the rest: every export a down control plane refused while its exporter's
//   deadline left time for a retry was sent again;
// and the traffic through the sidecars saw zero failed requests.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { AggregationTemporalityPreference, OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { ATTR_DESTINATION_SERVICE, ATTR_DIRECTION, ATTR_SOURCE_SERVICE, METRIC_REQUEST_DURATION, RESOURCE_SERVICE_NAME, ZGraphResponse } from "@trellis/mesh-model";
import { request } from "undici";
import { z } from "zod";
import { sdkApp, sdkAttributes, type SdkApp } from "../../apps/control-plane/fixtures/otlp-exports";
import { runLoad, summary, type LoadResult } from "../support/load";
import { echo, startMesh, tempDir, waitForEndpoints, type Mesh, type Sidecar } from "../support/mesh";
import { startProcess, waitFor, type Started } from "../support/processes";
import type { AttemptRecord } from "./otlp-counting-relay";
import { loadFigures, mergeFigures, printSummary } from "./scenario-summary";
import { prng, scaledMs, scaledRate, SEED } from "./scale";

const KILLS = 20;
const SDK_APPS = 3;
/** The SDK exporters' deadline for one export, retries included (long enough to outlast a restart). */
const SDK_EXPORT_TIMEOUT_MS = 20_000;
/** The sidecars' export interval, which is also the deadline of one attempt (a failed export waits for the next one). */
const SIDECAR_INTERVAL_MS = 5_000;
/** The SDK's first retry comes after 1 s ± 20%. */
const FIRST_BACKOFF_MAX_MS = 1_200;
/** The relay sees an attempt somewhat after its exporter's deadline started (connecting, a busy machine). */
const SLACK_MS = 1_500;

const ZKeyValue = z.object({ key: z.string(), value: z.object({ stringValue: z.string().optional() }).loose() });
const ZExport = z.object({
  resourceMetrics: z.array(z.object({
    resource: z.object({ attributes: z.array(ZKeyValue).default([]) }).optional(),
    scopeMetrics: z.array(z.object({
      metrics: z.array(z.object({
        name: z.string(),
        histogram: z.object({ dataPoints: z.array(z.object({ attributes: z.array(ZKeyValue).default([]), count: z.coerce.number() })) }).optional(),
      })),
    })).default([]),
  })).default([]),
});
const ZRecord = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("body"), digest: z.string(), path: z.string(), body: z.unknown() }),
  z.object({
    kind: z.literal("attempt"), digest: z.string(), attempt: z.number(), startMs: z.number(), endMs: z.number(), status: z.number(),
    result: z.enum(["answered", "refused", "cut"]), delivered: z.boolean(),
  }),
]);

/** Requests per edge (`source>destination`) in one export: our duration histogram's counts, outbound views and SDK apps only. */
function requestCounts(body: unknown): Map<string, number> {
  const out = new Map<string, number>();
  const parsed = ZExport.safeParse(body);
  if (!parsed.success) return out;
  const attr = (list: z.infer<typeof ZKeyValue>[], key: string) => list.find((a) => a.key === key)?.value.stringValue;
  for (const rm of parsed.data.resourceMetrics) {
    const service = attr(rm.resource?.attributes ?? [], RESOURCE_SERVICE_NAME);
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) {
        if (m.name !== METRIC_REQUEST_DURATION || !m.histogram) continue;
        for (const p of m.histogram.dataPoints) {
          // The callee's inbound view of a mesh request is not counted by the control plane (the caller's is).
          if (attr(p.attributes, ATTR_DIRECTION) === "inbound") continue;
          const key = `${attr(p.attributes, ATTR_SOURCE_SERVICE) ?? service}>${attr(p.attributes, ATTR_DESTINATION_SERVICE)}`;
          out.set(key, (out.get(key) ?? 0) + p.count);
        }
      }
    }
  }
  return out;
}

interface ExportSeen {
  digest: string;
  counts: Map<string, number>;
  attempts: AttemptRecord[];
  /** Some attempt's 200 reached the exporter. */
  acked: boolean;
  /** Without an acknowledgement, an attempt the control plane may have stored: cut after sending, or a 200 the exporter no longer waited for. */
  maybeStored: boolean;
}

function readRecord(file: string): ExportSeen[] {
  const bodies = new Map<string, ExportSeen>();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line) continue;
    const r = ZRecord.parse(JSON.parse(line));
    if (r.kind === "body") bodies.set(r.digest, { digest: r.digest, counts: r.path.endsWith("/v1/metrics") ? requestCounts(r.body) : new Map(), attempts: [], acked: false, maybeStored: false });
    else bodies.get(r.digest)?.attempts.push(r);
  }
  for (const b of bodies.values()) {
    b.attempts.sort((x, y) => x.attempt - y.attempt);
    b.acked = b.attempts.some((a) => a.status === 200 && a.delivered);
    b.maybeStored = !b.acked && b.attempts.some((a) => a.result === "cut" || (a.status === 200 && !a.delivered));
  }
  return [...bodies.values()];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("telemetry durability: 20 kill -9 of the control plane under export", { timeout: scaledMs(400_000) + 300_000 }, () => {
  let mesh: Mesh;
  let relay: Started;
  let relayUrl = "";
  const record = tempDir("trellis-relay-");
  const recordFile = path.join(record.dir, "exports.ndjson");
  let webs: Sidecar[] = [];
  let apis: Sidecar[] = [];

  before(async () => {
    mesh = await startMesh({ metricsInterval: `${SIDECAR_INTERVAL_MS / 1000}s` });
    relay = await startProcess({ name: "otlp relay", entry: "test/resilience/otlp-counting-relay.ts", args: ["--target", mesh.otlp, "--record", recordFile] });
    relayUrl = `http://127.0.0.1:${Number(relay.listening.port)}`;
    const app = await mesh.app(echo("api"));
    const caller = await mesh.app(echo("web"));
    // The sidecars export to the relay (the last --otlp-endpoint wins).
    const viaRelay = { extraArgs: ["--otlp-endpoint", relayUrl] };
    const started = await Promise.all([
      mesh.startSidecar({ service: "web", appPort: caller.port, name: "web-1", ...viaRelay }),
      mesh.startSidecar({ service: "web", appPort: caller.port, name: "web-2", ...viaRelay }),
      mesh.startSidecar({ service: "api", appPort: app.port, name: "api-1", ...viaRelay }),
      mesh.startSidecar({ service: "api", appPort: app.port, name: "api-2", ...viaRelay }),
    ]);
    webs = started.slice(0, 2);
    apis = started.slice(2);
    for (const w of webs) await waitForEndpoints(w, "api", 2);
  });

  after(async () => {
    await mesh?.close();
    await relay?.stop("SIGKILL");
    record.remove();
  });

  it("stores every acknowledged export exactly once; exporters retry the rest; no request fails", async (t) => {
    t.diagnostic(`seed ${SEED} (TRELLIS_RESILIENCE_SEED=${SEED} replays the kill schedule)`);
    console.log(`telemetry durability: seed ${SEED}`);
    const rand = prng(SEED);
    const started = performance.now();

    // Mesh traffic, open loop, for as long as the kills go on.
    const stopLoad = new AbortController();
    const rate = scaledRate(20);
    const loads: Promise<LoadResult>[] = webs.map((w) => runLoad({ url: w.outbound, host: "api", path: "/work", rate, durationMs: 3_600_000, signal: stopLoad.signal }));

    // SDK apps: each records a batch of requests to a destination of its own, flushes it (the SDK
    // retries as it does), and goes on with the next batch.
    const stopSdk = new AbortController();
    const sent = new Map<string, number>();
    const apps: SdkApp[] = [];
    const sdkLoops = Array.from({ length: SDK_APPS }, async (_, i) => {
      const service = `sdk-app-${i + 1}`;
      const app = sdkApp({
        service,
        exporter: new OTLPMetricExporter({ url: `${relayUrl}/v1/metrics`, temporalityPreference: AggregationTemporalityPreference.DELTA, timeoutMillis: SDK_EXPORT_TIMEOUT_MS }),
        exportTimeoutMillis: SDK_EXPORT_TIMEOUT_MS + 5_000,
      });
      apps.push(app);
      const batchRand = prng(SEED + i + 1);
      for (let k = 0; !stopSdk.signal.aborted; k++) {
        const destination = `sdk-${i + 1}-${k}`;
        const count = 1 + Math.floor(batchRand() * 5);
        app.request(sdkAttributes({ destination }), 5 + batchRand() * 200, count);
        sent.set(`${service}>${destination}`, count);
        await app.provider.forceFlush().catch(() => undefined);
        await sleep(100 + batchRand() * 300);
      }
    });

    // The kills: the control plane runs a random while, is SIGKILLed, stays down a random while, and
    // is started again on the same database and ports.
    const kills: { upMs: number; downMs: number }[] = [];
    for (let k = 0; k < KILLS; k++) {
      const upMs = scaledMs(500 + rand() * 2_500);
      const downMs = rand() * 1_000;
      await sleep(upMs);
      const cp = mesh.cp!;
      await mesh.stopControlPlane("SIGKILL");
      assert.equal(cp.child.signalCode, "SIGKILL", `kill ${k + 1}`);
      await sleep(downMs);
      await mesh.startControlPlane();
      kills.push({ upMs, downMs });
    }
    const killPhaseMs = performance.now() - started;

    // After the last restart: traffic and batches stop; a final flush of everything (the SDK apps
    // flush on shutdown; the sidecars export what is left at their next interval).
    await sleep(scaledMs(2_000));
    stopLoad.abort();
    stopSdk.abort();
    const results = await Promise.all(loads);
    await Promise.all(sdkLoops);
    for (const app of apps) await app.provider.shutdown().catch(() => undefined);
    for (const s of [...webs, ...apis]) assert.equal(s.child.exitCode, null, `${s.name} survived the kills`);
    const answered = results.reduce((a, r) => a + r.answered, 0);
    const webApi = (list: ExportSeen[]) => list.reduce((a, e) => a + (e.counts.get("web>api") ?? 0), 0);
    // A sidecar keeps what it could not deliver and sends it again at its next export, so in the end
    // every one of its exports is acknowledged.
    await waitFor("the sidecars to export every request, each export acknowledged, and the relay to be idle", async () => {
      const res = await request(`${relayUrl}/in-flight`);
      const idle = ((await res.body.json()) as { inFlight: number }).inFlight === 0;
      const record = readRecord(recordFile);
      const sidecarsDone = record.filter((e) => e.counts.has("web>api")).every((e) => e.acked);
      return idle && sidecarsDone && webApi(record) >= answered ? true : undefined;
    }, 4 * SIDECAR_INTERVAL_MS + 30_000, 500).catch(() => undefined);

    // What was sent, what was acknowledged, what is stored.
    const exports = readRecord(recordFile);
    const res = await request(`${mesh.api}/api/v1/graph?window=30m`, { headers: mesh.auth });
    const stored = new Map(ZGraphResponse.parse(await res.body.json()).edges.map((e) => [`${e.source}>${e.target}`, Object.values(e.outcomes).reduce((a, b) => a + b, 0)]));
    const attempts = exports.flatMap((e) => e.attempts);
    const retried = exports.filter((e) => e.attempts.length > 1);
    const ackedAfterRetry = exports.filter((e) => e.acked && e.attempts[0]!.status !== 200);
    const lost = exports.filter((e) => !e.acked);
    const cut = attempts.filter((a) => a.result === "cut").length;
    const refused = attempts.filter((a) => a.result === "refused").length;

    // SDK exports: each batch is one edge, stored once if acknowledged.
    const sdkExports = exports.filter((e) => [...e.counts.keys()].some((k) => k.startsWith("sdk-app-")));
    const problems: string[] = [];
    for (const e of sdkExports) {
      for (const [edge, count] of e.counts) {
        const s = stored.get(edge) ?? 0;
        const history = e.attempts.map((a) => `${a.result} ${a.status}${a.delivered ? "" : " (exporter gone)"}`).join(", ");
        if (sent.get(edge) !== count) problems.push(`${edge}: the SDK recorded ${sent.get(edge)}, its export carried ${count}`);
        if (e.acked && s === 2 * count && e.attempts.some((a) => a.result === "cut")) {
          problems.push(`${edge}: stored twice — an attempt cut by a kill had been committed, and its retry was stored again (${history})`);
        } else if (e.acked && s !== count) problems.push(`${edge}: acknowledged with ${count} requests, stored ${s} (${history})`);
        if (!e.acked && s !== 0 && !(e.maybeStored && s === count)) problems.push(`${edge}: never acknowledged, stored ${s} of ${count} (${history})`);
      }
    }
    const sdkEdgesSeen = new Set(sdkExports.flatMap((e) => [...e.counts.keys()]));
    const neverExported = [...sent.keys()].filter((k) => !sdkEdgesSeen.has(k));

    // Sidecar exports: web -> api accumulates over exports, so it is bounded by what was acknowledged
    // and what might have been stored without an answer.
    const sum = webApi;
    const sidecarExports = exports.filter((e) => e.counts.has("web>api"));
    const ackedRequests = sum(sidecarExports.filter((e) => e.acked));
    const maybeRequests = sum(sidecarExports.filter((e) => e.maybeStored));
    const allRequests = sum(sidecarExports);
    const storedRequests = stored.get("web>api") ?? 0;

    // "Retry the rest": an export refused fast enough that its exporter's deadline still had room for
    // the first backoff must have been sent again.
    const deadlineOf = (e: ExportSeen) => (sdkExports.includes(e) ? SDK_EXPORT_TIMEOUT_MS : SIDECAR_INTERVAL_MS);
    const notRetried = exports.filter((e) => {
      const first = e.attempts[0];
      if (!first || e.attempts.length > 1 || (first.status === 200 && first.delivered) || !first.delivered) return false;
      return first.endMs - first.startMs + FIRST_BACKOFF_MAX_MS + SLACK_MS <= deadlineOf(e);
    });

    for (const [i, r] of results.entries()) console.log(`through web-${i + 1}: ${summary(r)}`);
    console.log(
      `${KILLS} kills in ${(killPhaseMs / 1000).toFixed(0)} s (up ${kills.map((k) => (k.upMs / 1000).toFixed(1)).join("/")} s); ` +
        `${exports.length} exports (${sdkExports.length} SDK, ${sidecarExports.length} sidecar), ${attempts.length} attempts: ${refused} refused by a down control plane, ${cut} cut mid-export; ` +
        `${retried.length} retried, ${ackedAfterRetry.length} acknowledged after a failed attempt, ${lost.length} never acknowledged; ` +
        `web->api: ${allRequests} requests exported, ${ackedRequests} acknowledged, ${storedRequests} stored (${maybeRequests} unacknowledged but possibly stored)`,
    );
    printSummary({
      scenario: 5,
      name: "telemetry durability",
      ...mergeFigures(
        loadFigures("web1", results[0]!),
        loadFigures("web2", results[1]!),
        {
          durationsS: { killPhase: Math.round(killPhaseMs / 1000) },
          counts: {
            kills: kills.length, exports: exports.length, sdkExports: sdkExports.length, sidecarExports: sidecarExports.length, attempts: attempts.length,
            refused, cut, retried: retried.length, ackedAfterRetry: ackedAfterRetry.length, neverAcked: lost.length, storageProblems: problems.length,
            requestsExported: allRequests, requestsAcked: ackedRequests, requestsStored: storedRequests,
          },
        },
      ),
    });

    assert.equal(kills.length, KILLS);
    for (const r of results) {
      assert.ok(r.achievedRate >= 0.9 * r.target, summary(r));
      assert.deepEqual(r.failures, [], summary(r));
    }
    assert.deepEqual(problems, [], "SDK exports: acknowledged means stored exactly once");
    assert.deepEqual(neverExported, [], "every SDK batch reached the relay");
    assert.ok(sdkExports.length >= KILLS, `SDK exports went on throughout (${sdkExports.length})`);
    assert.equal(allRequests, answered, "the sidecars exported every request they carried");
    assert.ok(storedRequests >= ackedRequests, `web->api: ${ackedRequests} requests acknowledged, only ${storedRequests} stored`);
    assert.ok(storedRequests <= ackedRequests + maybeRequests, `web->api: ${storedRequests} stored, more than the ${ackedRequests} acknowledged and ${maybeRequests} cut`);
    // Nothing a sidecar carried is lost to the outages, and nothing is counted twice: a batch is resent
    // byte for byte until acknowledged, and the control plane recognises a resend of a stored one.
    const sidecarNeverAcked = sidecarExports.filter((e) => !e.acked).map((e) => ({ digest: e.digest.slice(0, 12), attempts: e.attempts.map((a) => `${a.result} ${a.status}`) }));
    assert.deepEqual(sidecarNeverAcked, [], "every sidecar export was acknowledged in the end");
    assert.equal(storedRequests, answered, `web->api: the graph holds every request the sidecars carried (${storedRequests} stored, ${answered} answered)`);
    assert.ok(refused + cut > 0, "the kills reached the exporters");
    assert.ok(ackedAfterRetry.length > 0, "some exports were acknowledged on a retry");
    assert.deepEqual(notRetried.map((e) => ({ digest: e.digest.slice(0, 12), attempts: e.attempts })), [], "every export refused with time left was retried");
  });
});
