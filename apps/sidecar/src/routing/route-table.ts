// A destination service as the data path sees it: its ordered routes with compiled matchers, and
// its balancers, built once per bundle so that a request does a map lookup and a few predicates.
import type { CompiledRoute, CompiledService, LoadBalancerType } from "@trellis/mesh-model";
import type { HeaderMap } from "../http/proxy-types";
import { createBalancer } from "../balancers/create-balancer";
import { toTarget, type Balancer, type EndpointTarget } from "../balancers/balancer";
import { VersionSplit } from "../balancers/version-split";
import { compileRouteMatcher, type RouteMatcher } from "./route-match";

export interface RouteEntry {
  readonly name: string;
  /** The whole compiled policy, for the retry, timeout and fault layers. */
  readonly policy: CompiledRoute;
  readonly matches: RouteMatcher;
  /** Present when the route shifts traffic across versions by weight. */
  readonly split: VersionSplit | null;
}

export interface Destination {
  readonly name: string;
  readonly service: CompiledService;
  readonly routes: readonly RouteEntry[];
  /** All endpoints of the service, for routes without version weights. */
  readonly balancer: Balancer;
  readonly balancerType: { configured: LoadBalancerType; effective: LoadBalancerType };
}

export interface DestinationOptions {
  /** Fixed start of round robin, for tests; random otherwise. */
  balancerStart?: number;
}

export function buildDestination(service: CompiledService, where: string, options: DestinationOptions = {}): Destination {
  const targets = service.endpoints.map(toTarget);
  const type = service.loadBalancer.type;
  const all = createBalancer(type, targets, { start: options.balancerStart });
  const needsVersions = service.routes.some((r) => r.backends.length > 0);
  const byVersion = needsVersions ? balancersByVersion(type, targets, options.balancerStart) : new Map<string, Balancer>();
  const routes = service.routes.map(
    (policy, i): RouteEntry => ({
      name: policy.name,
      policy,
      matches: compileRouteMatcher(policy, `${where}.routes.${i}`),
      split: policy.backends.length ? new VersionSplit(policy.backends, byVersion, options.balancerStart) : null,
    }),
  );
  return { name: service.name, service, routes, balancer: all.balancer, balancerType: { configured: type, effective: all.effective } };
}

/** First route that matches wins, as the bundle orders them. */
export function matchRoute(dest: Destination, method: string, pathname: string, headers: HeaderMap): RouteEntry | undefined {
  const routes = dest.routes;
  for (let i = 0; i < routes.length; i++) if (routes[i]!.matches(method, pathname, headers)) return routes[i];
  return undefined;
}

function balancersByVersion(type: LoadBalancerType, targets: readonly EndpointTarget[], start: number | undefined): Map<string, Balancer> {
  const groups = new Map<string, EndpointTarget[]>();
  for (const t of targets) {
    const g = groups.get(t.version);
    if (g) g.push(t);
    else groups.set(t.version, [t]);
  }
  const out = new Map<string, Balancer>();
  for (const [version, group] of groups) out.set(version, createBalancer(type, group, { start }).balancer);
  return out;
}
