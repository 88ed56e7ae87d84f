// The CA's failures, as the control plane's typed errors (http/error-status.ts maps them to statuses).
import { TrellisError } from "../errors";

/** The CSR is not a well-formed, self-consistent ECDSA P-256 request. */
export class BadCsrError extends TrellisError {
  constructor(message: string) {
    super("bad_request", message, "csr");
  }
}

/** No join token, or one that is unknown, expired or deleted. */
export class InvalidJoinTokenError extends TrellisError {
  constructor(message = "a valid join token is required (authorization: Bearer <token>)") {
    super("unauthorized", message);
  }
}

export class SigningRateLimitedError extends TrellisError {
  constructor(readonly retryAfterSeconds: number) {
    super("rate_limited", `too many signing requests; retry in ${retryAfterSeconds}s`);
  }
}

/** A rotation step that would leave the mesh without a signing root, or roots that come from files. */
export class RootChangeRefusedError extends TrellisError {
  constructor(message: string) {
    super("conflict", message);
  }
}
