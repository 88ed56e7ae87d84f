// The typed failures of operator authentication (mapped to 401/403/409/429 in http/error-status.ts).
import { TrellisError } from "../errors";

/** No (valid) session or token. */
export class UnauthorizedError extends TrellisError {
  constructor(message = "log in first: this endpoint needs a session or an API token") {
    super("unauthorized", message);
  }
}

/** Authenticated, but the role does not allow it, or a cookie-carrying change came from a foreign origin. */
export class ForbiddenError extends TrellisError {
  constructor(message: string) {
    super("forbidden", message);
  }
}

export class ConflictError extends TrellisError {
  constructor(message: string, path?: string) {
    super("conflict", message, path);
  }
}

/** Too many failed logins; `retryAfterSeconds` goes into Retry-After. */
export class RateLimitedError extends TrellisError {
  constructor(readonly retryAfterSeconds: number) {
    super("rate_limited", `too many failed logins; try again in ${retryAfterSeconds} s`);
  }
}
