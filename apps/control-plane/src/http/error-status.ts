// The one place that maps typed errors to HTTP statuses, for both servers. Errors that Fastify raises
// itself (unparsable JSON, unknown media type, body too large) are folded into the same codes.
import { TrellisError, type ErrorCode } from "../errors";

export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  invalid_body: 400,
  invalid_query: 400,
  invalid_params: 400,
  invalid_policy: 400,
  not_found: 404,
  unknown_instance: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unavailable: 503,
  overloaded: 429,
  unauthorized: 401,
  forbidden: 403,
  conflict: 409,
  rate_limited: 429,
  internal: 500,
};

const CODE_OF_STATUS: Record<number, ErrorCode> = { 400: "invalid_body", 404: "not_found", 413: "payload_too_large", 415: "unsupported_media_type", 429: "overloaded", 503: "unavailable" };

function statusCodeOf(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null || !("statusCode" in err)) return undefined;
  const status = err.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** Any thrown value as a TrellisError; what is not a client error becomes "internal" (and is logged by the caller). */
export function toTrellisError(err: unknown): TrellisError {
  if (err instanceof TrellisError) return err;
  const status = statusCodeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  if (status !== undefined && status >= 400 && status < 500) return new TrellisError(CODE_OF_STATUS[status] ?? "bad_request", message);
  if (status === 503) return new TrellisError("unavailable", message);
  return new TrellisError("internal", "internal error");
}
