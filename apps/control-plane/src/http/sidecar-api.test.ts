// The sidecar API against a real control plane (in-process, SQLite in a temp folder).
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { SIDECAR_API, ZApiError, ZCreatedToken, ZJoinTokenResponse, ZBundle, ZRegisterResponse, ZSidecarsResponse, type Bundle, type RegisterRequest } from "@trellis/mesh-model";
import { openSse, type SseClient } from "../../fixtures/sse-client";
import { postJson, startTestControlPlane, type TestControlPlane } from "../../fixtures/test-control-plane";

const reg = (instanceId: string, service: string, version: string, inboundPort: number): RegisterRequest => ({
  instanceId,
  service,
  version,
  host: "127.0.0.1",
  inboundPort,
  labels: {},
});

async function nextBundle(stream: SseClient): Promise<Bundle> {
  const event = await stream.next();
  assert.equal(event.event, "bundle");
  const bundle = ZBundle.parse(JSON.parse(event.data));
  assert.equal(event.id, String(bundle.revision));
  return bundle;
}

/** Reads bundles until one satisfies `predicate` (intermediate revisions may come first). */
async function bundleWhere(stream: SseClient, predicate: (b: Bundle) => boolean): Promise<Bundle> {
  for (let i = 0; i < 20; i++) {
    const b = await nextBundle(stream);
    if (predicate(b)) return b;
  }
  throw new Error("no matching bundle");
}

async function apiError(res: Response, status: number, code: string): Promise<{ message: string; path?: string }> {
  assert.equal(res.status, status, `status of ${res.url}`);
  const body = ZApiError.parse(await res.json());
  assert.equal(body.error.code, code);
  return body.error;
}

async function sidecars(t: TestControlPlane) {
  const res = await t.fetch("/api/v1/sidecars");
  assert.equal(res.status, 200);
  return ZSidecarsResponse.parse(await res.json()).sidecars;
}

