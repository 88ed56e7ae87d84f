// Picks the destination service (by the host the caller addressed) and its first matching route,
// from the snapshot the request was admitted under. Unknown service or no matching route: 404.
import { NoConfigError, NoRouteError, UnknownServiceError } from "../errors";
import type { Layer } from "../http/proxy-types";
import { matchRoute } from "../routing/route-table";

export function routeLayer(): Layer {
  // Not async: one promise fewer per request; failures are still rejections, never synchronous throws.
  return (next) => (req) => {
    const snapshot = req.ctx.snapshot;
    if (!snapshot) return Promise.reject(new NoConfigError("no configuration loaded yet (control plane not reached and no cached bundle)"));
    const destination = snapshot.destinations.get(req.host);
    if (!destination) return Promise.reject(new UnknownServiceError(req.host));
    req.ctx.destination = destination;
    const q = req.path.indexOf("?");
    const pathname = q < 0 ? req.path : req.path.slice(0, q);
    const route = matchRoute(destination, req.method, pathname, req.headers);
    if (!route) return Promise.reject(new NoRouteError(`no route of service "${destination.name}" matches ${req.method} ${pathname}`));
    req.ctx.route = route;
    return next(req);
  };
}
