// Real servers for tests: upstream "apps" on 127.0.0.1 port 0, and in-process sidecars whose
// control plane and OTLP endpoints point at a closed port (tests apply bundles directly).
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SidecarConfig } from "../config";
import { silentLogger, type Logger } from "../log";
import { startSidecar, type Sidecar } from "../sidecar";

export interface TestServer {
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** What a counting app saw: requests that reached it, finished arriving, or were cut off. */
export interface AppCounts {
  started: number;
  completed: number;
  aborted: number;
}

/**
 * An app that answers "ok" to every request once its body has arrived and counts what reached it;
 * the sidecar's own active health checks (x-trellis-health-check) are answered but not counted.
 */
export async function startCountingApp(): Promise<TestServer & { seen: AppCounts }> {
  const seen: AppCounts = { started: 0, completed: 0, aborted: 0 };
  const app = await startServer((req, res) => {
    if (req.headers["x-trellis-health-check"] !== undefined) return void res.end("ok");
    seen.started++;
    req.on("error", () => {});
    req.on("aborted", () => seen.aborted++);
    req.resume();
    req.on("end", () => {
      seen.completed++;
      res.end("ok");
    });
  });
  return { ...app, seen };
}

export async function startServer(handler: RequestListener): Promise<TestServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = address !== null && typeof address === "object" ? address.port : 0;
  return {
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: connections to it are refused at once. */
export const CLOSED_PORT = 1;

export interface TestSidecar extends Sidecar {
  close(): Promise<void>;
}

export async function startTestSidecar(overrides: Partial<SidecarConfig> & { service: string; appPort: number }, log: Logger = silentLogger): Promise<TestSidecar> {
  const cacheDir = overrides.cacheDir ?? (await mkdtemp(join(tmpdir(), "trellis-sidecar-")));
  const config: SidecarConfig = {
    version: "v1",
    appHost: "127.0.0.1",
    outboundPort: 0,
    inboundPort: 0,
    adminPort: 0,
    bindHost: "127.0.0.1",
    advertiseHost: "127.0.0.1",
    controlPlane: `http://127.0.0.1:${CLOSED_PORT}`,
    otlpEndpoint: `http://127.0.0.1:${CLOSED_PORT}`,
    // Short, so the SDK's retries against the closed OTLP port never outlive a test.
    metricsIntervalMs: 1_000,
    drainTimeoutMs: 1_000,
    maxHeaderBytes: 16_384,
    maxHeaderCount: 100,
    headersTimeoutMs: 10_000,
    logLevel: "error",
    trustDomain: "trellis.local",
    ...overrides,
    cacheDir,
  };
  const sidecar = await startSidecar(config, { log, backoff: { baseMs: 50, maxMs: 200 } });
  return {
    ...sidecar,
    stop: sidecar.stop,
    async close() {
      await sidecar.stop();
      if (!overrides.cacheDir) await rm(cacheDir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One plain node:http request; `path` may be absolute-form to talk to a proxy. */
export function send(port: number, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method: opts.method ?? "GET", path: opts.path, headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** An upstream app that echoes what it received as JSON, and names itself. */
export function echoApp(name: string): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.stringify({ name, method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200, { "content-type": "application/json", "x-app": name });
      res.end(body);
    });
  };
}
