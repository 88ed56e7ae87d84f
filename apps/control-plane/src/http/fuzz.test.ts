// Garbled input never makes either server answer 5xx or fall over: a few hundred random and mutated
// bodies against the OTLP receiver and the API, from a fixed seed so that failures reproduce.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { SIDECAR_API } from "@trellis/mesh-model";
import { bucketsWith, metricsExport, tracesExport } from "../../fixtures/otlp-exports";
import { startTestControlPlane, type TestControlPlane } from "../../fixtures/test-control-plane";
import { encodeMetricsRequest } from "../ingest/otlp-proto";

function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}

type Rng = ReturnType<typeof rng>;

const WEIRD: unknown[] = [null, -1, 0, 1.5, 2 ** 64, "", "x", "NaN", "-Infinity", "18446744073709551616", true, {}, [], [[[]]], { stringValue: 5 }, "5b8efff7"];

function randomValue(r: Rng, depth = 0): unknown {
  if (depth > 3 || r.next() < 0.5) return r.pick(WEIRD);
  return r.next() < 0.5 ? [randomValue(r, depth + 1), randomValue(r, depth + 1)] : { k: randomValue(r, depth + 1), value: randomValue(r, depth + 1) };
}

/** Replaces one randomly chosen node of `value` with something unexpected. */
function mutate(value: unknown, r: Rng): unknown {
  if (Array.isArray(value)) {
    if (value.length === 0 || r.next() < 0.15) return randomValue(r);
    const copy = [...value];
    const i = r.int(copy.length);
    copy[i] = mutate(copy[i], r);
    return copy;
  }
  if (value && typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 0 || r.next() < 0.15) return randomValue(r);
    const copy: Record<string, unknown> = { ...value };
    const k = r.pick(keys);
    if (r.next() < 0.1) delete copy[k];
    else copy[k] = mutate(copy[k], r);
    return copy;
  }
  return randomValue(r);
}

function randomBytes(r: Rng, max: number): Buffer {
  return Buffer.from(Array.from({ length: r.int(max) }, () => r.int(256)));
}

function deepJson(levels: number): string {
  return `{"resourceMetrics":[{"resource":{"attributes":[{"key":"a","value":${'{"arrayValue":{"values":['.repeat(levels)}${"]}}".repeat(levels)}}]}}]}`;
}

describe("fuzzing", { timeout: 120_000 }, () => {
  let t: TestControlPlane;
  before(async () => {
    t = await startTestControlPlane({ args: ["--max-otlp-body", "256KiB"] });
  });
  after(async () => t.close());

  it("the OTLP receiver answers garbled exports with 2xx or 4xx, never 5xx", async () => {
    const r = rng(20260201);
    const validMetrics = metricsExport({ service: "web", points: [{ destination: "api", buckets: bucketsWith(3), timeMs: Date.now() }] });
    const validTraces = tracesExport("web", 2, Date.now());
    const validProto = Buffer.from(encodeMetricsRequest(validMetrics));
    const statuses = new Map<number, number>();
    for (let i = 0; i < 400; i++) {
      const path = r.pick(["/v1/metrics", "/v1/traces"]);
      let body: Buffer;
      let type = r.pick(["application/json", "application/x-protobuf"]);
      switch (r.int(7)) {
        case 0:
          body = randomBytes(r, 3000);
          break;
        case 1:
          body = Buffer.from(JSON.stringify(mutate(path === "/v1/metrics" ? validMetrics : validTraces, r)));
          type = "application/json";
          break;
        case 2: {
          body = Buffer.from(validProto);
          for (let f = 0; f < 1 + r.int(8); f++) body[r.int(body.length)] = r.int(256);
          if (r.next() < 0.4) body = body.subarray(0, r.int(body.length));
          type = "application/x-protobuf";
          break;
        }
        case 3:
          body = Buffer.from(JSON.stringify(randomValue(r)));
          break;
        case 4:
          body = Buffer.from(deepJson(50 + r.int(5000)));
          type = "application/json";
          break;
        case 5:
          body = gzipSync(Buffer.from(JSON.stringify(mutate(validMetrics, r)))).subarray(0, 10 + r.int(200));
          break;
        default:
          body = randomBytes(r, 200);
          type = r.pick(["text/plain", "", "application/json; charset=latin1", "application/x-protobuf; x=y", "multipart/form-data"]);
      }
      const headers: Record<string, string> = {};
      if (type !== "") headers["content-type"] = type;
      if (r.next() < 0.25) {
        headers["content-encoding"] = r.pick(["gzip", "identity", "deflate", "GZIP"]);
        if (headers["content-encoding"]?.toLowerCase() === "gzip" && r.next() < 0.7) body = gzipSync(body);
      }
      const res = await fetch(t.otlp + path, { method: "POST", headers, body });
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      assert.ok(res.status < 500, `request ${i} (${type}, ${headers["content-encoding"] ?? "identity"}) answered ${res.status}`);
    }
    assert.ok((statuses.get(400) ?? 0) > 50, JSON.stringify([...statuses]));
    assert.equal((await fetch(`${t.api}/healthz`)).status, 200);
    assert.deepEqual(t.log.lines.filter((l) => l.level === "error"), []);
  });

  it("the API answers garbled requests with 4xx, never 5xx", async () => {
    const r = rng(7);
    const valid = { instanceId: "fz-1", service: "fz", version: "v1", host: "127.0.0.1", inboundPort: 1000, labels: { a: "b" } };
    const ids = ["fz-1", "", "%00", "..", "a".repeat(300), "%E0%A4%A", "x y", "ok-id"];
    for (let i = 0; i < 300; i++) {
      const kind = r.int(5);
      let res: Response;
      const body = r.next() < 0.5 ? JSON.stringify(mutate(kind === 1 ? { revision: 3, accepted: true } : valid, r)) : randomBytes(r, 300).toString("latin1");
      const headers = { "content-type": r.pick(["application/json", "application/json", "text/plain", "application/x-www-form-urlencoded"]) };
      const id = r.pick(ids);
      if (kind === 0) res = await fetch(t.api + SIDECAR_API.register, { method: "POST", headers, body });
      else if (kind === 1) res = await fetch(`${t.api}/api/v1/sidecars/${id}/ack`, { method: "POST", headers, body });
      else if (kind === 2) res = await fetch(`${t.api}/api/v1/sidecars/${id}/heartbeat`, { method: "POST", headers, body });
      else if (kind === 3) res = await t.fetch(`/api/v1/${r.pick(["graph", "services", "sidecars"])}?window=${encodeURIComponent(String(r.pick(WEIRD)))}&window=5m`);
      else res = await fetch(`${t.api}/api/v1/sidecars/${id}`, { method: r.pick(["DELETE", "PUT", "PATCH", "GET"]) });
      await res.arrayBuffer();
      assert.ok(res.status < 500, `request ${i} (kind ${kind}) answered ${res.status}`);
    }
    assert.equal((await fetch(`${t.api}/healthz`)).status, 200);
    assert.deepEqual(t.log.lines.filter((l) => l.level === "error"), []);
  });
});
