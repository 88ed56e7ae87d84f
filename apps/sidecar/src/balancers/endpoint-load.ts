// Per-endpoint load as the balancers see it: requests in flight (least-request) and a peak-EWMA
// latency estimate (Linkerd's and Finagle's: a slower observation replaces the estimate at once, a
// faster one pulls it down with an exponential decay). Kept by instance id across snapshots, so a
// new bundle does not forget which endpoint is slow or busy.

/** The estimate a new endpoint starts with, as Linkerd does. */
export const DEFAULT_RTT_MS = 30;
/** How fast old observations lose weight (Linkerd: 10 s). */
export const DECAY_MS = 10_000;

export class EndpointLoad {
  /** Requests sent to this endpoint that have no response headers yet. */
  pending = 0;
  private rttMs = DEFAULT_RTT_MS;
  /** When the estimate was last set; NaN until a balancer first looks at the endpoint. */
  private stamp = Number.NaN;
  private observed = false;

  /** Records one round trip (request sent → response headers, or failure). The first replaces the default. */
  observe(rttMs: number, now: number): void {
    if (!this.observed || rttMs > this.rttMs) this.rttMs = rttMs;
    else {
      const w = Math.exp(-Math.max(0, now - this.stamp) / DECAY_MS);
      this.rttMs = this.rttMs * w + rttMs * (1 - w);
    }
    this.observed = true;
    this.stamp = now;
  }

  /**
   * Peak-EWMA cost: the latency estimate times the queue it would join. The estimate decays while
   * there is no news (from the first look, for a new endpoint), so an endpoint that lost every
   * comparison to a faster one is tried again after a while instead of never.
   */
  cost(now: number): number {
    if (Number.isNaN(this.stamp)) this.stamp = now;
    return this.rttMs * Math.exp(-Math.max(0, now - this.stamp) / DECAY_MS) * (this.pending + 1);
  }

  get rttEstimateMs(): number {
    return this.rttMs;
  }
}

/** The loads of every endpoint this sidecar knows, by instance id; departed ones are dropped on each new snapshot. */
export class EndpointLoads {
  private readonly byId = new Map<string, EndpointLoad>();

  of(instanceId: string): EndpointLoad {
    let load = this.byId.get(instanceId);
    if (!load) {
      load = new EndpointLoad();
      this.byId.set(instanceId, load);
    }
    return load;
  }

  /** Forgets endpoints that are no longer in the configuration (in-flight requests keep their own reference). */
  retain(instanceIds: ReadonlySet<string>): void {
    for (const id of this.byId.keys()) if (!instanceIds.has(id)) this.byId.delete(id);
  }

  get size(): number {
    return this.byId.size;
  }
}
