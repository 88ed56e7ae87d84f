// Every destination's breaker group, by service name, for the sidecar's lifetime: ejections and
// health outlive bundles the way endpoint load does. Also the read side for /stats and OTLP.
import type { BreakerReason, CompiledCircuitBreaker, CompiledService } from "@trellis/mesh-model";
import { systemClock, type Clock } from "../time/clock";
import { BreakerGroup } from "./breaker-group";
import type { BreakerState } from "./endpoint-breaker";

export const BREAKER_STATE_VALUE: Readonly<Record<BreakerState, number>> = { closed: 0, open: 1, "half-open": 2 };

export interface EndpointStateView {
  service: string;
  instanceId: string;
  state: BreakerState;
  /** How long it has been in this state. */
  forMs: number;
  reason: string | null;
  reasonCode: BreakerReason;
  ejections: number;
  consecutive5xx: number;
  healthy: boolean;
}

export class BreakerBoard {
  private readonly byService = new Map<string, BreakerGroup>();

  constructor(private readonly clock: Clock = systemClock) {}

  /** The group for a destination of a bundle being built; its members are created as asked for. */
  group(service: string, config: CompiledCircuitBreaker): BreakerGroup {
    let g = this.byService.get(service);
    if (!g) this.byService.set(service, (g = new BreakerGroup(service, config, () => this.clock.now())));
    return g;
  }

  /**
   * A bundle was built: each destination takes its policy and endpoints, departed endpoints and
   * destinations are forgotten. Only now, so a bundle refused halfway through changes nothing.
   */
  commit(services: Readonly<Record<string, CompiledService>>): void {
    for (const s of this.byService.keys()) if (!(s in services)) this.byService.delete(s);
    for (const [name, service] of Object.entries(services)) {
      this.group(name, service.circuitBreaker).update(
        service.circuitBreaker,
        service.endpoints.map((e) => e.instanceId),
      );
    }
  }

  endpoints(): EndpointStateView[] {
    const now = this.clock.now();
    const out: EndpointStateView[] = [];
    for (const g of this.byService.values()) {
      if (now >= g.nextReturnAt) g.returnDue(now);
      for (const b of g.breakers()) {
        out.push({ service: g.service, instanceId: b.instanceId, state: b.state, forMs: Math.round(now - b.since), reason: b.reason, reasonCode: b.reasonCode, ejections: b.ejections, consecutive5xx: b.consecutive5xx, healthy: b.healthy });
      }
    }
    return out;
  }

  /** For /stats: per destination, endpoints by instance id. */
  view(): Record<string, { ejected: number; ejectionsRefused: number; endpoints: Record<string, Omit<EndpointStateView, "service" | "instanceId">> }> {
    const out: ReturnType<BreakerBoard["view"]> = {};
    for (const { service, instanceId, ...rest } of this.endpoints()) {
      const g = this.byService.get(service)!;
      const entry = (out[service] ??= { ejected: g.ejectedCount, ejectionsRefused: g.ejectionsRefused, endpoints: {} });
      entry.endpoints[instanceId] = rest;
    }
    return out;
  }
}
