// The demo services as real processes, chained directly (each one's "outbound" is the next service's
// own port, standing where its sidecar would be): routes, failure knobs, and loadgen's bounded run.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { request } from "undici";
import { startProcess, stopAll, type Started } from "../support/processes";

const started: Started[] = [];
const ENTRY = "apps/demo/src/main.ts";

async function demo(service: string, args: string[] = []): Promise<{ proc: Started; url: string }> {
  const proc = await startProcess({ name: `${service} ${args.join(" ")}`, entry: ENTRY, args: [service, ...args] });
  started.push(proc);
  return { proc, url: `http://127.0.0.1:${String(proc.listening.port)}` };
}

async function get(url: string): Promise<{ status: number; body: any; headers: Record<string, unknown> }> {
  const res = await request(url, { headersTimeout: 10_000 });
  return { status: res.statusCode, body: await res.body.json(), headers: res.headers };
}

/** A port on which nothing listens: calls to it fail at once. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  assert.ok(address && typeof address === "object");
  server.close();
  return address.port;
}

describe("demo services, chained without sidecars", { timeout: 60_000 }, () => {
  let frontend = "";
  let reviewsV2 = "";

  before(async () => {
    const quiet = ["--fault-scale", "0"];
    const ratings = await demo("ratings", quiet);
    const reviews = await demo("reviews", ["--version", "v2", "--outbound", ratings.url, ...quiet]);
    const catalog = await demo("catalog", ["--outbound", reviews.url, ...quiet]);
    frontend = (await demo("frontend", ["--outbound", catalog.url, ...quiet])).url;
    reviewsV2 = reviews.url;
  });

  after(() => stopAll(started));

  it("answers /healthz with its identity", async () => {
    const res = await get(`${reviewsV2}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: "ok", service: "reviews", version: "v2" });
  });

  it("serves the home page from catalog, reviews v2 and ratings", async () => {
    const res = await get(`${frontend}/`);
    assert.equal(res.status, 200);
    assert.equal(res.body.items.length, 5);
    assert.equal(res.body.featured.reviews.version, "v2");
    assert.equal(typeof res.body.featured.reviews.rating.stars, "number");
    assert.equal(res.headers["x-demo-service"], "frontend");
  });

  it("propagates the request id", async () => {
    const res = await request(`${frontend}/`, { headers: { "x-request-id": "req-123" } });
    await res.body.dump();
    assert.equal(res.headers["x-request-id"], "req-123");
  });

  it("answers 404 with an error body for unknown paths", async () => {
    const res = await get(`${frontend}/nope`);
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, "not_found");
  });

  it("reviews v1 never calls ratings", async () => {
    const v1 = await demo("reviews", ["--version", "v1", "--outbound", `http://127.0.0.1:${await closedPort()}`]);
    const res = await get(`${v1.url}/reviews/ivy`);
    assert.equal(res.status, 200);
    assert.equal(res.body.version, "v1");
    assert.equal("rating" in res.body, false);
  });

  it("turns failures up: ratings 503s, reviews v2 degrades, frontend reports catalog's 500 as 502", async () => {
    const ratings = await demo("ratings", ["--error-rate", "1"]);
    assert.equal((await get(`${ratings.url}/ratings/ivy`)).status, 503);
    assert.equal((await get(`${ratings.url}/healthz`)).status, 200, "health checks are never failed on purpose");
    const reviews = await demo("reviews", ["--version", "v2", "--outbound", ratings.url, "--fault-scale", "0"]);
    const degraded = await get(`${reviews.url}/reviews/ivy`);
    assert.deepEqual([degraded.status, degraded.body.rating], [200, null]);
    const catalog = await demo("catalog", ["--outbound", reviews.url, "--error-rate", "1"]);
    const front = await demo("frontend", ["--outbound", catalog.url]);
    const res = await get(`${front.url}/`);
    assert.equal(res.status, 502);
    assert.equal(res.body.error.code, "upstream_failed");
  });

  it("makes reviews v2 slow on demand", async () => {
    const slow = await demo("reviews", ["--version", "v1", "--delay-rate", "1", "--delay-ms", "300"]);
    const t0 = performance.now();
    assert.equal((await get(`${slow.url}/reviews/ivy`)).status, 200);
    assert.ok(performance.now() - t0 >= 290, "the injected delay is applied");
  });

  it("loadgen sends a bounded rate and exits by itself after --duration", async () => {
    const load = await demo("loadgen", ["--outbound", frontend, "--rate", "40", "--duration", "1"]);
    const [code] = await once(load.proc.child, "exit");
    assert.equal(code, 0);
    const summary = load.proc.logs.map((l) => JSON.parse(l)).find((e) => e.event === "loadgen.summary");
    assert.ok(summary, "a summary line is printed");
    assert.ok(summary.sent >= 30 && summary.sent <= 50, `about 40 requests sent, got ${summary.sent}`);
    assert.equal(summary.ok, summary.sent);
    assert.equal(summary.inFlight, 0);
  });

  it("loadgen stops cleanly on SIGTERM and reports what it sent", async () => {
    const load = await demo("loadgen", ["--outbound", frontend, "--rate", "20"]);
    await new Promise((r) => setTimeout(r, 500));
    const stats = await get(`${load.url}/stats`);
    assert.ok(stats.body.sent > 0);
    const exited = once(load.proc.child, "exit");
    load.proc.child.kill("SIGTERM");
    const [code] = await exited;
    assert.equal(code, 0);
    assert.ok(load.proc.logs.some((l) => l.includes('"loadgen.summary"')));
  });
});
