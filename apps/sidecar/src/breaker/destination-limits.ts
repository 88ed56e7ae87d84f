// The circuit-breaker limits of one destination service, as counters kept for the sidecar's
// lifetime (bundles come and go; the tries in flight do not). Envoy's model: `maxRequests` tries
// in flight, and tries beyond the destination's connection capacity wait for a connection, at most
// `maxPendingRequests` of them. Over either limit a try is refused at once.
import type { CompiledCircuitBreaker } from "@trellis/mesh-model";

export type Admission = "granted" | "granted_pending" | "max_requests" | "max_pending_requests";

export class DestinationLimits {
  /** Tries in flight (admitted, response not yet finished). */
  active = 0;
  /** Of those, the ones admitted beyond the connection capacity: queued in the pool for a connection. */
  pending = 0;
  /** Tries refused, by the limit that refused them. */
  readonly refused = { maxRequests: 0, maxPendingRequests: 0 };

  /**
   * `endpoints` sizes the connection capacity: the pools allow `maxConnections` per endpoint, so
   * that many tries per endpoint hold a connection and the rest queue.
   */
  admit(cb: CompiledCircuitBreaker, endpoints: number): Admission {
    if (this.active >= cb.maxRequests) {
      this.refused.maxRequests++;
      return "max_requests";
    }
    const waits = this.active >= cb.maxConnections * Math.max(1, endpoints);
    if (waits && this.pending >= cb.maxPendingRequests) {
      this.refused.maxPendingRequests++;
      return "max_pending_requests";
    }
    this.active++;
    if (waits) this.pending++;
    return waits ? "granted_pending" : "granted";
  }

  release(admission: Admission): void {
    this.active--;
    if (admission === "granted_pending") this.pending--;
  }
}

/** One set of limits per destination service. */
export class Limits {
  private readonly byService = new Map<string, DestinationLimits>();

  of(service: string): DestinationLimits {
    let l = this.byService.get(service);
    if (!l) this.byService.set(service, (l = new DestinationLimits()));
    return l;
  }

  /** For /stats: counters per destination. */
  view(): Record<string, { active: number; pending: number; refused: { maxRequests: number; maxPendingRequests: number } }> {
    const out: ReturnType<Limits["view"]> = {};
    for (const [service, l] of this.byService) out[service] = { active: l.active, pending: l.pending, refused: { ...l.refused } };
    return out;
  }
}
