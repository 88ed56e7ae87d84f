// Per-try admission against the destination's circuit-breaker limits (max requests, max pending
// requests). A refused try fails at once with OverloadedError (503 `overloaded`, outcome
// breaker_open) instead of joining a queue; the retry layer does not retry it.
import { Readable } from "node:stream";
import { InternalError, OverloadedError } from "../errors";
import { onBodyDone } from "../http/body-done";
import type { Layer } from "../http/proxy-types";
import type { Limits } from "../breaker/destination-limits";

export function limitLayer(limits: Limits): Layer {
  return (next) => async (req) => {
    const destination = req.ctx.destination;
    if (!destination) throw new InternalError("limit reached without a destination");
    const cb = destination.service.circuitBreaker;
    const l = limits.of(destination.name);
    const admission = l.admit(cb, destination.balancer.size);
    if (admission === "max_requests") throw new OverloadedError(`service "${destination.name}" has ${cb.maxRequests} requests in flight (maxRequests)`);
    if (admission === "max_pending_requests") throw new OverloadedError(`service "${destination.name}" has ${cb.maxPendingRequests} requests waiting for a connection (maxPendingRequests)`);
    let res;
    try {
      res = await next(req);
    } catch (err) {
      l.release(admission);
      throw err;
    }
    // The try holds its connection until the response body is over, as Envoy counts it.
    if (res.body instanceof Readable) onBodyDone(res.body, () => l.release(admission));
    else l.release(admission);
    return res;
  };
}
