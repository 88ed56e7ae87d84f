// The headers the sidecar adds on the way through: request id, trace context, x-forwarded-*, and
// the caller's identity for the callee's sidecar (plain text until mTLS carries it instead).
import { randomUUID } from "node:crypto";
import type { HeaderMap } from "./proxy-types";
import { isValidTraceparent, newTraceparent } from "./trace-context";

export const HEADER_REQUEST_ID = "x-request-id";
export const HEADER_SOURCE = "x-trellis-source";
export const HEADER_ERROR = "x-trellis-error";
/** Outbound: the bundle revision a request was admitted under, on the forwarded request and on the response. */
export const HEADER_REVISION = "x-trellis-revision";

/** Ensures an x-request-id (returned) and a valid traceparent; a bad traceparent takes its tracestate with it. */
export function ensureRequestIdentity(headers: HeaderMap): string {
  let id = headers[HEADER_REQUEST_ID];
  if (typeof id !== "string" || id === "") {
    id = randomUUID();
    headers[HEADER_REQUEST_ID] = id;
  }
  const tp = headers.traceparent;
  if (typeof tp !== "string" || !isValidTraceparent(tp)) {
    headers.traceparent = newTraceparent();
    // Only when there is one: deleting a missing key still costs a runtime call per request.
    if (headers.tracestate !== undefined) delete headers.tracestate;
  }
  return id;
}

/** Appends the peer to x-forwarded-for and records the original scheme and host if nobody has yet. */
export function setForwarded(headers: HeaderMap, peer: string | undefined, host: string | undefined): void {
  const prior = headers["x-forwarded-for"];
  const peerText = peer ?? "unknown";
  headers["x-forwarded-for"] = prior === undefined ? peerText : `${Array.isArray(prior) ? prior.join(", ") : prior}, ${peerText}`;
  headers["x-forwarded-proto"] ??= "http";
  if (host !== undefined) headers["x-forwarded-host"] ??= host;
}
