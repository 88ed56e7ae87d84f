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
    let t = this.rr.pick();
    if (t !== avoid || this.size < 2) return t;
    // A retry moves on to the next other endpoint in the rotation. A heavy endpoint may come up several
    // times in a row (weights 1:2 give "b a b", and "b b" across the period), but within one period of
    // sum(weights) picks every endpoint comes up, so this ends.
    for (let i = 0; t === avoid && i < this.rr.period; i++) t = this.rr.pick();
    return t;
  }
}
