// Chooses the endpoint: by the route's version weights when it has them, then by the version's (or
// the service's) balancer. No endpoint to choose is an explicit 503, never a guess. It also keeps
// the endpoint's load current around the try: in flight until response headers, then the round trip.
import { InternalError, NoEndpointsError } from "../errors";
import { callNext, type Layer } from "../http/proxy-types";
import { systemClock, type Clock } from "../time/clock";

/** A failed try counts as at least this slow, so a fast-failing endpoint does not attract traffic. */
export const FAILURE_RTT_MS = 1_000;

export function balanceLayer(clock: Clock = systemClock): Layer {
  // Not async: the try is followed with one then() (fewer promises per try than await in try/catch).
  return (next) => (req) => {
    const { destination, route } = req.ctx;
    if (!destination || !route) return Promise.reject(new InternalError("balance reached without a route"));
    // On a retry the previous try's endpoint is still in ctx: prefer another one.
    const previous = req.ctx.endpoint;
    let endpoint;
    let balancer;
    if (route.split) {
      const choice = route.split.pick();
      if (!choice) return Promise.reject(new NoEndpointsError(`route "${route.name}" of service "${destination.name}" has no backend with weight above 0`));
      balancer = choice.balancer;
      endpoint = balancer?.pick(previous);
      if (!endpoint) return Promise.reject(new NoEndpointsError(`service "${destination.name}" has no endpoints of version "${choice.version}" (route "${route.name}")`));
    } else {
      balancer = destination.balancer;
      endpoint = balancer.pick(previous);
      if (!endpoint) return Promise.reject(new NoEndpointsError(`service "${destination.name}" has no endpoints`));
    }
    req.ctx.endpoint = endpoint;
    if (balancer?.avoidingEjected) req.ctx.ejectedAvoided = true;
    const load = endpoint.load;
    const sentAt = clock.now();
    load.pending++;
    return callNext(next, req).then(
      (res) => {
        const now = clock.now();
        load.observe(now - sentAt, now);
        load.pending--;
        return res;
      },
      (err: unknown) => {
        const now = clock.now();
        // A cancelled try tells how slow the endpoint was; a refused or broken one is penalised.
        load.observe(req.signal.aborted ? now - sentAt : Math.max(now - sentAt, FAILURE_RTT_MS), now);
        load.pending--;
        throw err;
      },
    );
  };
}
