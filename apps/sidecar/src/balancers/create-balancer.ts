// Chooses the balancer implementation for a destination's configured load-balancer type.
import type { LoadBalancerType } from "@trellis/mesh-model";
import type { Logger } from "../log";
import { systemClock, type Clock, type Random } from "../time/clock";
import type { Balancer, EndpointTarget } from "./balancer";
import { leastRequestScore, peakEwmaScore, PowerOfChoicesBalancer, type PickExplanation } from "./power-of-choices";
import { RoundRobinBalancer } from "./round-robin";

export interface BalancerChoice {
  balancer: Balancer;
  /** The type actually in use (every configured type is implemented; kept so a future fallback is visible). */
  effective: LoadBalancerType;
}

export interface BalancerOptions {
  /** Where round robin starts; random in production so sidecars do not all hit the same endpoint first. */
  start?: number;
  /** Candidates per pick for least-request and peak-EWMA (the bundle's `loadBalancer.choiceCount`). */
  choiceCount?: number;
  random?: Random;
  clock?: Clock;
  /** With debug logging on, every least-request / peak-EWMA pick is explained in a `balancer_pick` line. */
  log?: Logger;
  /** Names the destination in those lines. */
  service?: string;
}

export function createBalancer(type: LoadBalancerType, targets: readonly EndpointTarget[], options: BalancerOptions = {}): BalancerChoice {
  const random = options.random ?? Math.random;
  const start = options.start ?? Math.floor(random() * 1_000_000);
  if (type === "round-robin") return { balancer: new RoundRobinBalancer(targets, start), effective: type };
  const log = options.log;
  // Decided once per snapshot: with debug off a pick allocates nothing for explanations.
  const explain = log?.enabled("debug")
    ? (e: PickExplanation) => log.debug("balancer_pick", { service: options.service, balancer: type, ...e })
    : undefined;
  const balancer = new PowerOfChoicesBalancer(targets, {
    choiceCount: options.choiceCount ?? 2,
    score: type === "least-request" ? leastRequestScore : peakEwmaScore,
    random,
    clock: options.clock ?? systemClock,
    explain,
  });
  return { balancer, effective: type };
}
