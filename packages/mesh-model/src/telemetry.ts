// The names that sidecars export and the control plane ingests: one spelling, shared by both.

export const METRIC_REQUESTS = "trellis.requests";
export const METRIC_REQUEST_DURATION = "trellis.request.duration";
/** Endpoint state gauges, reported by the caller's sidecar per endpoint. */
export const METRIC_ENDPOINT_BREAKER_STATE = "trellis.endpoint.breaker_state";
export const METRIC_ENDPOINT_HEALTHY = "trellis.endpoint.healthy";
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
