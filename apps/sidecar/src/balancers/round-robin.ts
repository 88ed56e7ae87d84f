// Round robin over endpoints, honouring their weights (smooth weighted round robin).
import { SmoothWeighted } from "./smooth-weighted";
import type { Balancer, EndpointTarget } from "./balancer";

export class RoundRobinBalancer implements Balancer {
  private readonly rr: SmoothWeighted<EndpointTarget>;
  readonly size: number;

  constructor(targets: readonly EndpointTarget[], start = 0) {
    this.rr = new SmoothWeighted(targets.map((t) => ({ item: t, weight: t.weight })), start);
    this.size = this.rr.size;
  }

  pick(avoid?: EndpointTarget): EndpointTarget | undefined {
    const t = this.rr.pick();
    // A retry moves on to the next endpoint in the rotation when there is one.
    return t === avoid && this.size > 1 ? this.rr.pick() : t;
  }
}
