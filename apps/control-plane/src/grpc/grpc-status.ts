// The one place that maps typed errors to gRPC statuses for the OTLP/gRPC receiver, following the
// OTLP spec: bad data is INVALID_ARGUMENT (not retryable); a shed export is RESOURCE_EXHAUSTED and a
// failing store UNAVAILABLE, both with a google.rpc.RetryInfo so that exporters retry after the delay.
import { Metadata, status, type ServerErrorResponse } from "@grpc/grpc-js";
import { RETRY_AFTER_SECONDS, type ErrorCode } from "../errors";
import { toTrellisError } from "../http/error-status";
import { encodeStatus } from "../ingest/otlp-proto";

export const GRPC_STATUS: Record<ErrorCode, status> = {
  bad_request: status.INVALID_ARGUMENT,
  invalid_body: status.INVALID_ARGUMENT,
  invalid_query: status.INVALID_ARGUMENT,
  invalid_params: status.INVALID_ARGUMENT,
  invalid_policy: status.INVALID_ARGUMENT,
  not_found: status.NOT_FOUND,
  unknown_instance: status.NOT_FOUND,
  unsupported_media_type: status.INVALID_ARGUMENT,
  payload_too_large: status.RESOURCE_EXHAUSTED,
  overloaded: status.RESOURCE_EXHAUSTED,
  unavailable: status.UNAVAILABLE,
  unauthorized: status.UNAUTHENTICATED,
  forbidden: status.PERMISSION_DENIED,
  conflict: status.ALREADY_EXISTS,
  rate_limited: status.RESOURCE_EXHAUSTED,
  internal: status.INTERNAL,
};

const RETRYABLE = new Set<ErrorCode>(["overloaded", "unavailable"]);

/** The gRPC error for any thrown value; `internal` says whether it was our fault (to be logged as such). */
export function toGrpcError(err: unknown): { error: ServerErrorResponse; internal: boolean } {
  const e = toTrellisError(err);
  const code = GRPC_STATUS[e.code];
  const metadata = new Metadata();
  if (RETRYABLE.has(e.code)) metadata.set("grpc-status-details-bin", Buffer.from(encodeStatus(code, e.message, RETRY_AFTER_SECONDS)));
  const error = Object.assign(new Error(e.message), { code, details: e.message, metadata });
  return { error, internal: e.code === "internal" };
}
