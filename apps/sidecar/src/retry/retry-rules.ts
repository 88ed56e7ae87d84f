// A route's retry policy converted once per bundle into what the retry layer asks per try: may this
// method be retried, does this status or this failure call for another try, how long to back off.
import type { CompiledRetry } from "@trellis/mesh-model";
import { ProxyError } from "../errors";
import type { Random } from "../time/clock";

/** Methods that may be sent twice without changing the outcome (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

export interface RetryRules {
  readonly attempts: number;
  readonly budgetPercent: number;
  readonly budgetMinConcurrent: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  mayRetry(method: string): boolean;
  retriesStatus(status: number): boolean;
  retriesError(err: unknown): boolean;
}

export function compileRetryRules(p: CompiledRetry): RetryRules {
  const on = new Set(p.retryOn);
  const anyStatus = on.has("5xx");
  const gateway = on.has("gateway-error");
  const listed = on.has("retriable-status-codes") ? new Set(p.retriableStatusCodes) : new Set<number>();
  // Failures the sidecar answers for itself: retried under their own condition, and under 5xx and
  // gateway-error because the caller would otherwise see a 502 (connect, reset) or 504 (timeouts).
  const connect = on.has("connect-failure") || anyStatus || gateway;
  const reset = on.has("reset") || anyStatus || gateway;
  const timeout = anyStatus || gateway || listed.has(504);
  return {
    attempts: p.attempts,
    budgetPercent: p.budgetPercent,
    budgetMinConcurrent: p.budgetMinConcurrent,
    backoffBaseMs: p.backoffBaseMs,
    backoffMaxMs: p.backoffMaxMs,
    mayRetry: (method) => p.retryNonIdempotent || IDEMPOTENT.has(method),
    retriesStatus: (status) => (anyStatus && status >= 500 && status <= 599) || (gateway && status >= 502 && status <= 504) || listed.has(status),
    retriesError: (err) => {
      if (!(err instanceof ProxyError)) return false;
      switch (err.code) {
        case "upstream_connect_failed":
          return connect;
        case "upstream_reset":
          return reset;
        case "per_try_timeout":
        case "upstream_timeout":
          return timeout;
        default:
          return false;
      }
    },
  };
}

/** Exponential backoff with full jitter: uniform in [0, min(max, base × 2^(retry-1))). */
export function backoffMs(rules: RetryRules, retry: number, random: Random): number {
  const ceiling = Math.min(rules.backoffMaxMs, rules.backoffBaseMs * 2 ** Math.min(retry - 1, 30));
  return Math.floor(random() * ceiling);
}
