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
  private stamp = Number.NaN;

  /** Records one round trip (request sent → response headers, or failure). */
  observe(rttMs: number, now: number): void {
    if (rttMs > this.rttMs || Number.isNaN(this.stamp)) this.rttMs = rttMs;
    else {
      const w = Math.exp(-(now - this.stamp) / DECAY_MS);
      this.rttMs = this.rttMs * w + rttMs * (1 - w);
    }
    this.stamp = now;
  }

  /** Peak-EWMA cost: the latency estimate (decaying while there is no news) times the queue it would join. */
  cost(now: number): number {
    const rtt = Number.isNaN(this.stamp) ? this.rttMs : this.rttMs * Math.exp(-Math.max(0, now - this.stamp) / DECAY_MS);
    return rtt * (this.pending + 1);
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
