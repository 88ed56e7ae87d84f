// Fault injection per route (`route.policy.fault`), for resilience testing: delays a share of
// requests by a fixed time and aborts a share with the configured status (rescue answers it, with
// `x-trellis-error: fault_injected`). Sits outside the timeouts and retries, as Envoy's fault filter
// sits before its router: an injected abort is not retried and a delay does not eat the deadline.
import { ClientAbortedError, FaultAbortError, ProxyError } from "../errors";
import type { Handler, Layer, ProxyRequest, ProxyResponse } from "../http/proxy-types";
import type { RouteEntry } from "../routing/route-table";
import { sleep, systemClock, type Clock, type Random } from "../time/clock";

export function faultLayer(clock: Clock = systemClock, random: Random = Math.random): Layer {
  // The usual case, no fault on the route, passes straight through without an async frame.
  return (next) => (req) => {
    const fault = req.ctx.route?.policy.fault;
    return fault ? inject(fault, req, next, clock, random) : next(req);
  };
}

type Fault = NonNullable<RouteEntry["policy"]["fault"]>;

async function inject(fault: Fault, req: ProxyRequest, next: Handler, clock: Clock, random: Random): Promise<ProxyResponse> {
  if (fault.delayMs > 0 && fault.delayPercent > 0 && random() * 100 < fault.delayPercent) {
    await sleep(clock, fault.delayMs, req.signal).catch((reason: unknown) => {
      throw reason instanceof ProxyError ? reason : new ClientAbortedError("the caller closed the connection", { cause: reason });
    });
  }
  if (fault.abortPercent > 0 && random() * 100 < fault.abortPercent) throw new FaultAbortError(fault.abortStatus);
  return next(req);
}