describe("sidecar API", { timeout: 30_000 }, () => {
  let t: TestControlPlane;
  const streams: SseClient[] = [];
  before(async () => {
    t = await startTestControlPlane({ args: ["--lease-ttl", "15s"], timings: { keepAliveMs: 100 } });
  });
  after(async () => {
    for (const s of streams) s.close();
    await t.close();
  });

  it("registers, streams bundles with the other services' endpoints, and shows the sidecar synced after its ACK", async () => {
    const res = await postJson(t.api + SIDECAR_API.register, reg("client-1", "client", "v1", 3001));
    assert.equal(res.status, 200);
    assert.deepEqual(ZRegisterResponse.parse(await res.json()), { instanceId: "client-1", leaseTtlMs: 15_000, heartbeatIntervalMs: 5_000 });

    const stream = await openSse(t.api + SIDECAR_API.config("client-1"));
    streams.push(stream);
    assert.equal(stream.status, 200);
    const first = await nextBundle(stream);
    assert.deepEqual(first.sidecar, { service: "client", version: "v1" });
    assert.deepEqual(Object.keys(first.services), [], "no other service yet");

    assert.equal((await postJson(t.api + SIDECAR_API.register, reg("echo-1", "echo", "v1", 4001))).status, 200);
    const withEcho = await bundleWhere(stream, (b) => b.services.echo !== undefined);
    assert.ok(withEcho.revision > first.revision);
    assert.deepEqual(withEcho.services.echo!.endpoints.map((e) => [e.instanceId, e.host, e.port, e.version]), [["echo-1", "127.0.0.1", 4001, "v1"]]);
    assert.equal(withEcho.services.client, undefined, "a sidecar is not its own destination");

    const before = (await sidecars(t)).find((s) => s.instanceId === "client-1")!;
    assert.equal(before.sentRevision, withEcho.revision);
    assert.equal(before.syncState, "pending");

    const ack = await postJson(t.api + SIDECAR_API.ack("client-1"), { revision: withEcho.revision, accepted: true });
    assert.equal(ack.status, 204);
    const list = await sidecars(t);
    const client = list.find((s) => s.instanceId === "client-1")!;
    assert.equal(client.syncState, "synced");
    assert.equal(client.ackedRevision, withEcho.revision);
    assert.equal(client.up, true);
    assert.equal(list.find((s) => s.instanceId === "echo-1")!.syncState, "disconnected", "echo has no config stream open");
  });

  it("keeps the stream alive with comments", async () => {
    const raw = await fetch(t.api + SIDECAR_API.config("echo-1"));
    const reader = raw.body!.getReader();
    let text = "";
    const deadline = Date.now() + 3000;
    while (!text.includes(": keep-alive") && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    assert.match(raw.headers.get("content-type") ?? "", /text\/event-stream/);
    assert.ok(text.includes(": keep-alive"), text.slice(0, 200));
  });

  it("records a NACK as rejected, with its error", async () => {
    const stream = await openSse(t.api + SIDECAR_API.config("client-1"));
    streams.push(stream);
    const bundle = await nextBundle(stream);
    assert.equal((await postJson(t.api + SIDECAR_API.register, reg("db-1", "db", "v1", 5001))).status, 200);
    const next = await bundleWhere(stream, (b) => b.services.db !== undefined && b.revision > bundle.revision);
    assert.equal((await postJson(t.api + SIDECAR_API.ack("client-1"), { revision: next.revision, accepted: false, error: "routes.0: bad regex" })).status, 204);
    const client = (await sidecars(t)).find((s) => s.instanceId === "client-1")!;
    assert.equal(client.syncState, "rejected");
    assert.equal(client.lastError, "routes.0: bad regex");
    stream.close();
  });

  it("renews leases, and answers 404 unknown_instance to a heartbeat it does not know", async () => {
    const ok = await fetch(t.api + SIDECAR_API.heartbeat("client-1"), { method: "POST" });
    assert.equal(ok.status, 200);
    assert.equal(ZRegisterResponse.parse(await ok.json()).heartbeatIntervalMs, 5000);
    // A JSON content type with no body is fine too.
    const withType = await fetch(t.api + SIDECAR_API.heartbeat("client-1"), { method: "POST", headers: { "content-type": "application/json" } });
    assert.equal(withType.status, 200);
    const unknown = await fetch(t.api + SIDECAR_API.heartbeat("nobody"), { method: "POST" });
    assert.match((await apiError(unknown, 404, "unknown_instance")).message, /register again/);
  });

  it("bumps the revision only when an endpoint changes", async () => {
    const revision = async () => ((await (await fetch(`${t.api}/healthz`)).json()) as { revision: number }).revision;
    const r0 = await revision();
    await postJson(t.api + SIDECAR_API.register, reg("echo-1", "echo", "v1", 4001));
    assert.equal(await revision(), r0, "same registration again");
    await postJson(t.api + SIDECAR_API.register, reg("echo-1", "echo", "v1", 4002));
    assert.equal(await revision(), r0 + 1, "a new port");
    await postJson(t.api + SIDECAR_API.register, { ...reg("echo-1", "echo", "v1", 4002), labels: { zone: "b" } });
    assert.equal(await revision(), r0 + 2, "new labels");
  });

  it("deregisters: the endpoint leaves the callers' bundles", async () => {
    const stream = await openSse(t.api + SIDECAR_API.config("client-1"));
    streams.push(stream);
    await bundleWhere(stream, (b) => b.services.echo?.endpoints.length === 1);
    const res = await fetch(t.api + SIDECAR_API.deregister("echo-1"), { method: "DELETE" });
    assert.equal(res.status, 204);
    await bundleWhere(stream, (b) => b.services.echo === undefined);
    assert.equal((await fetch(t.api + SIDECAR_API.deregister("echo-1"), { method: "DELETE" })).status, 204, "idempotent");
    await apiError(await fetch(t.api + SIDECAR_API.deregister("ghost"), { method: "DELETE" }), 404, "unknown_instance");
    await apiError(await fetch(t.api + SIDECAR_API.config("echo-1")), 404, "unknown_instance");
    const echo = (await sidecars(t)).find((s) => s.instanceId === "echo-1")!;
    assert.equal(echo.up, false);
    stream.close();
  });

  it("answers every malformed request with a 4xx ApiError naming the field", async () => {
    const badService = await postJson(t.api + SIDECAR_API.register, { ...reg("x-1", "Not_A_Name", "v1", 1) });
    assert.equal((await apiError(badService, 400, "invalid_body")).path, "service");
    const badPort = await postJson(t.api + SIDECAR_API.register, { ...reg("x-1", "x", "v1", 1), inboundPort: 70000 });
    assert.equal((await apiError(badPort, 400, "invalid_body")).path, "inboundPort");
    const extra = await postJson(t.api + SIDECAR_API.register, { ...reg("x-1", "x", "v1", 1), surprise: true });
    await apiError(extra, 400, "invalid_body");
    await apiError(await fetch(t.api + SIDECAR_API.register, { method: "POST" }), 400, "invalid_body");
    await apiError(await fetch(t.api + SIDECAR_API.register, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" }), 400, "invalid_body");
    await apiError(await fetch(t.api + SIDECAR_API.register, { method: "POST", headers: { "content-type": "text/plain" }, body: "hi" }), 415, "unsupported_media_type");
    await apiError(await postJson(t.api + SIDECAR_API.register, { big: "x".repeat(1_100_000) }), 413, "payload_too_large");
    await apiError(await postJson(t.api + SIDECAR_API.register, JSON.parse('{"__proto__": {"admin": true}}')), 400, "invalid_body");
    const badAck = await postJson(t.api + SIDECAR_API.ack("client-1"), { revision: -1, accepted: true });
    assert.equal((await apiError(badAck, 400, "invalid_body")).path, "revision");
    const badId = await fetch(`${t.api}/api/v1/sidecars/${encodeURIComponent("bad id!")}/heartbeat`, { method: "POST" });
    assert.equal((await apiError(badId, 400, "invalid_params")).path, "id");
    await apiError(await t.fetch("/api/v1/nothing"), 404, "not_found");
    await apiError(await fetch(`${t.api}/api/v1/sidecars/%ZZ/config`), 400, "bad_request");
    await apiError(await t.fetch("/api/v1/graph?window=forever"), 400, "invalid_query");
  });
});

describe("malformed HTTP", { timeout: 30_000 }, () => {
  it("is answered in the ApiError body on the API and a Status on the OTLP port", async () => {
    const t = await startTestControlPlane();
    try {
      const raw = (port: number) =>
        new Promise<string>((resolve) => {
          let out = "";
          const socket = connect(port, "127.0.0.1", () =>
            socket.write("POST /v1/metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
          );
          socket.on("data", (d) => (out += d.toString()));
          socket.on("close", () => resolve(out));
        });
      const api = await raw(t.cp.apiPort);
      assert.match(api, /^HTTP\/1.1 400/);
      assert.deepEqual(ZApiError.parse(JSON.parse(api.slice(api.indexOf("\r\n\r\n") + 4))).error.code, "bad_request");
      const otlp = await raw(t.cp.otlpHttpPort);
      assert.match(otlp, /^HTTP\/1.1 400/);
      assert.equal((JSON.parse(otlp.slice(otlp.indexOf("\r\n\r\n") + 4)) as { code: number }).code, 3);
    } finally {
      await t.close();
    }
  });
});

describe("leases", { timeout: 30_000 }, () => {
  let t: TestControlPlane;
  before(async () => {
    t = await startTestControlPlane({ args: ["--lease-ttl", "600ms"], timings: { leaseSweepMs: 50 } });
  });
  after(async () => t.close());

  it("expires a silent instance, bumps the revision and pushes its removal", async () => {
    const registered = ZRegisterResponse.parse(await (await postJson(t.api + SIDECAR_API.register, reg("client-1", "client", "v1", 3001))).json());
    assert.equal(registered.heartbeatIntervalMs, 200);
    await postJson(t.api + SIDECAR_API.register, reg("echo-1", "echo", "v1", 4001));
    // The client keeps heartbeating; echo goes silent.
    const beat = setInterval(() => void fetch(t.api + SIDECAR_API.heartbeat("client-1"), { method: "POST" }).then((r) => r.body?.cancel(), () => {}), registered.heartbeatIntervalMs);
    const stream = await openSse(t.api + SIDECAR_API.config("client-1"));
    try {
      await bundleWhere(stream, (b) => b.services.echo !== undefined);
      const gone = await bundleWhere(stream, (b) => b.services.echo === undefined);
      assert.ok(gone.revision > 0);
      assert.ok(t.log.lines.some((l) => l.event === "sidecar_lease_expired" && l.instanceId === "echo-1"));
      const res = await fetch(t.api + SIDECAR_API.heartbeat("echo-1"), { method: "POST" });
      await apiError(res, 404, "unknown_instance");
      // Registering again brings it back.
      await postJson(t.api + SIDECAR_API.register, reg("echo-1", "echo", "v1", 4001));
      await bundleWhere(stream, (b) => b.services.echo !== undefined);
    } finally {
      clearInterval(beat);
      stream.close();
    }
  });
});

describe("shutdown", { timeout: 30_000 }, () => {
  it("ends open config streams and closes promptly", async () => {
    const t = await startTestControlPlane();
    await postJson(t.api + SIDECAR_API.register, reg("client-1", "client", "v1", 3001));
    const streams = [await openSse(t.api + SIDECAR_API.config("client-1")), await openSse(t.api + SIDECAR_API.config("client-1"))];
    for (const s of streams) await nextBundle(s);
    const health = (await (await fetch(`${t.api}/healthz`)).json()) as { configStreams: number };
    assert.equal(health.configStreams, 2);
    const started = performance.now();
    await t.close();
    assert.ok(performance.now() - started < 3000, `close took ${performance.now() - started} ms`);
    for (const s of streams) await assert.rejects(s.next(2000), /stream ended|terminated|abort/i);
  });
});

describe("sidecar authentication (--sidecar-auth required)", { timeout: 30_000 }, () => {
  let t: TestControlPlane;
  before(async () => {
    t = await startTestControlPlane({ args: ["--sidecar-auth", "required"] });
  });
  after(async () => t.close());

  it("refuses every sidecar call without credentials with 401; an operator needs the editor role", async () => {
    await apiError(await postJson(t.api + SIDECAR_API.register, reg("shop-1", "shop", "v1", 3001)), 401, "unauthorized");
    const created = await t.fetch("/api/v1/tokens", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "watcher", role: "viewer" }) });
    const viewer = { authorization: `Bearer ${ZCreatedToken.parse(await created.json()).token}` };
    await apiError(await postJson(t.api + SIDECAR_API.register, reg("shop-1", "shop", "v1", 3001), { headers: { "content-type": "application/json", ...viewer } }), 403, "forbidden");
    await apiError(await postJson(t.api + SIDECAR_API.register, reg("shop-1", "shop", "v1", 3001), { headers: { "content-type": "application/json", authorization: "Bearer forged-operator-token" } }), 401, "unauthorized");
    // An admin may register an endpoint by hand (a service without a sidecar), and remove it.
    assert.equal((await postJson(t.api + SIDECAR_API.register, reg("external-1", "external", "v1", 3100), { headers: { "content-type": "application/json", ...t.auth } })).status, 200);
    assert.equal((await fetch(t.api + SIDECAR_API.deregister("external-1"), { method: "DELETE", headers: t.auth })).status, 204);
    const garbage = { authorization: "Bearer trellis-join-not-a-real-token" };
    await apiError(await postJson(t.api + SIDECAR_API.register, reg("shop-1", "shop", "v1", 3001), { headers: { "content-type": "application/json", ...garbage } }), 401, "unauthorized");
    await apiError(await fetch(t.api + SIDECAR_API.heartbeat("shop-1"), { method: "POST" }), 401, "unauthorized");
    await apiError(await fetch(t.api + SIDECAR_API.config("shop-1")), 401, "unauthorized");
    await apiError(await postJson(t.api + SIDECAR_API.ack("shop-1"), { revision: 1, accepted: true }), 401, "unauthorized");
    await apiError(await fetch(t.api + SIDECAR_API.deregister("shop-1"), { method: "DELETE" }), 401, "unauthorized");
  });

  it("lets a token act only as its own service, and its instances only", async () => {
    const shop = await t.sidecarAuth("shop");
    const ledger = await t.sidecarAuth("ledger");
    const as = (auth: Record<string, string>) => ({ headers: { "content-type": "application/json", ...auth } });
    const wrong = await apiError(await postJson(t.api + SIDECAR_API.register, reg("shop-1", "shop", "v1", 3001), as(ledger)), 403, "forbidden");
    assert.match(wrong.message, /for service ledger; it cannot act as shop/);
    assert.equal((await postJson(t.api + SIDECAR_API.register, reg("shop-1", "shop", "v1", 3001), as(shop))).status, 200);
    assert.equal((await postJson(t.api + SIDECAR_API.register, reg("ledger-1", "ledger", "v1", 3002), as(ledger))).status, 200);
    // The ledger token cannot renew, stream, answer for, take over or remove shop's instance.
    await apiError(await fetch(t.api + SIDECAR_API.heartbeat("shop-1"), { method: "POST", headers: ledger }), 403, "forbidden");
    await apiError(await fetch(t.api + SIDECAR_API.config("shop-1"), { headers: ledger }), 403, "forbidden");
    await apiError(await postJson(t.api + SIDECAR_API.ack("shop-1"), { revision: 1, accepted: true }, as(ledger)), 403, "forbidden");
    await apiError(await fetch(t.api + SIDECAR_API.deregister("shop-1"), { method: "DELETE", headers: ledger }), 403, "forbidden");
    await apiError(await postJson(t.api + SIDECAR_API.register, reg("shop-1", "ledger", "v1", 3009), as(ledger)), 403, "forbidden");
    // Its own token does all of it.
    assert.equal((await fetch(t.api + SIDECAR_API.heartbeat("shop-1"), { method: "POST", headers: shop })).status, 200);
    const stream = await openSse(t.api + SIDECAR_API.config("shop-1"), shop);
    try {
      const bundle = await bundleWhere(stream, (b) => b.services.ledger !== undefined);
      assert.equal((await postJson(t.api + SIDECAR_API.ack("shop-1"), { revision: bundle.revision, accepted: true }, as(shop))).status, 204);
    } finally {
      stream.close();
    }
    assert.equal((await fetch(t.api + SIDECAR_API.deregister("shop-1"), { method: "DELETE", headers: shop })).status, 204);
    // An operator (editor or above) may remove a dead instance by hand.
    assert.equal((await fetch(t.api + SIDECAR_API.deregister("ledger-1"), { method: "DELETE", headers: t.auth })).status, 204);
  });

  it("stops a deleted join token at once", async () => {
    const created = await t.fetch("/api/v1/ca/join-tokens", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ service: "cart" }) });
    const { id, token } = ZJoinTokenResponse.parse(await created.json());
    const auth = { "content-type": "application/json", authorization: `Bearer ${token ?? ""}` };
    assert.equal((await postJson(t.api + SIDECAR_API.register, reg("cart-1", "cart", "v1", 3003), { headers: auth })).status, 200);
    assert.equal((await fetch(t.api + SIDECAR_API.heartbeat("cart-1"), { method: "POST", headers: auth })).status, 200);
    assert.equal((await t.fetch(`/api/v1/ca/join-tokens/${id}`, { method: "DELETE" })).status, 204);
    await apiError(await fetch(t.api + SIDECAR_API.heartbeat("cart-1"), { method: "POST", headers: auth }), 401, "unauthorized");
  });
});

describe("sidecar authentication (--sidecar-auth optional)", { timeout: 30_000 }, () => {
  it("lets a sidecar without a token in, and still checks a token that is presented", async () => {
    const t = await startTestControlPlane({ args: ["--sidecar-auth", "optional"] });
    try {
      assert.equal((await postJson(t.api + SIDECAR_API.register, reg("open-1", "open", "v1", 3001))).status, 200);
      const other = await t.sidecarAuth("other");
      await apiError(await postJson(t.api + SIDECAR_API.register, reg("open-2", "open", "v1", 3002), { headers: { "content-type": "application/json", ...other } }), 403, "forbidden");
      await apiError(await fetch(t.api + SIDECAR_API.heartbeat("open-1"), { method: "POST", headers: { authorization: "Bearer trellis-join-unknown" } }), 401, "unauthorized");
    } finally {
      await t.close();
    }
  });
});
