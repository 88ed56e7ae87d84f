// Wraps a destination's (or a version's) balancer so it picks only from available endpoints (not
// ejected, not failing health checks). The candidate set is rebuilt when the breaker group's epoch
// moves, never scanned per pick. Below panicThresholdPercent available it balances across all
// endpoints, health ignored, as Envoy's panic mode does.
import type { BreakerGroup } from "../breaker/breaker-group";
import type { Clock } from "../time/clock";
import type { Balancer, EndpointTarget } from "./balancer";

export class AvailableBalancer implements Balancer {
  private inner: Balancer | undefined;
  private epoch = -1;
  /** True while too few endpoints are available and all of them are used. */
  panic = false;
  /** At least one endpoint is left out of the candidates because it is ejected (not in panic). */
  avoidingEjected = false;

  constructor(
    private readonly targets: readonly EndpointTarget[],
    private readonly group: BreakerGroup,
    private readonly build: (targets: readonly EndpointTarget[]) => Balancer,
    private readonly clock: Clock,
  ) {}

  get size(): number {
    return this.current(this.clock.now()).size;
  }

  pick(avoid?: EndpointTarget): EndpointTarget | undefined {
    return this.current(this.clock.now()).pick(avoid);
  }

  private current(now: number): Balancer {
    const g = this.group;
    if (now >= g.nextReturnAt) g.returnDue(now);
    if (this.inner === undefined || this.epoch !== g.epoch) this.rebuild();
    return this.inner!;
  }

  private rebuild(): void {
    this.epoch = this.group.epoch;
    const available = this.targets.filter((t) => t.breaker.available);
    const total = this.targets.length;
    this.panic = total > 0 && (available.length === 0 || (available.length * 100) / total < this.group.config.panicThresholdPercent);
    const all = this.panic || available.length === total;
    this.avoidingEjected = !all && this.targets.some((t) => t.breaker.state === "open");
    this.inner = this.build(all ? this.targets : available);
  }
}
