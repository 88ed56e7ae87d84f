// The typed failures of the data path. Each carries a stable `code` (sent to clients in the
// `x-trellis-error` header) and the telemetry `outcome` it counts as. Only layers/rescue.ts turns
// them into HTTP statuses.
import type { Outcome } from "@trellis/mesh-model";

export type ProxyErrorCode =
  | "bad_request"
  | "header_too_large"
  | "request_timeout"
  | "no_config"
  | "unknown_service"
  | "no_route"
  | "no_endpoints"
  | "denied"
  | "no_identity"
  | "timed_out"
  | "per_try_timeout"
  | "fault_injected"
  | "breaker_open"
  | "overloaded"
  | "draining"
  | "upstream_connect_failed"
  | "upstream_reset"
  | "upstream_timeout"
  | "client_aborted"
  | "internal";

export abstract class ProxyError extends Error {
  abstract readonly code: ProxyErrorCode;
  abstract readonly outcome: Outcome;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The request cannot be proxied as sent (no target host, unsupported scheme, ...). */
export class BadRequestError extends ProxyError {
  readonly code = "bad_request";
  readonly outcome = "error";
}

/** The request's headers are over the listener's size or count limit. */
export class HeaderTooLargeError extends ProxyError {
  readonly code = "header_too_large";
  readonly outcome = "error";
}

/** No bundle has been loaded yet (neither from the control plane nor from the cache). */
export class NoConfigError extends ProxyError {
  readonly code = "no_config";
  readonly outcome = "no_route";
}

export class UnknownServiceError extends ProxyError {
  readonly code = "unknown_service";
  readonly outcome = "no_route";
  constructor(readonly service: string) {
    super(`service "${service}" is not known to this sidecar's configuration`);
  }
}

export class NoRouteError extends ProxyError {
  readonly code = "no_route";
  readonly outcome = "no_route";
}

export class NoEndpointsError extends ProxyError {
  readonly code = "no_endpoints";
  readonly outcome = "error";
}

/** The upstream could not be connected to (refused, unreachable, connect timeout). Safe to retry. */
export class UpstreamConnectError extends ProxyError {
  readonly code = "upstream_connect_failed";
  readonly outcome = "error";
}

/** The connection broke after the request may have been sent. */
export class UpstreamResetError extends ProxyError {
  readonly code = "upstream_reset";
  readonly outcome = "error";
}

/** The upstream did not send response headers in time. */
export class UpstreamTimeoutError extends ProxyError {
  readonly code = "upstream_timeout";
  readonly outcome = "timed_out";
}

/** The caller went away; nobody will read the answer. */
export class ClientAbortedError extends ProxyError {
  readonly code = "client_aborted";
  readonly outcome = "error";
}

export class InternalError extends ProxyError {
  readonly code = "internal";
  readonly outcome = "error";
}

// Raised by the layers the next data-plane issue fills in (authorize, timeout, circuit breaking);
// defined now so that rescue and telemetry already know them.

export class DeniedError extends ProxyError {
  readonly code = "denied";
  readonly outcome = "denied";
}

/** mTLS is required and this sidecar has no valid certificate (none yet, or expired with the CA unreachable): fail closed. */
export class NoIdentityError extends ProxyError {
  readonly code = "no_identity";
  readonly outcome = "error";
}

/** The route's overall deadline passed. */
export class DeadlineExceededError extends ProxyError {
  readonly code = "timed_out";
  readonly outcome = "timed_out";
}

/** One try passed the route's per-try timeout; the retry layer may try again. */
export class PerTryTimeoutError extends ProxyError {
  readonly code = "per_try_timeout";
  readonly outcome = "per_try_timeout";
}

/** The route's fault policy aborted this request on purpose; answered with the configured status. */
export class FaultAbortError extends ProxyError {
  readonly code = "fault_injected";
  readonly outcome = "error";
  constructor(readonly status: number) {
    super(`aborted by the route's fault injection policy with status ${status}`);
  }
}

export class BreakerOpenError extends ProxyError {
  readonly code = "breaker_open";
  readonly outcome = "breaker_open";
}

/** A destination's circuit-breaker limit (requests or pending requests) is reached: answered at once, not queued. */
export class OverloadedError extends ProxyError {
  readonly code = "overloaded";
  readonly outcome = "breaker_open";
}

/** A health check reached a sidecar that is shutting down: it must leave its callers' rotation. */
export class DrainingError extends ProxyError {
  readonly code = "draining";
  readonly outcome = "error";
}
