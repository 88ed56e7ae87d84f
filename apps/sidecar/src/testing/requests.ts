// ProxyRequests built by hand, for testing one layer at a time.
import type { ProxyRequest, ProxyResponse, RequestContext } from "../http/proxy-types";
import type { Snapshot } from "../snapshot/snapshot";

export function proxyRequest(init: { method?: string; path?: string; host?: string; headers?: ProxyRequest["headers"]; snapshot?: Snapshot; signal?: AbortSignal; ctx?: Partial<RequestContext> } = {}): ProxyRequest {
  return {
    method: init.method ?? "GET",
    path: init.path ?? "/",
    host: init.host ?? "catalog",
    headers: init.headers ?? {},
    body: null,
    signal: init.signal ?? new AbortController().signal,
    ctx: { direction: "outbound", requestId: "req-test", startedAt: performance.now(), snapshot: init.snapshot, source: "web", ...init.ctx },
  };
}

export const ok = (status = 200): ProxyResponse => ({ status, headers: {}, body: null });
