// The control plane's typed errors. Services throw these; each server turns them into HTTP in one
// place (http/error-status.ts), so no service knows a status code.
import { formatFieldIssues, type FieldIssue } from "@trellis/mesh-model";

export type ErrorCode =
  | "bad_request"
  | "invalid_body"
  | "invalid_query"
  | "invalid_params"
  | "invalid_policy"
  | "not_found"
  | "unknown_instance"
  | "unsupported_media_type"
  | "payload_too_large"
  | "unavailable"
  | "overloaded"
  | "unauthorized"
  | "forbidden"
  | "conflict"
  | "rate_limited"
  | "internal";

export class TrellisError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Dotted path of the offending field, when there is one. */
    readonly path?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A request's body, query or route parameters failed validation. */
export class InvalidRequestError extends TrellisError {
  constructor(where: "body" | "query" | "params", message: string, path?: string) {
    super(`invalid_${where}` as const, message, path);
  }
}

/** A sidecar that is not (or no longer) registered: it must register again. */
export class UnknownInstanceError extends TrellisError {
  constructor(readonly instanceId: string) {
    super("unknown_instance", `instance ${JSON.stringify(instanceId)} is not registered (or its lease lapsed); register again`);
  }
}

/**
 * A policy that parses but fails the semantic checks (unknown service or version, unreachable route,
 * retry amplification, ...). `path` is the first issue's, within the request body; the message lists
 * every issue with its path and code.
 */
export class InvalidPolicyError extends TrellisError {
  constructor(
    readonly issues: ReadonlyArray<FieldIssue>,
    /** Where the spec sits in the request body ("spec"); null when the body holds no spec (a rollback). */
    at: string | null,
  ) {
    const within = (path: string) => [at ?? "", path].filter((p) => p !== "").join(".");
    const listed = issues.map((i) => ({ ...i, path: within(i.path), message: `${i.message} [${i.code}]` }));
    const first = at === null ? undefined : listed[0]?.path;
    super("invalid_policy", `invalid policy: ${formatFieldIssues(listed)}`, first === "" ? undefined : first);
  }
}

export class NotFoundError extends TrellisError {
  constructor(message: string) {
    super("not_found", message);
  }
}

export class UnsupportedMediaTypeError extends TrellisError {
  constructor(message: string) {
    super("unsupported_media_type", message);
  }
}

export class PayloadTooLargeError extends TrellisError {
  constructor(readonly limitBytes: number) {
    super("payload_too_large", `body exceeds ${limitBytes} bytes (after decompression)`);
  }
}

/** The store failed or is closing; the client should retry later. */
export class UnavailableError extends TrellisError {
  constructor(message: string) {
    super("unavailable", message);
  }
}

/** Too much work in flight: this request was shed without being processed; retry after a while. */
export class OverloadedError extends TrellisError {
  constructor(message: string) {
    super("overloaded", message);
  }
}

/** Seconds a client is asked to wait before retrying a shed or failed export (Retry-After, RetryInfo). */
export const RETRY_AFTER_SECONDS = 1;
