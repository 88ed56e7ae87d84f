// Inbound: every request goes to the one local app this sidecar sits beside.
import type { EndpointTarget } from "../balancers/balancer";
import type { Layer } from "../http/proxy-types";

export function localAppLayer(app: EndpointTarget): Layer {
  return (next) => (req) => {
    req.ctx.endpoint = app;
    return next(req);
  };
}
