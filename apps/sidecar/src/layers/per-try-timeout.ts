// One try's bound (`route.policy.retry.perTryTimeoutMs`, 0 = none), inside the retries: when it
// fires the try is cancelled through its AbortSignal and fails with PerTryTimeoutError, which the
// retry layer may retry on another endpoint (rescue answers 504 if it does not).
import { PerTryTimeoutError } from "../errors";
import type { Layer } from "../http/proxy-types";
import { systemClock, type Clock } from "../time/clock";
import { withTimeout } from "../time/timeout";

export function perTryTimeoutLayer(clock: Clock = systemClock): Layer {
  return (next) => (req) => {
    const ms = req.ctx.route?.policy.retry.perTryTimeoutMs ?? 0;
    if (ms <= 0) return next(req);
    return withTimeout(clock, ms, req, next, () => new PerTryTimeoutError(`no response from ${req.ctx.endpoint?.address ?? "the endpoint"} within the ${ms} ms per-try timeout`));
  };
}
