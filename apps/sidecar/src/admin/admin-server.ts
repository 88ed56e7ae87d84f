// The admin port, loopback only: liveness, readiness (a bundle is loaded, the local app passes its
// health check, and we are not draining),
// the bundle in use, and counters. It answers from memory and never touches the data path.
import { createServer, type Server, type ServerResponse } from "node:http";
import type { ApiError } from "@trellis/mesh-model";
import type { Snapshot } from "../snapshot/snapshot";

export interface AdminDeps {
  snapshot: () => Snapshot | undefined;
  draining: () => boolean;
  /** The local app's active health check verdict; undefined until it is known. */
  localHealthy?: () => boolean | undefined;
  stats: () => unknown;
}

export function createAdminServer(deps: AdminDeps): Server {
  // The bundle text is built once per snapshot, however often /config is polled.
  const configText = new WeakMap<Snapshot, string>();
  return createServer((req, res) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, error("method_not_allowed", "the admin API is read-only"), { allow: "GET, HEAD" });
    switch (path) {
      case "/healthz":
        return send(res, 200, { status: "ok" });
      case "/ready": {
        const snap = deps.snapshot();
        if (deps.draining()) return send(res, 503, { ready: false, reason: "draining" });
        if (!snap) return send(res, 503, { ready: false, reason: "no configuration loaded yet" });
        if (deps.localHealthy?.() === false) return send(res, 503, { ready: false, reason: "the local app fails its health check" });
        return send(res, 200, { ready: true, revision: snap.revision, source: snap.source });
      }
      case "/config": {
        const snap = deps.snapshot();
        if (!snap) return send(res, 503, error("no_config", "no configuration loaded yet"));
        let text = configText.get(snap);
        if (text === undefined) configText.set(snap, (text = JSON.stringify(snap.bundle, null, 2)));
        return sendText(res, 200, text, { "x-trellis-revision": String(snap.revision), "x-trellis-config-source": snap.source });
      }
      case "/stats":
        return send(res, 200, deps.stats());
      default:
        return send(res, 404, error("not_found", `no admin endpoint ${path}; try /healthz, /ready, /config or /stats`));
    }
  });
}

function error(code: string, message: string): ApiError {
  return { error: { code, message } };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendText(res, status, JSON.stringify(body), headers);
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), "cache-control": "no-store", ...headers });
  res.end(res.req.method === "HEAD" ? undefined : text);
}
