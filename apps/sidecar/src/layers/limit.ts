// Per-try admission against the destination's circuit-breaker limits (max requests, max pending
// requests). A refused try fails at once with OverloadedError (503 `overloaded`, outcome
// breaker_open) instead of joining a queue; the retry layer does not retry it.
import { Readable } from "node:stream";
import { InternalError, OverloadedError } from "../errors";
import { onBodyDone } from "../http/body-done";
import { callNext, type Layer } from "../http/proxy-types";
import type { Limits } from "../breaker/destination-limits";

export function limitLayer(limits: Limits): Layer {
  // Not async: the try is followed with one then() (fewer promises per try than await in try/catch).
  return (next) => (req) => {
    const destination = req.ctx.destination;
    if (!destination) return Promise.reject(new InternalError("limit reached without a destination"));
    const cb = destination.service.circuitBreaker;
    const l = limits.of(destination.name);
    const admission = l.admit(cb, destination.balancer.size);
    if (admission === "max_requests") return Promise.reject(new OverloadedError(`service "${destination.name}" has ${cb.maxRequests} requests in flight (maxRequests)`));
    if (admission === "max_pending_requests") return Promise.reject(new OverloadedError(`service "${destination.name}" has ${cb.maxPendingRequests} requests waiting for a connection (maxPendingRequests)`));
    return callNext(next, req).then(
      (res) => {
        // The try holds its connection until the response body is over, as Envoy counts it.
        if (res.body instanceof Readable) onBodyDone(res.body, () => l.release(admission));
        else l.release(admission);
        return res;
      },
      (err: unknown) => {
        l.release(admission);
        throw err;
      },
    );
  };
}
