// A destination service as the data path sees it: its ordered routes with compiled matchers, and
// its balancers, built once per bundle so that a request does a map lookup and a few predicates.
import type { CompiledRoute, CompiledService, LoadBalancerType } from "@trellis/mesh-model";
import type { HeaderMap } from "../http/proxy-types";
import { createBalancer, type BalancerOptions } from "../balancers/create-balancer";
import { toTarget, type Balancer, type EndpointTarget } from "../balancers/balancer";
import type { EndpointLoads } from "../balancers/endpoint-load";
import type { Logger } from "../log";
import { systemClock, type Clock, type Random } from "../time/clock";
import { AvailableBalancer } from "../balancers/available-balancer";
import type { BreakerBoard } from "../breaker/breaker-board";
import { BreakerGroup } from "../breaker/breaker-group";
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
  /** Outlier ejection and health of the service's endpoints. */
  readonly breakers: BreakerGroup;
  readonly balancerType: { configured: LoadBalancerType; effective: LoadBalancerType };
}

export interface DestinationOptions {
  /** Fixed start of round robin, for tests; random otherwise. */
  balancerStart?: number;
  /** Load state shared across snapshots; without it each snapshot starts its endpoints afresh. */
  loads?: EndpointLoads;
  /** Ejection and health state shared across snapshots; without it each snapshot starts afresh. */
  breakers?: BreakerBoard;
  random?: Random;
  clock?: Clock;
  /** For `balancer_pick` debug lines. */
  log?: Logger;
}

export function buildDestination(service: CompiledService, where: string, options: DestinationOptions = {}): Destination {
  const loads = options.loads;
  const clock = options.clock ?? systemClock;
  const ids = service.endpoints.map((e) => e.instanceId);
  // With a board, the snapshot commits the group's new policy and endpoints once the whole bundle is built.
  const group = options.breakers?.group(service.name, service.circuitBreaker) ?? new BreakerGroup(service.name, service.circuitBreaker, () => clock.now());
  if (!options.breakers) group.update(service.circuitBreaker, ids);
  const targets = service.endpoints.map((e) => toTarget(e, loads?.of(e.instanceId), group.member(e.instanceId)));
  const type = service.loadBalancer.type;
  const lbOptions: BalancerOptions = {
    start: options.balancerStart,
    choiceCount: service.loadBalancer.choiceCount,
    random: options.random,
    clock: options.clock,
    log: options.log,
    service: service.name,
  };
  // Each balancer picks among the available endpoints only, rebuilt when ejections or health change.
  const available = (ts: readonly EndpointTarget[]): Balancer => new AvailableBalancer(ts, group, (sub) => createBalancer(type, sub, lbOptions).balancer, clock);
  const needsVersions = service.routes.some((r) => r.backends.length > 0);
  const byVersion = needsVersions ? balancersByVersion(targets, available) : new Map<string, Balancer>();
  const routes = service.routes.map(
    (policy, i): RouteEntry => ({
      name: policy.name,
      policy,
      matches: compileRouteMatcher(policy, `${where}.routes.${i}`),
      split: policy.backends.length ? new VersionSplit(policy.backends, byVersion, options.balancerStart) : null,
      retry: compileRetryRules(policy.retry),
    }),
  );
  return { name: service.name, service, routes, balancer: available(targets), breakers: group, balancerType: { configured: type, effective: type } };
}

/** First route that matches wins, as the bundle orders them. */
export function matchRoute(dest: Destination, method: string, pathname: string, headers: HeaderMap): RouteEntry | undefined {
  const routes = dest.routes;
  for (let i = 0; i < routes.length; i++) if (routes[i]!.matches(method, pathname, headers)) return routes[i];
  return undefined;
}

function balancersByVersion(targets: readonly EndpointTarget[], balancerOf: (ts: readonly EndpointTarget[]) => Balancer): Map<string, Balancer> {
  const groups = new Map<string, EndpointTarget[]>();
  for (const t of targets) {
    const g = groups.get(t.version);
    if (g) g.push(t);
    else groups.set(t.version, [t]);
  }
  const out = new Map<string, Balancer>();
  for (const [version, group] of groups) out.set(version, balancerOf(group));
  return out;
}
