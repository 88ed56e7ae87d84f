// A destination service as the data path sees it: its ordered routes with compiled matchers, and
// its balancers, built once per bundle so that a request does a map lookup and a few predicates.
import type { CompiledRoute, CompiledService, LoadBalancerType } from "@trellis/mesh-model";
import type { HeaderMap } from "../http/proxy-types";
import { createBalancer, type BalancerOptions } from "../balancers/create-balancer";
import { toTarget, type Balancer, type EndpointTarget } from "../balancers/balancer";
import type { EndpointLoads } from "../balancers/endpoint-load";
import type { Logger } from "../log";
import type { Clock, Random } from "../time/clock";
import { compileRetryRules, type RetryRules } from "../retry/retry-rules";
import { VersionSplit } from "../balancers/version-split";
import { compileRouteMatcher, type RouteMatcher } from "./route-match";

export interface RouteEntry {
  readonly name: string;
  /** The whole compiled policy, for the retry, timeout and fault layers. */
  readonly policy: CompiledRoute;
  readonly matches: RouteMatcher;
  /** Present when the route shifts traffic across versions by weight. */
  readonly split: VersionSplit | null;
  /** `policy.retry`, compiled for the retry layer. */
  readonly retry: RetryRules;
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
  /** Load state shared across snapshots; without it each snapshot starts its endpoints afresh. */
  loads?: EndpointLoads;
  random?: Random;
  clock?: Clock;
  /** For `balancer_pick` debug lines. */
  log?: Logger;
}

export function buildDestination(service: CompiledService, where: string, options: DestinationOptions = {}): Destination {
  const loads = options.loads;
  const targets = service.endpoints.map((e) => toTarget(e, loads?.of(e.instanceId)));
  const type = service.loadBalancer.type;
  const lbOptions: BalancerOptions = {
    start: options.balancerStart,
    choiceCount: service.loadBalancer.choiceCount,
    random: options.random,
    clock: options.clock,
    log: options.log,
    service: service.name,
  };
  const all = createBalancer(type, targets, lbOptions);
  const needsVersions = service.routes.some((r) => r.backends.length > 0);
  const byVersion = needsVersions ? balancersByVersion(type, targets, lbOptions) : new Map<string, Balancer>();
  const routes = service.routes.map(
    (policy, i): RouteEntry => ({
      name: policy.name,
      policy,
      matches: compileRouteMatcher(policy, `${where}.routes.${i}`),
      split: policy.backends.length ? new VersionSplit(policy.backends, byVersion, options.balancerStart) : null,
      retry: compileRetryRules(policy.retry),
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

function balancersByVersion(type: LoadBalancerType, targets: readonly EndpointTarget[], options: BalancerOptions): Map<string, Balancer> {
  const groups = new Map<string, EndpointTarget[]>();
  for (const t of targets) {
    const g = groups.get(t.version);
    if (g) g.push(t);
    else groups.set(t.version, [t]);
  }
  const out = new Map<string, Balancer>();
  for (const [version, group] of groups) out.set(version, createBalancer(type, group, options).balancer);
  return out;
}
