// One process of simulated sidecars for the push benchmark (forked by run.mjs): each registers, holds
// its SSE config stream on its own connection (undici Pool), JSON-parses every bundle and ACKs it,
// as our sidecar does. Asked for a revision, it answers once all of its sidecars ACKed it (the ACK's
// 204 received), with the epoch time of each of those ACKs.
import { Pool } from "undici";

const { api, ids, token } = JSON.parse(process.argv[2]);
const auth = token ? { authorization: `Bearer ${token}` } : {};
const origin = new URL(api).origin;
const now = () => performance.timeOrigin + performance.now();
// One connection per stream (SSE holds it), a small shared pool for registrations and ACKs.
const streams = new Pool(origin, { connections: ids.length + 8, pipelining: 1, bodyTimeout: 0, headersTimeout: 0, keepAliveTimeout: 600_000 });
const calls = new Pool(origin, { connections: 32, pipelining: 1 });

const sidecars = new Map(ids.map(([id, service, port]) => [id, { id, service, port, acked: -1, ackedAt: new Map() }]));
/** Revision -> resolver, for the coordinator's "await" requests. */
let waiting = [];

async function post(path, body) {
  const res = await calls.request({ method: "POST", path, headers: { "content-type": "application/json", ...auth }, body: JSON.stringify(body) });
  await res.body.dump();
  if (res.statusCode >= 300) throw new Error(`POST ${path}: ${res.statusCode}`);
}

async function inBatches(items, size, fn) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

function checkWaiting() {
  waiting = waiting.filter(({ revision, resolve }) => {
    for (const s of sidecars.values()) if (s.acked < revision) return true;
    resolve();
    return false;
  });
}

async function onBundle(s, data) {
  const bundle = JSON.parse(data);
  try {
    await post(`/api/v1/sidecars/${encodeURIComponent(s.id)}/ack`, { revision: bundle.revision, accepted: true });
  } catch (err) {
    process.send({ type: "error", message: String(err) });
    return;
  }
  if (bundle.revision > s.acked) {
    s.acked = bundle.revision;
    s.ackedAt.set(bundle.revision, now());
    checkWaiting();
  }
}

async function openStream(s) {
  const res = await streams.request({ method: "GET", path: `/api/v1/sidecars/${encodeURIComponent(s.id)}/config`, headers: { accept: "text/event-stream", ...auth } });
  if (res.statusCode !== 200) throw new Error(`config stream ${s.id}: ${res.statusCode}`);
  res.body.setEncoding("utf8");
  let buffer = "";
  res.body.on("data", (chunk) => {
    buffer += chunk;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (!block.startsWith("event: bundle")) continue;
      const data = block.slice(block.indexOf("\ndata: ") + 7);
      void onBundle(s, data);
    }
  });
  res.body.on("error", () => {});
}

process.on("message", (msg) => {
  if (msg.type === "await") {
    new Promise((resolve) => {
      waiting.push({ revision: msg.revision, resolve });
      checkWaiting();
    }).then(() => {
      const times = [...sidecars.values()].map((s) => {
        // The first ACK of this revision or a later one (a newer bundle may have replaced it).
        let at = Infinity;
        for (const [rev, t] of s.ackedAt) if (rev >= msg.revision && t < at) at = t;
        return at;
      });
      for (const s of sidecars.values()) for (const rev of s.ackedAt.keys()) if (rev < msg.revision) s.ackedAt.delete(rev);
      process.send({ type: "acked", revision: msg.revision, times });
    });
  } else if (msg.type === "stop") {
    void Promise.allSettled([streams.destroy(), calls.destroy()]).then(() => process.exit(0));
  }
});

const list = [...sidecars.values()];
await inBatches(list, 50, (s) => post("/api/v1/sidecars/register", { instanceId: s.id, service: s.service, version: "v1", host: "127.0.0.1", inboundPort: s.port, labels: {} }));
await inBatches(list, 100, openStream);
// Ready once every sidecar ACKed a first bundle.
await new Promise((resolve) => {
  const poll = setInterval(() => {
    if (list.every((s) => s.acked >= 0)) {
      clearInterval(poll);
      resolve();
    }
  }, 50);
});
process.send({ type: "ready" });
