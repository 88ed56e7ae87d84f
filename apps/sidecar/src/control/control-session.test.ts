// The session's wiring (register, stream, ACK/NACK, reconnect, re-register, deregister), checked
// against a tiny in-test HTTP endpoint because the real control plane is built elsewhere; the
// end-to-end run with it lives in the top-level test/.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { ControlPlaneApi } from "./control-api";
import { ControlSession } from "./control-session";
import { silentLogger } from "../log";
import { BundleCache } from "../snapshot/bundle-cache";
import { SnapshotStore } from "../snapshot/snapshot-store";
import { makeBundle, ME } from "../testing/bundles";
import { startServer, type TestServer } from "../testing/servers";

const ZAck = z.object({ revision: z.int(), accepted: z.boolean(), error: z.string().optional() });

async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("ControlSession", () => {
  let server: TestServer;
  let dir: string;
  const calls = { register: 0, heartbeat: 0, streams: 0, deregister: 0 };
  const acks: Array<z.infer<typeof ZAck>> = [];
  let stream: ServerResponse | undefined;
  let forgetOnNextHeartbeat = false;
  let latest = "";

  const push = (data: string) => stream!.write(`event: bundle\ndata: ${data}\n\n`);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "trellis-session-"));
    server = await startServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const url = req.url ?? "";
        if (url === "/api/v1/sidecars/register") {
          calls.register++;
          res.end(JSON.stringify({ instanceId: "web-1", leaseTtlMs: 1_000, heartbeatIntervalMs: 30 }));
        } else if (url.endsWith("/heartbeat")) {
          calls.heartbeat++;
          res.statusCode = forgetOnNextHeartbeat ? 404 : 200;
          forgetOnNextHeartbeat = false;
          res.end("{}");
        } else if (url.endsWith("/config")) {
          calls.streams++;
          res.writeHead(200, { "content-type": "text/event-stream" });
          res.write(": hello\n\n");
          stream = res;
          if (latest) push(latest);
        } else if (url.endsWith("/ack")) {
          acks.push(ZAck.parse(JSON.parse(Buffer.concat(chunks).toString())));
          res.end("{}");
        } else if (req.method === "DELETE") {
          calls.deregister++;
          res.statusCode = 204;
          res.end();
        } else {
          res.statusCode = 500;
          res.end();
        }
      });
    });
  });

  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("registers, applies and ACKs bundles, NACKs bad ones, reconnects, re-registers and deregisters", async () => {
    const store = new SnapshotStore(ME, silentLogger);
    const cache = new BundleCache(dir, silentLogger);
    const session = new ControlSession({
      api: new ControlPlaneApi({ baseUrl: `http://127.0.0.1:${server.port}` }),
      registration: { instanceId: "web-1", service: ME.service, version: ME.version, host: "127.0.0.1", inboundPort: 15006, labels: {} },
      store,
      cache,
      log: silentLogger,
      backoff: { baseMs: 20, maxMs: 50 },
    });
    session.start();
    try {
      await waitFor("the config stream", () => stream);
      assert.equal(calls.register, 1);

      latest = JSON.stringify(makeBundle(1, [{ service: "catalog", endpoints: [{ port: 1 }] }]));
      push(latest);
      await waitFor("ACK of revision 1", () => acks.find((a) => a.revision === 1));
      assert.deepEqual(acks.at(-1), { revision: 1, accepted: true });
      assert.equal(store.current?.revision, 1);
      const cached = await waitFor("the cache write", async () => {
        const l = await cache.load();
        return l.status === "loaded" ? l : undefined;
      });
      assert.equal(cached.revision, 1);

      push(JSON.stringify({ ...makeBundle(2), revision: -5 }));
      push("{not json");
      await waitFor("two NACKs", () => acks.length >= 3);
      assert.equal(acks[1]!.accepted, false);
      assert.match(acks[1]!.error ?? "", /^revision: /);
      assert.deepEqual(acks[2], { revision: 0, accepted: false, error: "bundle event data is not JSON" });
      assert.equal(store.current?.revision, 1, "the last good bundle stays");
      assert.equal(session.status.lastAckedRevision, 1);

      // The control plane drops the stream: the session comes back and re-ACKs what it is sent.
      stream!.destroy();
      stream = undefined;
      await waitFor("a second stream", () => calls.streams >= 2 && acks.length >= 4);
      assert.deepEqual(acks[3], { revision: 1, accepted: true });

      // The control plane forgot us: register again.
      forgetOnNextHeartbeat = true;
      await waitFor("re-registration", () => calls.register >= 2 && session.status.registered);
      const beats = calls.heartbeat;
      await waitFor("heartbeats on the new registration", () => calls.heartbeat >= beats + 2);
    } finally {
      await session.stop({ deregister: true });
    }
    assert.equal(calls.deregister, 1);
    assert.equal(session.status.state, "stopped");
  });
});
