// Chooses the balancer implementation for a destination's configured load-balancer type.
import type { LoadBalancerType } from "@trellis/mesh-model";
import type { Balancer, EndpointTarget } from "./balancer";
import { RoundRobinBalancer } from "./round-robin";

export interface BalancerChoice {
  balancer: Balancer;
  /** The type actually in use; differs from the configured one while a type is not implemented yet. */
  effective: LoadBalancerType;
}

export interface BalancerOptions {
  /** Where round robin starts; random in production so sidecars do not all hit the same endpoint first. */
  start?: number;
}

export function createBalancer(type: LoadBalancerType, targets: readonly EndpointTarget[], options: BalancerOptions = {}): BalancerChoice {
  const start = options.start ?? Math.floor(Math.random() * 1_000_000);
  switch (type) {
    case "round-robin":
      return { balancer: new RoundRobinBalancer(targets, start), effective: "round-robin" };
    // Seams for the next data-plane issue: least-request (power of N choices) and peak-EWMA.
    // Until they land, these destinations are balanced round robin and the snapshot reports it.
    case "least-request":
    case "peak-ewma":
      return { balancer: new RoundRobinBalancer(targets, start), effective: "round-robin" };
  }
}
