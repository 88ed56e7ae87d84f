// Chooses the endpoint: by the route's version weights when it has them, then by the version's (or
// the service's) balancer. No endpoint to choose is an explicit 503, never a guess.
import { InternalError, NoEndpointsError } from "../errors";
import type { Layer } from "../http/proxy-types";

export function balanceLayer(): Layer {
  return (next) => async (req) => {
    const { destination, route } = req.ctx;
    if (!destination || !route) throw new InternalError("balance reached without a route");
    if (route.split) {
      const choice = route.split.pick();
      if (!choice) throw new NoEndpointsError(`route "${route.name}" of service "${destination.name}" has no backend with weight above 0`);
      const endpoint = choice.balancer?.pick();
      if (!endpoint) throw new NoEndpointsError(`service "${destination.name}" has no endpoints of version "${choice.version}" (route "${route.name}")`);
      req.ctx.endpoint = endpoint;
    } else {
      const endpoint = destination.balancer.pick();
      if (!endpoint) throw new NoEndpointsError(`service "${destination.name}" has no endpoints`);
      req.ctx.endpoint = endpoint;
    }
    return next(req);
  };
}
