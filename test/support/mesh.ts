// A small mesh of real processes on loopback for cross-process tests (test/sidecar, test/resilience):
// the control plane on fixed free ports (so it can be killed and started again where sidecars expect
// it), sidecars, upstream apps served from the test process, the policy API, and admin reads.
// Sidecars join with a join token minted through the CA API (the mesh is strict mTLS by default).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { CA_API, ZJoinTokenResponse, ZSidecarsResponse, type SidecarSummary } from "@trellis/mesh-model";
import { Agent, request } from "undici";
import { freePort } from "./free-port";
import { startProcess, waitFor, type Started } from "./processes";

export interface App {
  port: number;
  server: Server;
  /** Requests the app has seen, health checks (`x-trellis-health-check`) not counted. */
  hits: number;
  healthChecks: number;
  close(): Promise<void>;
}

/** An upstream app in the test process; the handler decides what kind of trouble it is. */
export async function startApp(handler: (req: IncomingMessage, res: ServerResponse, app: App) => void): Promise<App> {
  const server = createServer({ keepAliveTimeout: 60_000 });
  const app: App = {
    port: 0,
    server,
    hits: 0,
    healthChecks: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on("request", (req, res) => {
    if (req.headers["x-trellis-health-check"] !== undefined) app.healthChecks++;
    else app.hits++;
    handler(req, res, app);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  app.port = (server.address() as AddressInfo).port;
  return app;
}

/** Answers 200 with a JSON echo of who answered and what arrived (headers included). */
export function echo(name: string, extra: Record<string, unknown> = {}) {
  return (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on("end", () => {
      const body = JSON.stringify({ name, method: req.method, url: req.url, headers: req.headers, ...extra });
      res.writeHead(200, { "content-type": "application/json", "x-app": name });
      res.end(body);
    });
  };
}

export interface SidecarOptions {
  service: string;
  version?: string;
  appPort: number;
  /** Fixed ports (needed to restart a sidecar in place); 0 by default. */
  inboundPort?: number;
  outboundPort?: number;
  cacheDir?: string;
  instanceId?: string;
  extraArgs?: string[];
  env?: Record<string, string>;
  name?: string;
  /** Another control-plane URL than the mesh's (a relay in front of it). */
  controlPlane?: string;
  /**
   * The sidecar's join token: by default a new one for its service, minted through the CA API (or,
   * while the control plane is down, the last one minted for the service); `false` for none (a
   * sidecar without identity, which fails closed in strict mode).
   */
  joinToken?: string | false;
}

export interface Sidecar extends Started {
  service: string;
  version: string;
  outbound: string;
  admin: string;
  outboundPort: number;
  inboundPort: number;
  instanceId: string;
  cacheDir: string;
}

export interface Mesh {
  dir: string;
  api: string;
  otlp: string;
  apiPort: number;
  otlpPort: number;
  cp: Started | undefined;
  /** `{ authorization: "Bearer <the control plane's bootstrap API token>" }` for the operator API. */
  auth: Record<string, string>;
  sidecars: Sidecar[];
  apps: App[];
  startControlPlane(extraArgs?: string[]): Promise<Started>;
  /** SIGKILL (default) or SIGTERM the control plane and wait for it to exit. */
  stopControlPlane(signal?: NodeJS.Signals): Promise<void>;
  startSidecar(o: SidecarOptions): Promise<Sidecar>;
  /** A new join token for `service` from the control plane's CA API. */
  joinToken(service: string): Promise<string>;
  app(handler: Parameters<typeof startApp>[0]): Promise<App>;
  putPolicy(service: string, spec: Record<string, unknown>, message?: string): Promise<number>;
  sidecarsView(): Promise<SidecarSummary[]>;
  close(): Promise<void>;
}

export interface MeshOptions {
  /** Extra control-plane flags (e.g. a short --lease-ttl). */
  cpArgs?: string[];
  metricsInterval?: string;
}

export async function startMesh(o: MeshOptions = {}): Promise<Mesh> {
  const dir = mkdtempSync(path.join(tmpdir(), "trellis-mesh-"));
  const apiPort = await freePort();
  const otlpPort = await freePort();
  // The operator API needs a login or a token once auth is on: a bootstrap admin token for the tests.
  const token = randomBytes(32).toString("base64url");
  const auth = { authorization: `Bearer ${token}` };
  const tokens = new Map<string, string>();
  const tokenFor = async (service: string): Promise<string> => {
    try {
      return await mesh.joinToken(service);
    } catch (err) {
      // A sidecar restarted while the control plane is down keeps using its service's token.
      const known = tokens.get(service);
      if (known === undefined) throw err;
      return known;
    }
  };
  const mesh: Mesh = {
    auth,
    dir,
    apiPort,
    otlpPort,
    api: `http://127.0.0.1:${apiPort}`,
    otlp: `http://127.0.0.1:${otlpPort}`,
    cp: undefined,
    sidecars: [],
    apps: [],
    async startControlPlane(extraArgs = []) {
      mesh.cp = await startProcess({
        name: "control plane",
        entry: "apps/control-plane/src/main.ts",
        args: [
          "--api-port", String(apiPort), "--otlp-http-port", String(otlpPort), "--otlp-grpc-port", "0",
          "--database-url", `file:${path.join(dir, "cp.db")}`, ...(o.cpArgs ?? []), ...extraArgs,
        ],
        env: { TRELLIS_API_TOKEN: token, TRELLIS_ADMIN_PASSWORD: randomBytes(12).toString("base64url") },
        timeoutMs: 120_000,
      });
      return mesh.cp;
    },
    async stopControlPlane(signal = "SIGKILL") {
      await mesh.cp?.stop(signal);
    },
    async joinToken(service) {
      const token = await mintJoinToken(mesh.api, auth, service);
      tokens.set(service, token);
      return token;
    },
    async startSidecar(s) {
      const version = s.version ?? "v1";
      const joinToken = s.joinToken === false ? undefined : (s.joinToken ?? (await tokenFor(s.service)));
      const cacheDir = s.cacheDir ?? path.join(dir, `cache-${s.service}-${version}-${mesh.sidecars.length}`);
      const started = await startProcess({
        name: s.name ?? `sidecar ${s.service} ${version}`,
        entry: "apps/sidecar/src/main.ts",
        args: [
          "--service", s.service, "--version", version, "--app-port", String(s.appPort),
          "--outbound-port", String(s.outboundPort ?? 0), "--inbound-port", String(s.inboundPort ?? 0), "--admin-port", "0",
          "--control-plane", s.controlPlane ?? mesh.api, "--otlp-endpoint", mesh.otlp, "--cache-dir", cacheDir,
          "--metrics-interval", o.metricsInterval ?? "1s",
          ...(s.instanceId ? ["--instance-id", s.instanceId] : []),
          ...(s.extraArgs ?? []),
        ],
        // On the environment, not argv (`ps` shows argv).
        env: { ...(joinToken === undefined ? {} : { TRELLIS_JOIN_TOKEN: joinToken }), ...s.env },
        timeoutMs: 120_000,
      });
      const l = started.listening;
      const sidecar: Sidecar = Object.assign(started, {
        service: s.service,
        version,
        outboundPort: Number(l.outboundPort),
        inboundPort: Number(l.inboundPort),
        outbound: `http://127.0.0.1:${l.outboundPort}`,
        admin: `http://127.0.0.1:${l.adminPort}`,
        instanceId: String(l.instanceId),
        cacheDir,
      });
      mesh.sidecars.push(sidecar);
      return sidecar;
    },
    async app(handler) {
      const a = await startApp(handler);
      mesh.apps.push(a);
      return a;
    },
    async putPolicy(service, spec, message = "test") {
      // A policy needs its service registered, and a sidecar registers after it prints "listening"
      // (its first call to the control plane): a service not registered yet is waited for, up to 30 s.
      // Any other refusal fails at once.
      const until = Date.now() + 30_000;
      let res: Awaited<ReturnType<typeof request>>;
      let text: string;
      for (;;) {
        res = await request(`${mesh.api}/api/v1/policies/${service}`, {
          method: "PUT",
          headers: { "content-type": "application/json", ...auth },
          body: JSON.stringify({ spec: { service, ...spec }, message }),
        });
        text = await res.body.text();
        if (res.statusCode !== 400 || !text.includes("[unknown_service]") || Date.now() > until) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      if (res.statusCode !== 200) throw new Error(`PUT policy ${service}: ${res.statusCode} ${text}`);
      const revision = (JSON.parse(text) as { revision?: unknown }).revision;
      if (typeof revision !== "number") throw new Error(`PUT policy ${service}: no revision in ${text}`);
      return revision;
    },
    async sidecarsView() {
      const res = await request(`${mesh.api}/api/v1/sidecars`, { headers: auth });
      return ZSidecarsResponse.parse(await res.body.json()).sidecars;
    },
    async close() {
      for (const s of [...mesh.sidecars].reverse()) await s.stop("SIGKILL");
      await mesh.cp?.stop("SIGKILL");
      await Promise.all(mesh.apps.map((a) => a.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await mesh.startControlPlane();
  return mesh;
}

/** Mints a join token for `service` through the CA API (operator auth: the mesh's bootstrap token). */
export async function mintJoinToken(api: string, auth: Record<string, string>, service: string): Promise<string> {
  const res = await request(`${api}${CA_API.joinTokens}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...auth },
    body: JSON.stringify({ service }),
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const text = await res.body.text();
  if (res.statusCode !== 201) throw new Error(`POST ${CA_API.joinTokens} for ${service}: ${res.statusCode} ${text}`);
  const token = ZJoinTokenResponse.parse(JSON.parse(text)).token;
  if (token === undefined) throw new Error(`POST ${CA_API.joinTokens}: no token in the answer`);
  return token;
}

/** The revision a sidecar has applied (from its admin /config), or undefined without config. */
export async function appliedRevision(sidecar: Sidecar): Promise<number | undefined> {
  const res = await request(`${sidecar.admin}/config`);
  await res.body.text();
  const rev = res.headers["x-trellis-revision"];
  return res.statusCode === 200 && typeof rev === "string" ? Number(rev) : undefined;
}

/** Waits until the sidecar runs `revision` or a later one. */
export async function waitForRevision(sidecar: Sidecar, revision: number, timeoutMs = 20_000): Promise<number> {
  try {
    return await waitFor(`${sidecar.name} to apply revision ${revision}`, async () => {
      const rev = await appliedRevision(sidecar);
      return rev !== undefined && rev >= revision ? rev : undefined;
    }, timeoutMs, 100);
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}; its last log lines:\n${sidecar.logs.slice(-15).join("\n")}`);
  }
}

/** The bundle a sidecar runs, as its admin /config shows it. */
export async function sidecarBundle(sidecar: Sidecar): Promise<{ revision: number; services: Record<string, { endpoints: { instanceId: string; version: string }[] }> }> {
  const res = await request(`${sidecar.admin}/config`);
  return (await res.body.json()) as never;
}

/** Waits until `sidecar` knows `count` endpoints of `service`. */
export async function waitForEndpoints(sidecar: Sidecar, service: string, count: number, timeoutMs = 30_000): Promise<void> {
  await waitFor(`${sidecar.name} to know ${count} endpoints of ${service}`, async () => {
    const res = await request(`${sidecar.admin}/config`);
    if (res.statusCode !== 200) return void (await res.body.text());
    const bundle = (await res.body.json()) as { services?: Record<string, { endpoints: unknown[] }> };
    return bundle.services?.[service]?.endpoints.length === count ? true : undefined;
  }, timeoutMs, 100);
}

export async function stats(sidecar: Sidecar): Promise<Record<string, unknown>> {
  const res = await request(`${sidecar.admin}/stats`);
  return (await res.body.json()) as Record<string, unknown>;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
}

/** One request through a sidecar's outbound port, the destination named in Host. */
export async function call(sidecar: Sidecar, host: string, pathname = "/", init: { method?: string; headers?: Record<string, string>; dispatcher?: Agent } = {}): Promise<Reply> {
  const t0 = performance.now();
  const res = await request(`${sidecar.outbound}${pathname}`, {
    method: (init.method ?? "GET") as "GET",
    headers: { host, ...init.headers },
    dispatcher: init.dispatcher,
  });
  const body = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body, ms: performance.now() - t0 };
}

/** Parsed JSON log lines of a process that have the given event. */
export function logEvents(p: Started, event: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of p.logs) {
    if (!line.includes(`"${event}"`)) continue;
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (parsed.event === event) out.push(parsed);
    } catch {
      // not JSON
    }
  }
  return out;
}

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
