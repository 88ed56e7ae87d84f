// The route's overall deadline across all tries (`route.policy.timeoutMs`, 0 = none): at the
// deadline the request's signal aborts, cancelling the upstream request through undici, and the
// caller gets DeadlineExceededError (504). It bounds the time to response headers; a response
// already streaming is left to finish. The deadline is put in ctx so retries do not outlive it.
import { DeadlineExceededError } from "../errors";
import type { Layer } from "../http/proxy-types";
import { systemClock, type Clock } from "../time/clock";
import { withTimeout } from "../time/timeout";

export function requestTimeoutLayer(clock: Clock = systemClock): Layer {
  return (next) => (req) => {
    const ms = req.ctx.route?.policy.timeoutMs ?? 0;
    if (ms <= 0) return next(req);
    req.ctx.deadline = clock.now() + ms;
    return withTimeout(clock, ms, req, next, () => new DeadlineExceededError(`no response within the route's ${ms} ms timeout`));
  };
}
