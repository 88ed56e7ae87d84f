// The endpoint breakers of one destination service: its circuit-breaker policy, which endpoints
// are ejected (never more than maxEjectionPercent, but always at least one may be), and an epoch
// that changes with any member's availability so balancers rebuild their candidate set only then.
import { DEFAULTS, type BreakerReason, type CompiledCircuitBreaker } from "@trellis/mesh-model";
import { systemClock } from "../time/clock";
import { EndpointBreaker, type BreakerState } from "./endpoint-breaker";

export class BreakerGroup {
  private readonly members = new Map<string, EndpointBreaker>();
  private ejected = 0;
  /** Bumped whenever a member becomes available or unavailable. */
  epoch = 0;
  /** Earliest time an ejected member returns; one comparison per pick tells whether any is due. */
  nextReturnAt = Number.POSITIVE_INFINITY;
  /** Ejections refused by maxEjectionPercent. */
  ejectionsRefused = 0;

  constructor(
    readonly service: string,
    public config: CompiledCircuitBreaker,
    private readonly now: () => number,
  ) {}

  member(instanceId: string): EndpointBreaker {
    let b = this.members.get(instanceId);
    if (!b) this.members.set(instanceId, (b = new EndpointBreaker(instanceId, this, this.now())));
    return b;
  }

  /** A new bundle: its policy and its endpoints; departed endpoints are forgotten. */
  update(config: CompiledCircuitBreaker, instanceIds: readonly string[]): void {
    this.config = config;
    const keep = new Set(instanceIds);
    for (const [id, b] of this.members) {
      if (keep.has(id)) continue;
      if (b.state === "open") this.ejected--;
      this.members.delete(id);
    }
    for (const id of instanceIds) this.member(id);
    this.epoch++;
  }

  eject(b: EndpointBreaker, now: number, reason: string, code: BreakerReason): void {
    const total = this.members.size;
    if (this.ejected > 0 && ((this.ejected + 1) * 100) / total > this.config.maxEjectionPercent) {
      this.ejectionsRefused++;
      return;
    }
    b.ejections++;
    b.returnsAt = now + Math.min(this.config.baseEjectionTimeMs * b.ejections, Math.max(this.config.maxEjectionTimeMs, this.config.baseEjectionTimeMs));
    this.nextReturnAt = Math.min(this.nextReturnAt, b.returnsAt);
    this.transition(b, "open", now, reason, code);
  }

  transition(b: EndpointBreaker, to: BreakerState, now: number, reason: string, code: BreakerReason): void {
    if (b.state === "open") this.ejected--;
    if (to === "open") this.ejected++;
    else b.returnsAt = Number.POSITIVE_INFINITY;
    b.state = to;
    b.since = now;
    b.reason = reason;
    b.reasonCode = code;
    this.epoch++;
  }

  setHealthy(b: EndpointBreaker, healthy: boolean): void {
    if (b.healthy === healthy) return;
    b.healthy = healthy;
    this.epoch++;
  }

  /** Ejected members whose time is up return half-open. Runs only when one is due. */
  returnDue(now: number): void {
    let next = Number.POSITIVE_INFINITY;
    for (const b of this.members.values()) {
      if (b.state !== "open") continue;
      if (b.returnsAt <= now) this.transition(b, "half-open", now, "ejection time over", "ejection_time_over");
      else next = Math.min(next, b.returnsAt);
    }
    this.nextReturnAt = next;
  }

  get size(): number {
    return this.members.size;
  }

  get ejectedCount(): number {
    return this.ejected;
  }

  breakers(): IterableIterator<EndpointBreaker> {
    return this.members.values();
  }
}

/** A breaker in a group of its own with the default policy (the local app's target, balancer tests). */
export function standaloneBreaker(instanceId: string): EndpointBreaker {
  return new BreakerGroup(instanceId, { ...DEFAULTS.circuitBreaker }, systemClock.now).member(instanceId);
}
