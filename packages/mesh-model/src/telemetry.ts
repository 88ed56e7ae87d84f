// The names that sidecars export and the control plane ingests: one spelling, shared by both.

export const METRIC_REQUESTS = "trellis.requests";
export const METRIC_REQUEST_DURATION = "trellis.request.duration";
/** Endpoint state gauges, reported by the caller's sidecar per endpoint. */
export const METRIC_ENDPOINT_BREAKER_STATE = "trellis.endpoint.breaker_state";
export const METRIC_ENDPOINT_HEALTHY = "trellis.endpoint.healthy";
/** Outlier ejections of a destination endpoint (a counter, DELTA from our sidecars). */
export const METRIC_ENDPOINT_EJECTIONS = "trellis.endpoint.ejections";
/**
 * When the endpoint's breaker entered its current state, in unix milliseconds (a gauge), with
 * ATTR_BREAKER_REASON saying why: one point per endpoint, the reason a bounded code.
 */
export const METRIC_ENDPOINT_STATE_SINCE = "trellis.endpoint.state_since";
/** Requests a sidecar listener refused before proxying (malformed or ambiguous HTTP), by ATTR_REJECT_REASON. */
export const METRIC_SIDECAR_REJECTED_REQUESTS = "trellis.sidecar.rejected_requests";

export const ATTR_SOURCE_SERVICE = "trellis.source.service";
export const ATTR_SOURCE_VERSION = "trellis.source.version";
export const ATTR_DESTINATION_SERVICE = "trellis.destination.service";
export const ATTR_DESTINATION_VERSION = "trellis.destination.version";
export const ATTR_RESPONSE_CLASS = "trellis.response.class";
export const ATTR_OUTCOME = "trellis.outcome";
export const ATTR_MTLS = "trellis.mtls";
export const ATTR_ENDPOINT = "trellis.endpoint";
/** Why an endpoint's breaker is in its state: one of BREAKER_REASONS. */
export const ATTR_BREAKER_REASON = "trellis.breaker.reason";
/** Which side recorded the request: the caller's sidecar ("outbound") or the callee's ("inbound"). */
export const ATTR_DIRECTION = "trellis.direction";
/** Why a listener refused a request before proxying it: a short code such as `header_too_large`. */
export const ATTR_REJECT_REASON = "trellis.reject.reason";

/** Resource attributes every sidecar sets (OpenTelemetry semantic conventions where they exist). */
export const RESOURCE_SERVICE_NAME = "service.name";
export const RESOURCE_SERVICE_VERSION = "service.version";
export const RESOURCE_SERVICE_INSTANCE_ID = "service.instance.id";

/**
 * How the mesh handled a request (the sidecar README defines each precisely):
 * ok · retried (ok after more than one try) · ejected_avoided (ok on the first try, with ejected
 * endpoints left out of the pick) · budget_exhausted (a retry was wanted, the retry budget refused it)
 * · per_try_timeout (the last try timed out) · timed_out (the overall deadline) · breaker_open
 * (short-circuited by a circuit-breaker limit) · denied · no_route · error.
 */
export const OUTCOMES = [
  "ok",
  "retried",
  "ejected_avoided",
  "budget_exhausted",
  "per_try_timeout",
  "timed_out",
  "breaker_open",
  "denied",
  "no_route",
  "error",
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const RESPONSE_CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx", "none"] as const;
export type ResponseClass = (typeof RESPONSE_CLASSES)[number];

export function responseClassOf(status: number | undefined): ResponseClass {
  if (status === undefined || status < 100 || status > 599) return "none";
  return `${Math.floor(status / 100)}xx` as ResponseClass;
}

/** Explicit histogram bucket bounds in milliseconds; the sidecar's SDK view and the rollups use these. */
export const LATENCY_BOUNDS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

/** The service name used for traffic that enters the mesh from outside any sidecar. */
export const EXTERNAL_SOURCE = "external";

/** An endpoint's outlier-ejection state as the caller's sidecar sees it; the gauge value is the index. */
export const BREAKER_STATES = ["closed", "open", "half-open"] as const;
export type BreakerStateName = (typeof BREAKER_STATES)[number];

/**
 * Why a breaker entered its current state (bounded, so it can be a metric attribute):
 * none (closed since the sidecar first saw the endpoint) · consecutive_5xx · consecutive_gateway_errors
 * (502/503/504 or failed connections) · half_open_failure (ejected again after its probe failed) ·
 * ejection_time_over (open → half-open) · half_open_success (half-open → closed).
 */
export const BREAKER_REASONS = ["none", "consecutive_5xx", "consecutive_gateway_errors", "half_open_failure", "ejection_time_over", "half_open_success"] as const;
export type BreakerReason = (typeof BREAKER_REASONS)[number];
