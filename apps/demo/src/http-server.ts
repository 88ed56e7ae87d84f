// A tiny JSON HTTP server for the demo services: routes by method and path (one trailing `:param`
// segment at most), /healthz outside fault injection, and the one place errors become statuses.
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { DemoError, InjectedFault, NotFoundError, statusOf } from "./errors";
import { decideFault, type FaultPlan } from "./faults";
import type { Logger } from "@trellis/process-kit";

export interface DemoRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  requestId: string;
}

export interface DemoResponse {
  status: number;
  body: unknown;
}

export type Handler = (req: DemoRequest) => Promise<DemoResponse>;

export interface Route {
  method: "GET";
  /** `/items` or `/reviews/:itemId`. */
  pattern: string;
  handler: Handler;
}

export interface DemoServerOptions {
  service: string;
  version: string;
  routes: readonly Route[];
  faults: FaultPlan;
  logger: Logger;
  random?: () => number;
}

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

function match(routes: readonly Route[], method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const param = route.pattern.indexOf("/:");
    if (param === -1) {
      if (route.pattern === path) return { route, params: {} };
      continue;
    }
    const prefix = route.pattern.slice(0, param + 1);
    const rest = path.slice(prefix.length);
    if (path.startsWith(prefix) && rest.length > 0 && !rest.includes("/")) {
      return { route, params: { [route.pattern.slice(param + 2)]: decodeURIComponent(rest) } };
    }
  }
  return undefined;
}

export async function startDemoServer(opts: DemoServerOptions, host: string, port: number): Promise<RunningServer> {
  const random = opts.random ?? Math.random;
  const handle = async (req: DemoRequest): Promise<DemoResponse> => {
    if (req.path === "/healthz") return { status: 200, body: { status: "ok", service: opts.service, version: opts.version } };
    const found = match(opts.routes, req.method, req.path);
    if (!found) throw new NotFoundError(req.path);
    const fault = decideFault(opts.faults, random);
    if (fault.delayMs > 0) await sleep(fault.delayMs);
    if (fault.failWith !== undefined) throw new InjectedFault(fault.failWith);
    return found.route.handler({ ...req, params: found.params });
  };

  const server = http.createServer((req, res) => {
    const started = performance.now();
    const url = new URL(req.url ?? "/", "http://demo");
    const header = req.headers["x-request-id"];
    const requestId = typeof header === "string" && header.length > 0 && header.length <= 128 ? header : randomUUID();
    req.resume();
    handle({ method: req.method ?? "GET", path: url.pathname, params: {}, requestId })
      .catch((err: unknown): DemoResponse => {
        if (err instanceof DemoError) return { status: statusOf(err), body: { error: { code: err.code, message: err.message } } };
        opts.logger.error("request.crashed", { requestId, error: String(err) });
        return { status: 500, body: { error: { code: "internal", message: "internal error" } } };
      })
      .then((out) => {
        res.writeHead(out.status, {
          "content-type": "application/json",
          "x-request-id": requestId,
          "x-demo-service": opts.service,
          "x-demo-version": opts.version,
        });
        res.end(JSON.stringify(out.body));
        opts.logger.debug("request", {
          requestId,
          method: req.method,
          path: url.pathname,
          status: out.status,
          durationMs: Math.round(performance.now() - started),
        });
      });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    port: bound.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // In-flight requests get a moment to finish; then the rest are cut so shutdown is bounded.
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      }),
  };
}
