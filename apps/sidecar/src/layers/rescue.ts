// The outermost layer and the only place that knows HTTP status codes: a typed failure from any
// layer below becomes a response with an ApiError body and an `x-trellis-error` reason header.
import type { ApiError } from "@trellis/mesh-model";
import { FaultAbortError, ProxyError, type ProxyErrorCode } from "../errors";
import { HEADER_ERROR } from "../http/mesh-headers";
import { callNext, type Layer, type ProxyRequest, type ProxyResponse } from "../http/proxy-types";
import type { Logger } from "../log";

export const STATUS_BY_CODE: Readonly<Record<ProxyErrorCode, number>> = {
  bad_request: 400,
  // Only the listeners' refusals of malformed HTTP (listeners/malformed-http.ts) use these two.
  request_timeout: 408,
  header_too_large: 431,
  denied: 403,
  unknown_service: 404,
  no_route: 404,
  // Nginx's convention for "client closed request"; nobody reads it, but logs do.
  client_aborted: 499,
  internal: 500,
  upstream_connect_failed: 502,
  upstream_reset: 502,
  no_config: 503,
  no_identity: 503,
  no_endpoints: 503,
  breaker_open: 503,
  overloaded: 503,
  draining: 503,
  timed_out: 504,
  per_try_timeout: 504,
  // Replaced by the fault policy's own status; see statusOf.
  fault_injected: 503,
  upstream_timeout: 504,
};

/** Refusals that mean "too busy right now" (a circuit-breaker limit, an open breaker): 503 with Retry-After. */
const SHEDDING: ReadonlySet<ProxyErrorCode> = new Set(["overloaded", "breaker_open"]);

export function rescueLayer(log: Logger): Layer {
  // One then() rather than an async frame awaiting in try/catch: one promise fewer per request.
  return (next) => (req) => callNext(next, req).then(undefined, (err: unknown) => errorResponse(err, req, log));
}

function errorResponse(err: unknown, req: ProxyRequest, log: Logger): ProxyResponse {
  const known = err instanceof ProxyError;
  const code: ProxyErrorCode = known ? err.code : "internal";
  const message = known ? err.message : "internal error in the sidecar";
  const fields = { requestId: req.ctx.requestId, direction: req.ctx.direction, method: req.method, host: req.host, path: req.path, code, message };
  if (!known) log.error("request_failed", { ...fields, error: err, stack: err instanceof Error ? err.stack : undefined });
  // Neither is the sidecar's or the upstream's trouble: a caller that left, a fault injected on purpose.
  else if (code === "client_aborted" || code === "fault_injected") log.debug("request_failed", fields);
  else log.warn("request_failed", fields);
  const body: ApiError = { error: { code, message } };
  const bytes = Buffer.from(JSON.stringify(body));
  return {
    status: err instanceof FaultAbortError ? err.status : STATUS_BY_CODE[code],
    headers: {
      "content-type": "application/json",
      "content-length": bytes.length,
      [HEADER_ERROR]: code,
      "x-request-id": req.ctx.requestId,
      // Shedding is momentary: tell the caller when to come back, as the OTLP receiver does.
      ...(SHEDDING.has(code) ? { "retry-after": "1" } : {}),
    },
    body: bytes,
  };
}
