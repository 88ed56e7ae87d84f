// A demo service behind its real sidecar: traffic entering the sidecar's inbound port reaches the
// app, with no control plane running at all (the sidecar serves its inbound side regardless).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { request } from "undici";
import { startProcess, stopAll, type Started } from "../support/processes";

const started: Started[] = [];
let dir = "";

describe("a demo service behind its own sidecar", { timeout: 60_000 }, () => {
  let inbound = "";

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "trellis-demo-sidecar-"));
    const app = await startProcess({ name: "ratings", entry: "apps/demo/src/main.ts", args: ["ratings", "--fault-scale", "0"] });
    started.push(app);
    const sidecar = await startProcess({
      name: "sidecar ratings",
      entry: "apps/sidecar/src/main.ts",
      args: [
        "--service", "ratings", "--app-port", String(app.listening.port),
        "--outbound-port", "0", "--inbound-port", "0", "--admin-port", "0",
        // Nothing listens on port 9: the control plane is down for this test.
        "--control-plane", "http://127.0.0.1:9", "--otlp-endpoint", "http://127.0.0.1:9",
        "--cache-dir", path.join(dir, "cache"),
      ],
    });
    started.push(sidecar);
    inbound = `http://127.0.0.1:${String(sidecar.listening.inboundPort)}`;
  });

  after(async () => {
    await stopAll(started);
    rmSync(dir, { recursive: true, force: true });
  });

  it("forwards inbound requests to the app and returns its answer", async () => {
    const res = await request(`${inbound}/ratings/ivy`, { headers: { "x-request-id": "through-sidecar" } });
    assert.equal(res.statusCode, 200);
    const body = (await res.body.json()) as { itemId?: string; stars?: number };
    assert.equal(body.itemId, "ivy");
    assert.equal(typeof body.stars, "number");
    assert.equal(res.headers["x-demo-service"], "ratings");
  });

  it("passes the app's failures through as they are", async () => {
    const res = await request(`${inbound}/nope`);
    await res.body.dump();
    assert.equal(res.statusCode, 404);
  });
});
